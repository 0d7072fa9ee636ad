"""One streaming backend per file format; :mod:`ffcast.results.writers` picks one by extension.

Warning first: a backend writes only to the temporary path it is given and never touches
the target; the atomic rename is the writer's job. Each backend takes results Datasets of
the same run one chunk of draws at a time (``append``), so no backend ever holds more than
one chunk in memory, and ``close`` finishes the file.

- ``.nc``: the first chunk is written by xarray (h5netcdf, ``draw`` unlimited, zlib level 4,
  HDF5 chunks along ``draw``); later chunks grow ``draw`` with h5netcdf and write slices.
- ``.zarr``: ``to_zarr`` then ``to_zarr(append_dim="draw")``.
- ``.parquet`` / ``.csv``: the tidy long form (:mod:`ffcast.results.tidy`), one row group
  (Parquet) or block of rows (CSV) per variable and chunk.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import h5netcdf
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import xarray as xr

from ffcast.results.tidy import METADATA_KEY, tidy_metadata, tidy_schema, tidy_tables

NETCDF_COMPLEVEL = 4  # zlib level: most of the gain of level 9 at a fraction of the time
HDF5_CHUNK_BYTES = 1 << 20  # ~1 MiB uncompressed per HDF5 chunk (h5py's recommended range)
DRAW_COORD_CHUNK = 1024  # draw labels are tiny; avoid one HDF5 chunk per append
CSV_HEADER_PREFIX = f"# {METADATA_KEY}: "


class Backend:
    """Interface of a streaming writer for one format."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.draws = 0

    def append(self, ds: xr.Dataset) -> None:
        """Add one chunk of draws."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file (only called after a successful run)."""

    def abort(self) -> None:
        """Release open handles after a failure (the writer deletes the temporary path)."""
        self.close()


def _draw_chunk(da: xr.DataArray, first_draws: int) -> tuple[int, ...]:
    per_draw = da.dtype.itemsize * int(np.prod([da.sizes[d] for d in da.dims if d != "draw"]))
    k = int(np.clip(HDF5_CHUNK_BYTES // max(per_draw, 1), 1, max(first_draws, 1)))
    return tuple(k if d == "draw" else da.sizes[d] for d in da.dims)


class NetCDFBackend(Backend):
    """netCDF-4 via h5netcdf with an unlimited ``draw`` dimension."""

    def append(self, ds: xr.Dataset) -> None:
        if self.draws == 0:
            encoding = {
                name: {"zlib": True, "complevel": NETCDF_COMPLEVEL, "shuffle": True,
                       "chunksizes": _draw_chunk(ds[name], ds.sizes["draw"])}
                for name in ds.data_vars
            }
            encoding["draw"] = {"chunksizes": (DRAW_COORD_CHUNK,)}
            ds.to_netcdf(self.tmp, engine="h5netcdf", unlimited_dims=["draw"],
                         encoding=encoding)
        else:
            # Values go in raw: counts are int32 without encoding, territory is a float
            # whose only encoding is the NaN fill value; no other variable grows.
            n0, n1 = self.draws, self.draws + ds.sizes["draw"]
            with h5netcdf.File(self.tmp, "a") as f:
                f.resize_dimension("draw", n1)
                for name, var in f.variables.items():
                    if "draw" in var.dimensions:
                        var[n0:n1] = ds[name].transpose(*var.dimensions).values
        self.draws += ds.sizes["draw"]


def _zarr_ready(ds: xr.Dataset) -> xr.Dataset:
    # Fixed-width unicode has no Zarr v3 spec; variable-length strings do.
    return ds.assign_coords({n: ds[n].astype(object) for n in ds.coords
                             if ds[n].dtype.kind == "U"})


class ZarrBackend(Backend):
    """A Zarr directory store, grown along ``draw`` with ``append_dim``."""

    def append(self, ds: xr.Dataset) -> None:
        if self.draws == 0:
            encoding = {name: {"chunks": _draw_chunk(ds[name], ds.sizes["draw"])}
                        for name in ds.data_vars}
            _zarr_ready(ds).to_zarr(self.tmp, mode="w-", encoding=encoding, consolidated=False)
        else:
            fixed = [n for n in ds.variables if "draw" not in ds[n].dims]
            ds.drop_vars(fixed).to_zarr(self.tmp, append_dim="draw", consolidated=False)
        self.draws += ds.sizes["draw"]


class _TidyBackend(Backend):
    month_type: pa.DataType = pa.timestamp("ms")

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.schema: pa.Schema | None = None

    def _open(self, schema: pa.Schema, metadata: str) -> None:
        raise NotImplementedError

    def _write(self, table: pa.Table) -> None:
        raise NotImplementedError

    def append(self, ds: xr.Dataset) -> None:
        if self.schema is None:
            self.schema = tidy_schema(self.month_type)
            self._open(self.schema, tidy_metadata(ds))
        for table in tidy_tables(ds, self.schema):
            self._write(table)
        self.draws += ds.sizes["draw"]


class ParquetBackend(_TidyBackend):
    """Tidy long form in Parquet (zstd); the metadata JSON sits in the schema metadata."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self._writer: pq.ParquetWriter | None = None

    def _open(self, schema: pa.Schema, metadata: str) -> None:
        schema = schema.with_metadata({METADATA_KEY: metadata})
        self._writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.schema = schema

    def _write(self, table: pa.Table) -> None:
        assert self._writer is not None and self.schema is not None
        self._writer.write_table(table.replace_schema_metadata(self.schema.metadata))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class CSVBackend(_TidyBackend):
    """Tidy long form in CSV; the metadata JSON is the first line, ``# ffcast-results: ``."""

    month_type = pa.date32()

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self._file: IO[bytes] | None = None
        self._writer: pacsv.CSVWriter | None = None

    def _open(self, schema: pa.Schema, metadata: str) -> None:
        self._file = open(self.tmp, "wb")  # noqa: SIM115 - closed in close()
        self._file.write((CSV_HEADER_PREFIX + metadata + "\n").encode())
        self._writer = pacsv.CSVWriter(self._file, schema)

    def _write(self, table: pa.Table) -> None:
        assert self._writer is not None
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None


BACKENDS: dict[str, type[Backend]] = {
    ".nc": NetCDFBackend,
    ".zarr": ZarrBackend,
    ".parquet": ParquetBackend,
    ".csv": CSVBackend,
}
DIRECTORY_FORMATS: frozenset[str] = frozenset({".zarr"})


def read_netcdf(path: Path, lazy: bool) -> xr.Dataset:
    """Open a results netCDF file (loaded into memory unless ``lazy``)."""
    ds = xr.open_dataset(path, engine="h5netcdf")
    if lazy:
        return ds
    with ds:
        return ds.load()


def read_zarr(path: Path, lazy: bool) -> xr.Dataset:
    """Open a results Zarr store (loaded into memory unless ``lazy``)."""
    ds = xr.open_dataset(path, engine="zarr", consolidated=False, chunks=None)
    return ds if lazy else ds.load()


def read_parquet(path: Path) -> tuple[pa.Table, str | None]:
    """The long-form table of a results Parquet file and its metadata JSON (or None)."""
    table = pq.read_table(path)
    meta = (table.schema.metadata or {}).get(METADATA_KEY.encode())
    return table, meta.decode() if meta else None


def read_csv(path: Path) -> tuple[pa.Table, str | None]:
    """The long-form table of a results CSV file and its metadata JSON (or None)."""
    meta: str | None = None
    skip = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            skip += 1
            if line.startswith(CSV_HEADER_PREFIX):
                meta = line[len(CSV_HEADER_PREFIX):].rstrip("\n")
    label = {c: pa.string() for c in ("country", "variable", "theatre", "target")}
    types: dict[str, Any] = {"draw": pa.int64(), "month": pa.date32(), "value": pa.float64(),
                             **label}
    table = pacsv.read_csv(
        path, read_options=pacsv.ReadOptions(skip_rows=skip),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                             quoted_strings_can_be_null=False))
    return table, meta
