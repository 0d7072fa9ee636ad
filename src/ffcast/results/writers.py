"""Write and read results files, choosing the format from the extension.

Warning first: every write is atomic. Data go to a hidden temporary path in the target's
directory and are renamed onto the target only when the writer closes without error; if
anything fails (or the ``with`` block raises), the temporary path is deleted and the target
is left as it was: an old file stays, a missing one stays missing. An existing Zarr
directory is moved aside, replaced, then deleted, which is atomic per rename but not as a
whole (a crash between the two renames leaves the old store under a hidden name).

Supported: ``.nc`` (netCDF-4/HDF5), ``.zarr`` (directory store), ``.parquet`` and ``.csv``
(tidy long form, see :mod:`ffcast.results.tidy`). With ``all_draws=False`` a ``.parquet`` or
``.csv`` target gets the *summary* (quantiles and mean per variable, month and country)
instead of every draw: what a spreadsheet user wants, megabytes instead of gigabytes.
:func:`export_size` estimates either before any work, so a caller can refuse a huge export.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from ffcast.engine import ChunkResult
from ffcast.errors import FFCastError, echo
from ffcast.files import record_created
from ffcast.results import formats
from ffcast.results.contract import VARIABLES, to_dataset
from ffcast.results.tidy import SUMMARY_COLUMNS, from_tidy

if TYPE_CHECKING:
    from ffcast.engine import Prepared

SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(formats.BACKENDS)
#: Extensions whose export is a summary unless every draw is asked for.
SUMMARY_EXTENSIONS: tuple[str, ...] = tuple(formats.SUMMARY_BACKENDS)
# Bytes per row of each long form, measured on baseline runs (CSV text; Parquet with zstd
# and dictionary-encoded labels). Estimates, not promises: they only need the right order.
_ROW_BYTES = {(".csv", True): 46.0, (".parquet", True): 2.5,
              (".csv", False): 60.0, (".parquet", False): 12.0}
_CELL_BYTES = {".nc": 0.6, ".zarr": 0.6}  # compressed int32 counts, mostly zeros


def cells_per_draw(prep: Prepared) -> int:
    """Values one draw of ``prep`` records: every count cell of every month, and territory."""
    from ffcast.engine.layout import GROUP_QUANTITIES, GROUPS
    from ffcast.results.contract import COUNT_SPECS
    from ffcast.results.quantities import TARGETS, THEATRES

    extra = {"theatre": len(THEATRES), "target": len(TARGETS), None: 1}
    per_month = (sum(len(prep.countries) * extra[s.extra] for s in COUNT_SPECS) + 1
                 + len(prep.countries) * len(GROUPS) * len(GROUP_QUANTITIES))
    return per_month * len(prep.recorded_months)


def export_size(prep: Prepared, draws: int, path: str | os.PathLike[str],
                all_draws: bool = True) -> tuple[int, int]:
    """Estimated ``(rows, bytes)`` of writing ``draws`` draws of ``prep`` to ``path``.

    Rows are those of the long form (0 for ``.nc``/``.zarr``); a summary has at most one
    row per cell whatever the number of draws. Raises FFCastError for an unknown extension.
    """
    ext = _extension(Path(path))
    cells = cells_per_draw(prep)
    if ext in formats.SUMMARY_BACKENDS:
        rows = cells * int(draws) if all_draws else cells
        return rows, int(rows * _ROW_BYTES[(ext, all_draws)])
    return 0, int(cells * int(draws) * _CELL_BYTES[ext])


def _extension(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in formats.BACKENDS:
        raise FFCastError(f"{echo(str(path))}: unsupported extension {echo(ext or '(none)')}; "
                          f"fix: use one of {', '.join(SUPPORTED_EXTENSIONS)}")
    return ext


def _is_zarr_store(path: Path) -> bool:
    return any((path / marker).exists() for marker in ("zarr.json", ".zgroup", ".zattrs"))


def _check_target(path: Path, ext: str) -> None:
    if not path.parent.is_dir():
        raise FFCastError(f"{path}: directory {path.parent} does not exist; fix: create it")
    if ext in formats.DIRECTORY_FORMATS:
        if path.is_file() or (path.is_dir() and not _is_zarr_store(path)):
            raise FFCastError(f"{path}: exists and is not a Zarr store; fix: remove it or "
                              "choose another name")
    elif path.is_dir():
        raise FFCastError(f"{path}: is a directory; fix: remove it or choose another name")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


def _replace(tmp: Path, path: Path) -> None:
    """Move ``tmp`` onto ``path``: one rename for files, two for a directory store."""
    if tmp.is_dir() and path.is_dir():
        old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(path, old)
        os.replace(tmp, path)
        _remove(old)
    else:
        os.replace(tmp, path)


class ResultsWriter:
    """Stream results to ``path`` chunk by chunk; the format follows the extension.

    Use as a context manager and ``append`` one chunk Dataset (from :func:`to_dataset`) or
    ``ChunkResult`` at a time; only the current chunk is in memory. The file appears at
    ``path`` when the block exits cleanly and not at all if it raises. ``prep`` and ``seed``,
    when given, let ``append`` accept a ``ChunkResult`` and check every chunk belongs to that
    run. Raises :class:`FFCastError` for an unsupported extension or unusable target (at
    construction), for a chunk that does not match the first one (duplicated draws, other
    months, countries, variables or seed), and for a clean close with nothing appended.
    """

    def __init__(self, path: str | os.PathLike[str], prep: Prepared | None = None,
                 seed: int | None = None, *, all_draws: bool = True) -> None:
        self.path = Path(path)
        self.ext = _extension(self.path)
        _check_target(self.path, self.ext)
        self.prep = prep
        self.seed = seed
        self.summary = not all_draws and self.ext in formats.SUMMARY_BACKENDS
        self.tmp = self.path.with_name(f".{self.path.name}.tmp-{uuid.uuid4().hex[:8]}")
        backends = formats.SUMMARY_BACKENDS if self.summary else formats.BACKENDS
        self._backend = backends[self.ext](self.tmp)
        self._first: xr.Dataset | None = None
        self._draws: set[int] = set()
        self._open = True

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def draws(self) -> int:
        """Number of draws written so far."""
        return self._backend.draws

    def _check(self, ds: xr.Dataset) -> None:
        missing = [v for v in VARIABLES if v not in ds.data_vars]
        if missing:
            raise FFCastError(f"append: not a results Dataset (missing {', '.join(missing)})")
        if self.seed is not None and int(ds.attrs.get("seed", -1)) != int(self.seed):
            raise FFCastError(f"append: chunk has seed {ds.attrs.get('seed')}, the writer "
                              f"{self.seed}")
        ref = self._first
        if ref is None and self.prep is not None:
            months = self.prep.recorded_months.to_numpy().astype("datetime64[ns]")
            iso3 = self.prep.countries["iso3"].to_numpy(dtype=str)
            if not (np.array_equal(ds["month"].values, months)
                    and np.array_equal(ds["country"].values.astype(str), iso3)):
                raise FFCastError("append: chunk months or countries differ from the run")
        if ref is not None:
            for dim in ("month", "country", "theatre", "target", "group", "group_quantity"):
                if not np.array_equal(ds[dim].values, ref[dim].values):
                    raise FFCastError(f"append: chunk {dim} labels differ from the first chunk")
            if list(ds.data_vars) != list(ref.data_vars):
                raise FFCastError("append: chunk variables differ from the first chunk")
            if ds.attrs.get("scenario") != ref.attrs.get("scenario"):
                raise FFCastError("append: chunk comes from another scenario than the first")
        draws = [int(d) for d in ds["draw"].values]
        dup = self._draws.intersection(draws)
        if dup or len(set(draws)) != len(draws):
            raise FFCastError(f"append: draws written twice (e.g. {min(dup or draws)})")

    def append(self, chunk: xr.Dataset | ChunkResult) -> None:
        """Write one chunk of draws (a results Dataset, or a ChunkResult when ``prep`` given).

        Raises :class:`FFCastError` when the writer is closed or the chunk does not fit.
        """
        if not self._open:
            raise FFCastError(f"{self.path}: the writer is closed")
        if isinstance(chunk, ChunkResult):
            if self.prep is None or self.seed is None:
                raise FFCastError("append: a ChunkResult needs ResultsWriter(path, prep, seed)")
            chunk = to_dataset(self.prep, chunk, self.seed)
        try:
            self._check(chunk)
            self._backend.append(chunk)
        except BaseException:
            self.abort()
            raise
        if self._first is None:
            self._first = chunk.isel(draw=slice(0, 0)).copy(deep=True)  # no view on the chunk
        self._draws.update(int(d) for d in chunk["draw"].values)

    def close(self) -> None:
        """Finish the file and move it onto ``path`` (raises FFCastError if nothing written)."""
        if not self._open:
            return
        if self._first is None:
            self.abort()
            raise FFCastError(f"{self.path}: no draws were appended; nothing written")
        try:
            self._backend.close()
            _check_target(self.path, self.ext)
            new = not (self.path.exists() or self.path.is_symlink())
            _replace(self.tmp, self.path)
            if new:  # a command that fails later removes it (ffcast.files.output_scope)
                record_created(self.path)
        except BaseException:
            self.abort()
            raise
        self._open = False

    def abort(self) -> None:
        """Discard everything written so far; ``path`` is left untouched. Idempotent."""
        if not self._open:
            return
        self._open = False
        try:
            self._backend.abort()
        finally:
            _remove(self.tmp)


def write(results: xr.Dataset | Iterable[xr.Dataset], path: str | os.PathLike[str]) -> Path:
    """Write a results Dataset, or an iterable of chunk Datasets, atomically to ``path``.

    The format follows the extension (``.nc``, ``.zarr``, ``.parquet``, ``.csv``). Returns
    the path. Raises :class:`FFCastError` for an unsupported extension or mismatched chunks.
    """
    chunks = [results] if isinstance(results, xr.Dataset) else results
    with ResultsWriter(path) as writer:
        for ds in chunks:
            writer.append(ds)
    return Path(path)


def _as_str(ds: xr.Dataset) -> xr.Dataset:
    # Zarr v3 returns variable-length strings; the contract uses fixed-width str.
    return ds.assign_coords({
        n: xr.Variable(ds[n].dims, np.array(ds[n].values.tolist(), dtype=str), ds[n].attrs)
        for n in ds.coords if ds[n].dtype.kind in "OT"})


def read(path: str | os.PathLike[str], lazy: bool = False) -> xr.Dataset:
    """Read a results file written by :func:`write` or :class:`ResultsWriter` as a Dataset.

    ``.nc`` and ``.zarr`` are loaded into memory unless ``lazy`` (then values are read on
    access). ``.parquet`` and ``.csv`` are always read whole and pivoted back from the long
    form, counts restored to int32. Raises :class:`FFCastError` for an unsupported extension
    or a missing path.
    """
    p = Path(path)
    ext = _extension(p)
    if not p.exists():
        raise FFCastError(f"{p}: no such file or directory")
    if ext == ".nc":
        return _as_str(formats.read_netcdf(p, lazy))
    if ext == ".zarr":
        return _as_str(formats.read_zarr(p, lazy))
    if _is_summary(p, ext):
        raise FFCastError(f"{p}: a summary export (quantiles per variable, month and country), "
                          "not every draw; fix: read it with pandas (pandas.read_csv or "
                          "read_parquet), or write every draw with --all-draws or .nc")
    table, meta = formats.read_parquet(p) if ext == ".parquet" else formats.read_csv(p)
    return from_tidy(table, meta)


def _is_summary(path: Path, ext: str) -> bool:
    """True for a summary export (its header names the summary columns)."""
    if ext == ".parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception:  # not Parquet at all: read() reports that
            return False
    else:
        with open(path, encoding="utf-8", errors="replace") as f:
            names = f.readline(10_000).strip().replace('"', "").split(",")
    return list(names) == list(SUMMARY_COLUMNS)
