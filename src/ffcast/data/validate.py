"""The one validation gate every dataset passes at load time.

Checks, in order: the file reads as UTF-8 CSV with a consistent field count; the header has
every required column; each row fills its required cells, parses (integers, floats, ISO dates,
date wordings), uses the controlled vocabularies (measure, metric, scope, grade, flag, link
codes, ...), names a known ISO3 code (never a computed remainder such as ``ROW``) or, where the
dataset allows it, a source's scope instead (exactly one of the two), cites source ids that
all resolve in the registry (";" separates several ids), has ``low <= high`` (and every
further low/high pair) unless flagged, no part above its whole (a group's count above its
total), no share above 1, and carries a source for every number. Dated rows carry ``as_of``
and ``published``, describe no month after their publication, and store the ``post_cutoff``
that ``published`` implies. Across rows: keys are unique, and a ``repeats`` id names another
row of the same file that describes the same quantity, is itself an original (no chains) and,
when flagged, passes its flag on.

A failure raises :class:`ffcast.errors.DataValidationError` with the message
``"<file>: row <n>: <rule>: <detail>; fix: <how>"``, where ``row`` is the 1-based **data** row
(the header is row 0, so the CSV line is ``n + 1`` when no cell spans lines).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from ffcast.data.dates import end_of_period
from ffcast.data.schema import KNOWLEDGE_CUTOFF, SPECS, Column, DatasetSpec
from ffcast.errors import DataValidationError

_INT = re.compile(r"^-?\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A publication date names its year first (YYYY, YYYY-MM or YYYY-MM-DD, then an optional
# comment): "mid-2015" or "early 2017" would hide a post-cut-off date from a plain text check.
_PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(\s*\(.*\))?$")


@dataclass(frozen=True)
class Context:
    """What a row is checked against: known source ids (None = skip), known ISO3 codes, and
    the computed remainder codes (``ROW``, ``R-...``) no dataset may state."""

    source_ids: frozenset[str] | None
    iso3_known: Callable[[str], bool]
    is_remainder: Callable[[str], bool] = lambda code: False


def fail(label: str, row: int | str, rule: str, detail: str, fix: str) -> DataValidationError:
    """Build the gate's error (``row`` 0 or "header" means the header / whole file)."""
    where = "row 0 (header)" if row in (0, "header") else f"row {row}"
    return DataValidationError(f"{label}: {where}: {rule}: {detail}; fix: {fix}")


def read_table(
    source: Path | Traversable, label: str, required: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV file into a DataFrame of stripped strings ("" for empty cells).

    ``required`` columns are checked before field counts, so a header that lost a column is
    reported as such rather than as every row having too many fields.

    Raises:
        DataValidationError: unreadable, not UTF-8, empty, or a row with the wrong field count.
    """
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(label, 0, "not_utf8", f"byte {exc.start} is not UTF-8 text",
                   "save the file as UTF-8 CSV") from exc
    except OSError as exc:
        raise fail(label, 0, "unreadable", str(exc), "check the path and permissions") from exc
    return parse_csv_text(text, label, required)


def parse_csv_text(text: str, label: str, required: Sequence[str] = ()) -> pd.DataFrame:
    """Parse CSV text (see :func:`read_table`)."""
    if "\x00" in text:
        raise fail(label, 0, "binary_content", "the file contains NUL bytes",
                   "replace it with a CSV text file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise fail(label, 0, "malformed_csv", str(exc),
                   "check quoting (an unclosed quote often means a truncated file)") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise fail(label, 0, "empty_file", "no header and no rows", "restore the file")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise fail(label, 0, "duplicate_column", f"{', '.join(dupes)} appear twice",
                   "keep one column of each name")
    missing = [c for c in required if c not in header]
    if missing:
        raise fail(label, 0, "missing_column", f"{', '.join(missing)} not in header",
                   f"the header must contain {','.join(required)}")
    for n, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            raise fail(label, n, "field_count",
                       f"{len(row)} fields, header has {len(header)}",
                       "quote cells that contain commas; a short last row means a "
                       "truncated file")
    body = [[cell.strip() for cell in r] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def validate_frame(
    name: str, raw: pd.DataFrame, label: str, context: Context
) -> pd.DataFrame:
    """Run the gate on a frame of strings and return the typed frame.

    Raises:
        DataValidationError: the first broken rule, naming file, row and rule.
    """
    spec = SPECS[name]
    _check_header(spec, raw, label)
    raw = raw.fillna("").astype(str)
    parsed: dict[str, list[object]] = {c.name: [] for c in spec.columns}
    derived: dict[str, list[object]] = {c.derive: [] for c in spec.columns if c.derive}
    records = raw.to_dict("records")
    for n, record in enumerate(records, start=1):
        row = _check_row(spec, record, n, label, context)
        for col in spec.columns:
            parsed[col.name].append(row[col.name])
            if col.derive:
                derived[col.derive].append(row[col.derive])
    _check_unique(spec, raw, label)
    if spec.repeats_column:
        _check_repeats(spec, records, label)
    return _typed(spec, raw, parsed, derived)


def _check_header(spec: DatasetSpec, raw: pd.DataFrame, label: str) -> None:
    missing = [c.name for c in spec.columns if c.name not in raw.columns]
    if missing:
        expected = ",".join(c.name for c in spec.columns)
        raise fail(label, 0, "missing_column", f"{', '.join(missing)} not in header",
                   f"the header must contain {expected}")


def _check_row(
    spec: DatasetSpec, record: dict[str, str], n: int, label: str, context: Context
) -> dict[str, object]:
    out: dict[str, object] = {}
    for col in spec.columns:
        cell = record[col.name]
        # an empty source is reported below, where we know whether the row holds numbers
        if col.required and cell == "" and col.name != spec.source_column:
            raise fail(label, n, "required", f"column {col.name} is empty",
                       f"fill {col.name}")
        if col.vocab is not None and cell not in col.vocab:
            allowed = ", ".join(sorted(v for v in col.vocab if v)) or "(empty)"
            raise fail(label, n, "vocabulary", f"{col.name}={cell!r} is not allowed",
                       f"use one of: {allowed}")
        out[col.name] = _parse(col, cell, n, label)
        if col.kind in ("period", "published"):
            date = _parse_period(col, cell, n, label)
            if col.derive:
                out[col.derive] = date
    if spec.iso3_column:
        _check_place(spec, record, n, label, context)
    if spec.dated:
        _check_dates(out, record, n, label)
    values = [c for c in spec.value_columns if out[c] is not None]
    if spec.needs_value and not values:
        cols = "/".join(spec.value_columns)
        raise fail(label, n, "no_value", f"none of {cols} is filled",
                   "give the number the source states, or delete the row")
    if spec.source_column:
        _check_sources(record[spec.source_column], values, spec, n, label, context)
    for pair in (spec.bounds, *spec.more_bounds):
        if pair:
            _check_bounds(spec, pair, record, out, n, label)
    _check_parts(spec, out, n, label)
    return out


def _check_place(
    spec: DatasetSpec, record: dict[str, str], n: int, label: str, context: Context
) -> None:
    """A row names a known country or (where the dataset allows it) a scope: one of them."""
    column = spec.iso3_column or ""
    code = record[column]
    if spec.scope_column:
        scope = record[spec.scope_column]
        if bool(code) == bool(scope):
            given = f"both {column}={code!r} and {spec.scope_column}={scope!r}" if code \
                else f"neither {column} nor {spec.scope_column}"
            raise fail(label, n, "place", f"{given} is filled",
                       f"fill exactly one: {column} for a country, {spec.scope_column} for a "
                       "source's wider population (world, western, eu_member_states, ...)")
        if not code:
            return
    _check_iso3(code, column, n, label, context)


def _check_iso3(code: str, column: str, n: int, label: str, context: Context) -> None:
    if context.is_remainder(code):
        raise fail(label, n, "remainder_code", f"{column}={code!r} is a computed remainder, "
                   "not a country a source can speak of", "state the figure for a country, "
                   "or put a regional total in aggregates")
    if not context.iso3_known(code):
        raise fail(label, n, "unknown_iso3", f"{column}={code!r} is not a known "
                   "country code", "use an ISO 3166 alpha-3 code, XKX (Kosovo) or ISR;PSE "
                   "(combined); see `ffcast data show countries`")


def _check_dates(out: dict[str, object], record: dict[str, str], n: int, label: str) -> None:
    as_of, published = out["as_of_date"], out["published_date"]
    if (as_of.year, as_of.month) > (published.year, published.month):  # type: ignore[union-attr]
        raise fail(label, n, "as_of_after_published",
                   f"as_of={record['as_of']!r} ends after published={record['published']!r}",
                   "as_of is the date the figure describes and cannot be later than its "
                   "publication; use a narrower wording (e.g. 2015-11 rather than 2015)")
    derived = bool(published > KNOWLEDGE_CUTOFF)  # type: ignore[operator]
    if bool(out["post_cutoff"]) != derived:
        state = "true" if derived else "empty or false"
        raise fail(label, n, "post_cutoff_mismatch",
                   f"post_cutoff={record['post_cutoff']!r} but published="
                   f"{record['published']!r}", f"post_cutoff must be {state}: it follows "
                   f"from published (after {KNOWLEDGE_CUTOFF:%Y-%m-%d} or not)")


def _parse(col: Column, cell: str, n: int, label: str) -> object:
    if col.kind == "published" and not _PUBLISHED.match(cell):
        raise fail(label, n, "bad_published", f"{col.name}={cell!r}",
                   "write the publication date as YYYY, YYYY-MM or YYYY-MM-DD, optionally "
                   "followed by a (comment)")
    if cell == "" and col.kind not in ("str", "period", "published"):
        return None
    if col.kind == "int":
        if not _INT.match(cell):
            raise fail(label, n, "not_integer", f"{col.name}={cell!r}",
                       "write a whole number without separators (1500, not 1,500)")
        value: float = int(cell)
    elif col.kind == "float":
        try:
            value = float(cell)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise fail(label, n, "not_number", f"{col.name}={cell!r}",
                       "write a plain decimal number (0.3, 1500)")
    elif col.kind == "date":
        if not _ISO_DATE.match(cell):
            raise fail(label, n, "not_date", f"{col.name}={cell!r}", "write YYYY-MM-DD")
        try:
            return pd.Timestamp(cell)
        except ValueError as exc:
            raise fail(label, n, "not_date", f"{col.name}={cell!r}: {exc}",
                       "write a real calendar date YYYY-MM-DD") from exc
    elif col.kind == "bool":
        if cell.lower() not in ("true", "false"):
            raise fail(label, n, "not_bool", f"{col.name}={cell!r}", "write true or false")
        return cell.lower() == "true"
    else:
        return cell
    if value < 0:
        raise fail(label, n, "negative_value", f"{col.name}={cell}",
                   "counts, shares and parameters here are never negative")
    return value


def _parse_period(col: Column, cell: str, n: int, label: str) -> pd.Timestamp:
    if cell == "":
        return pd.NaT
    try:
        return pd.Timestamp(end_of_period(cell))
    except ValueError as exc:
        raise fail(label, n, "bad_date_wording", f"{col.name}={cell!r}: {exc}",
                   "use YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-end, YYYY/YYYY, YYYY-YYYY, "
                   "mid-YYYY or early YYYY, optionally followed by a (comment)") from exc


def _check_sources(
    cell: str, values: list[str], spec: DatasetSpec, n: int, label: str, context: Context
) -> None:
    ids = [part.strip() for part in cell.split(";")]
    if not all(ids):
        rule = "value_without_source" if values else "required"
        given = f"{', '.join(values)} given but " if values else ""
        raise fail(label, n, rule, f"{given}{spec.source_column} is empty or has an empty id",
                   "cite source ids from sources.csv, separated by ';'")
    if context.source_ids is None:
        return
    for source_id in ids:
        if source_id not in context.source_ids:
            raise fail(label, n, "unknown_source", f"{spec.source_column}={source_id!r} is not "
                       "in the source registry", "add it to sources.csv or correct the id "
                       "(see `ffcast data sources`)")


def _check_bounds(
    spec: DatasetSpec, pair: tuple[str, str], record: dict[str, str], out: dict[str, object],
    n: int, label: str,
) -> None:
    low_col, high_col = pair
    low, high = out[low_col], out[high_col]
    if low is None or high is None or low <= high:  # type: ignore[operator]
        return
    if spec.flag_column and record[spec.flag_column] == "low_gt_high":
        return  # kept as the source gives it, on purpose and visibly
    raise fail(label, n, "low_gt_high", f"{low_col}={low} > {high_col}={high}",
               "correct the transcription, or keep it as published and set "
               + (f"{spec.flag_column}=low_gt_high" if spec.flag_column else "low <= high"))


def _check_parts(spec: DatasetSpec, out: dict[str, object], n: int, label: str) -> None:
    """A part never exceeds its whole (a group's count, its total); a share is at most 1."""
    for part, whole in spec.parts:
        small, big = out[part], out[whole]
        if small is not None and big is not None and small > big:  # type: ignore[operator]
            raise fail(label, n, "part_exceeds_whole", f"{part}={small} > {whole}={big}",
                       "a group cannot outnumber the total it is part of; the total must "
                       "come from the same statement (correct the transcription)")
    for column in spec.fractions:
        value = out[column]
        if value is not None and value > 1:  # type: ignore[operator]
            raise fail(label, n, "share_above_one", f"{column}={value}",
                       "write a share as a fraction from 0 to 1 (0.17, not 17)")


def _check_unique(spec: DatasetSpec, raw: pd.DataFrame, label: str) -> None:
    if not spec.unique:
        return
    dup = raw.duplicated(subset=list(spec.unique), keep="first")
    if dup.any():
        n = int(dup.to_numpy().nonzero()[0][0]) + 1
        key = ", ".join(f"{c}={raw.iloc[n - 1][c]!r}" for c in spec.unique)
        raise fail(label, n, "duplicate_key", f"{key} appears earlier",
                   "keep one row per " + "/".join(spec.unique))


def _check_repeats(spec: DatasetSpec, records: list[dict[str, str]], label: str) -> None:
    """Every ``repeats`` id names an original row of the same file about the same quantity."""
    id_col, key = spec.id_column or "id", spec.repeat_key
    by_id = {r[id_col]: (n, r) for n, r in enumerate(records, start=1)}
    for n, record in enumerate(records, start=1):
        target = record["repeats"]
        if not target:
            continue
        if target not in by_id or target == record[id_col]:
            what = "is the row itself" if target == record[id_col] else "is not an id here"
            raise fail(label, n, "unknown_repeat", f"repeats={target!r} {what}",
                       f"name the {id_col} of the row whose figure this one re-reports")
        _, original = by_id[target]
        if original["repeats"]:
            raise fail(label, n, "repeat_chain", f"repeats={target!r}, which itself repeats "
                       f"{original['repeats']!r}", "point at the original row")
        if any(original[c] != record[c] for c in key):
            ours = "/".join(record[c] for c in key)
            theirs = "/".join(original[c] for c in key)
            raise fail(label, n, "repeat_mismatch", f"{ours} repeats a row about {theirs}",
                       f"a repeat describes the same {'/'.join(key)} as its original")
        if spec.flag_column and original[spec.flag_column] and not record[spec.flag_column]:
            raise fail(label, n, "repeat_of_flagged", f"repeats={target!r}, flagged "
                       f"{original[spec.flag_column]!r}, but this row has no flag",
                       "a re-report inherits its original's defect: copy the flag")


def _typed(
    spec: DatasetSpec,
    raw: pd.DataFrame,
    parsed: dict[str, list[object]],
    derived: dict[str, list[object]],
) -> pd.DataFrame:
    frame = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    for col in spec.columns:
        frame[col.name] = _series(col.kind, parsed[col.name])
        if col.derive:
            frame[col.derive] = _series("date", derived[col.derive])
    extra = [c for c in raw.columns if c not in frame.columns]
    for name in extra:  # unknown extra columns pass through as text
        frame[name] = raw[name].to_numpy()
    if spec.dated:
        frame["post_cutoff"] = (frame["published_date"] > KNOWLEDGE_CUTOFF).astype(bool)
    return frame


def _series(kind: str, values: Iterable[object]) -> pd.Series:
    values = list(values)
    if kind == "int":
        return pd.Series(values, dtype="Int64")
    if kind == "float":
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    if kind == "date":
        # one resolution everywhere, so callers can compare dates across datasets
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
    if kind == "bool":
        return pd.Series([bool(v) for v in values], dtype=bool)
    return pd.Series(values, dtype=object)
