"""Tidy long form of the results Dataset (one row per value) for Parquet and CSV.

Warning first: the long form has one ``value`` column of float64 because ``territory`` (a
share) shares it with the counts; every int32 count is exactly representable in float64 and
:func:`from_tidy` turns counts back into int32 after checking they are whole numbers.
Dataset, variable and country attrs travel as one JSON document (Parquet schema metadata,
or a ``# ffcast-results: {...}`` first line in CSV), so a round trip restores the Dataset.

Columns: ``draw`` (int64), ``month`` (date of the month start), ``country`` (ISO3; empty for
``territory``), ``variable``, ``theatre``, ``target``, ``group`` and ``group_quantity``
(empty when the variable has no such dim), ``value`` (float64).

The *summary* long form (what a CSV or Parquet export holds unless every draw is asked for)
has one row per variable, month, country (and theatre or target) with the ensemble
``mean``, ``p5``, ``p50`` and ``p95`` over the draws (linear interpolation, as
:func:`ffcast.results.quantiles`); the percentiles of counts are rounded to
:data:`SUMMARY_DECIMALS`, their means to :data:`MEAN_DECIMALS` (means add up: a total summed
from the rows must be the total's mean), a share (``territory``) to :data:`SHARE_DECIMALS`.
Count cells that are 0 in every draw are left out, so a missing row means exactly 0 (a
rule that also dropped cells rare enough to round to 0 made sums of means undercount: half
the mass-casualty attacks, every attack by radicalised inmates; review of 2026-12-07).
See :data:`SUMMARY_COLUMNS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import xarray as xr

from ffcast.errors import FFCastError
from ffcast.results.contract import COUNT_VARIABLES, GROUP_VARIABLE

METADATA_KEY = "ffcast-results"
COLUMNS: tuple[str, ...] = ("draw", "month", "country", "variable", "theatre", "target",
                            "group", "group_quantity", "value")
LABEL_DIMS: tuple[str, ...] = ("country", "theatre", "target", "group", "group_quantity")
SUMMARY_KEY = "ffcast-summary"
SUMMARY_QUANTILES: tuple[float, ...] = (0.05, 0.50, 0.95)
SUMMARY_STATS: tuple[str, ...] = ("mean", "p5", "p50", "p95")
SUMMARY_COLUMNS: tuple[str, ...] = ("variable", "month", "country", "theatre", "target",
                                    "group", "group_quantity", *SUMMARY_STATS)
SUMMARY_DECIMALS = 1  # percentiles of whole counts over draws: more digits only add bytes
MEAN_DECIMALS = 4  # means of counts: exact for up to 10,000 draws, so sums of rows add up
SHARE_DECIMALS = 4  # territory, a share in [0, 1] (0.02 left after the collapse)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def tidy_schema(month_type: pa.DataType) -> pa.Schema:
    """Arrow schema of the long form; labels are dictionary-encoded strings."""
    label = pa.dictionary(pa.int32(), pa.string())
    return pa.schema([("draw", pa.int64()), ("month", month_type), ("country", label),
                      ("variable", label), ("theatre", label), ("target", label),
                      ("group", label), ("group_quantity", label), ("value", pa.float64())])


def tidy_metadata(ds: xr.Dataset) -> str:
    """JSON document with the dataset attrs, each variable's dims and attrs, and the labels."""
    meta = {
        "attrs": dict(ds.attrs),
        "variables": {str(n): {"dims": list(map(str, ds[n].dims)), "attrs": dict(ds[n].attrs)}
                      for n in ds.data_vars},
        "coords": {str(n): {"dims": list(map(str, ds[n].dims)),
                            "values": np.asarray(ds[n].values, dtype=str).tolist(),
                            "attrs": dict(ds[n].attrs)}
                   for n in ds.coords if n not in ("draw", "month")},
        "coord_attrs": {n: dict(ds[n].attrs) for n in ("draw", "month") if n in ds.coords},
    }
    return json.dumps(meta, default=_jsonable, sort_keys=False)


def _labels(values: list[str], index: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)),
                                          pa.array(values, pa.string()))


def tidy_tables(ds: xr.Dataset, schema: pa.Schema) -> Iterator[pa.Table]:
    """Yield the long form of ``ds``, one Arrow table per variable (bounded memory)."""
    month_type = schema.field("month").type
    for name in ds.data_vars:
        da = ds[name]
        shape = tuple(da.shape)
        n = int(np.prod(shape))
        # Row i of the flattened (C-order) array sits at position grid[k][i] along dim k.
        grid = [np.broadcast_to(
            np.arange(s).reshape([-1 if j == k else 1 for j in range(len(shape))]),
            shape).ravel() for k, s in enumerate(shape)]
        pos = dict(zip(da.dims, grid, strict=True))
        zeros = np.zeros(n, dtype=np.int32)
        columns: dict[str, pa.Array] = {
            "draw": pa.array(ds["draw"].values[pos["draw"]].astype(np.int64)),
            "month": pa.array(ds["month"].values[pos["month"]].astype("datetime64[ms]"))
            .cast(month_type),
        }
        for dim in LABEL_DIMS:
            if dim in pos:
                columns[dim] = _labels(np.asarray(ds[dim].values, dtype=str).tolist(), pos[dim])
            else:
                columns[dim] = _labels([""], zeros)
        columns["variable"] = _labels([str(name)], zeros)
        columns["value"] = pa.array(np.asarray(da.values, dtype=np.float64).ravel())
        yield pa.table([columns[c] for c in COLUMNS], schema=schema)


def summary_schema(month_type: pa.DataType) -> pa.Schema:
    """Arrow schema of the summary long form (labels dictionary-encoded, stats float64;
    ``month`` a timestamp, or ``YYYY-MM`` text when ``month_type`` is a string)."""
    label = pa.dictionary(pa.int32(), pa.string())
    return pa.schema([("variable", label), ("month", month_type), ("country", label),
                      ("theatre", label), ("target", label), ("group", label),
                      ("group_quantity", label),
                      *[(stat, pa.float64()) for stat in SUMMARY_STATS]])


def summary_metadata(ds: xr.Dataset, draws: int) -> str:
    """JSON provenance of a summary export: dataset attrs, draws, variables' units."""
    meta = {"attrs": dict(ds.attrs), "draws": int(draws),
            "quantiles": list(SUMMARY_QUANTILES),
            "variables": {str(n): dict(ds[n].attrs) for n in ds.data_vars}}
    return json.dumps(meta, default=_jsonable, sort_keys=False)


def draw_quantiles(values: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``q`` over the *last* axis, as numpy's ``method="linear"`` computes them,
    but by one partial sort (:func:`numpy.partition`) in place of a full one."""
    n = values.shape[-1]
    h = (n - 1) * np.asarray(q, dtype=np.float64)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(values, np.unique(np.concatenate([lo, hi])), axis=-1)
    low, high = part[..., lo].astype(np.float64), part[..., hi].astype(np.float64)
    out = low + (h - lo) * (high - low)  # (..., len(q))
    return np.moveaxis(out, -1, 0)


def summarise_block(name: str, block: np.ndarray, months: np.ndarray,
                    labels: dict[str, list[str]], dims: tuple[str, ...],
                    schema: pa.Schema) -> pa.Table:
    """The summary rows of one variable over a block of months.

    ``block`` holds every draw with the draw axis *last*: ``(month, *rest, draw)`` where
    ``rest`` follows ``dims[1:]`` (e.g. ``("country", "target")``); ``months`` are the
    block's month starts and ``labels`` the coordinate values of each label dim. Count cells
    that are 0 in every draw are dropped (counts are never negative).
    """
    values = np.asarray(block)
    share = values.dtype.kind == "f"
    stats = np.round(draw_quantiles(values, SUMMARY_QUANTILES),
                     SHARE_DECIMALS if share else SUMMARY_DECIMALS)
    raw_mean = values.mean(axis=-1, dtype=np.float64)
    mean = np.round(raw_mean, SHARE_DECIMALS if share else MEAN_DECIMALS)
    # A count cell that is 0 in every draw says nothing a missing row does not; any other
    # is kept, however rare, so the rows' means add up to the totals' (territory: always).
    keep = np.ones(mean.shape, dtype=bool) if share else raw_mean > 0
    index = np.nonzero(keep)
    rest = dict(zip(dims[1:], index[1:], strict=True))
    month_type = schema.field("month").type
    zeros = np.zeros(len(index[0]), dtype=np.int32)
    if pa.types.is_string(month_type):  # YYYY-MM: what a spreadsheet user reads
        month_labels = np.datetime_as_string(months.astype("datetime64[M]")).tolist()
        month = pa.array(np.asarray(month_labels, dtype=object)[index[0]], pa.string())
    else:
        month = pa.array(months[index[0]].astype("datetime64[ms]")).cast(month_type)
    columns: dict[str, pa.Array] = {
        "variable": _labels([name], zeros), "month": month, "mean": pa.array(mean[index]),
    }
    for dim in LABEL_DIMS:
        columns[dim] = _labels(labels[dim], rest[dim]) if dim in rest else _labels([""], zeros)
    for stat, q in zip(SUMMARY_STATS[1:], stats, strict=True):
        columns[stat] = pa.array(q[index])
    return pa.table([columns[c] for c in SUMMARY_COLUMNS], schema=schema)


def _positions(values: np.ndarray, order: pd.Index, dim: str) -> np.ndarray:
    idx = order.get_indexer(values)
    if (idx < 0).any():
        raise FFCastError(f"{dim}: value {values[idx < 0][0]!r} is not in the file's labels")
    return idx


def _from_rows(rows: pd.DataFrame, name: str, dims: list[str],
               orders: dict[str, pd.Index]) -> np.ndarray:
    shape = tuple(len(orders[d]) for d in dims)
    index = tuple(_positions(rows[d].to_numpy(), orders[d], d) for d in dims)
    flat = np.ravel_multi_index(index, shape)
    if len(flat) != int(np.prod(shape)) or len(np.unique(flat)) != len(flat):
        raise FFCastError(f"{name}: the long form has missing or duplicated rows "
                          f"({len(flat)} rows for {int(np.prod(shape))} cells)")
    out = np.empty(int(np.prod(shape)), dtype=np.float64)
    out[flat] = rows["value"].to_numpy(dtype=np.float64)
    out = out.reshape(shape)
    if name in COUNT_VARIABLES or name == GROUP_VARIABLE:
        if not np.array_equal(out, np.round(out)) or np.abs(out).max(initial=0) > 2**31 - 1:
            raise FFCastError(f"{name}: counts in the long form are not int32 whole numbers")
        return out.astype(np.int32)
    return out


def from_tidy(table: pa.Table, metadata: str | None) -> xr.Dataset:
    """Rebuild the results Dataset from its long form (and the JSON from :func:`tidy_metadata`).

    Without metadata, dims are inferred from the non-empty label columns and the Dataset has
    no attrs. Raises :class:`FFCastError` when rows are missing, duplicated or not whole
    numbers for a count.
    """
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise FFCastError(f"long form: missing columns {', '.join(missing)}")
    df = table.select(list(COLUMNS)).to_pandas()
    for c in (*LABEL_DIMS, "variable"):
        df[c] = df[c].astype(str)
    df["month"] = pd.to_datetime(df["month"]).to_numpy().astype("datetime64[ns]")
    meta = json.loads(metadata) if metadata else {"attrs": {}, "variables": {}, "coords": {}}
    orders = {"draw": pd.Index(pd.unique(df["draw"])),
              "month": pd.Index(np.sort(pd.unique(df["month"])))}
    for dim in LABEL_DIMS:
        known = meta["coords"].get(dim)
        values = known["values"] if known else [v for v in pd.unique(df[dim]) if v != ""]
        orders[dim] = pd.Index(values)
    data = {}
    for name, rows in df.groupby("variable", sort=False):
        spec = meta["variables"].get(name)
        if spec:
            dims = spec["dims"]
        else:
            dims = ["draw", "month", *[d for d in LABEL_DIMS if (rows[d] != "").any()]]
        data[name] = xr.Variable(dims, _from_rows(rows, str(name), dims, orders),
                                 spec["attrs"] if spec else {})
    names = [n for n in meta["variables"] if n in data] + [n for n in data
                                                           if n not in meta["variables"]]
    coords: dict[str, Any] = {
        "draw": ("draw", orders["draw"].to_numpy(np.int64)),
        "month": ("month", orders["month"].to_numpy()),
    }
    for name, c in meta["coords"].items():
        coords[name] = (c["dims"], np.asarray(c["values"], dtype=str), c["attrs"])
    for dim in LABEL_DIMS:
        if dim not in coords and len(orders[dim]):
            coords[dim] = (dim, orders[dim].to_numpy(dtype=str))
    ds = xr.Dataset({n: data[n] for n in names}, coords=coords, attrs=meta["attrs"])
    for n, attrs in meta.get("coord_attrs", {}).items():
        ds[n].attrs.update(attrs)
    return ds


__all__ = ["COLUMNS", "METADATA_KEY", "SUMMARY_COLUMNS", "SUMMARY_KEY", "draw_quantiles",
           "from_tidy", "summarise_block", "summary_metadata", "summary_schema",
           "tidy_metadata", "tidy_schema", "tidy_tables"]
