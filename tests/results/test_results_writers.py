"""Writers chosen by extension: round trips, streaming, atomicity and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pyarrow.parquet as pq
import pytest
import xarray as xr

from ffcast.engine import Prepared, run_chunk
from ffcast.errors import FFCastError
from ffcast.results import (
    SUPPORTED_EXTENSIONS,
    ResultsWriter,
    person_stocks,
    read,
    to_dataset,
    write,
)
from ffcast.results.tidy import COLUMNS

EXTENSIONS = (".nc", ".zarr", ".parquet", ".csv")


def _siblings(path: Path) -> list[str]:
    """Everything in the target's directory (temporary files included)."""
    return sorted(p.name for p in path.parent.iterdir())


def test_supported_extensions_are_the_documented_four() -> None:
    assert set(SUPPORTED_EXTENSIONS) == set(EXTENSIONS)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_round_trip_is_identical(ds: xr.Dataset, tmp_path: Path, ext: str) -> None:
    path = write(ds, tmp_path / f"run{ext}")
    back = read(path)
    xr.testing.assert_identical(back, ds)  # values, dtypes, coords and every attr
    assert back["attacks"].dtype == np.int32 and back["territory"].dtype == np.float64
    assert person_stocks(back) == person_stocks(ds)
    assert _siblings(path) == [path.name]  # no temporary left behind


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_men_women_and_minors_come_back_as_counts(prep: Prepared, tmp_path: Path,
                                                   ext: str) -> None:
    """by_group came back float64 from every-draw Parquet and CSV and then failed the
    contract (review of 2026-12-07)."""
    from ffcast.engine import Recording, run_chunk
    from ffcast.results import check_dataset, to_dataset

    rec = Recording.every_month(prep, groups="all")
    grouped = to_dataset(prep, run_chunk(prep, 7, np.arange(2), record=rec), 7)
    back = read(write(grouped, tmp_path / f"g{ext}"))
    assert back["by_group"].dtype == np.int32
    check_dataset(back)
    xr.testing.assert_identical(back, grouped)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_streaming_three_chunks_equals_writing_them_at_once(
        ds: xr.Dataset, chunks: list[xr.Dataset], prep: Prepared, seed: int, tmp_path: Path,
        ext: str) -> None:
    with ResultsWriter(tmp_path / f"streamed{ext}", prep, seed) as writer:
        for chunk in chunks:
            writer.append(chunk)
        assert writer.draws == 9
    write(ds, tmp_path / f"whole{ext}")
    streamed, whole = read(tmp_path / f"streamed{ext}"), read(tmp_path / f"whole{ext}")
    xr.testing.assert_identical(streamed, whole)
    xr.testing.assert_identical(streamed, ds)


def test_writer_accepts_chunk_results(prep: Prepared, seed: int, ds: xr.Dataset,
                                      tmp_path: Path) -> None:
    path = tmp_path / "chunks.nc"
    with ResultsWriter(path, prep, seed) as writer:
        for draws in (np.arange(0, 4), np.arange(4, 9)):  # other chunking, same numbers
            writer.append(run_chunk(prep, seed, draws))
    xr.testing.assert_identical(read(path), ds)


def test_netcdf_is_compressed_and_chunked_along_draw(ds: xr.Dataset, tmp_path: Path) -> None:
    path = write(ds, tmp_path / "run.nc")
    with h5py.File(path) as f:
        var = f["relocated"]
        assert var.compression == "gzip" and var.compression_opts == 4
        assert var.chunks[1:] == var.shape[1:] and var.maxshape[0] is None


@pytest.mark.parametrize("ext", [".parquet", ".csv"])
def test_tidy_long_form_columns(ds: xr.Dataset, tmp_path: Path, ext: str) -> None:
    path = write(ds, tmp_path / f"run{ext}")
    if ext == ".parquet":
        df = pq.read_table(path).to_pandas()
    else:
        import pandas as pd

        df = pd.read_csv(path, comment="#", keep_default_na=False)
    assert tuple(df.columns) == COLUMNS
    n_rows = sum(int(np.prod(ds[v].shape)) for v in ds.data_vars)
    assert len(df) == n_rows
    reloc = df[df["variable"].astype(str) == "relocated"]
    assert set(reloc["theatre"].astype(str)) == set(ds["theatre"].values)
    assert set(reloc["target"].astype(str)) == {""}
    terr = df[df["variable"].astype(str) == "territory"]
    assert set(terr["country"].astype(str)) == {""}
    row = df[(df["variable"].astype(str) == "attacks") & (df["draw"] == 4)
             & (df["country"].astype(str) == "FRA") & (df["target"].astype(str) == "home")]
    expected = ds["attacks"].sel(draw=4, country="FRA", target="home").values
    np.testing.assert_array_equal(row["value"].to_numpy(), expected)


def test_csv_first_line_carries_the_metadata(ds: xr.Dataset, tmp_path: Path) -> None:
    path = write(ds, tmp_path / "run.csv")
    first = path.read_text().splitlines()[0]
    assert first.startswith("# ffcast-results: ")
    meta = json.loads(first.split(": ", 1)[1])
    assert json.loads(meta["attrs"]["person_stocks"]) == person_stocks(ds)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_error_inside_the_block_leaves_nothing(chunks: list[xr.Dataset], prep: Prepared,
                                               seed: int, tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"broken{ext}"
    with pytest.raises(RuntimeError, match="boom"), ResultsWriter(path, prep, seed) as writer:
        writer.append(chunks[0])
        writer.append(chunks[1])
        raise RuntimeError("boom")
    assert not path.exists()
    assert _siblings(path) == []


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_failed_overwrite_keeps_the_old_file(ds: xr.Dataset, chunks: list[xr.Dataset],
                                             tmp_path: Path, ext: str) -> None:
    path = write(chunks[0], tmp_path / f"kept{ext}")
    with pytest.raises(RuntimeError), ResultsWriter(path) as writer:
        writer.append(ds)
        raise RuntimeError("interrupted")
    xr.testing.assert_identical(read(path), chunks[0])
    assert _siblings(path) == [path.name]


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_overwrite_replaces_an_existing_result(ds: xr.Dataset, chunks: list[xr.Dataset],
                                               tmp_path: Path, ext: str) -> None:
    path = write(chunks[0], tmp_path / f"again{ext}")
    write(ds, path)
    xr.testing.assert_identical(read(path), ds)
    assert _siblings(path) == [path.name]


def test_a_bad_chunk_aborts_and_leaves_nothing(chunks: list[xr.Dataset], tmp_path: Path) -> None:
    path = tmp_path / "dup.nc"
    with pytest.raises(FFCastError, match="twice"), ResultsWriter(path) as writer:
        writer.append(chunks[0])
        writer.append(chunks[0])
    assert _siblings(path) == []


def test_chunks_of_another_run_are_rejected(chunks: list[xr.Dataset], late_ds: xr.Dataset,
                                            tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match="month"), ResultsWriter(tmp_path / "x.zarr") as w:
        w.append(chunks[0])
        w.append(late_ds.assign_coords(draw=late_ds["draw"] + 100))
    other_seed = chunks[1].assign_attrs(seed=99)
    with pytest.raises(FFCastError, match="seed"), \
            ResultsWriter(tmp_path / "y.nc", seed=7) as w:
        w.append(other_seed)
    assert _siblings(tmp_path / "x") == []


def test_closing_without_draws_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match="no draws"), ResultsWriter(tmp_path / "empty.nc"):
        pass
    assert _siblings(tmp_path / "empty.nc") == []


@pytest.mark.parametrize("name", ["out.txt", "out", "out.h5", "out.json"])
def test_unknown_extension_names_the_supported_ones(ds: xr.Dataset, tmp_path: Path,
                                                    name: str) -> None:
    with pytest.raises(FFCastError) as err:
        write(ds, tmp_path / name)
    for ext in EXTENSIONS:
        assert ext in str(err.value)
    with pytest.raises(FFCastError, match=r"\.nc"):
        read(tmp_path / name)


def test_extension_is_case_insensitive(ds: xr.Dataset, tmp_path: Path) -> None:
    path = write(ds, tmp_path / "RUN.NC")
    xr.testing.assert_identical(read(path), ds)


def test_refuses_to_clobber_a_directory_that_is_not_a_store(ds: xr.Dataset,
                                                            tmp_path: Path) -> None:
    (tmp_path / "mine.zarr").mkdir()
    (tmp_path / "mine.zarr" / "notes.txt").write_text("keep me")
    with pytest.raises(FFCastError, match="not a Zarr store"):
        write(ds, tmp_path / "mine.zarr")
    assert (tmp_path / "mine.zarr" / "notes.txt").read_text() == "keep me"
    with pytest.raises(FFCastError, match="does not exist"):
        write(ds, tmp_path / "missing" / "run.nc")


def test_read_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match="no such file"):
        read(tmp_path / "absent.parquet")


@pytest.mark.parametrize("ext", [".nc", ".zarr"])
def test_lazy_read_gives_the_same_values(ds: xr.Dataset, tmp_path: Path, ext: str) -> None:
    path = write(ds, tmp_path / f"lazy{ext}")
    lazy = read(path, lazy=True)
    xr.testing.assert_identical(lazy.load(), ds)
    lazy.close()


def test_chunk_written_by_the_writer_matches_to_dataset(prep: Prepared, seed: int,
                                                        tmp_path: Path) -> None:
    chunk = run_chunk(prep, seed, np.array([11, 3]))  # draw order is kept, not sorted
    path = tmp_path / "order.parquet"
    with ResultsWriter(path, prep, seed) as writer:
        writer.append(chunk)
    xr.testing.assert_identical(read(path), to_dataset(prep, chunk, seed))


@pytest.mark.parametrize(("src", "dst"), [(".nc", ".parquet"), (".parquet", ".zarr"),
                                          (".csv", ".nc"), (".zarr", ".csv")])
def test_converting_between_formats_is_lossless(ds: xr.Dataset, tmp_path: Path, src: str,
                                                dst: str) -> None:
    first = read(write(ds, tmp_path / f"a{src}"))
    xr.testing.assert_identical(read(write(first, tmp_path / f"b{dst}")), ds)


def test_append_rejects_something_that_is_not_results(ds: xr.Dataset, tmp_path: Path) -> None:
    with pytest.raises(FFCastError, match="territory"), ResultsWriter(tmp_path / "r.nc") as w:
        w.append(ds.drop_vars("territory"))
    assert _siblings(tmp_path / "r.nc") == []
