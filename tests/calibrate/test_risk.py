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
    mu, mu_mass, alpha = np.array([2.0]), np.array([0.5]), np.array([2.4])
    diff = year_loglik(rec_small, mu, mu_mass, alpha) - year_loglik(rec_big, mu, mu_mass, alpha)
    expected = tail_toll_logpmf(13, alpha) - tail_toll_logpmf(130, alpha)
    np.testing.assert_allclose(diff, expected)
    assert 0 < diff[0] < 8  # a few nats: informative, not dominating
