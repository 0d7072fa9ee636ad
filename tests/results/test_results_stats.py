"""Quantiles and summaries over draws, checked against numpy.percentile."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ffcast.errors import FFCastError
from ffcast.results import quantiles, summary


def test_quantiles_match_numpy_percentile(ds: xr.Dataset) -> None:
    da = ds["cumulative_returned"]
    q = quantiles(da, (0.05, 0.5, 0.95))
    assert q.dims == ("quantile", "month", "country")
    assert q.dtype == np.float64
    expected = np.percentile(da.values, [5, 50, 95], axis=0)
    np.testing.assert_allclose(q.values, expected, rtol=0, atol=1e-9)
    assert list(q["quantile"].values) == [0.05, 0.5, 0.95]
    assert q.attrs["units"] == "persons"


def test_quantiles_over_another_dim(ds: xr.Dataset) -> None:
    da = ds["attacks"].sum("target")
    q = quantiles(da, (0.25, 0.75), dim="country")
    expected = np.percentile(da.values, [25, 75], axis=2)
    np.testing.assert_allclose(q.values, expected)


def test_summary_has_five_quantiles_and_the_mean(ds: xr.Dataset) -> None:
    da = ds["cumulative_travelled"].isel(month=-1)
    s = summary(da)
    assert list(s["quantile"].values) == ["p5", "p10", "p50", "p90", "p95", "mean"]
    assert s.dtype == np.float64 and s.dims == ("quantile", "country")
    expected = np.percentile(da.values, [5, 10, 50, 90, 95], axis=0)
    np.testing.assert_allclose(s.sel(quantile=["p5", "p10", "p50", "p90", "p95"]).values,
                               expected)
    np.testing.assert_allclose(s.sel(quantile="mean").values, da.values.mean(axis=0))
    assert s.attrs["units"] == "persons"


def test_median_of_integers_can_be_a_half() -> None:
    da = xr.DataArray(np.array([1, 2], dtype=np.int32), dims="draw")
    assert float(quantiles(da, (0.5,)).item()) == 1.5


@pytest.mark.parametrize("q", [(1.5,), (-0.1,), (), (np.nan,)])
def test_quantiles_reject_bad_levels(ds: xr.Dataset, q: tuple[float, ...]) -> None:
    with pytest.raises(FFCastError, match="q:"):
        quantiles(ds["killed"], q)


def test_quantiles_reject_unknown_or_empty_dim(ds: xr.Dataset) -> None:
    with pytest.raises(FFCastError, match="sample"):
        quantiles(ds["killed"], dim="sample")
    with pytest.raises(FFCastError, match="empty"):
        summary(ds["killed"].isel(draw=slice(0, 0)))


@settings(max_examples=50, deadline=None)
@given(arrays(np.int32, st.tuples(st.integers(1, 30), st.integers(1, 4)),
              elements=st.integers(0, 100_000)),
       st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_quantiles_equal_numpy_for_any_integers(values: np.ndarray, q: list[float]) -> None:
    da = xr.DataArray(values, dims=("draw", "country"))
    np.testing.assert_allclose(quantiles(da, q).values,
                               np.percentile(values, np.array(q) * 100, axis=0),
                               rtol=1e-12, atol=1e-6)
