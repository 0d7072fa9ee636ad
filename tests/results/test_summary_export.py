"""Summary exports: what ``ffcast run --out x.csv`` writes unless every draw is asked for.

Claims tried here: the summary holds the mean and the 5/50/95% quantiles of every variable
per month and country (the same numbers numpy gives on the full ensemble), leaves out only
cells that are zero to its precision, is identical whether the draws were held in memory or
spilled to disk and whatever the block size, keeps memory bounded, and the size estimate
is what refuses an absurd export before any work.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr

from ffcast import runner
from ffcast.engine import Prepared
from ffcast.errors import FFCastError
from ffcast.results import ResultsWriter, export_size, formats, read, write
from ffcast.results.tidy import SUMMARY_COLUMNS, SUMMARY_KEY, draw_quantiles


def _summary(ds: xr.Dataset, path: Path, prep: Prepared, seed: int,
             chunks: list[xr.Dataset] | None = None) -> pd.DataFrame:
    with ResultsWriter(path, prep, seed, all_draws=False) as writer:
        for chunk in chunks or [ds]:
            writer.append(chunk)
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype={"theatre": str, "target": str}, keep_default_na=False)
    return pq.read_table(path).to_pandas()


def test_draw_quantiles_match_numpy_linear() -> None:
    rng = np.random.default_rng(1)
    for n in (1, 2, 7, 100):
        x = rng.integers(0, 50, size=(3, 4, n)).astype(np.int32)
        q = (0.05, 0.5, 0.95)
        np.testing.assert_allclose(draw_quantiles(x, q), np.quantile(x, q, axis=-1))


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_summary_rows_are_the_ensemble_quantiles(ds: xr.Dataset, prep: Prepared, seed: int,
                                                 tmp_path: Path, ext: str) -> None:
    df = _summary(ds, tmp_path / f"s{ext}", prep, seed)
    assert list(df.columns) == list(SUMMARY_COLUMNS)
    month = ds["month"].values[40]
    label = str(month)[:7] if ext == ".csv" else pd.Timestamp(month)
    for var, extra in (("cumulative_returned", {}), ("attacks", {"target": "home"}),
                       ("relocated", {"theatre": "libya"})):
        da = ds[var].sel(month=month, country="FRA", **extra)
        rows = df[(df.variable == var) & (df.month == label) & (df.country == "FRA")]
        for dim, value in extra.items():
            rows = rows[rows[dim] == value]
        expected = [round(float(da.mean()), 4),
                    *np.round(np.quantile(da.values, [0.05, 0.5, 0.95]), 1)]
        if not da.values.any():
            assert rows.empty  # zero in every draw: left out
            continue
        assert len(rows) == 1
        np.testing.assert_allclose(rows[["mean", "p5", "p50", "p95"]].to_numpy()[0], expected)
    territory = df[df.variable == "territory"]
    assert len(territory) == ds.sizes["month"] and (territory.country == "").all()
    share = ds["territory"].sel(month=ds["month"].values[-1])
    row = territory[territory.month == (str(ds["month"].values[-1])[:7] if ext == ".csv"
                                        else pd.Timestamp(ds["month"].values[-1]))]
    assert row["mean"].iloc[0] == pytest.approx(float(share.mean()), abs=5e-5)  # 4 decimals


def test_only_cells_zero_in_every_draw_are_left_out_and_means_add_up(
        ds: xr.Dataset, prep: Prepared, seed: int, tmp_path: Path) -> None:
    """A rule that also dropped cells rare enough to round to 0 made sums of the rows'
    means undercount (half the mass-casualty attacks) and left variables out whole (every
    attack by radicalised inmates; review of 2026-12-07)."""
    df = _summary(ds, tmp_path / "s.csv", prep, seed)
    counts = df[df.variable != "territory"]
    assert (counts["mean"] > 0).all()
    kept = counts.groupby("variable").size()
    mean = ds["cumulative_travelled"].mean("draw")
    assert kept["cumulative_travelled"] == int((mean > 0).sum())
    for var in ("attacks", "mass_casualty_attacks", "interdicted_plots", "repatriated"):
        total = float(ds[var].sum([d for d in ds[var].dims if d != "draw"]).mean())
        rows = counts[counts.variable == var]
        assert rows["mean"].sum() == pytest.approx(total, abs=1e-4 * max(len(rows), 1))
        assert (total > 0) == (len(rows) > 0)  # a variable with any event has rows


def test_spilling_to_disk_and_small_blocks_change_nothing(
        ds: xr.Dataset, chunks: list[xr.Dataset], prep: Prepared, seed: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    in_memory = _summary(ds, tmp_path / "a.csv", prep, seed, chunks)
    monkeypatch.setattr(formats, "SUMMARY_MEMORY_BYTES", 1)  # spill at the first chunk
    monkeypatch.setattr(formats, "SUMMARY_BLOCK_BYTES", 1)  # one month per block
    spilled = _summary(ds, tmp_path / "b.csv", prep, seed, chunks)
    pd.testing.assert_frame_equal(in_memory, spilled)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # store deleted


def test_memory_stays_bounded_when_spilled(chunks: list[xr.Dataset], prep: Prepared,
                                           seed: int, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve chunks through a writer that spills at once: peak memory stays near one chunk
    and one block, far below every draw of every variable."""
    monkeypatch.setattr(formats, "SUMMARY_MEMORY_BYTES", 1)
    monkeypatch.setattr(formats, "SUMMARY_BLOCK_BYTES", 1 << 16)
    many = [c.assign_coords(draw=c["draw"] + 9 * k) for k in range(4) for c in chunks]
    total = sum(c.nbytes for c in many)
    tracemalloc.start()
    with ResultsWriter(tmp_path / "big.parquet", prep, seed, all_draws=False) as writer:
        for chunk in many:
            writer.append(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < total / 3, (peak, total)


def test_parquet_summary_carries_its_provenance(ds: xr.Dataset, prep: Prepared, seed: int,
                                                tmp_path: Path) -> None:
    import json

    _summary(ds, tmp_path / "s.parquet", prep, seed)
    meta = json.loads(pq.read_schema(tmp_path / "s.parquet").metadata[SUMMARY_KEY.encode()])
    assert meta["draws"] == ds.sizes["draw"] and meta["attrs"]["seed"] == seed
    assert meta["variables"]["attacks"]["units"] == "attacks/month"


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_reading_a_summary_as_results_says_what_it_is(ds: xr.Dataset, prep: Prepared,
                                                      seed: int, tmp_path: Path,
                                                      ext: str) -> None:
    _summary(ds, tmp_path / f"s{ext}", prep, seed)
    with pytest.raises(FFCastError, match="summary export"):
        read(tmp_path / f"s{ext}")
    write(ds, tmp_path / f"full{ext}")  # every draw still round-trips
    xr.testing.assert_identical(read(tmp_path / f"full{ext}"), ds)


def test_estimates_are_the_right_order(ds: xr.Dataset, prep: Prepared, seed: int,
                                       tmp_path: Path) -> None:
    draws = ds.sizes["draw"]
    for ext, all_draws in ((".csv", True), (".csv", False), (".parquet", True)):
        path = tmp_path / f"e{'-all' if all_draws else ''}{ext}"
        if all_draws:
            write(ds, path)
        else:
            _summary(ds, path, prep, seed)
        rows, size = export_size(prep, draws, path, all_draws=all_draws)
        actual = path.stat().st_size
        assert actual / 4 < size < actual * 4, (ext, all_draws, size, actual)
    rows, _ = export_size(prep, draws, tmp_path / "x.csv", all_draws=True)
    assert rows == sum(int(np.prod([s for d, s in ds[v].sizes.items() if d != "draw"]))
                       for v in ds.data_vars) * draws


def test_an_absurd_export_is_refused_before_any_work(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(runner.Run, "chunks", lambda self, f, p=None, r=None: calls.append(1))
    with pytest.raises(FFCastError, match=r"would be ~\d\.\d GB .*--force") as err:
        runner.run("baseline", draws=100, out=tmp_path / "x.csv", all_draws=True)
    assert "summary (~" in str(err.value) and calls == []
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FFCastError, match="no draws"):  # forced: the work starts (stubbed)
        runner.run("baseline", draws=100, out=tmp_path / "x.csv", all_draws=True, force=True)
    assert calls == [1]
