"""The risk likelihood's pieces against closed forms and against the engine's own sampler."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ffcast.calibrate.risk import (
    MASS_CASUALTY_DEATHS,
    YearRecord,
    at_least_one,
    poisson_loglik,
    tail_toll_logpmf,
    year_loglik,
)
from ffcast.engine.sampling import power_law_severity


@pytest.mark.parametrize("n", [0, 1, 3, 17])
def test_poisson_loglik_is_the_poisson_logpmf(n: int) -> None:
    mu = np.array([0.01, 0.5, 3.0, 40.0])
    np.testing.assert_allclose(poisson_loglik(n, mu), stats.poisson.logpmf(n, mu))


def test_poisson_with_zero_mean() -> None:
    assert poisson_loglik(0, np.array([0.0]))[0] == 0.0
    assert poisson_loglik(2, np.array([0.0]))[0] == -np.inf


@pytest.mark.parametrize("alpha", [1.8, 2.4, 3.0])
def test_tail_toll_pmf_sums_to_one(alpha: float) -> None:
    d = np.arange(MASS_CASUALTY_DEATHS, 3001)
    p = np.exp([tail_toll_logpmf(int(x), np.array([alpha]))[0] for x in d])
    assert p.sum() == pytest.approx(1.0, abs=1e-9)


def test_tail_toll_pmf_matches_the_engine_sampler() -> None:
    alpha = 2.4
    u = (np.arange(200_000) + 0.5) / 200_000
    draws = np.array([power_law_severity(alpha, 12.0, 3000.0, x) for x in u])
    for d in (12, 13, 20, 50, 130):
        expected = np.exp(tail_toll_logpmf(d, np.array([alpha]))[0])
        assert (draws == d).mean() == pytest.approx(expected, rel=0.02, abs=2e-5)


def test_at_least_one_is_one_minus_the_zero_probability() -> None:
    mu = np.array([0.0, 0.1, 1.0, 5.0])
    np.testing.assert_allclose(at_least_one(mu), 1 - stats.poisson.pmf(0, mu))
    rng = np.random.default_rng(1)
    sims = rng.poisson(0.7, size=200_000)
    assert (sims > 0).mean() == pytest.approx(at_least_one(np.array([0.7]))[0], abs=0.005)


def test_one_big_toll_weighs_like_one_tail_observation() -> None:
    """Paris (130) and a 13-death attack differ by the severity term only, not by 117."""
    rec_big = YearRecord(2015, np.arange(12), attacks=1, mass=1, tolls=(130,))
    rec_small = YearRecord(2015, np.arange(12), attacks=1, mass=1, tolls=(13,))
    mu, alpha = np.array([[2.0, 0.5, 1.0, 0.3]]), np.array([2.4])
    diff = year_loglik(rec_small, mu, alpha) - year_loglik(rec_big, mu, alpha)
    expected = tail_toll_logpmf(13, alpha) - tail_toll_logpmf(130, alpha)
    np.testing.assert_allclose(diff, expected)
    assert 0 < diff[0] < 8  # a few nats: informative, not dominating


def _record(attacks: int, mass: int, directed: int, directed_mass: int) -> YearRecord:
    return YearRecord(2015, np.arange(12), attacks=attacks, mass=mass,
                      tolls=(20,) * mass, directed=directed, directed_mass=directed_mass)


@pytest.mark.parametrize("cells", [(0, 0, 0, 0), (1, 2, 0, 1), (0, 0, 2, 3), (2, 1, 1, 1)])
def test_year_loglik_is_four_independent_poisson_cells(cells: tuple[int, ...]) -> None:
    """The record's split by who plotted (directed or not) and by toll class is four
    Poisson counts whose means are the engine's channels, differenced (closed form)."""
    dm, ds, om, os_ = cells
    rec = _record(dm + ds + om + os_, dm + om, dm + ds, dm)
    assert rec.cells() == cells
    # total, mass, directed, directed mass
    expected = np.array([[3.0, 0.8, 1.2, 0.3], [0.5, 0.1, 0.05, 0.01]])
    mu = np.array([[0.3, 0.9, 0.5, 1.3], [0.01, 0.04, 0.09, 0.36]])
    alpha = np.array([2.2, 2.6])
    want = sum(stats.poisson.logpmf(n, mu[:, k]) for k, n in enumerate(cells))
    want = want + sum(tail_toll_logpmf(20, alpha) for _ in range(dm + om))
    np.testing.assert_allclose(year_loglik(rec, expected, alpha), want)


def test_the_split_tells_returnees_from_dispatched_operatives() -> None:
    """Same total, opposite splits: a record of directed attacks favours a model whose
    attacks are directed, and a record of returnees' attacks the other (what the total alone
    cannot tell)."""
    alpha = np.array([2.4, 2.4])
    # total 2 expected in both; the first directed, the second by returnees
    expected = np.array([[2.0, 0.0, 1.9, 0.0], [2.0, 0.0, 0.1, 0.0]])
    by_directed = year_loglik(_record(2, 0, 2, 0), expected, alpha)
    by_returnees = year_loglik(_record(2, 0, 0, 0), expected, alpha)
    assert by_directed[0] > by_directed[1]
    assert by_returnees[1] > by_returnees[0]


@pytest.mark.parametrize("bad", [(1, 0, 2, 0), (2, 1, 2, 0), (2, 0, 1, 1), (1, 2, 0, 0)])
def test_a_record_whose_counts_do_not_nest_is_refused(bad: tuple[int, ...]) -> None:
    attacks, mass, directed, directed_mass = bad
    with pytest.raises(ValueError, match="do not nest"):
        YearRecord(2015, np.arange(12), attacks=attacks, mass=mass, tolls=(),
                   directed=directed, directed_mass=directed_mass)


def test_the_record_splits_directed_attacks_from_returnees() -> None:
    """From the embedded record: 2014's Jewish Museum shooting was a returnee's, 2015's three
    and 2016's one attacks were by dispatched operatives (Paris and Brussels mass-casualty)."""
    import pandas as pd

    from ffcast.calibrate.risk import record_years

    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    recs = {r.year: r for r in record_years(months, "2016-12")}
    assert (recs[2014].attacks, recs[2014].directed) == (1, 0)
    assert (recs[2015].attacks, recs[2015].directed, recs[2015].directed_mass) == (3, 3, 1)
    assert (recs[2016].attacks, recs[2016].directed, recs[2016].directed_mass) == (1, 1, 1)
