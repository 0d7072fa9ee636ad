"""The library's door: one validated options object for every run, forecast and comparison.

Warning first: every argument a user can pass to :func:`ffcast.simulate`,
:func:`ffcast.forecast`, :func:`ffcast.compare`, :func:`ffcast.runner.run`, the report, the
experiments or the CLI is checked *here*, once, before any work starts; a bad value raises
:class:`ffcast.errors.OptionsError` (an :class:`FFCastError`) with one line naming the
argument, the rule and the fix. The CLI and the dashboard only translate their inputs into
these fields, so a notebook, a terminal and a browser get the same answer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from ffcast.defaults import DEFAULT_CHUNK
from ffcast.errors import OptionsError, echo
from ffcast.scenario.fields import Month, Seed, check_whole

MAX_DRAWS = 1_000_000
MAX_CHUNK = 100_000
MAX_WORKERS = 256
#: Work guard: draws x months x countries above this would take hours even on a cluster.
MAX_COUNTRY_MONTHS = 20_000_000_000


def _draws(value: object) -> int:
    return check_whole(value, 1, MAX_DRAWS, "a number of draws")


def _chunk(value: object) -> int:
    return check_whole(value, 1, MAX_CHUNK, "a chunk size")


def _workers(value: object) -> int | None:
    return None if value is None else check_whole(value, 1, MAX_WORKERS, "a number of workers")


def _scheduler(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"(tcp|tls|inproc|ucx)://\S{1,200}",
                                                      value.strip()):
        raise ValueError(f"{echo(value)} is not a scheduler address; fix: write "
                         "tcp://HOST:PORT (the address `dask scheduler` prints)")
    return value.strip()


def _countries(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [c for c in value.split(",") if c.strip()]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{echo(value)} is not a list of ISO3 codes; fix: e.g. ['FRA', 'DEU']")
    if len(value) > 400:
        raise ValueError(f"{len(value)} codes is more than there are countries")
    from ffcast.scenario.validation import check_countries

    return list(dict.fromkeys(check_countries(list(value))))


def _posterior(value: object) -> object:
    from ffcast.calibrate.posterior import Posterior

    if value is None or isinstance(value, Posterior | Path):
        return value
    if isinstance(value, str) and 0 < len(value) <= 4096:
        return value
    raise ValueError(f"{echo(value)} is not a posterior; fix: pass 'auto', 'prior', a file "
                     "from `ffcast calibrate` or a Posterior")


class RunOptions(BaseModel):
    """How to run: draws, seed, months, countries, parameters and where to compute.

    ``start``/``end`` are the first recorded and the last simulated month; ``posterior`` is
    ``"auto"`` (the shipped posterior for the scenario's cut-off, else the priors),
    ``"prior"``/``None``, a file, or a :class:`ffcast.calibrate.Posterior`; ``workers`` starts
    a local Dask cluster, ``scheduler`` uses one at ``tcp://HOST:PORT`` (numbers identical).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    draws: Annotated[int, BeforeValidator(_draws)] = 1000
    seed: Seed = 0
    start: Month = "2011-01"
    end: Month = "2026-12"
    chunk_size: Annotated[int, BeforeValidator(_chunk)] = DEFAULT_CHUNK
    countries: Annotated[list[str] | None, BeforeValidator(_countries)] = None
    posterior: Annotated[Any, BeforeValidator(_posterior)] = "auto"
    workers: Annotated[int | None, BeforeValidator(_workers)] = None
    scheduler: Annotated[str | None, BeforeValidator(_scheduler)] = None

    @model_validator(mode="after")
    def _consistent(self) -> RunOptions:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}; fix: swap them")
        if self.workers is not None and self.scheduler is not None:
            raise ValueError("workers: choose one of workers and scheduler; workers starts a "
                             "local cluster, scheduler uses an existing one")
        return self

    def check_work(self, countries: int, months: int) -> None:
        """Refuse a run whose size is absurd (the estimate is in the message)."""
        size = self.draws * countries * months
        if size > MAX_COUNTRY_MONTHS:
            raise OptionsError(f"draws: {self.draws:,} draws x {countries} countries x "
                               f"{months} months = {size:.2g} country-months, hours of work; "
                               "fix: use fewer draws, countries or months")


def run_options(**fields: Any) -> RunOptions:
    """:class:`RunOptions` from keyword arguments; raises :class:`OptionsError` (one line)."""
    try:
        return RunOptions(**fields)
    except ValidationError as exc:
        raise as_options_error(exc) from None


def as_options_error(exc: ValidationError, flags: dict[str, str] | None = None) -> OptionsError:
    """One :class:`OptionsError` line for a pydantic error: ``field: rule; fix`` (+ count)."""
    from ffcast.scenario.validation import explain

    errors = exc.errors()
    err = errors[0]
    if not err["loc"]:  # a rule across fields: its message starts with the field to fix
        return OptionsError(explain(err))
    name = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        from ffcast.errors import suggestion

        msg = f"unknown argument{suggestion(name, RunOptions.model_fields)}"
    else:
        msg = explain(err)
    name = (flags or {}).get(name, name)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return OptionsError(f"{name}: {msg}{more}")
