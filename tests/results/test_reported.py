"""``reported_returned``: what an official authority would publish, as the contract claims.

Claims tried here: whole, never-negative persons with units and a description; the
cumulative count times the draw's *official* bias and a reporting error that persists over
months (so the reported series is non-decreasing); same seed same numbers, whatever the
chunking or the other countries in the run; a standard normal error per country.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from ffcast.engine import Prepared, prepare, run_chunk
from ffcast.errors import FFCastError
from ffcast.results import check_dataset, reported, to_dataset
from ffcast.scenario import reporting


def test_reported_returned_is_whole_persons_with_units_and_description(ds: xr.Dataset) -> None:
    var = ds["reported_returned"]
    assert var.dims == ("draw", "month", "country")
    assert var.dtype == np.int32
    assert int(var.min()) >= 0
    assert var.attrs["units"] == "persons"
    assert "official" in var.attrs["description"]
    # a reader of the file learns it is not the report's anchored official-count forecast
    assert "not conditioned on what the country published" in var.attrs["description"]
    check_dataset(ds)


def test_reported_returned_is_zero_where_nobody_has_returned(ds: xr.Dataset) -> None:
    none = ds["cumulative_returned"] == 0
    assert bool(none.any())  # the early months: the claim is tested, not vacuous
    assert int(ds["reported_returned"].where(none, 0).max()) == 0


def test_a_reporting_error_persists_over_the_months(ds: xr.Dataset) -> None:
    """One error per draw and country: the reported series is non-decreasing like the count,
    and its ratio to the count is the same in every month (up to rounding)."""
    rep = ds["reported_returned"].astype(float)
    cum = ds["cumulative_returned"].astype(float)
    assert bool((rep.diff("month") >= 0).all())
    big = cum >= 200
    ratio = (rep / cum).where(big)
    spread = (ratio.max("month") - ratio.min("month")) / ratio.mean("month")
    assert int(big.sum()) > 50
    assert float(spread.max()) < 0.01  # rounding at >= 200 people moves a ratio < 0.25%
    # ...and it differs between draws and countries (not one factor for everyone).
    assert float(ratio.max("month").std()) > 0.05


def test_reported_returned_uses_the_official_bias(prep: Prepared, seed: int) -> None:
    chunk = run_chunk(prep, seed, np.arange(6))
    base = to_dataset(prep, chunk, seed)["reported_returned"].values.astype(float)
    values = chunk.reporting.copy()
    values[:, reporting.column("bias", "official")] *= 2
    values[:, reporting.column("bias", "press")] *= 5  # another kind: no effect
    doubled = to_dataset(prep, dataclasses.replace(chunk, reporting=values), seed)
    got = doubled["reported_returned"].values.astype(float)
    assert np.all(np.abs(got - 2 * base) <= 1.0)


def test_same_seed_same_reported_figures_and_chunking_changes_nothing(
        prep: Prepared, ds: xr.Dataset, seed: int) -> None:
    whole = to_dataset(prep, run_chunk(prep, seed, np.arange(9)), seed)
    xr.testing.assert_equal(whole["reported_returned"], ds["reported_returned"])
    other = to_dataset(prep, run_chunk(prep, seed + 1, np.arange(9)), seed + 1)
    assert not np.array_equal(other["reported_returned"].values,
                              ds["reported_returned"].values)


def test_other_countries_in_the_run_change_nothing(ds: xr.Dataset, seed: int) -> None:
    alone = prepare("baseline", end="2018-12", countries=["FRA"])
    fra = to_dataset(alone, run_chunk(alone, seed, np.arange(9)), seed)
    np.testing.assert_array_equal(fra["reported_returned"].sel(country="FRA").values,
                                  ds["reported_returned"].sel(country="FRA").values)


def test_reporting_errors_are_standard_normal_and_differ_by_channel() -> None:
    codes = np.array([1234, 98765], dtype=np.int64)
    e = reported.reporting_error(3, np.arange(4000), codes, "cumulative_returned", "official")
    assert e.shape == (4000, 2)
    for column in e.T:
        assert stats.kstest(column, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(e.T)[0, 1]) < 0.06
    press = reported.reporting_error(3, np.arange(4000), codes, "cumulative_returned", "press")
    dead = reported.reporting_error(3, np.arange(4000), codes, "killed", "official")
    assert abs(np.corrcoef(e[:, 0], press[:, 0])[0, 1]) < 0.06
    assert abs(np.corrcoef(e[:, 0], dead[:, 0])[0, 1]) < 0.06


def test_the_published_figure_scatters_lognormally_around_the_biased_count() -> None:
    n = 5000
    values = np.tile([0.5, 0.3, 1.0, 0.3, 1.0, 0.4], (n, 1))  # official bias 0.5, noise 0.3
    e = reported.reporting_error(1, np.arange(n), np.array([77]), "cumulative_returned",
                                 "official")
    figure = reported.reported(np.full((n, 1), 1000), values, e, "official")[:, 0]
    assert np.all(figure == np.round(figure)) and np.all(figure >= 0)
    logs = np.log(figure / 500.0)
    assert abs(np.median(logs)) < 0.03 and abs(np.std(logs) - 0.3) < 0.02


def test_an_unknown_kind_or_quantity_names_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="official"):
        reported.channel("cumulative_returned", "blog")
    with pytest.raises(KeyError, match="in_theatre"):
        reported.channel("arrivals", "official")


def test_a_chunk_without_reporting_values_is_refused(prep: Prepared, seed: int) -> None:
    chunk = run_chunk(prep, seed, np.arange(2))
    with pytest.raises(FFCastError, match=r"chunk\.reporting"):
        to_dataset(prep, dataclasses.replace(chunk, reporting=np.zeros((0, 6))), seed)
