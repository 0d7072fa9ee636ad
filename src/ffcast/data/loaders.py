"""Load the embedded datasets (validated, cached, returned as copies).

Warning: set ``FFCAST_DATA_DIR`` only for tests or deliberate overrides. When it names a
directory, a dataset file found there replaces the embedded one (files it lacks still come
from the package), and the replacement passes the same validation gate. Nothing is ever read
from the network or from outside the package otherwise.
"""

from __future__ import annotations

import functools
import os
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from ffcast.data.countries import country_frame, is_known_iso3, is_remainder
from ffcast.data.repeats import one_vote
from ffcast.data.schema import FF_LINKED, KNOWLEDGE_CUTOFF, SPECS, DatasetSpec
from ffcast.data.validate import Context, read_table, validate_frame
from ffcast.errors import FFCastError, did_you_mean, echo

DATA_DIR_ENV = "FFCAST_DATA_DIR"
# files/ has no __init__.py: address it from the regular package so wheels work too
_PACKAGE = "ffcast.data"


class UnknownDatasetError(FFCastError):
    """A dataset name that does not exist (message lists the valid names)."""


def names() -> list[str]:
    """Names of all datasets, in a stable order."""
    return list(SPECS)


def spec_of(name: str) -> DatasetSpec:
    """The spec of dataset ``name``.

    Raises:
        UnknownDatasetError: no such dataset; suggests the nearest name and lists all.
    """
    if name in SPECS:
        return SPECS[name]
    near = did_you_mean(name, SPECS)
    hint = f"did you mean {near!r}? " if near else ""
    raise UnknownDatasetError(
        f"dataset: unknown dataset {echo(name)}; {hint}valid names: {', '.join(SPECS)}"
    )


def load(name: str) -> pd.DataFrame:
    """Dataset ``name`` as a validated DataFrame (a fresh copy; the cache stays untouched).

    Raises:
        UnknownDatasetError: no such dataset.
        DataValidationError: the file breaks a rule of the gate (names file, row, rule).
    """
    spec = spec_of(name)
    return _cached(spec.name, data_state()).copy(deep=True)


def sources() -> pd.DataFrame:
    """The source registry: id, publisher, title, date, url, grade, notes."""
    return load("sources")


def producer_kind(source: str, default: str = "press") -> str:
    """The kind of producer (``official``, ``research`` or ``press``) behind a statement whose
    ``source`` cell cites ``source`` ("A;B": the first id leads), from the source registry's
    ``kind`` column; ``default`` when the id is not in the registry."""
    first = str(source).split(";")[0].strip()
    return _kinds(data_state()).get(first, default)


@functools.cache
def _kinds(state: tuple[tuple[str, int], ...]) -> dict[str, str]:
    registry = _cached("sources", state)
    return dict(zip(registry["id"], registry["kind"], strict=True))


def countries() -> pd.DataFrame:
    """Every known country code with name, model region and region display name."""
    return load("countries")


def calibration_data(name: str, cutoff: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """What a model may use of ``name`` at ``cutoff``: one row per estimate, known by then.

    Warning: this is the one home of cut-off discipline for the data. A row enters only when
    it was **published** by the end of the cut-off month (default and cap: the knowledge
    cut-off, 2016-12-31), whatever its ``as_of``; flagged rows (wrong measure, wider scope,
    annual, unverifiable, suspect, ...) never enter; and re-reports are folded into the
    estimate they repeat (:func:`ffcast.data.repeats.one_vote`), so each estimate counts once.

    Raises:
        FFCastError: ``name`` is backtest-only data (``validation_returnees``).
    """
    spec = spec_of(name)
    if not spec.calibration:
        raise FFCastError(
            f"dataset: {name!r} is for backtests only and never calibrates; "
            "use load() to read it for scoring"
        )
    return _calibration(spec.name, cutoff_end(cutoff), data_state()).copy(deep=True)


def cutoff_end(cutoff: str | pd.Timestamp | None = None) -> pd.Timestamp:
    """Last day of the month ``cutoff`` names ("2015-12" -> 2015-12-31), at most 2016-12-31.

    Raises:
        FFCastError: ``cutoff`` is not a date.
    """
    if cutoff is None:
        return KNOWLEDGE_CUTOFF
    if isinstance(cutoff, str) and not re.fullmatch(r"\s*\d{4}-\d{2}(-\d{2})?\s*", cutoff):
        # "2016" would parse as 2016-01-01 and cut the data at January, not December.
        raise FFCastError(f"cutoff: {echo(cutoff)} is not a month; fix: write YYYY-MM, "
                          "e.g. 2016-12")
    try:
        end = pd.Period(pd.Timestamp(str(cutoff)), "M").end_time.normalize()
    except ValueError as exc:
        raise FFCastError(f"cutoff: {echo(cutoff)} is not a date; fix: write YYYY-MM") from exc
    return min(end, KNOWLEDGE_CUTOFF)


@functools.cache
def _calibration(name: str, end: pd.Timestamp, state: tuple[tuple[str, int], ...]
                 ) -> pd.DataFrame:
    spec = SPECS[name]
    frame = _cached(name, state)
    if spec.dated:
        frame = frame[(frame["published_date"] <= end) & ~frame["post_cutoff"]]
    if spec.flag_column:
        frame = frame[frame[spec.flag_column] == ""]
    return one_vote(frame, spec).reset_index(drop=True)


def context(skip_sources: bool = False) -> Context:
    """Validation context in effect: the source registry's ids and the country check."""
    ids = None if skip_sources else frozenset(load("sources")["id"])
    return Context(source_ids=ids, iso3_known=is_known_iso3, is_remainder=is_remainder)


def used_source_ids() -> set[str]:
    """Every source id cited by any dataset (";"-joined cells split)."""
    used: set[str] = set()
    for name, spec in SPECS.items():
        if spec.source_column is None:
            continue
        for cell in load(name)[spec.source_column]:
            used.update(part.strip() for part in str(cell).split(";") if part.strip())
    return used


def validate_file(name: str, path: str | Path) -> pd.DataFrame:
    """Validate the file at ``path`` as dataset ``name`` (e.g. a corrupted copy in a test).

    Sources are resolved against the registry currently in effect (embedded, or
    ``FFCAST_DATA_DIR``); when ``name`` is ``"sources"`` the file itself is the registry.

    Raises:
        DataValidationError: the file breaks a rule.
        FFCastError: ``name`` is not a dataset.
    """
    spec = spec_of(name)
    path = Path(path)
    raw = read_table(path, str(path), [c.name for c in spec.columns])
    ctx = context(skip_sources=spec.source_column is None)
    return validate_frame(spec.name, raw, str(path), ctx)


def locate(spec: DatasetSpec) -> tuple[Path | Traversable, str]:
    """Where the file of ``spec`` is read from, and the label used in error messages."""
    assert spec.file is not None
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        directory = Path(override)
        if not directory.is_dir():
            raise FFCastError(
                f"{DATA_DIR_ENV}: {override!r} is not a directory; "
                f"fix: point it at a directory of dataset files or unset it"
            )
        candidate = directory / spec.file
        if candidate.is_file():
            return candidate, str(candidate)
    return files(_PACKAGE).joinpath("files", spec.file), spec.file


def data_state() -> tuple[tuple[str, int], ...]:
    """A cache key for the data in effect: the override files present and their stamps.

    Empty when no override is set (the embedded files never change at run time). It covers
    every file, not only the one loaded, because validation reads the source registry too;
    it includes mtime and size so a test that rewrites a file in place gets the new content.
    """
    if not os.environ.get(DATA_DIR_ENV):
        return ()
    state = []
    for spec in SPECS.values():
        if spec.file is None:
            continue
        where, _ = locate(spec)
        if isinstance(where, Path):
            stat = where.stat()
            state.append((str(where), stat.st_mtime_ns * 1_000_003 + stat.st_size))
    return tuple(state)


@functools.cache
def _cached(name: str, state: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    spec = SPECS[name]
    if spec.file is None:
        raw, label = country_frame(), "countries (built from pycountry)"
    else:
        path, label = locate(spec)
        raw = read_table(path, label, [c.name for c in spec.columns])
    frame = validate_frame(name, raw, label, context(skip_sources=spec.source_column is None))
    derive = _DERIVED.get(name)
    return derive(frame) if derive else frame


def _territory_shares(frame: pd.DataFrame) -> pd.DataFrame:
    # IHS's baseline: "in January 2015 ... some 90,800 sq km" (IHS2015); every later
    # IHS percentage is relative to it, so the share is comparable with the releases.
    frame["share_of_jan2015"] = frame["area_km2"] / TERRITORY_BASELINE_KM2
    return frame


def _attack_links(frame: pd.DataFrame) -> pd.DataFrame:
    # "Linked to foreign fighters" means a perpetrator had travelled to Syria/Iraq (sent back
    # by IS or came back); kept apart from jihadist terrorism in general.
    frame["ff_linked"] = frame["ff_link"].isin(FF_LINKED)
    frame["year"] = frame["date"].dt.year.astype("int64")
    return frame


TERRITORY_BASELINE_KM2 = 90_800.0
_DERIVED = {"territory": _territory_shares, "attacks_west": _attack_links}
