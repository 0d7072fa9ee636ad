"""Observed counts to score forecasts against: read and validate them once, at the door.

Warning before use: observations of foreign fighters are *reported* numbers (government
statements, think-tank tallies), often rounded, cumulative and revised. Each row must say where
it comes from (``source``) and when it was true (``as_of``); two rows for the same country,
quantity and month from different sources are allowed and kept, since they are how the
uncertainty shows.

File format: a UTF-8, comma-separated CSV with a header line and the columns

==========  ========  =====================================================================
column      required  rule
==========  ========  =====================================================================
iso3        yes       country code known to :func:`ffcast.data.is_known_iso3` (ISO 3166-1
                      alpha-3 plus ffcast's extra codes); any case, normalised to upper case
quantity    yes       one of :data:`QUANTITIES` or an alias in :data:`QUANTITY_ALIASES`
                      (normalised to the canonical name)
value       yes       finite number ``>= 0`` (people or events, as the quantity says)
as_of       yes       ``YYYY-MM`` or ``YYYY-MM-DD``: the date the value refers to
source      yes       non-empty citation
low, high   no        finite bounds with ``low <= value <= high``; a blank cell means none
notes       no        free text, kept as written ('' when absent)
covers      no        whom the figure counts: ``everyone`` (blank), ``adults``, ``men``,
                      ``women`` or ``minors``; any case. Only for cumulative_returned,
                      cumulative_travelled, killed and in_theatre: the figure is then
                      compared with the matching modelled groups
==========  ========  =====================================================================

Every broken rule raises :class:`ffcast.errors.ObservationError` with the message
``"<file>: row <n> (line <m>): <column>: <rule>; fix: <how>"``, where ``n`` counts data rows
from 1 and ``m`` is the physical line of the file where the row starts (the header is line 1).
Header problems read ``"<file>: header (line 1): ..."`` and whole-file problems
``"<file>: <rule>; fix: <how>"``. Only the first problem is reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ffcast.data.schema import GROUP_SCOPES, scope_of
from ffcast.errors import ECHO_LIMIT, ObservationError, did_you_mean, echo
from ffcast.scenario.fields import MONTH_MAX

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "QUANTITIES",
    "QUANTITY_ALIASES",
    "REQUIRED_COLUMNS",
    "read_observations",
    "validate_observations",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("iso3", "quantity", "value", "as_of", "source")
OPTIONAL_COLUMNS: tuple[str, ...] = ("low", "high", "notes", "published", "covers")
COLUMNS: tuple[str, ...] = (
    "iso3",
    "quantity",
    "value",
    "low",
    "high",
    "as_of",
    "month",
    "source",
    "notes",
    "published_date",
    "covers",
)
"""Columns of the frame returned by :func:`read_observations`, in order. ``published_date``
(optional in the file as ``published``, YYYY-MM or YYYY-MM-DD; NaT when blank) is when the
figure became public: ``ffcast calibrate --observations`` fits only rows published by the
cut-off and refuses a file without the column. ``covers`` ("" for everyone) says whom the
figure counts (:data:`COVERS`)."""

#: Whom a figure may count (``covers``), and the quantities that have a count by group (each
#: with the statement measure it is, :func:`ffcast.engine.groups.covered`).
COVERS: tuple[str, ...] = GROUP_SCOPES
COVERED_QUANTITIES: Mapping[str, str] = {"cumulative_returned": "returned",
                                         "cumulative_travelled": "travelled",
                                         "killed": "dead", "in_theatre": "in_theatre"}

QUANTITIES: tuple[str, ...] = (
    "cumulative_returned",
    "cumulative_travelled",
    "killed",
    "in_theatre",
    "detained_in_theatre",
    "joined_other",
    "relocated",
    "dispatched",
    "attacks",
    "attack_deaths",
)
"""Quantities an observation may report (names of the model's stocks and flows)."""

MAX_VALUE = 10_000_000  # no count of foreign fighters or of their attacks comes near this
MAX_FILE_BYTES = 20_000_000  # a table of published figures: thousands of rows, not millions
AS_OF_MIN = "1900-01"  # earlier dates are typos; later than MONTH_MAX ffcast never forecasts
#: Observation sets shipped with ffcast, usable by name (e.g. ``--observations
#: validation_returnees``): the public post-cut-off validation set, for scoring only.
SHIPPED: tuple[str, ...] = ("validation_returnees",)

QUANTITY_ALIASES: Mapping[str, str] = {
    "returned": "cumulative_returned",
    "travelled": "cumulative_travelled",
    "dead": "killed",
}
"""Accepted spellings from published tallies, mapped to the canonical quantity."""

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
_ISO3 = re.compile(r"[A-Za-z]{3}")
_OTHER_DELIMITERS = (";", "\t", "|")


@dataclass(frozen=True)
class _Where:
    """Location of a record in its file, for messages."""

    row: int
    line: int

    def __str__(self) -> str:
        return f"row {self.row} (line {self.line})"


def _cut(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` (a file name, a column typed by the user) cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fail(name: str, where: object, column: str, rule: str, fix: str) -> ObservationError:
    """Build the one-line error ``<file>: <where>: <column>: <rule>; fix: <how>``."""
    return ObservationError(f"{name}: {where}: {column}: {rule}; fix: {fix}")


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------


def _check_header(name: str, header: list[str], where: str) -> None:
    """Check required columns are present, none unknown, none repeated."""
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    unknown = [column for column in header if column not in known]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            near = did_you_mean(column, unknown)
            fix = (
                f"rename column '{near}' to '{column}'"
                if near
                else f"add a '{column}' column (required: {', '.join(REQUIRED_COLUMNS)})"
            )
            raise ObservationError(
                f"{name}: {where}: {column}: required column missing; fix: {_cut(fix)}"
            )
    for column in unknown:
        near = did_you_mean(column, known)
        fix = f"did you mean '{near}'? rename it" if near else "remove the column"
        allowed = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
        raise ObservationError(
            f"{name}: {where}: {_cut(column) or '(blank)'}: unknown column (allowed: {allowed}); "
            f"fix: {fix}"
        )
    for column in header:
        if header.count(column) > 1:
            raise ObservationError(
                f"{name}: {where}: {_cut(column)}: column appears more than once; fix: keep one"
            )


# --------------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------------


def _is_blank(cell: object) -> bool:
    """True for None, NaN, pandas NA and whitespace-only strings."""
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip()
    try:
        return bool(pd.isna(cell))
    except (TypeError, ValueError):
        return False


def _text(cell: object) -> str:
    """A cell as stripped text ('' when blank)."""
    return "" if _is_blank(cell) else str(cell).strip()


def _known_iso3(code: str) -> bool:
    """Ask the data layer whether ``code`` (upper case) is a known ISO3 code."""
    # Imported here, not at module load: the data layer owns the country list, and this keeps
    # the dependency one-way (backtest -> data) without paying for it on import.
    from ffcast.data import is_known_iso3

    return bool(is_known_iso3(code))


def _parse_iso3(cell: object, fail: _Failer) -> str:
    text = _text(cell)
    if not text:
        raise fail("iso3", "missing", "give the ISO 3166-1 alpha-3 code, e.g. FRA")
    code = text.upper()
    # The data layer decides what is known (it adds codes such as XKX and ICSR's "ISR;PSE"),
    # so ask it first and only use the 3-letter shape to word the error.
    if _known_iso3(code):
        return code
    if not _ISO3.fullmatch(text):
        raise fail(
            "iso3",
            f"{echo(text)} is not a 3-letter code",
            "use the ISO 3166-1 alpha-3 code (e.g. FRA, not FR or France)",
        )
    raise fail(
        "iso3",
        f"{echo(text)} is not a known ISO 3166-1 alpha-3 code",
        "check the code against ISO 3166-1 (e.g. DEU for Germany, GBR for the UK)",
    )


def _parse_quantity(cell: object, fail: _Failer) -> str:
    text = _text(cell)
    key = text.lower()
    if key in QUANTITIES:
        return key
    if key in QUANTITY_ALIASES:
        return QUANTITY_ALIASES[key]
    near = did_you_mean(key, (*QUANTITIES, *QUANTITY_ALIASES)) if key else None
    allowed = ", ".join(QUANTITIES)
    fix = f"did you mean '{QUANTITY_ALIASES.get(near, near)}'?" if near else f"use one of {allowed}"
    rule = f"{echo(text)} is not a known quantity" if text else "missing"
    raise fail("quantity", rule, fix)


def _parse_number(cell: object, column: str, fail: _Failer, *, required: bool) -> float:
    """Parse a finite, non-negative number; NaN for a blank optional cell."""
    if _is_blank(cell):
        if required:
            raise fail(column, "missing", "give a number >= 0")
        return math.nan
    if isinstance(cell, bool):
        raise fail(column, f"{cell!r} is not a number", "give a number >= 0")
    try:
        number = float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise fail(
            column,
            f"{echo(_text(cell))} is not a number",
            "write a plain number such as 1200 or 1200.5 (no thousands separators or units)",
        ) from None
    if not math.isfinite(number):
        raise fail(column, f"{echo(_text(cell))} is not finite", "give a finite number >= 0")
    if number < 0:
        raise fail(column, f"{number:g} is negative", "counts must be >= 0")
    if number > MAX_VALUE:
        raise fail(column, f"{number:g} is more than {MAX_VALUE:,} people or events",
                   "check the units: about 40,000 people travelled in all")
    return number


def _parse_as_of(cell: object, fail: _Failer, column: str = "as_of"
                 ) -> tuple[str, dt.date]:
    """Parse ``as_of`` (or another date ``column``); return the text as written and the
    first day of its month."""
    if isinstance(cell, dt.date):  # also pandas.Timestamp and datetime.datetime
        cell = cell.isoformat()[:10]
    text = _text(cell)
    match = _DATE.fullmatch(text)
    fix = "write the date as YYYY-MM or YYYY-MM-DD, e.g. 2017-10"
    if not match:
        raise fail(column, f"{echo(text)} is not a date" if text else "missing", fix)
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        dt.date(year, month, day)
    except ValueError:
        raise fail(column, f"{echo(text)} is not a valid calendar date", fix) from None
    if not AS_OF_MIN <= f"{year:04d}-{month:02d}" <= MONTH_MAX:
        raise fail(column, f"{echo(text)} is outside {AS_OF_MIN}..{MONTH_MAX} (ffcast "
                   f"forecasts to {MONTH_MAX})", "give the month the value refers to")
    return text, dt.date(year, month, 1)


class _Failer:
    """Builds errors located at one record."""

    def __init__(self, name: str, where: _Where) -> None:
        self.name = name
        self.where = where

    def __call__(self, column: str, rule: str, fix: str) -> ObservationError:
        return _fail(self.name, self.where, column, rule, fix)


def _parse_record(record: Mapping[str, object], fail: _Failer) -> dict[str, Any]:
    """Validate one record; return its normalised fields."""
    iso3 = _parse_iso3(record.get("iso3"), fail)
    quantity = _parse_quantity(record.get("quantity"), fail)
    value = _parse_number(record.get("value"), "value", fail, required=True)
    low = _parse_number(record.get("low"), "low", fail, required=False)
    high = _parse_number(record.get("high"), "high", fail, required=False)
    if not math.isnan(low) and low > value:
        raise fail("low", f"low {low:g} > value {value:g}", "low must be <= value <= high")
    if not math.isnan(high) and value > high:
        raise fail("high", f"value {value:g} > high {high:g}", "low must be <= value <= high")
    as_of, month = _parse_as_of(record.get("as_of"), fail)
    published = pd.NaT
    if not _is_blank(record.get("published")):
        text, first = _parse_as_of(record.get("published"), fail, "published")
        if first < month:
            raise fail("published", f"{echo(text)} is before as_of {as_of}",
                       "a figure is published on or after the date it describes")
        stamp = pd.Timestamp(first)
        published = stamp + pd.offsets.MonthEnd(0) if len(text) <= 7 else pd.Timestamp(text)
    source = _text(record.get("source"))
    if not source:
        raise fail("source", "missing", "cite where the number comes from")
    notes = _text(record.get("notes"))
    written = _text(record.get("covers")).lower()
    if written and written not in COVERS:
        near = did_you_mean(written, COVERS)
        raise fail("covers", f"{echo(written)} is not a group"
                   + (f" (did you mean {near!r}?)" if near else ""),
                   f"use one of {', '.join(COVERS)} or leave it blank (everyone)")
    covers = scope_of(written)
    if covers and quantity not in COVERED_QUANTITIES:
        raise fail("covers", f"{quantity} has no count by group",
                   f"leave covers blank, or use one of {', '.join(COVERED_QUANTITIES)}")
    return {
        "iso3": iso3,
        "quantity": quantity,
        "value": value,
        "low": low,
        "high": high,
        "as_of": as_of,
        "month": month,
        "source": source,
        "notes": notes,
        "published_date": published,
        "covers": covers,
    }


def _build(
    name: str, records: Iterator[tuple[_Where, Mapping[str, object]]], empty: str
) -> pd.DataFrame:
    """Validate records in order and assemble the normalised frame."""
    rows = [_parse_record(record, _Failer(name, where)) for where, record in records]
    if not rows:
        raise ObservationError(f"{name}: {empty}")
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["value"] = frame["value"].astype(np.float64)
    frame["low"] = frame["low"].astype(np.float64)
    frame["high"] = frame["high"].astype(np.float64)
    months = np.array([np.datetime64(month, "M") for month in frame["month"]], dtype="M8[M]")
    frame["month"] = months.astype("datetime64[ns]")
    frame["published_date"] = pd.to_datetime(frame["published_date"])
    return frame


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def validate_observations(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate an observations DataFrame by the same rules as :func:`read_observations`.

    Rows are numbered from 1 by position; the line number is ``row + 1``, where the row would
    be if the frame were written to CSV with a header line.

    Args:
        df: frame with at least the required columns (cells may be text or numbers).
        name: label for messages, e.g. the file or table the frame came from.

    Returns:
        A new normalised frame with :data:`COLUMNS` (``iso3`` upper case, canonical
        ``quantity``, float ``value``/``low``/``high`` with NaN for no bound, ``as_of`` as
        written, ``month`` as datetime64 month start, ``source``, ``notes``), index
        ``0..n-1``.

    Raises:
        ObservationError: the first broken rule, as ``"<name>: row <n> (line <m>): ..."``.
    """
    if not isinstance(df, pd.DataFrame):
        raise ObservationError(
            f"{name}: expected a pandas DataFrame, got {type(df).__name__}; fix: pass a DataFrame"
        )
    header = [str(column).strip().lower() for column in df.columns]
    _check_header(name, header, "columns")
    renamed = df.set_axis(header, axis=1)

    def records() -> Iterator[tuple[_Where, Mapping[str, object]]]:
        for position, record in enumerate(renamed.to_dict("records"), start=1):
            yield _Where(position, position + 1), record

    return _build(name, records(), "no observations (no rows); fix: add at least one row")


def shipped_observations(name: str = "validation_returnees") -> pd.DataFrame:
    """A shipped observation set (see :data:`SHIPPED`), validated like a user's file."""
    from ffcast import data

    if name not in SHIPPED:
        raise ObservationError(f"observations: no shipped set {name!r}; fix: use one of "
                               f"{', '.join(SHIPPED)} or a CSV file")
    frame = data.load(name)
    frame = frame.assign(as_of=frame["as_of"].astype(str))
    return validate_observations(frame[[c for c in frame.columns if c in
                                        (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]], name)


def read_observations(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate an observations CSV file (format in the module docstring), or a
    shipped set by name (:data:`SHIPPED`, e.g. ``"validation_returnees"``).

    Args:
        path: the CSV file; UTF-8 (a byte-order mark is fine), comma-separated, header first.

    Returns:
        The normalised frame described in :func:`validate_observations`.

    Raises:
        ObservationError: the file is missing, unreadable, binary, empty, not comma-separated,
            or a row breaks a rule; the message names the file, row, line, column and fix.
    """
    if not isinstance(path, str | os.PathLike):
        raise ObservationError(f"observations: {echo(path)} is not a file name; fix: pass a CSV "
                               f"path or a shipped set ({', '.join(SHIPPED)})")
    file = os.fspath(path)
    name = _cut(file)
    if file in SHIPPED and not Path(file).exists():
        return shipped_observations(file)
    if "\x00" in file or len(os.fsencode(file)) > 4096 or any(
            len(os.fsencode(part)) > 255 for part in Path(file).parts):
        raise ObservationError(f"{name}: not a usable file name (too long); fix: use a shorter "
                               f"path, or a shipped set ({', '.join(SHIPPED)})")
    try:
        if Path(file).is_file() and Path(file).stat().st_size > MAX_FILE_BYTES:
            raise ObservationError(f"{name}: over {MAX_FILE_BYTES:,} bytes, more than a table of "
                                   "published figures; fix: pass the right file")
        raw = Path(file).read_bytes()
    except FileNotFoundError:
        near = did_you_mean(file, SHIPPED)
        fix = f"did you mean the shipped set {near!r}?" if near else (
            f"check the path (shipped sets: {', '.join(SHIPPED)})")
        raise ObservationError(f"{name}: file not found; fix: {fix}") from None
    except OSError as exc:
        raise ObservationError(
            f"{name}: cannot read file ({exc.strerror or exc}); fix: check the path and permissions"
        ) from None
    if b"\x00" in raw:
        raise ObservationError(
            f"{name}: binary data, not a CSV text file; fix: export the table as UTF-8 CSV"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ObservationError(
            f"{name}: not UTF-8 text (bad byte at offset {exc.start}); fix: save the file as "
            "UTF-8 CSV"
        ) from None
    if not text.strip():
        raise ObservationError(
            f"{name}: file is empty; fix: add a header line "
            f"({','.join(REQUIRED_COLUMNS)}) and at least one row"
        )
    return _build(
        name,
        _csv_records(name, text),
        "no observations (only a header); fix: add at least one row below the header",
    )


def _csv_records(name: str, text: str) -> Iterator[tuple[_Where, Mapping[str, object]]]:
    """Yield located records of a CSV text after checking its header.

    Lines are physical lines: a quoted field spanning lines moves later rows down, and blank
    lines are skipped but counted.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        previous_line = 0
        header: list[str] | None = None
        row_number = 0
        for fields in reader:
            start_line = previous_line + 1
            previous_line = reader.line_num
            if not any(field.strip() for field in fields):
                continue  # blank line
            if header is None:
                header = _read_header(name, fields, start_line)
                continue
            row_number += 1
            where = _Where(row_number, start_line)
            if len(fields) != len(header):
                raise _fail(
                    name,
                    where,
                    "fields",
                    f"expected {len(header)} comma-separated fields, found {len(fields)}",
                    "quote any text containing commas and give every column a cell",
                )
            yield where, dict(zip(header, fields, strict=True))
    except csv.Error as exc:
        raise ObservationError(
            f"{name}: line {reader.line_num}: not valid CSV ({exc}); fix: check quoting"
        ) from None


def _read_header(name: str, fields: list[str], line: int) -> list[str]:
    """Normalise and check the header line; detect files with another delimiter."""
    header = [field.strip().lower() for field in fields]
    where = f"header (line {line})"
    if len(header) == 1:
        for delimiter in _OTHER_DELIMITERS:
            if delimiter in header[0]:
                shown = "tab" if delimiter == "\t" else f"'{delimiter}'"
                raise ObservationError(
                    f"{name}: {where}: columns: fields are separated by {shown}, not commas; "
                    "fix: save the file as comma-separated CSV"
                )
    _check_header(name, header, where)
    return header
