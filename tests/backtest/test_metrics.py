"""Tests for ffcast.backtest.metrics: oracles, brute force, a reference library, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate
from scipy.stats import norm

from ffcast.backtest.metrics import (
    crps_ensemble,
    crps_log1p,
    crps_normal,
    interval_coverage,
    interval_score,
    log_ratio,
    skill_score,
    summarise,
)

# Bounded magnitudes keep float64 rounding far below the comparison tolerances.
FINITE = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
COUNTS = st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False)


@st.composite
def obs_and_samples(draw: st.DrawFn, elements: st.SearchStrategy[float] = FINITE, min_s: int = 1):
    """Random ``obs (N,)`` and ``samples (N, S)`` of matching shapes."""
    n = draw(st.integers(1, 6))
    s = draw(st.integers(min_s, 40))
    obs = draw(hnp.arrays(np.float64, (n,), elements=elements))
    samples = draw(hnp.arrays(np.float64, (n, s), elements=elements))
    return obs, samples


def brute_force_crps(obs: np.ndarray, samples: np.ndarray, fair: bool = False) -> np.ndarray:
    """O(S^2) definition: mean |x_i - y| - sum_{i,j} |x_i - x_j| / (2 S^2) (or 2 S (S-1))."""
    s = samples.shape[1]
    absolute_error = np.abs(samples - obs[:, None]).mean(axis=1)
    pairwise = np.abs(samples[:, :, None] - samples[:, None, :]).sum(axis=(1, 2))
    return absolute_error - pairwise / (2.0 * (s * (s - 1) if fair else s * s))


def scale_of(obs: np.ndarray, samples: np.ndarray) -> float:
    return 1.0 + max(np.abs(obs).max(initial=0.0), np.abs(samples).max(initial=0.0))


# --------------------------------------------------------------------------------------------
# CRPS
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fair", [False, True])
@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (250.0, 40.0), (-3.0, 0.2)])
def test_crps_of_large_normal_sample_matches_closed_form(mu: float, sigma: float, fair: bool):
    rng = np.random.default_rng(20171001)
    s = 100_000
    obs = mu + sigma * np.array([-2.5, -0.7, 0.0, 0.3, 1.9])
    samples = rng.normal(mu, sigma, size=(obs.size, s))
    got = crps_ensemble(obs, samples, fair=fair)
    expected = crps_normal(obs, mu, sigma)
    # Tolerance: to first order (Hoeffding) the estimator's error is a mean of S iid terms
    # g(X) = |X - y| - E'|X - X'|, and |g(X)| <= E|X' - y| by the triangle inequality, so its
    # standard error is at most E|X - y| / sqrt(S). Allow 5 standard errors. The standard
    # form is also biased upwards by E|X - X'| / (2S) = sigma / (sqrt(pi) S); add that.
    mean_abs_error = np.abs(samples - obs[:, None]).mean(axis=1)
    bias = 0.0 if fair else sigma / (np.sqrt(np.pi) * s)
    tolerance = 5.0 * mean_abs_error / np.sqrt(s) + bias
    assert np.all(np.abs(got - expected) <= tolerance), (got, expected, tolerance)


@settings(max_examples=200, deadline=None)
@given(obs_and_samples())
def test_crps_matches_brute_force(data):
    obs, samples = data
    atol = 1e-9 * scale_of(obs, samples)
    expected = np.maximum(brute_force_crps(obs, samples), 0.0)
    np.testing.assert_allclose(crps_ensemble(obs, samples), expected, rtol=1e-9, atol=atol)


@settings(max_examples=200, deadline=None)
@given(obs_and_samples(min_s=2))
def test_fair_crps_matches_brute_force(data):
    obs, samples = data
    atol = 1e-9 * scale_of(obs, samples)
    expected = np.maximum(brute_force_crps(obs, samples, fair=True), 0.0)
    np.testing.assert_allclose(
        crps_ensemble(obs, samples, fair=True), expected, rtol=1e-9, atol=atol
    )


@settings(max_examples=100, deadline=None)
@given(obs_and_samples(min_s=2))
def test_crps_matches_scoringrules(data):
    scoringrules = pytest.importorskip("scoringrules")
    obs, samples = data
    atol = 1e-9 * scale_of(obs, samples)
    for fair, estimator in ((False, "nrg"), (True, "fair")):
        reference = np.asarray(
            scoringrules.crps_ensemble(obs, samples, estimator=estimator, backend="numpy")
        )
        got = crps_ensemble(obs, samples, fair=fair)
        np.testing.assert_allclose(got, np.maximum(reference, 0.0), rtol=1e-9, atol=atol)


def test_crps_normal_matches_scoringrules():
    scoringrules = pytest.importorskip("scoringrules")
    obs = np.linspace(-4.0, 6.0, 11)
    np.testing.assert_allclose(
        crps_normal(obs, 1.0, 2.0),
        scoringrules.crps_normal(obs, 1.0, 2.0, backend="numpy"),
        rtol=1e-12,
    )


@pytest.mark.parametrize(("y", "mu", "sigma"), [(0.0, 0.0, 1.0), (3.0, 1.0, 0.5), (-7, 2, 4)])
def test_crps_normal_matches_its_integral_definition(y: float, mu: float, sigma: float):
    # CRPS = integral of (F(x) - 1{x >= y})^2 dx, integrated numerically on both sides of y.
    below, _ = integrate.quad(lambda x: norm.cdf(x, mu, sigma) ** 2, -np.inf, y)
    above, _ = integrate.quad(lambda x: norm.sf(x, mu, sigma) ** 2, y, np.inf)
    assert crps_normal(np.array([y]), mu, sigma)[0] == pytest.approx(below + above, rel=1e-8)


def test_crps_normal_with_zero_sigma_is_absolute_error():
    np.testing.assert_array_equal(crps_normal([1.0, -2.0], [4.0, -2.0], 0.0), [3.0, 0.0])


def test_crps_of_single_draw_is_absolute_error():
    np.testing.assert_array_equal(crps_ensemble([3.0, 10.0], [[5.0], [4.0]]), [2.0, 6.0])


def test_crps_hand_example():
    # Ensemble {0, 2}, y = 0: E|X - y| = 1, E|X - X'| = (0 + 2 + 2 + 0) / 4 = 1 -> 1 - 0.5.
    assert crps_ensemble([0.0], [[0.0, 2.0]])[0] == pytest.approx(0.5)
    # Fair: pairs i != j only: E|X - X'| = 2 -> 1 - 1 = 0.
    assert crps_ensemble([0.0], [[0.0, 2.0]], fair=True)[0] == pytest.approx(0.0)


@settings(max_examples=200, deadline=None)
@given(obs_and_samples(min_s=2), st.booleans())
def test_crps_is_non_negative(data, fair):
    obs, samples = data
    assert np.all(crps_ensemble(obs, samples, fair=fair) >= 0.0)


@given(hnp.arrays(np.float64, (5,), elements=FINITE), st.integers(1, 30), st.booleans())
def test_crps_is_zero_for_degenerate_ensemble_at_obs(obs, s, fair):
    samples = np.repeat(obs[:, None], max(s, 2), axis=1)
    np.testing.assert_array_equal(crps_ensemble(obs, samples, fair=fair), 0.0)


@settings(deadline=None)
@given(obs_and_samples(), st.floats(-1e3, 1e3), st.floats(0.01, 100.0))
def test_crps_is_translation_invariant_and_scale_equivariant(data, shift, scale):
    obs, samples = data
    base = crps_ensemble(obs, samples)
    atol = 1e-8 * scale_of(obs, samples) * (1 + abs(shift) + scale)
    np.testing.assert_allclose(crps_ensemble(obs + shift, samples + shift), base, atol=atol)
    np.testing.assert_allclose(crps_ensemble(obs * scale, samples * scale), base * scale, atol=atol)


@given(obs_and_samples(), st.randoms(use_true_random=False))
def test_crps_ignores_order_of_draws(data, random):
    obs, samples = data
    permutation = list(range(samples.shape[1]))
    random.shuffle(permutation)
    np.testing.assert_allclose(
        crps_ensemble(obs, samples[:, permutation]), crps_ensemble(obs, samples), rtol=1e-12
    )


def test_fair_is_standard_minus_half_spread_over_s():
    rng = np.random.default_rng(3)
    obs, samples = rng.normal(size=4), rng.normal(size=(4, 7))
    spread = np.abs(samples[:, :, None] - samples[:, None, :]).sum(axis=(1, 2)) / (7 * 6)
    np.testing.assert_allclose(
        crps_ensemble(obs, samples) - crps_ensemble(obs, samples, fair=True),
        spread / (2 * 7),
        rtol=1e-10,
    )


def test_crps_handles_large_ensembles_without_pairwise_memory():
    # 10 rows x 200,000 draws: a pairwise (S, S) matrix would need 320 GB per row.
    rng = np.random.default_rng(5)
    samples = rng.poisson(400.0, size=(10, 200_000)).astype(float)
    assert crps_ensemble(np.full(10, 400.0), samples).shape == (10,)


def test_crps_log1p_is_crps_of_log1p_counts():
    rng = np.random.default_rng(7)
    obs = rng.poisson(300, size=6).astype(float)
    samples = rng.poisson(250, size=(6, 50)).astype(float)
    np.testing.assert_allclose(
        crps_log1p(obs, samples), crps_ensemble(np.log1p(obs), np.log1p(samples)), rtol=1e-12
    )


def test_crps_log1p_rejects_negative_counts():
    with pytest.raises(ValueError, match=r"samples.*>= 0"):
        crps_log1p([1.0], [[2.0, -1.0]])


# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0.5, 0.8, 0.95])
def test_coverage_of_calibrated_normal_samples_is_nominal(level: float):
    rng = np.random.default_rng(42)
    n, s = 20_000, 200
    mu = rng.uniform(0.0, 1000.0, size=n)
    sigma = rng.uniform(1.0, 100.0, size=n)
    obs = rng.normal(mu, sigma)
    samples = rng.normal(mu[:, None], sigma[:, None], size=(n, s))
    coverage = interval_coverage(obs, samples, level).mean()
    # Binomial standard error sqrt(p (1 - p) / n) <= 0.0036; allow 5 of them, plus 2 / S for
    # the finite-ensemble quantile error (obs and draws exchangeable: rank uniform on 0..S).
    tolerance = 5.0 * np.sqrt(level * (1.0 - level) / n) + 2.0 / s
    assert abs(coverage - level) < tolerance


def test_coverage_of_overconfident_samples_is_below_nominal():
    rng = np.random.default_rng(43)
    obs = rng.normal(0.0, 1.0, size=5000)
    samples = rng.normal(0.0, 0.3, size=(5000, 200))
    assert interval_coverage(obs, samples, 0.8).mean() < 0.5


def test_coverage_bounds_are_inclusive_and_linear_quantiles():
    samples = np.tile(np.arange(101.0), (4, 1))  # 10% and 90% quantiles exactly 10 and 90
    got = interval_coverage([10.0, 90.0, 9.999, 90.001], samples, 0.8)
    np.testing.assert_array_equal(got, [True, True, False, False])


def test_interval_score_hand_example():
    # Draws 0..100: central 80% interval is [10, 90], width 80, alpha = 0.2, 2/alpha = 10.
    samples = np.tile(np.arange(101.0), (4, 1))
    obs = np.array([50.0, 95.0, 4.0, 90.0])
    expected = [80.0, 80.0 + 10.0 * 5.0, 80.0 + 10.0 * 6.0, 80.0]
    np.testing.assert_allclose(interval_score(obs, samples, 0.8), expected, rtol=1e-12)


@settings(deadline=None)
@given(obs_and_samples(), st.floats(0.05, 0.95))
def test_interval_score_at_least_width_and_equal_when_covered(data, level):
    obs, samples = data
    lower, upper = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=1)
    score = interval_score(obs, samples, level)
    covered = interval_coverage(obs, samples, level)
    atol = 1e-9 * scale_of(obs, samples)
    assert np.all(score >= upper - lower - atol)
    np.testing.assert_allclose(score[covered], (upper - lower)[covered], atol=atol)


@settings(deadline=None)
@given(obs_and_samples(), st.floats(0.05, 0.9), st.floats(0.01, 0.09))
def test_wider_interval_covers_whatever_narrower_covers(data, level, extra):
    obs, samples = data
    narrow = interval_coverage(obs, samples, level)
    wide = interval_coverage(obs, samples, level + extra)
    assert np.all(wide[narrow])


# --------------------------------------------------------------------------------------------
# Log ratio, skill, summary
# --------------------------------------------------------------------------------------------


def test_log_ratio_hand_example_uses_plus_one_offset():
    samples = np.array([[8.0, 9.0, 10.0], [0.0, 0.0, 0.0], [99.0, 99.0, 99.0]])
    got = log_ratio([0.0, 0.0, 9.0], samples)
    np.testing.assert_allclose(got, [np.log(10.0), 0.0, np.log(10.0)], rtol=1e-12)


@given(obs_and_samples(elements=COUNTS))
def test_log_ratio_is_non_negative_and_zero_at_median(data):
    obs, samples = data
    assert np.all(log_ratio(obs, samples) >= 0.0)
    np.testing.assert_allclose(log_ratio(np.median(samples, axis=1), samples), 0.0, atol=1e-12)


def test_skill_score_scalars_and_arrays():
    assert skill_score(1.0, 2.0) == pytest.approx(0.5)
    assert skill_score(3.0, 2.0) == pytest.approx(-0.5)
    assert isinstance(skill_score(1.0, 2.0), float)
    np.testing.assert_allclose(skill_score([1.0, 2.0, 0.0], 2.0), [0.5, 0.0, 1.0])


def test_skill_score_reference_zero_convention():
    assert skill_score(0.0, 0.0) == 0.0
    assert skill_score(1.0, 0.0) == -np.inf
    np.testing.assert_array_equal(skill_score([0.0, 1.0, 1.0], [0.0, 0.0, 4.0]), [0, -np.inf, 0.75])


@pytest.mark.parametrize(
    ("model", "reference", "match"),
    [
        (np.nan, 1.0, "score_model.*NaN"),
        (1.0, -1.0, ">= 0"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "broadcast"),
        ("bad", 1.0, "expected numbers"),
    ],
)
def test_skill_score_rejects_bad_input(model, reference, match):
    with pytest.raises(ValueError, match=match):
        skill_score(model, reference)


def test_summarise_agrees_with_the_single_metrics():
    rng = np.random.default_rng(11)
    obs = rng.poisson(200, size=30).astype(float)
    samples = rng.poisson(rng.uniform(100, 300, size=(30, 1)), size=(30, 500)).astype(float)
    summary = summarise(obs, samples, levels=(0.5, 0.8, 0.95, 0.975))
    assert list(summary) == [
        "crps",
        "crps_log1p",
        "coverage_50",
        "interval_score_50",
        "coverage_80",
        "interval_score_80",
        "coverage_95",
        "interval_score_95",
        "coverage_97.5",
        "interval_score_97.5",
        "median_abs_log_ratio",
    ]
    assert all(isinstance(value, float) for value in summary.values())
    assert summary["crps"] == pytest.approx(crps_ensemble(obs, samples).mean(), rel=1e-12)
    assert summary["crps_log1p"] == pytest.approx(crps_log1p(obs, samples).mean(), rel=1e-12)
    for level, key in ((0.5, "50"), (0.8, "80"), (0.95, "95"), (0.975, "97.5")):
        assert summary[f"coverage_{key}"] == interval_coverage(obs, samples, level).mean()
        assert summary[f"interval_score_{key}"] == pytest.approx(
            interval_score(obs, samples, level).mean(), rel=1e-12
        )
    assert summary["median_abs_log_ratio"] == pytest.approx(
        np.median(log_ratio(obs, samples)), rel=1e-12
    )


def test_summarise_rejects_empty_and_duplicate_levels():
    with pytest.raises(ValueError, match="no rows"):
        summarise(np.zeros(0), np.zeros((0, 5)))
    with pytest.raises(ValueError, match="duplicates"):
        summarise([1.0], [[1.0, 2.0]], levels=(0.8, 0.8))


# --------------------------------------------------------------------------------------------
# Validation: shapes, NaN, dtypes, levels
# --------------------------------------------------------------------------------------------

ROW_METRICS = [
    pytest.param(lambda o, s: crps_ensemble(o, s), id="crps_ensemble"),
    pytest.param(lambda o, s: crps_ensemble(o, s, fair=True), id="crps_fair"),
    pytest.param(crps_log1p, id="crps_log1p"),
    pytest.param(lambda o, s: interval_coverage(o, s, 0.8), id="interval_coverage"),
    pytest.param(lambda o, s: interval_score(o, s, 0.8), id="interval_score"),
    pytest.param(log_ratio, id="log_ratio"),
    pytest.param(summarise, id="summarise"),
]

BAD_INPUTS = [
    pytest.param(np.ones((2, 1)), np.ones((2, 3)), r"obs: expected shape \(N,\)", id="obs-2d"),
    pytest.param(np.ones(2), np.ones(2), r"samples: expected shape \(N, S\)", id="samples-1d"),
    pytest.param(np.ones(2), np.ones((3, 4)), "3 rows but obs has 2", id="row-mismatch"),
    pytest.param(np.ones(2), np.ones((2, 0)), "no draws", id="no-draws"),
    pytest.param(np.array([1.0, np.nan]), np.ones((2, 3)), r"obs: .*NaN.*\[1\]", id="obs-nan"),
    pytest.param(
        np.ones(2), np.array([[1, 2, 3], [1, np.inf, 2]]), r"samples: .*\[1, 1\]", id="inf"
    ),
    pytest.param(np.array(["a", "b"]), np.ones((2, 3)), "obs: expected numbers", id="strings"),
]


@pytest.mark.parametrize("metric", ROW_METRICS)
@pytest.mark.parametrize(("obs", "samples", "match"), BAD_INPUTS)
def test_metrics_reject_bad_shapes_and_values(metric, obs, samples, match):
    with pytest.raises(ValueError, match=match):
        metric(obs, samples)


@pytest.mark.parametrize("metric", ROW_METRICS[:-1])
def test_row_metrics_return_one_value_per_row(metric):
    rng = np.random.default_rng(0)
    out = metric(rng.poisson(5, size=7).astype(float), rng.poisson(5, size=(7, 9)).astype(float))
    assert out.shape == (7,)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.2, 1.5, 80])
def test_interval_metrics_reject_bad_level(level):
    for metric in (interval_coverage, interval_score):
        with pytest.raises(ValueError, match="level: must be strictly between 0 and 1"):
            metric([1.0], [[1.0, 2.0]], level)


def test_fair_crps_needs_two_draws():
    with pytest.raises(ValueError, match="at least 2 draws"):
        crps_ensemble([1.0], [[1.0]], fair=True)


def test_crps_normal_rejects_negative_sigma_and_nan():
    with pytest.raises(ValueError, match="sigma: must be >= 0"):
        crps_normal([1.0], 0.0, -1.0)
    with pytest.raises(ValueError, match=r"mu: .*NaN"):
        crps_normal([1.0], np.nan, 1.0)


def test_metrics_accept_lists_and_integer_counts():
    got = crps_ensemble([3, 10], [[5], [4]])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [2.0, 6.0])


def test_crps_is_accurate_for_large_counts_with_small_spread():
    # Draws {1e9, 1e9 + 1}, y = 1e9: E|X - y| = 0.5, E|X - X'| = 0.5, CRPS = 0.25 exactly.
    # Summing gaps keeps this exact where weighting the raw values would cancel 1e9s.
    samples = np.array([[1e9, 1e9 + 1.0] * 500])
    assert crps_ensemble([1e9], samples)[0] == 0.25


def test_pit_histogram_is_flat_for_a_calibrated_forecaster() -> None:
    from ffcast.backtest.metrics import pit_histogram

    rng = np.random.default_rng(5)
    mu = rng.uniform(5, 200, size=4000)
    obs = rng.poisson(mu)
    samples = rng.poisson(mu[:, None], size=(4000, 400))
    h = pit_histogram(obs, samples, bins=10)
    assert h.sum() == pytest.approx(1.0)
    assert np.abs(h - 0.1).max() < 0.02


def test_pit_histogram_is_u_shaped_when_overconfident() -> None:
    from ffcast.backtest.metrics import pit_histogram

    rng = np.random.default_rng(6)
    mu = rng.uniform(50, 200, size=3000)
    obs = rng.poisson(mu * rng.lognormal(0, 0.4, size=3000))  # truth more variable
    samples = rng.poisson(mu[:, None], size=(3000, 300))
    h = pit_histogram(obs, samples, bins=10)
    assert h[0] > 0.2 and h[-1] > 0.2 and h[4] < 0.05


def test_reliability_matches_nominal_levels_with_honest_bands() -> None:
    from ffcast.backtest.metrics import reliability

    rng = np.random.default_rng(7)
    obs = rng.normal(size=2000)
    samples = rng.normal(size=(2000, 500))
    r = reliability(obs, samples, levels=(0.5, 0.9), n_boot=300)
    assert np.allclose(r["coverage"], [0.5, 0.9], atol=0.03)
    assert np.all(r["low"] <= r["coverage"]) and np.all(r["coverage"] <= r["high"])
    small = reliability(obs[:20], samples[:20], levels=(0.5,), n_boot=300)
    assert small["high"][0] - small["low"][0] > 0.2  # 20 rows cannot tell much


def test_log_score_log1p_of_a_zero_count_uses_the_cell_it_can_fill() -> None:
    """Every draw 0, observed 0: the density is 1 over [0, log 1.5] (width 0.405), -0.903;
    the cell used to reach -0.1, where no count can be (-0.682; review, 2026-12-07)."""
    import numpy as np

    from ffcast.backtest import metrics

    got = metrics.log_score_log1p(np.array([0.0]), np.zeros((1, 10)))
    assert float(got[0]) == pytest.approx(-np.log(1 / np.log(1.5)), rel=1e-12)
