"""Helpers shared by all CLI command modules: one-line errors, progress, JSON output.

Warning first: the CLI only *translates*. Every check lives at the library's door
(:mod:`ffcast.options`, the scenario models, the data gate); this module turns what they
raise, and what Typer/Click raise for a malformed command line, into one line
``error: <what>; fix: <how>`` on stderr and exit code 2, with no traceback.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import typer
from typer.core import TyperGroup

from ffcast.errors import ECHO_LIMIT, FFCastError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

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
    # Unquoted input too (a path a library message repeats): no word beyond the limit.
    long_word = re.compile(r"\S{" + str(ECHO_LIMIT + 1) + ",}")
    text = long_word.sub(lambda m: m.group(0)[: ECHO_LIMIT - 1] + "…", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_flag(message: str) -> str:
    """``draws: ...`` -> ``--draws: ...`` (library field names as the CLI spells them)."""
    match = re.match(r"^([a-z_]+):", message)
    if match and match.group(1) in _FLAG_OF:
        return _FLAG_OF[match.group(1)] + message[match.end(1):]
    return message


def warn_policy_reach(scenario: object, end: str, countries: list[str] | None = None) -> None:
    """Print ``warning: ...`` on stderr when the scenario's levers change nothing in this run
    (:func:`ffcast.engine.prepared.policy_reach_problem`)."""
    from ffcast.engine.prepared import policy_reach_problem
    from ffcast.scenario import load_scenario

    try:
        why = policy_reach_problem(load_scenario(scenario), end,  # type: ignore[arg-type]
                                   countries)
    except (ValueError, FFCastError):  # a bad scenario or month: the run itself says so
        return
    if why:
        typer.echo(f"warning: {one_line(why)}", err=True)


def fail(message: str) -> None:
    """Print ``error: message`` (one line) on stderr."""
    typer.echo(f"error: {one_line(as_flag(message))}", err=True)


def user_errors(func: F) -> F:
    """Turn :class:`FFCastError` (and running out of memory) into one line on stderr and
    exit code 2 (no traceback). The command runs in :func:`ffcast.files.output_scope`: when it
    fails (an error, an interrupt), the files and folders it created are removed."""
    from ffcast.files import output_scope

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with output_scope():
                return func(*args, **kwargs)
        except FFCastError as exc:
            fail(str(exc))
            raise typer.Exit(code=EXIT_USER_ERROR) from exc
        except MemoryError as exc:  # e.g. a chunk of draws larger than this machine's memory
            fail(f"out of memory ({one_line(str(exc), 120)}); fix: use a smaller "
                 "--chunk-size, or fewer draws, countries or months")
            raise typer.Exit(code=EXIT_USER_ERROR) from None
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            # The disk filled while writing (the estimate checked before is a lower
            # bound): what was written is removed on the way out (output_scope, the writer).
            fail(f"{exc.filename or 'out'}: no space left on the disk ({exc.strerror}); fix: "
                 "free some space, write to another disk, or use fewer --draws")
            raise typer.Exit(code=EXIT_USER_ERROR) from None

    return wrapper  # type: ignore[return-value]


def _named(cls: type, name: str) -> tuple[type, ...]:
    """The classes called ``name`` in ``cls``'s MRO (Typer may vendor its own Click)."""
    return tuple(k for k in cls.__mro__ if k.__name__ == name)


# Command-line errors and interrupts from Click and from the Click copy inside Typer.
CLICK_ERRORS: tuple[type[BaseException], ...] = tuple(dict.fromkeys(
    (click.ClickException, *_named(typer.BadParameter, "ClickException"))))
ABORTS: tuple[type[BaseException], ...] = tuple(dict.fromkeys(
    (click.exceptions.Abort, *_named(typer.Abort, "Abort"), KeyboardInterrupt)))


class OneLineErrors(TyperGroup):
    """The root command group: command-line errors (a bad option value, an unknown option or
    command) become one ``error: ...; fix: ...`` line and exit code 2, as library errors do."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        except CLICK_ERRORS as exc:
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "ffcast"
            fail(f"{_option_message(exc).rstrip('.')}; fix: see `{where} --help`")
            code = EXIT_USER_ERROR
        except ABORTS:
            fail("interrupted; nothing was written")
            code = EXIT_INTERRUPTED
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _option_message(exc: BaseException) -> str:
    """Click's message, naming the option when Click left it out (Typer's own coercion)."""
    text = exc.format_message()  # type: ignore[attr-defined]
    param = getattr(exc, "param", None)
    names = getattr(param, "opts", None) or []
    name = names[0] if names else getattr(param, "name", None)
    if name and name not in text and not text.startswith(("Invalid value", "Missing")):
        if not name.startswith("-"):
            name = name.upper()
        text = f"{name}: {text[:1].lower()}{text[1:]}"
    return text


class Stages:
    """Progress of a command's stages on stderr, one after the other.

    In a terminal: a rich progress bar per stage (a spinner for a stage without a total).
    Otherwise (output piped to a file or a CI log): a line when a stage starts and one when
    it ends, with the elapsed time, so a log shows where the time went. ``quiet`` turns both
    off. A stage starts at its first :meth:`advance` or :meth:`note` (the library calls
    ``advance(0)`` once its input checks passed, so an input error stays the one line it
    should be), or at once with ``now=True`` (a stage that follows finished work).
    """

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.label = ""
        self.total = 0
        self.unit = ""
        self.done = 0
        self.started = False
        self._t0 = 0.0
        self._bar: Any = None
        self._task: Any = None

    def start(self, label: str, total: int = 0, unit: str = "draws",
              now: bool = False) -> None:
        """End the current stage (if any) and open ``label`` of ``total`` ``unit`` (0: no
        count); it shows at its first advance, or at once with ``now``."""
        self.finish()
        self.label, self.total, self.unit, self.done = label, int(total), unit, 0
        self.started = False
        if now:
            self._begin()

    def _begin(self) -> None:
        self.started = True
        self._t0 = time.perf_counter()
        if self.quiet:
            return
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            columns = ((TextColumn(self.label), BarColumn(), MofNCompleteColumn())
                       if self.total else (SpinnerColumn(), TextColumn(self.label)))
            self._bar = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True),
                                 transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total or None)
            return
        size = f" ({self.total:,} {self.unit})" if self.total else ""
        print(f"ffcast: {self.label}: started{size}", file=sys.stderr, flush=True)

    def advance(self, n: int = 0) -> None:
        """``n`` more units of the current stage are done (0: the work starts)."""
        if not self.started:
            self._begin()
        self.done += n
        if self._bar is not None and n:
            self._bar.advance(self._task, n)

    def finish(self) -> None:
        """End the current stage: its end line (piped) or the bar's removal (terminal)."""
        if not self.started:
            return
        self.started = False
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if self.quiet or self.tty:
            return
        seconds = time.perf_counter() - self._t0
        size = f"{self.done:,}/{self.total:,} {self.unit} " if self.total else ""
        print(f"ffcast: {self.label}: done, {size}in {seconds:.1f} s", file=sys.stderr,
              flush=True)


    def note(self, text: str) -> None:
        """A line of news within the current stage (above the bar in a terminal)."""
        if not self.started:
            self._begin()
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr, flush=True)

    def abort(self) -> None:
        """Drop the current stage without an end line (the command failed)."""
        self.started = False
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextlib.contextmanager
def stages(quiet: bool = False) -> Iterator[Stages]:
    """A :class:`Stages` whose last stage is closed on exit (dropped after an error)."""
    st = Stages(quiet)
    try:
        yield st
    except BaseException:
        st.abort()
        raise
    st.finish()


@contextlib.contextmanager
def progress(label: str, total: int, quiet: bool = False,
             unit: str = "draws") -> Iterator[Callable[[int], None]]:
    """One stage of ``total`` units (see :class:`Stages`); yields ``advance(n)``."""
    with stages(quiet) as st:
        st.start(label, total, unit)
        yield st.advance


def folder_exists(path: Path) -> bool:
    """True if ``path``'s folder exists, or cannot even be looked up (a name too long for the
    file system: :func:`ffcast.files.check_output` then says so in one line)."""
    try:
        return path.parent.exists()
    except OSError:
        return True


def require_chromium(flag: str) -> None:
    """Refuse PNG output before any work when no Chromium is installed (kaleido needs one)."""
    from ffcast.plots.export import find_chromium

    if find_chromium() is None:
        raise FFCastError(f"{flag}: PNG export needs Chromium, which was not found; fix: "
                          "install Debian's `chromium` (`bash scripts/ensure_chromium.sh`), "
                          "or ask for .html")


def fit_numbers(table: Table) -> Table:
    """Make every right-aligned (numeric) column at least as wide as its widest cell and
    fold rather than cut, so no number is wrapped or ellipsised to fit a narrow terminal
    (the words of the text columns wrap instead)."""
    from rich.text import Text

    for column in table.columns:
        if column.justify != "right":
            continue
        widths = [Text.from_markup(c).cell_len if isinstance(c, str) else c.cell_len
                  for c in column.cells if isinstance(c, str | Text)]
        column.min_width = max([column.min_width or 0, *widths])
        column.overflow = "fold"
    return table


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` with every number whole (:func:`fit_numbers`). When even then it is
    wider than the terminal, print it at the width it needs (the terminal wraps the lines)
    rather than cut numbers: a table that cuts a number is a wrong answer."""
    fit_numbers(table)
    need = console.measure(table, options=console.options.update_width(10_000)).minimum
    console.print(table, width=need if need > console.width else None, crop=False)


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


def checked_cutoff(cutoff: str, flag: str = "cutoff") -> str:
    """``cutoff`` checked against the months the data support (raises OptionsError naming
    ``flag`` and the fix): the one check of every command's cut-off option."""
    from ffcast.errors import OptionsError
    from ffcast.scenario.fields import check_cutoff

    try:
        return check_cutoff(cutoff)
    except ValueError as exc:
        raise OptionsError(f"{flag}: {exc}") from None
