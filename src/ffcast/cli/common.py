"""Helpers shared by all CLI command modules: one-line errors, progress, JSON output.

Warning first: the CLI only *translates*. Every check lives at the library's door
(:mod:`ffcast.options`, the scenario models, the data gate); this module turns what they
raise, and what Typer/Click raise for a malformed command line, into one line
``error: <what>; fix: <how>`` on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click
import typer
from typer.core import TyperGroup

from ffcast.errors import ECHO_LIMIT, FFCastError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
# Library argument names that the CLI spells differently.
_FLAG_OF = {"end": "--end", "start": "--start", "until": "--until", "cutoff": "--cutoff",
            "out": "--out", "chunk_size": "--chunk-size", "draws": "--draws",
            "seed": "--seed", "countries": "--countries", "posterior": "--posterior",
            "workers": "--workers", "scheduler": "--scheduler", "lazy": "--lazy"}


def one_line(message: str, limit: int = 400) -> str:
    """``message`` on one line, quoted values cut to the echo limit, at most ``limit`` chars."""
    text = " ".join(str(message).split())
    long_quote = re.compile("'([^']{" + str(ECHO_LIMIT + 1) + ",})'")
    text = long_quote.sub(lambda m: "'" + m.group(1)[: ECHO_LIMIT - 3] + "…'", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_flag(message: str) -> str:
    """``draws: ...`` -> ``--draws: ...`` (library field names as the CLI spells them)."""
    match = re.match(r"^([a-z_]+):", message)
    if match and match.group(1) in _FLAG_OF:
        return _FLAG_OF[match.group(1)] + message[match.end(1):]
    return message


def fail(message: str) -> None:
    """Print ``error: message`` (one line) on stderr."""
    typer.echo(f"error: {one_line(as_flag(message))}", err=True)


def user_errors(func: F) -> F:
    """Turn :class:`FFCastError` into one line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FFCastError as exc:
            fail(str(exc))
            raise typer.Exit(code=EXIT_USER_ERROR) from exc

    return wrapper  # type: ignore[return-value]


class OneLineErrors(TyperGroup):
    """The root command group: command-line errors (a bad option value, an unknown option or
    command) become one ``error: ...; fix: ...`` line and exit code 2, as library errors do."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        except click.ClickException as exc:
            where = exc.ctx.command_path if getattr(exc, "ctx", None) else "ffcast"
            fail(f"{exc.format_message()}; fix: see `{where} --help`")
            code = EXIT_USER_ERROR
        except click.exceptions.Abort:
            fail("interrupted; nothing was written")
            code = EXIT_INTERRUPTED
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@contextlib.contextmanager
def progress(label: str, total: int, quiet: bool = False,
             unit: str = "draws") -> Iterator[Callable[[int], None]]:
    """Report progress of one stage of ``total`` units on stderr; yields ``advance(n)``.

    In a terminal: a rich progress bar. Otherwise (output piped to a file or a CI log): a
    line when the stage starts (the first ``advance``, which the library makes with 0 once
    its input checks passed) and one when it ends, with the elapsed time, so a log shows
    where the time went. ``quiet`` turns both off.
    """
    if quiet:
        yield lambda n: None
        return
    stderr = sys.stderr
    if stderr.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=Console(stderr=True),
                      transient=True) as bar:
            task = bar.add_task(label, total=total or None)
            yield lambda n: bar.advance(task, n)
        return
    t0 = time.perf_counter()
    done, started = 0, False

    def advance(n: int) -> None:
        # The library calls advance(0) once its checks passed and the work starts, so an
        # input error stays the one line it should be.
        nonlocal done, started
        if not started:
            started = True
            print(f"ffcast: {label}: started ({total:,} {unit})", file=stderr, flush=True)
        done += n

    yield advance
    if started:
        print(f"ffcast: {label}: {done:,}/{total:,} {unit} in {time.perf_counter() - t0:.1f} s",
              file=stderr, flush=True)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (NaN/NA/NaT -> null, dates -> ISO strings)."""
    typer.echo(json.dumps(_clean(obj), indent=2, default=_default, allow_nan=False))


def _clean(obj: Any) -> Any:
    # json.dumps never calls `default` for floats, so NaN must be replaced before dumping.
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # a DataFrame: list of records
        return [_clean(r) for r in obj.to_dict("records")]
    if isinstance(obj, str | bool) or obj is None:
        return obj
    if _is_missing(obj):
        return None
    if hasattr(obj, "item") and not hasattr(obj, "isoformat"):  # numpy scalar
        return _clean(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _is_missing(obj: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a hard dependency
        return isinstance(obj, float) and math.isnan(obj)
    try:
        return bool(pd.isna(obj))
    except (TypeError, ValueError):  # arrays and other containers are not "missing"
        return False


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
