"""ADR 0028: each region's travel wave at its own pace against the world's shape, read from
its countries' counts of people who travelled, as published by the cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast import data
from ffcast.engine import prepare
from ffcast.engine import prepared as P
from ffcast.scenario import Scenario


@given(st.lists(st.floats(1e-6, 1.0), min_size=3, max_size=40),
       st.lists(st.floats(P.PACE_BOUNDS[0], P.PACE_BOUNDS[1]), min_size=1, max_size=5),
       st.data())
@settings(max_examples=200, deadline=None)
def test_a_paced_wave_is_the_world_shape_raised_to_its_pace(
        weights: list[float], paces: list[float], draw: st.DataObject) -> None:
    k = draw.draw(st.integers(0, len(weights) - 1))
    shape = np.asarray(weights) / np.sum(weights[: k + 1])  # sums to 1 up to the cut-off
    pace = np.asarray(paces)
    out = P.paced_shapes(shape, k, pace)
    assert out.shape == (len(shape), len(pace))
    assert (out >= 0).all()
    world = np.cumsum(shape[: k + 1])
    for j, r in enumerate(pace):
        np.testing.assert_allclose(np.cumsum(out[: k + 1, j]), world ** r, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(out[k + 1:, j], shape[k + 1:] * r)
    ones = P.paced_shapes(shape, k, np.ones(3))
    assert (ones == shape[:, None]).all()  # a pace of 1 is the world shape, bit for bit


def test_vintage_factors_follow_the_pace() -> None:
    months = pd.date_range("2013-01-01", periods=48, freq="MS")
    shape = np.linspace(0.1, 1.0, 48)
    k = 40
    as_of = pd.Series([months[20], months[30], months[k]])
    pace = np.array([0.6, 1.3, 0.5])
    cum = np.cumsum(shape)
    f = P.vintage_factors(as_of, months, shape, k, pace)
    assert f[0] == pytest.approx((cum[k] / cum[20]) ** 0.6)
    assert f[1] == pytest.approx((cum[k] / cum[30]) ** 1.3)
    assert f[2] == 1.0  # an estimate of the cut-off month is read as published


def _counts(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "iso3": [r[0] for r in rows], "measure": "travelled", "covers": "",
        "low": [r[2] for r in rows], "high": [r[3] for r in rows],
        "as_of_date": pd.to_datetime([r[1] for r in rows])})


def test_paces_are_growth_over_the_worlds_shrunk_region_to_one_country_to_region(
        monkeypatch) -> None:
    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    shape = np.linspace(1.0, 2.0, len(months))
    k = len(months) - 1
    cum = np.cumsum(shape)
    rows = [("AAA", "2015-01-15", 100, 100), ("AAA", "2016-01-15", 120, 120),
            ("BBB", "2015-06-15", 80, 125), ("BBB", "2016-06-15", 110, 110),
            ("CCC", "2016-03-15", 40, 40),  # one count: no pair
            ("DDD", "2013-01-15", 10, 10), ("DDD", "2016-06-15", 90, 90),  # outside the window
            ("EEE", "2016-05-15", 30, 30), ("EEE", "2016-11-15", 60, 60)]
    monkeypatch.setattr(data, "calibration_data", lambda name, cutoff: _counts(rows))
    region = {"AAA": "r1", "BBB": "r1", "CCC": "r1", "DDD": "r1", "EEE": "r2"}
    got = P.travel_pace("2016-12", months, shape, k, region)

    def m(day: str) -> int:
        return int(months.get_loc(pd.Timestamp(day).to_period("M").start_time))

    def world(a: str, b: str) -> float:
        return float(np.log(cum[m(b)] / cum[m(a)]))

    w1 = 2 / (2 + P.PACE_PRIOR_PAIRS)  # BBB's range at its geometric midpoint, 100
    r1 = ((np.log(1.2) + np.log(1.1)) / (world("2015-01-15", "2016-01-15")
                                          + world("2015-06-15", "2016-06-15"))) ** w1
    assert got.regions["r1"] == (pytest.approx(r1), 2)
    ratio2 = min(np.log(2) / world("2016-05-15", "2016-11-15"), P.PACE_BOUNDS[1])
    r2 = ratio2 ** (1 / 11)
    assert got.regions["r2"] == (pytest.approx(r2), 1)
    assert set(got.regions) == {"r1", "r2"}  # a region without pairs keeps the world's pace
    # a country's own pairs, shrunk towards its region's pace as if ten pairs said it
    own = np.log(1.2) / world("2015-01-15", "2016-01-15")
    assert got.countries["AAA"][0] == pytest.approx(
        np.exp((np.log(own) + 10 * np.log(r1)) / 11))
    assert got.countries["EEE"][0] == pytest.approx(np.exp((np.log(ratio2)
                                                            + 10 * np.log(r2)) / 11))
    assert set(got.countries) == {"AAA", "BBB", "EEE"}
    assert got.of("AAA", "r1") == got.countries["AAA"][0]
    assert got.of("CCC", "r1") == got.regions["r1"][0]  # no pairs of its own: its region's
    assert got.of("ZZZ", "r9") == 1.0  # neither: the world's


@pytest.mark.parametrize("covers", ["everyone", " everyone ", np.nan, None])
def test_a_count_of_everyone_enters_whatever_its_covers_cell_says(monkeypatch,
                                                                   covers: object) -> None:
    """The pace reads ``covers`` as every other reader does (scope_of): a blank, missing or
    "everyone" cell is a count of everyone and enters; a count of some groups only (men,
    adults) does not, whatever its neighbours say."""
    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    shape = np.linspace(1.0, 2.0, len(months))
    k = len(months) - 1
    rows = [("AAA", "2015-01-15", 100, 100), ("AAA", "2016-01-15", 150, 150),
            ("AAA", "2016-09-15", 400, 400)]
    blank = _counts(rows)
    said = blank.assign(covers=[covers, covers, "men"])
    monkeypatch.setattr(data, "calibration_data", lambda name, cutoff: blank.iloc[:2])
    want = P.travel_pace("2016-12", months, shape, k, {"AAA": "r"})
    monkeypatch.setattr(data, "calibration_data", lambda name, cutoff: said)
    got = P.travel_pace("2016-12", months, shape, k, {"AAA": "r"})
    assert got == want and got.regions["r"][1] == 1  # the men-only count made no pair


def test_a_count_known_only_within_more_than_a_factor_two_makes_no_pair(monkeypatch) -> None:
    """A range wider than PACE_MAX_RANGE (ICSR's 4-150 for Kosovo in December 2013) cannot
    measure a growth of the size the world's wave had: it enters no pair; a range just
    inside the limit does, at its geometric midpoint."""
    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    shape = np.linspace(1.0, 2.0, len(months))
    k = len(months) - 1
    cum = np.cumsum(shape)
    lim = P.PACE_MAX_RANGE
    rows = [("AAA", "2015-01-15", 4, 150), ("AAA", "2016-06-15", 300, 300),
            ("BBB", "2015-01-15", 100, 100 * lim), ("BBB", "2016-06-15", 300, 300)]
    monkeypatch.setattr(data, "calibration_data", lambda name, cutoff: _counts(rows))
    got = P.travel_pace("2016-12", months, shape, k, {"AAA": "r", "BBB": "r"})
    assert "AAA" not in got.countries and got.regions["r"][1] == 1
    a, b = (int(months.get_loc(pd.Timestamp(d).to_period("M").start_time))
            for d in ("2015-01-15", "2016-06-15"))
    ratio = np.log(300 / (100 * np.sqrt(lim))) / np.log(cum[b] / cum[a])
    assert got.regions["r"][0] == pytest.approx(np.clip(ratio, *P.PACE_BOUNDS) ** (1 / 11))


def test_counts_that_shrink_or_explode_stay_inside_the_bounds(monkeypatch) -> None:
    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    shape = np.ones(len(months))
    k = len(months) - 1
    many = [(f"A{i:02d}", d, v, v) for i in range(200)
            for d, v in (("2015-06-15", 1000), ("2016-06-15", 1))]
    monkeypatch.setattr(data, "calibration_data", lambda name, cutoff: _counts(many))
    got = P.travel_pace("2016-12", months, shape, k, {r[0]: "r" for r in many})
    pace, n = got.regions["r"]
    assert n == 200 and P.PACE_BOUNDS[0] <= pace < 0.3
    assert all(P.PACE_BOUNDS[0] <= v <= P.PACE_BOUNDS[1] for v, _ in got.countries.values())


@pytest.mark.parametrize("cutoff", ["2015-06", "2016-12"])
def test_the_engine_reads_each_rows_paced_wave(cutoff: str) -> None:
    prep = prepare(Scenario(cutoff=cutoff), end="2017-06")
    region = prep.countries["region"].to_numpy()
    west = region == "western_europe"
    assert west.any() and np.median(prep.pace[west]) < 1.0  # Western Europe's counts slowed
    assert (prep.pace[region == "other"] == 1.0).all()
    k = prep.cutoff_index
    np.testing.assert_allclose(prep.arrivals[: k + 1].sum(axis=0), 1.0, rtol=1e-9)
    # a subset of countries reads the same pace (a row never depends on the others)
    few = prepare(Scenario(cutoff=cutoff), end="2017-06", countries=["FRA", "BIH", "TUN"])
    for i, iso3 in enumerate(few.countries["iso3"]):
        j = int(np.flatnonzero(prep.countries["iso3"] == iso3)[0])
        assert few.pace[i] == prep.pace[j]
        np.testing.assert_array_equal(few.arrivals[:, i], prep.arrivals[:, j])
