"""Falsify "these are *exact* binomial and Poisson draws by inversion" (engine/sampling.py).

Two kinds of evidence:

* **Quantile grid** (deterministic, no randomness): feed the sampler the M mid-points
  ``u_i = (i + 0.5) / M``. Any exact one-uniform sampler maps (0, 1) onto intervals of length
  pmf(k), whatever the order of the intervals (inversion from zero, or the chop-down search
  from the mode), so the share of grid points landing on k differs from pmf(k) by at most
  1/M (plus float rounding). A sampler that is off by more than 2/M in any bin is not exact.
* **Chi-square** over random uniforms, pooled so every bin expects >= 20 draws; the uniforms
  come from a fixed NumPy seed, so the p-value is fixed too (no flaky tests). The threshold
  1e-4 would catch, for 200,000 draws, a bias of a few tenths of a percent in any bin.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from numba import njit
from scipy import stats

from ffcast.engine.sampling import _SMALL_MEAN, binomial, leave, poisson, power_law_severity

GRID = 2**18


@njit(cache=True)
def _binomials(n: int, p: float, u: np.ndarray) -> np.ndarray:
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = binomial(n, p, u[i])
    return out


@njit(cache=True)
def _poissons(lam: float, u: np.ndarray) -> np.ndarray:
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = poisson(lam, u[i])
    return out


def _grid(m: int = GRID) -> np.ndarray:
    return (np.arange(m) + 0.5) / m


def _empirical(values: np.ndarray, support: int) -> np.ndarray:
    return np.bincount(values, minlength=support + 1)[: support + 1] / values.size


def _assert_grid_exact(values: np.ndarray, pmf: np.ndarray) -> None:
    """Every bin within 2/M of the exact pmf (an exact sampler is within 1/M)."""
    assert values.min() >= 0
    assert values.max() < pmf.size, "a value outside the support"
    diff = np.abs(_empirical(values, pmf.size - 1) - pmf)
    k = int(diff.argmax())
    assert diff.max() <= 2.0 / values.size, (
        f"bin {k}: empirical {_empirical(values, pmf.size - 1)[k]:.3e} vs pmf {pmf[k]:.3e}"
    )


def _chi_square_p(values: np.ndarray, pmf: np.ndarray, min_expected: float = 20.0) -> float:
    """P-value of a chi-square test after pooling adjacent bins to >= min_expected."""
    counts = np.bincount(values, minlength=pmf.size)[: pmf.size].astype(float)
    assert counts.sum() == values.size, "a value outside the support"
    expected = pmf / pmf.sum() * values.size
    obs_bins, exp_bins = [], []
    o_acc = e_acc = 0.0
    for o, e in zip(counts, expected, strict=True):
        o_acc += o
        e_acc += e
        if e_acc >= min_expected:
            obs_bins.append(o_acc)
            exp_bins.append(e_acc)
            o_acc = e_acc = 0.0
    obs_bins[-1] += o_acc
    exp_bins[-1] += e_acc
    return float(stats.chisquare(obs_bins, exp_bins).pvalue)


# (n, p) on both sides of the small-mean threshold n * p < 15, including p > 1/2.
BINOMIAL_CASES = [
    (1, 0.3), (10, 0.5), (40, 0.1), (16, 0.9), (200, 0.074),   # inversion from zero
    (1_000_000_000, 1e-9), (3_000, 0.004),                    # huge n, tiny p (mean 1, 12)
    (20, 0.76), (31, 0.5), (50, 0.9), (1_000, 0.3), (400, 0.99),  # mode-centred search
    (100_000, 0.5), (2_000_000, 0.01),
]


@pytest.mark.parametrize(("n", "p"), BINOMIAL_CASES)
def test_binomial_grid_matches_exact_pmf(n: int, p: float) -> None:
    support = min(n, int(n * p + 12 * np.sqrt(n * p * (1 - p)) + 40))
    pmf = stats.binom.pmf(np.arange(support + 1), n, p)
    values = _binomials(n, p, _grid())
    _assert_grid_exact(values, pmf)
    assert values.max() <= n


@pytest.mark.parametrize(("n", "p"), BINOMIAL_CASES)
def test_binomial_random_uniforms_pass_chi_square(n: int, p: float) -> None:
    support = min(n, int(n * p + 12 * np.sqrt(n * p * (1 - p)) + 40))
    pmf = stats.binom.pmf(np.arange(support + 1), n, p)
    u = np.random.default_rng(n + int(p * 1e6)).random(200_000)
    assert _chi_square_p(_binomials(n, p, u), pmf) > 1e-4


LAMBDAS = [0.01, 0.5, 3.0, 14.99, 15.0, 40.0, 1_000.0, 100_000.0]


@pytest.mark.parametrize("lam", LAMBDAS)
def test_poisson_grid_matches_exact_pmf(lam: float) -> None:
    support = int(lam + 12 * np.sqrt(lam) + 40)
    pmf = stats.poisson.pmf(np.arange(support + 1), lam)
    _assert_grid_exact(_poissons(lam, _grid()), pmf)


@pytest.mark.parametrize("lam", LAMBDAS)
def test_poisson_random_uniforms_pass_chi_square(lam: float) -> None:
    support = int(lam + 12 * np.sqrt(lam) + 40)
    pmf = stats.poisson.pmf(np.arange(support + 1), lam)
    u = np.random.default_rng(int(lam * 100)).random(200_000)
    assert _chi_square_p(_poissons(lam, u), pmf) > 1e-4


def test_small_mean_branch_is_monotone_inversion() -> None:
    """Below the threshold the sampler is the quantile function: non-decreasing in u."""
    u = _grid(50_000)
    for n, p in [(10, 0.5), (200, 0.07), (14, 0.99)]:
        assert n * p < _SMALL_MEAN
        values = _binomials(n, p, u)
        assert np.all(np.diff(values) >= 0)
        # and it is the smallest k with F(k) >= u
        np.testing.assert_array_equal(values, stats.binom.ppf(u, n, p).astype(np.int64))
    for lam in (0.2, 7.0, 14.9):
        values = _poissons(lam, u)
        assert np.all(np.diff(values) >= 0)
        np.testing.assert_array_equal(values, stats.poisson.ppf(u, lam).astype(np.int64))


def test_same_uniform_gives_same_value() -> None:
    u = np.random.default_rng(7).random(10_000)
    for n, p in [(10, 0.5), (1_000, 0.3), (10**7, 0.2)]:
        np.testing.assert_array_equal(_binomials(n, p, u), _binomials(n, p, u.copy()))
    for lam in (3.0, 500.0):
        np.testing.assert_array_equal(_poissons(lam, u), _poissons(lam, u.copy()))


def test_large_mean_branch_returns_mode_for_small_u() -> None:
    """The chop-down search starts at the mode: u <= pmf(mode) gives the mode."""
    n, p = 1_000, 0.3
    mode = int((n + 1) * p)
    pm = stats.binom.pmf(mode, n, p)
    assert binomial(n, p, pm * 0.999) == mode
    assert poisson(1_000.0, 0.5 * stats.poisson.pmf(1_000, 1_000.0)) == 1_000


EXTREME_U = [2.0**-54, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1 - 2.0**-53]


@pytest.mark.parametrize("u", EXTREME_U)
def test_binomial_edge_cases(u: float) -> None:
    assert binomial(0, 0.5, u) == 0
    assert binomial(-3, 0.5, u) == 0
    assert binomial(10, 0.0, u) == 0
    assert binomial(10, -0.2, u) == 0  # "p is clipped to [0, 1]"
    assert binomial(10, 1.0, u) == 10
    assert binomial(10, 1.7, u) == 10
    assert binomial(1, 1e-300, u) in (0, 1)
    for n, p in BINOMIAL_CASES:
        assert 0 <= binomial(n, p, u) <= n


@pytest.mark.parametrize("u", EXTREME_U)
def test_poisson_edge_cases(u: float) -> None:
    assert poisson(0.0, u) == 0
    assert poisson(-1.0, u) == 0
    for lam in LAMBDAS:
        k = poisson(lam, u)
        assert 0 <= k <= lam + 40 * np.sqrt(lam) + 60


def test_huge_n_tiny_p_is_not_degenerate() -> None:
    """n = 1e12, p = 1e-12 (mean 1) must behave like Poisson(1), not return 0 or n."""
    values = _binomials(10**12, 1e-12, _grid(100_000))
    pmf = stats.poisson.pmf(np.arange(30), 1.0)
    assert values.max() < 30
    assert np.abs(_empirical(values, 29) - pmf).max() < 1e-4


def test_power_law_severity_tail() -> None:
    """P(X >= x) = (x / x_min)^(1 - alpha) for x below the cap; the cap holds."""
    alpha, x_min, cap = 2.4, 12.0, 3000.0
    u = _grid(100_000)
    x = np.array([power_law_severity(alpha, x_min, cap, v) for v in u])
    assert x.min() >= 12 and x.max() <= cap
    for thr in (24, 60, 200):
        assert abs((x >= thr).mean() - (thr / x_min) ** (1 - alpha)) < 2e-4


def test_nan_or_inf_inputs_do_not_hang() -> None:
    """Run in a subprocess with a timeout, so a hang fails the test instead of the suite."""
    code = ("from ffcast.engine.sampling import binomial, poisson\n"
            "nan = float('nan')\n"
            "print(binomial(10, nan, 0.5), poisson(nan, 0.5), poisson(float('inf'), 0.5))\n")
    try:
        subprocess.run([sys.executable, "-c", code], timeout=8, check=True, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail("binomial/poisson did not return within 8 s on a NaN/inf input")


@njit(cache=True)
def _leaves(n: int, rate: float, odds: float, u: np.ndarray) -> np.ndarray:
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = leave(n, rate, odds, u[i])
    return out


LEAVE_CASES = [(1, 0.02), (40, 0.01), (300, 0.004), (5, 0.9), (2_000, 0.05), (60, 3.0),
               (10**9, 1e-9)]


@pytest.mark.parametrize(("n", "rate"), LEAVE_CASES)
@pytest.mark.parametrize("given_odds", [True, False])
def test_leave_is_the_exact_binomial_of_one_minus_exp_rate(n: int, rate: float,
                                                            given_odds: bool) -> None:
    """``leave(n, rate)`` = Binomial(n, 1 - exp(-rate)) exactly, with or without odds."""
    p = -np.expm1(-rate)
    support = min(n, int(n * p + 12 * np.sqrt(n * p * (1 - p)) + 40))
    pmf = stats.binom.pmf(np.arange(support + 1), n, p)
    odds = np.expm1(rate) if given_odds else np.nan
    _assert_grid_exact(_leaves(n, rate, odds, _grid()), pmf)


def test_leave_edge_cases() -> None:
    for u in EXTREME_U:
        assert leave(0, 0.1, np.nan, u) == 0
        assert leave(10, 0.0, np.nan, u) == 0
        assert leave(10, float("nan"), np.nan, u) == 0
        assert leave(10, 1e6, np.nan, u) == 10
        assert 0 <= leave(1000, 0.3, np.nan, u) <= 1000
