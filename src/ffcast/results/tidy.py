"""Tidy long form of the results Dataset (one row per value) for Parquet and CSV.

Warning first: the long form has one ``value`` column of float64 because ``territory`` (a
share) shares it with the counts; every int32 count is exactly representable in float64 and
:func:`from_tidy` turns counts back into int32 after checking they are whole numbers.
Dataset, variable and country attrs travel as one JSON document (Parquet schema metadata,
or a ``# ffcast-results: {...}`` first line in CSV), so a round trip restores the Dataset.

Columns: ``draw`` (int64), ``month`` (date of the month start), ``country`` (ISO3; empty for
``territory``), ``variable``, ``theatre`` and ``target`` (empty when the variable has no
such dim), ``value`` (float64).
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
from ffcast.results.contract import COUNT_VARIABLES

METADATA_KEY = "ffcast-results"
COLUMNS: tuple[str, ...] = ("draw", "month", "country", "variable", "theatre", "target", "value")
LABEL_DIMS: tuple[str, ...] = ("country", "theatre", "target")


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
                      ("value", pa.float64())])


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
    if name in COUNT_VARIABLES:
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


__all__ = ["COLUMNS", "METADATA_KEY", "from_tidy", "tidy_metadata", "tidy_schema", "tidy_tables"]
