"""The reduction keeps only small per-draw arrays, and keeps them right."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import ffcast
from ffcast.engine import prepare
from ffcast.errors import FFCastError
from ffcast.report.reduce import (
    PATHWAYS,
    PUBLISHED_INPUTS,
    Reduction,
    RunMeta,
    open_results,
    paired_differences,
    reduce_file,
    reduce_run,
)
from ffcast.results import quantities as Q
from ffcast.runner import run

from .conftest import DRAWS, END, SEED


def _full_meta() -> RunMeta:
    prep = prepare("baseline", end="2026-12")
    countries = prep.countries
    return RunMeta(
        scenario_name="baseline", scenario={}, seed=0, version="test",
        months=prep.recorded_months, cutoff=pd.Timestamp("2016-12-01"),
        countries=tuple(countries["iso3"]), country_names=tuple(countries["name"]),
        regions=tuple(countries["region"]), focus=tuple(countries["iso3"][:8]),
        origin="simulated")


def test_10000_draws_hold_no_month_by_country_array() -> None:
    """A 10,000-draw report to 2026-12 pre-allocates < 200 MB and no (D, T, C) array."""
    meta = _full_meta()
    red = Reduction.empty(meta, 10_000)
    t, c = len(meta.months), len(meta.countries)
    for name, arr in red.arrays.items():
        assert arr.shape[0] == 10_000 or name == "draws"
        assert not (t in arr.shape[1:] and c in arr.shape[1:]), name
    # One (D, T, C) int32 stock alone would be 10,000 x 192 x 62 x 4 B = 476 MB; the full
    # results (21 stocks + 16 flows) about 18 GB.
    full = 10_000 * t * c * 37 * 4
    assert red.nbytes < 200e6
    assert red.nbytes < full / 50


def test_shapes_and_conservation(reduction: Reduction) -> None:
    red = reduction
    t, k = len(red.meta.months), len(red.meta.focus)
    assert red.pathways.shape == (DRAWS, t, len(PATHWAYS))
    assert red.focus_returned.shape == (DRAWS, t, k)
    assert red.region_pathways.shape[0] == DRAWS
    # People are conserved: the pathways add up to everyone who travelled, every month.
    np.testing.assert_array_equal(red.pathways.sum(-1), red.travelled)
    # Regions add up to the world; home outcomes add up to the returned.
    np.testing.assert_array_equal(red.region_pathways.sum(1), red.pathways[:, -1])
    np.testing.assert_array_equal(red.home_outcomes.sum(1),
                                  red.pathways[:, -1, PATHWAYS.index("returned")])
    np.testing.assert_array_equal(red.theatres.sum(1),
                                  red.pathways[:, -1, PATHWAYS.index("relocated")])
    np.testing.assert_array_equal(red.country_returned.sum(1),
                                  red.pathways[:, -1, PATHWAYS.index("returned")])
    # The risk regions split every attack and every death exactly once: the travellers'
    # (by target) and the radicalised inmates' (apart, ADR 0036), read from the same run's
    # results.
    ds = ffcast.simulate("baseline", draws=len(red.draws), seed=red.meta.seed,
                         end=f"{red.meta.months[-1]:%Y-%m}")
    for count, by_target in (("attacks", red.attacks), ("attack_deaths", red.attack_deaths)):
        inmates = (ds[Q.INMATE_RISK_COUNTS[count]].sum("country")
                   .groupby("month.year").sum().sel(draw=red.draws).to_numpy())
        assert inmates.shape == by_target.shape[:2]
        np.testing.assert_array_equal(red.risk[..., Q.RISK_COUNTS.index(count)].sum(-1),
                                      by_target.sum(-1) + inmates)
    west = red.risk[:, :, Q.RISK_REGIONS.index("west"), Q.RISK_COUNTS.index("attacks")]
    assert (west >= red.attacks[:, :, Q.TARGETS.index("western_abroad")]).all()


def test_chunking_does_not_change_anything(reduction: Reduction) -> None:
    whole = reduce_run("baseline", DRAWS, SEED, end=END, chunk_size=DRAWS)
    for name, arr in reduction.arrays.items():
        np.testing.assert_array_equal(arr, whole.arrays[name], err_msg=name)


def test_matches_ffcast_run_headline(reduction: Reduction) -> None:
    """Same seed and draws: the report's horizon numbers are `ffcast run`'s."""
    head = run("baseline", draws=DRAWS, seed=SEED, end=END)
    for i, key in enumerate(PATHWAYS):
        np.testing.assert_array_equal(reduction.pathways[:, -1, i], head.pathways[key])
    after = np.isin(reduction.meta.years, head.risk_years)
    assert after.sum() == len(head.risk_years) > 0
    np.testing.assert_array_equal(reduction.risk[:, after], head.risk)


def test_results_file_reduces_like_the_simulation(reduction: Reduction,
                                                  results_file: Path) -> None:
    from_file = reduce_file(results_file, chunk_size=6)
    assert from_file.meta.origin == str(results_file)
    for name, arr in reduction.arrays.items():
        if name in PUBLISHED_INPUTS:  # the draws' reporting values are not in a results file
            continue
        np.testing.assert_array_equal(arr, from_file.arrays[name], err_msg=name)
    assert reduction.anchored and not from_file.anchored


def test_same_scenario_differs_by_nothing(reduction: Reduction) -> None:
    for d in paired_differences(reduction, reduction):
        assert (d.p5, d.median, d.p95, d.share_lower) == (0, 0, 0, 0)


def test_pairing_needs_the_same_draws(reduction: Reduction) -> None:
    other = dataclasses.replace(reduction, draws=reduction.draws + 1)
    with pytest.raises(FFCastError, match="share seed, draws and months"):
        paired_differences(reduction, other)


def test_foreign_netcdf_is_not_results(tmp_path: Path) -> None:
    path = tmp_path / "random.nc"
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(FFCastError, match="not an ffcast results file"):
        open_results(path)


def test_unknown_focus_country(results_file: Path) -> None:
    with pytest.raises(FFCastError, match="focus: XYZ"):
        reduce_file(results_file, focus=["XYZ"])
