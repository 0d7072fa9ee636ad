"""Forecast scores on dense arrays: CRPS, interval coverage and score, log ratio, skill.

Warning before use: every function here scores *counts of people or events per row*, and the
rows are whatever you flattened into ``obs`` (country x month x quantity, usually). Averages
over rows weight a country with 5,000 foreign fighters and one with 5 alike on the count scale,
where the large countries dominate; use :func:`crps_log1p` and :func:`log_ratio` when small
countries should count too.

Conventions, shared by all functions (after ViEWS's ``native_metric_calculators``):

- ``obs`` has shape ``(N,)``: one observed value per row, in the units of the forecast
  quantity (people, or attacks, or deaths).
- ``samples`` has shape ``(N, S)``: ``S`` ensemble draws of the forecast for each row, in the
  same units.
- Each function validates its inputs once, at the door, and raises :class:`ValueError` naming
  the argument and the rule (shape, emptiness, NaN/inf, non-numeric dtype).
- Scores are negatively oriented (lower is better) and returned per row, shape ``(N,)``,
  unless the docstring says otherwise. No pandas: callers turn frames into arrays.

Quantile method: interval bounds use NumPy's default ``method="linear"`` (Hyndman & Fan type
7), the same as ``numpy.quantile`` / ``pandas.Series.quantile`` default, so numbers can be
reproduced with either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.special import ive, ndtr

__all__ = [
    "brier_score",
    "crps_ensemble",
    "crps_log1p",
    "crps_log1p_lognormal",
    "crps_normal",
    "crps_poisson",
    "interval_coverage",
    "interval_score",
    "log_ratio",
    "log_score",
    "log_score_log1p",
    "log_score_log1p_lognormal",
    "log_score_poisson",
    "pit_bounds",
    "pit_histogram",
    "poisson_interval_coverage",
    "reliability",
    "skill_score",
    "summarise",
]

FloatArray = NDArray[np.float64]

QUANTILE_METHOD = "linear"
"""NumPy quantile method used for interval bounds (Hyndman & Fan type 7, NumPy's default)."""

_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)


# --------------------------------------------------------------------------------------------
# Validation: one gate per boundary
# --------------------------------------------------------------------------------------------


def _as_finite_float(values: ArrayLike, name: str) -> FloatArray:
    """Convert ``values`` to a float64 array, rejecting non-numeric dtypes and NaN/inf."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected numbers, got dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise ValueError(
            f"{name}: contains NaN or inf (first at index [{where}]); "
            "drop or impute missing rows before scoring"
        )
    return array


def _check_obs_samples(obs: ArrayLike, samples: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate ``obs`` (N,) and ``samples`` (N, S), S >= 1; return them as float64 arrays."""
    obs_array = _as_finite_float(obs, "obs")
    samples_array = _as_finite_float(samples, "samples")
    if obs_array.ndim != 1:
        raise ValueError(f"obs: expected shape (N,), got {obs_array.shape}")
    if samples_array.ndim != 2:
        raise ValueError(
            f"samples: expected shape (N, S) with one row of draws per observation, "
            f"got {samples_array.shape}"
        )
    if samples_array.shape[0] != obs_array.shape[0]:
        raise ValueError(
            f"samples: has {samples_array.shape[0]} rows but obs has {obs_array.shape[0]}; "
            "expected one row of draws per observation"
        )
    if samples_array.shape[1] == 0:
        raise ValueError("samples: has no draws (S == 0); expected at least one per row")
    return obs_array, samples_array


def _check_level(level: float) -> float:
    """Validate a central-interval level strictly between 0 and 1."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must be strictly between 0 and 1 (e.g. 0.8), got {level}")
    return level


def _check_counts(array: FloatArray, name: str) -> None:
    """Reject negative values where the scale is log1p of a count."""
    if np.any(array < 0):
        raise ValueError(
            f"{name}: log1p scale needs counts >= 0, found minimum {array.min()}; "
            "clip or drop negative draws before scoring"
        )


# --------------------------------------------------------------------------------------------
# Row-wise kernels on validated arrays (no checks: callers validated once)
# --------------------------------------------------------------------------------------------


def _crps_sorted(obs: FloatArray, sorted_samples: FloatArray, fair: bool) -> FloatArray:
    """CRPS of validated ``obs`` against row-sorted ``sorted_samples``."""
    n_draws = sorted_samples.shape[1]
    # E|X - y| over the ensemble.
    absolute_error = np.mean(np.abs(sorted_samples - obs[:, None]), axis=1)
    # For sorted x, sum_{i,j} |x_i - x_j| = 2 * sum_k k (S - k) (x_(k+1) - x_(k)), k = 1..S-1:
    # each gap is crossed by k (S - k) pairs. O(S) after an O(S log S) sort, no (S, S) matrix.
    # Summing gaps rather than weighted values (sum_i (2i - S - 1) x_(i)) avoids cancelling
    # large counts against each other, and is exactly 0 for a degenerate ensemble.
    crossings = np.arange(1, n_draws) * (n_draws - np.arange(1, n_draws))
    pair_sum = 2.0 * (np.diff(sorted_samples, axis=1) @ crossings.astype(np.float64))
    pairs = n_draws * (n_draws - 1) if fair else n_draws * n_draws
    spread = pair_sum / (2.0 * pairs)
    # Both forms are >= 0 by the triangle inequality; clip rounding noise (~1e-16 relative).
    return np.maximum(absolute_error - spread, 0.0)


def _interval_bounds(samples: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Lower and upper bounds of the central ``level`` interval of each row of ``samples``."""
    lower, upper = np.quantile(
        samples, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=1, method=QUANTILE_METHOD
    )
    return lower, upper


def _interval_score(obs: FloatArray, samples: FloatArray, level: float) -> FloatArray:
    """Gneiting & Raftery interval score on validated inputs."""
    lower, upper = _interval_bounds(samples, level)
    alpha = 1.0 - level
    below = np.maximum(lower - obs, 0.0)
    above = np.maximum(obs - upper, 0.0)
    return (upper - lower) + (2.0 / alpha) * (below + above)


def _log_ratio(obs: FloatArray, samples: FloatArray) -> FloatArray:
    """|log((median + 1) / (obs + 1))| on validated non-negative inputs."""
    return np.abs(np.log1p(np.median(samples, axis=1)) - np.log1p(obs))


# --------------------------------------------------------------------------------------------
# Public metrics
# --------------------------------------------------------------------------------------------


def crps_ensemble(obs: ArrayLike, samples: ArrayLike, *, fair: bool = False) -> FloatArray:
    """Continuous ranked probability score of an ensemble forecast, per row.

    ``CRPS = E|X - y| - 0.5 E|X - X'|`` with ``X, X'`` drawn from the ensemble. Computed exactly
    by sorting each row (O(S log S) time, O(N S) memory: no ``(S, S)`` pairwise matrix).

    Default ``fair=False``, the *standard* (energy / empirical-CDF) form: the expectations run
    over the empirical distribution of the ``S`` draws, pairs ``i == j`` included, so the value
    equals the integral of ``(F_ens(x) - 1{x >= y})^2``. It scores the forecast as issued (the
    ensemble *is* the forecast distribution), matches ``properscoring.crps_ensemble``,
    ``scoringrules`` ``estimator="nrg"`` and the ViEWS evaluation, and so keeps ffcast's numbers
    comparable with theirs.

    ``fair=True`` divides the pairwise term by ``S (S - 1)`` instead of ``S^2`` (the S/(S-1)
    correction of Ferro 2014): an unbiased estimate of the CRPS of the distribution the draws
    come from, so ensembles of different sizes are compared on equal terms. The standard form
    exceeds it by ``E|X - X'| / (2 S)``. Use it when comparing runs with different ``S``.

    Args:
        obs: observed values, shape ``(N,)``, in forecast units (people or events).
        samples: ensemble draws, shape ``(N, S)``, same units.
        fair: use the unbiased (fair) form; needs ``S >= 2``.

    Returns:
        CRPS per row, shape ``(N,)``, in the units of ``obs``; always ``>= 0``.

    Raises:
        ValueError: bad shapes, no draws, NaN/inf or non-numeric values, or ``fair`` with
            ``S < 2``.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    if fair and samples_array.shape[1] < 2:
        raise ValueError("samples: the fair CRPS needs at least 2 draws per row; use fair=False")
    return _crps_sorted(obs_array, np.sort(samples_array, axis=1), fair)


def crps_log1p(obs: ArrayLike, samples: ArrayLike, *, fair: bool = False) -> FloatArray:
    """CRPS on the ``log1p`` scale: :func:`crps_ensemble` of ``log1p(obs)``, ``log1p(samples)``.

    Relative errors, so a country with tens of fighters weighs as much as one with thousands
    (ViEWS scores fatality counts the same way).

    Args:
        obs: observed counts, shape ``(N,)``, ``>= 0``.
        samples: ensemble draws of the counts, shape ``(N, S)``, ``>= 0``.
        fair: use the unbiased (fair) form, see :func:`crps_ensemble`.

    Returns:
        CRPS per row, shape ``(N,)``, in log1p(count) units (dimensionless); ``>= 0``.

    Raises:
        ValueError: as :func:`crps_ensemble`, or any negative count.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    _check_counts(obs_array, "obs")
    _check_counts(samples_array, "samples")
    if fair and samples_array.shape[1] < 2:
        raise ValueError("samples: the fair CRPS needs at least 2 draws per row; use fair=False")
    return _crps_sorted(np.log1p(obs_array), np.log1p(np.sort(samples_array, axis=1)), fair)


def interval_coverage(obs: ArrayLike, samples: ArrayLike, level: float) -> NDArray[np.bool_]:
    """Whether each observation lies in the central ``level`` interval of its ensemble.

    The interval runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2`` quantile of the
    row's draws (NumPy ``method="linear"``, Hyndman & Fan type 7), both ends included. The mean
    over rows is the empirical coverage, to compare with ``level``.

    Args:
        obs: observed values, shape ``(N,)``.
        samples: ensemble draws, shape ``(N, S)``.
        level: nominal coverage, strictly between 0 and 1 (0.8 for the 10%-90% interval).

    Returns:
        Boolean array, shape ``(N,)``.

    Raises:
        ValueError: bad shapes, NaN/inf, or ``level`` outside (0, 1).
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    lower, upper = _interval_bounds(samples_array, _check_level(level))
    return (lower <= obs_array) & (obs_array <= upper)


def interval_score(obs: ArrayLike, samples: ArrayLike, level: float) -> FloatArray:
    """Interval score of the central ``level`` interval (Gneiting & Raftery 2007, eq. 43).

    ``IS = (u - l) + (2 / alpha) (l - y) 1{y < l} + (2 / alpha) (y - u) 1{y > u}`` with
    ``alpha = 1 - level`` and ``l, u`` the interval bounds as in :func:`interval_coverage`.
    Rewards narrow intervals, penalises misses in proportion to their distance.

    Args:
        obs: observed values, shape ``(N,)``.
        samples: ensemble draws, shape ``(N, S)``.
        level: nominal coverage, strictly between 0 and 1.

    Returns:
        Interval score per row, shape ``(N,)``, in the units of ``obs``; ``>= 0``.

    Raises:
        ValueError: bad shapes, NaN/inf, or ``level`` outside (0, 1).
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    return _interval_score(obs_array, samples_array, _check_level(level))


def log_ratio(obs: ArrayLike, samples: ArrayLike) -> FloatArray:
    """Absolute log ratio of the ensemble median to the observation: ``|log((m + 1) / (y + 1))|``.

    The offset is +1 (``log1p``), the same as :func:`crps_log1p`: it keeps zero counts
    defined (no fighters returned is a common, real observation) and, for counts, is one
    person, the smallest meaningful unit. ``exp`` of the value is the factor by which the
    median is off (0.69 means a factor of 2). :func:`summarise` reports the *median* of this
    over rows ("median absolute log ratio"), which a few wild misses cannot dominate.

    Args:
        obs: observed counts, shape ``(N,)``, ``>= 0``.
        samples: ensemble draws, shape ``(N, S)``, ``>= 0``; the median is NumPy's (linear).

    Returns:
        Absolute log ratio per row, shape ``(N,)``, dimensionless (natural log).

    Raises:
        ValueError: bad shapes, NaN/inf, or any negative count.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    _check_counts(obs_array, "obs")
    _check_counts(samples_array, "samples")
    return _log_ratio(obs_array, samples_array)


def skill_score(score_model: ArrayLike, score_reference: ArrayLike) -> FloatArray | float:
    """Skill of a model over a reference: ``1 - score_model / score_reference``.

    For negatively oriented scores (CRPS, interval score): 1 is perfect, 0 no better than the
    reference, negative worse. Scalars give a float; arrays broadcast and give an array.

    Convention where ``score_reference == 0`` (the reference is perfect): skill is ``0.0`` if
    the model is perfect too (nothing to gain, nothing lost) and ``-inf`` otherwise (infinitely
    worse than a perfect reference), so the result is never NaN and ranks sensibly.

    Args:
        score_model: the model's score(s), ``>= 0``.
        score_reference: the reference's score(s), ``>= 0``, broadcastable with the model's.

    Returns:
        Skill score(s), dimensionless: a float for scalar inputs, else an array.

    Raises:
        ValueError: NaN/inf, negative scores, non-numeric values, or shapes that do not
            broadcast.
    """
    model = _as_finite_float(score_model, "score_model")
    reference = _as_finite_float(score_reference, "score_reference")
    if np.any(model < 0) or np.any(reference < 0):
        raise ValueError("score_model, score_reference: scores must be >= 0 (lower is better)")
    try:
        model, reference = np.broadcast_arrays(model, reference)
    except ValueError:
        raise ValueError(
            f"score_model shape {model.shape} and score_reference shape {reference.shape} "
            "do not broadcast"
        ) from None
    positive = reference > 0
    skill = np.where(model == 0, 0.0, -np.inf)
    np.divide(model, reference, out=skill, where=positive)
    skill = np.where(positive, 1.0 - skill, skill)
    return float(skill) if skill.ndim == 0 else skill


def crps_normal(obs: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> FloatArray:
    """Closed-form CRPS of a normal forecast ``N(mu, sigma^2)`` (Gneiting et al. 2005).

    ``CRPS = sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))`` with
    ``z = (obs - mu) / sigma``; ``sigma == 0`` gives the point-forecast limit ``|obs - mu|``.
    Used as a test oracle for :func:`crps_ensemble` and for Gaussian baselines.

    Args:
        obs: observed values, any shape broadcastable with ``mu`` and ``sigma``.
        mu: forecast means, same units as ``obs``.
        sigma: forecast standard deviations, same units, ``>= 0``.

    Returns:
        CRPS, broadcast shape of the inputs (``(N,)`` for ``(N,)`` inputs), units of ``obs``.

    Raises:
        ValueError: NaN/inf, non-numeric values, negative ``sigma`` or shapes that do not
            broadcast.
    """
    obs_array = _as_finite_float(obs, "obs")
    mu_array = _as_finite_float(mu, "mu")
    sigma_array = _as_finite_float(sigma, "sigma")
    if np.any(sigma_array < 0):
        raise ValueError(f"sigma: must be >= 0, found minimum {sigma_array.min()}")
    try:
        obs_array, mu_array, sigma_array = np.broadcast_arrays(obs_array, mu_array, sigma_array)
    except ValueError:
        raise ValueError(
            f"obs {np.shape(obs)}, mu {np.shape(mu)} and sigma {np.shape(sigma)} do not broadcast"
        ) from None
    error = obs_array - mu_array
    degenerate = sigma_array == 0
    safe_sigma = np.where(degenerate, 1.0, sigma_array)
    z = error / safe_sigma
    density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    crps = safe_sigma * (z * (2.0 * ndtr(z) - 1.0) + 2.0 * density - _INV_SQRT_PI)
    return np.where(degenerate, np.abs(error), crps)


def crps_log1p_lognormal(obs: ArrayLike, median: ArrayLike, sigma: ArrayLike) -> FloatArray:
    """Closed-form CRPS on the log1p scale of the forecast ``(median + 1) exp(sigma Z) - 1``,
    ``Z`` standard normal (a log-normal count shifted by one, as the persistence baseline).

    On the log1p scale that forecast is ``N(log1p(median), sigma^2)``, so this is
    :func:`crps_normal` of ``log1p(obs)``: the oracle of :func:`crps_log1p` on draws of it
    (the ensemble of *rounded* draws differs slightly: rounding moves small counts).

    Args:
        obs: observed counts, ``>= 0``, broadcastable with the others.
        median: the forecast's median count, ``>= 0``.
        sigma: the spread of ``log1p`` of the count, ``>= 0``.

    Returns:
        CRPS in log1p(count) units, broadcast shape of the inputs; ``>= 0``.

    Raises:
        ValueError: as :func:`crps_normal`, or negative counts.
    """
    obs_array = _as_finite_float(obs, "obs")
    median_array = _as_finite_float(median, "median")
    _check_counts(obs_array, "obs")
    _check_counts(median_array, "median")
    return crps_normal(np.log1p(obs_array), np.log1p(median_array), sigma)


def log_score_log1p_lognormal(obs: ArrayLike, median: ArrayLike, sigma: ArrayLike
                              ) -> FloatArray:
    """Closed-form ``-log`` density of ``log1p(obs)`` under the forecast of
    :func:`crps_log1p_lognormal` (a normal on the log1p scale): the oracle of
    :func:`log_score_log1p`. Raises ValueError for NaN/inf, negative counts, or ``sigma``
    not ``> 0``."""
    obs_array = _as_finite_float(obs, "obs")
    median_array = _as_finite_float(median, "median")
    sigma_array = _as_finite_float(sigma, "sigma")
    _check_counts(obs_array, "obs")
    _check_counts(median_array, "median")
    if np.any(sigma_array <= 0):
        raise ValueError(f"sigma: must be > 0, found minimum {sigma_array.min()}")
    return -stats.norm.logpdf(np.log1p(obs_array), np.log1p(median_array), sigma_array)


def log_score_log1p(obs: ArrayLike, samples: ArrayLike, half_width: float = 0.1,
                    floor_draws: float = 0.5) -> FloatArray:
    """``-log`` predictive density of ``log1p(obs)`` from an ensemble, by a box kernel.

    The density is the share of draws whose ``log1p`` lies in a cell around ``log1p(obs)``
    (``+- half_width``, widened to hold the observation's rounding cell ``[obs - 0.5,
    obs + 0.5]``, so a small count is judged on the draws equal to it), divided by the cell's
    width on the log1p scale. Relative, so a country of 5 and one of 5,000 weigh alike (the
    exact-count :func:`log_score` gives almost every count in the hundreds its floor with a
    few hundred draws). The share is floored at ``floor_draws / S`` as in :func:`log_score`:
    a miss scores ``log(2 S width)`` rather than ``inf``, so only ensembles of one size
    compare. A point forecast scores ``-log(1 / width)`` when it hits the cell.

    Args:
        obs: observed counts, shape ``(N,)``, ``>= 0`` (a range's midpoint may be fractional).
        samples: ensemble draws, shape ``(N, S)``, ``>= 0``.
        half_width: half the cell on the log1p scale, ``> 0`` (0.1: about +-10%).
        floor_draws: the floor in draws, ``> 0``.

    Returns:
        ``-log`` density per row, shape ``(N,)``, natural log, lower is better (negative
        when the density exceeds 1 per log1p unit).

    Raises:
        ValueError: as :func:`crps_ensemble`, negative counts, or a width or floor ``<= 0``.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    _check_counts(obs_array, "obs")
    _check_counts(samples_array, "samples")
    if not half_width > 0:
        raise ValueError(f"half_width: must be > 0, got {half_width}")
    if not floor_draws > 0:
        raise ValueError(f"floor_draws: must be > 0, got {floor_draws}")
    centre = np.log1p(obs_array)
    # Never below log1p(0) = 0, where no count can be (a count of 0 had a cell reaching
    # -0.1, a width no draw could fill: 0.22 nats too many for every forecaster).
    low = np.maximum(np.minimum(centre - half_width, np.log1p(np.maximum(obs_array - 0.5, 0.0))),
                     0.0)
    high = np.maximum(centre + half_width, np.log1p(obs_array + 0.5))
    log_samples = np.log1p(samples_array)
    inside = (log_samples >= low[:, None]) & (log_samples <= high[:, None])
    share = np.maximum(inside.mean(axis=1), floor_draws / samples_array.shape[1])
    return -np.log(share / (high - low))


# --------------------------------------------------------------------------------------------
# Counts of rare events: a Poisson forecast in closed form, log and Brier scores
# --------------------------------------------------------------------------------------------


def _check_obs_mu(obs: ArrayLike, mu: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate counts ``obs`` >= 0 and Poisson means ``mu`` >= 0 that broadcast."""
    obs_array = _as_finite_float(obs, "obs")
    mu_array = _as_finite_float(mu, "mu")
    _check_counts(obs_array, "obs")
    if np.any(mu_array < 0):
        raise ValueError(f"mu: Poisson means must be >= 0, found minimum {mu_array.min()}")
    try:
        return tuple(np.broadcast_arrays(obs_array, mu_array))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"obs {np.shape(obs)} and mu {np.shape(mu)} do not broadcast") from None


def crps_poisson(obs: ArrayLike, mu: ArrayLike) -> FloatArray:
    """Closed-form CRPS of a Poisson forecast with mean ``mu`` (Wei & Held 2014, eq. 5).

    ``CRPS = (y - mu)(2 F(y) - 1) + 2 mu f(floor(y)) - mu exp(-2 mu)(I0(2 mu) + I1(2 mu))``
    with ``F``, ``f`` the Poisson CDF and mass function and ``I0``, ``I1`` modified Bessel
    functions (exponentially scaled, so large means do not overflow). ``mu == 0`` gives
    ``y``. Equals the sum over ``k >= 0`` of ``(F(k) - 1{y <= k})^2`` (the test oracle).

    Args:
        obs: observed counts, ``>= 0``, broadcastable with ``mu``.
        mu: Poisson means, ``>= 0``, in the same units (events per scored period).

    Returns:
        CRPS, broadcast shape of the inputs, in events; ``>= 0``.

    Raises:
        ValueError: NaN/inf, non-numeric values, negative counts or means, or shapes that
            do not broadcast.
    """
    y, m = _check_obs_mu(obs, mu)
    cdf = stats.poisson.cdf(y, m)
    pmf = stats.poisson.pmf(np.floor(y), m)
    spread = m * (ive(0, 2.0 * m) + ive(1, 2.0 * m))
    return np.maximum((y - m) * (2.0 * cdf - 1.0) + 2.0 * m * pmf - spread, 0.0)


def log_score_poisson(obs: ArrayLike, mu: ArrayLike) -> FloatArray:
    """Negative log predictive probability ``-log P(N = obs)``, ``N ~ Poisson(mu)``.

    Lower is better; ``inf`` when ``mu == 0`` and ``obs > 0`` (the forecast ruled it out).
    Raises ValueError as :func:`crps_poisson`.
    """
    y, m = _check_obs_mu(obs, mu)
    return -stats.poisson.logpmf(y, m)


def poisson_interval_coverage(obs: ArrayLike, mu: ArrayLike, level: float
                              ) -> NDArray[np.bool_]:
    """Whether each count lies in the central ``level`` interval of ``Poisson(mu)``: from
    the ``(1 - level) / 2`` to the ``(1 + level) / 2`` quantile (the smallest ``k`` with
    ``F(k) >= q``), both ends included. Raises ValueError as :func:`crps_poisson` or for
    ``level`` outside (0, 1)."""
    y, m = _check_obs_mu(obs, mu)
    level = _check_level(level)
    lower = stats.poisson.ppf((1.0 - level) / 2.0, m)
    upper = stats.poisson.ppf((1.0 + level) / 2.0, m)
    return (lower <= y) & (y <= upper)


def log_score(obs: ArrayLike, samples: ArrayLike, floor_draws: float = 0.5) -> FloatArray:
    """Negative log predictive probability of each observed count, from its ensemble.

    Warning: the probability is the share of draws equal to the observation, floored at
    ``floor_draws / S`` (half a draw by default), so a count no draw hit scores
    ``log(2 S)`` rather than ``inf``; the score of a miss then grows with the ensemble
    size, and only ensembles of the same size compare.

    Args:
        obs: observed counts, shape ``(N,)``, ``>= 0``.
        samples: ensemble draws of the counts, shape ``(N, S)``, ``>= 0``.
        floor_draws: the floor in draws, ``> 0``.

    Returns:
        ``-log p`` per row, shape ``(N,)``, natural log; lower is better, ``>= 0``.

    Raises:
        ValueError: as :func:`crps_ensemble`, negative counts, or ``floor_draws <= 0``.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    _check_counts(obs_array, "obs")
    _check_counts(samples_array, "samples")
    if not floor_draws > 0:
        raise ValueError(f"floor_draws: must be > 0, got {floor_draws}")
    share = (samples_array == obs_array[:, None]).mean(axis=1)
    return -np.log(np.maximum(share, floor_draws / samples_array.shape[1]))


def brier_score(probability: ArrayLike, happened: ArrayLike) -> FloatArray:
    """Brier score ``(p - 1{happened})^2`` of a forecast probability of an event, per row.

    Lower is better: 0 for certainty that came true, 0.25 for a coin toss, 1 for certainty
    that did not. Raises ValueError for NaN/inf, a probability outside [0, 1] or shapes that
    do not broadcast.
    """
    p = _as_finite_float(probability, "probability")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probability: must lie in [0, 1]")
    outcome = np.asarray(happened, dtype=bool).astype(np.float64)
    try:
        p, outcome = np.broadcast_arrays(p, outcome)
    except ValueError:
        raise ValueError(f"probability {p.shape} and happened {outcome.shape} do not "
                         "broadcast") from None
    return (p - outcome) ** 2


def _level_key(level: float) -> str:
    """Label for a level in :func:`summarise` keys: 0.8 -> ``"80"``, 0.975 -> ``"97.5"``."""
    return f"{level * 100:.10g}"


def summarise(
    obs: ArrayLike, samples: ArrayLike, levels: Sequence[float] = (0.5, 0.8, 0.95)
) -> dict[str, float]:
    """Headline scores of an ensemble forecast over all rows, validated once.

    Keys (``<L>`` is the level in percent, e.g. ``80``):

    - ``crps``: mean standard CRPS, in the units of ``obs``;
    - ``crps_log1p``: mean standard CRPS on the log1p scale;
    - ``coverage_<L>``: share of rows whose observation lies in the central interval (0..1);
    - ``interval_score_<L>``: mean interval score, in the units of ``obs``;
    - ``median_abs_log_ratio``: median over rows of :func:`log_ratio` (natural log).

    Args:
        obs: observed counts, shape ``(N,)`` with ``N >= 1``, ``>= 0``.
        samples: ensemble draws, shape ``(N, S)``, ``>= 0``.
        levels: interval levels, each strictly between 0 and 1, labels distinct.

    Returns:
        Mapping of score name to a Python float.

    Raises:
        ValueError: bad shapes, no rows, NaN/inf, negative counts, or bad/duplicate levels.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    if obs_array.shape[0] == 0:
        raise ValueError("obs: no rows to summarise (N == 0)")
    _check_counts(obs_array, "obs")
    _check_counts(samples_array, "samples")
    checked_levels = [_check_level(level) for level in levels]
    keys = [_level_key(level) for level in checked_levels]
    if len(set(keys)) != len(keys):
        raise ValueError(f"levels: duplicates in {list(levels)}")

    sorted_samples = np.sort(samples_array, axis=1)
    log_obs, log_samples = np.log1p(obs_array), np.log1p(sorted_samples)  # monotone: stays sorted
    summary: dict[str, float] = {
        "crps": float(np.mean(_crps_sorted(obs_array, sorted_samples, fair=False))),
        "crps_log1p": float(np.mean(_crps_sorted(log_obs, log_samples, fair=False))),
    }
    for level, key in zip(checked_levels, keys, strict=True):
        lower, upper = _interval_bounds(sorted_samples, level)
        summary[f"coverage_{key}"] = float(np.mean((lower <= obs_array) & (obs_array <= upper)))
        summary[f"interval_score_{key}"] = float(
            np.mean(_interval_score(obs_array, sorted_samples, level))
        )
    summary["median_abs_log_ratio"] = float(np.median(_log_ratio(obs_array, sorted_samples)))
    return summary


def pit_bounds(obs: ArrayLike, samples: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The predictive CDF just below and at each observation: ``(F(y-), F(y))`` per row.

    For counts the probability integral transform is an interval, not a point (Czado,
    Gneiting & Held 2009); both ends come from the empirical CDF of the ensemble.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    below = (samples_array < obs_array[:, None]).mean(axis=1)
    at = (samples_array <= obs_array[:, None]).mean(axis=1)
    return below, at


def pit_histogram(obs: ArrayLike, samples: ArrayLike, bins: int = 10) -> FloatArray:
    """Non-randomised PIT histogram for count forecasts (Czado et al. 2009, eq. 2), shape
    ``(bins,)``, summing to 1. A calibrated forecaster gives a flat histogram (each bin
    ``1 / bins``); a U shape means intervals too narrow, a hump too wide.

    Each row spreads its unit mass uniformly over [F(y-), F(y)] (a point mass at F(y) when
    the ensemble has no draw equal to y).
    """
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins: {bins!r} must be a whole number >= 1")
    lo, hi = pit_bounds(obs, samples)
    edges = np.linspace(0.0, 1.0, bins + 1)
    width = np.maximum(hi - lo, 0.0)
    mass = np.zeros(bins)
    for k in range(bins):
        a, b = edges[k], edges[k + 1]
        overlap = np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
        spread = np.where(width > 0, overlap / np.where(width > 0, width, 1.0), 0.0)
        point = (width == 0) & (hi > a) & ((hi <= b) if k < bins - 1 else (hi <= b + 1e-12))
        point |= (width == 0) & (k == 0) & (hi == 0.0)
        mass[k] = float(np.sum(spread + point))
    return mass / max(len(lo), 1)


def reliability(obs: ArrayLike, samples: ArrayLike,
                levels: Sequence[float] = (0.5, 0.8, 0.9, 0.95), n_boot: int = 1000,
                seed: int = 0) -> dict[str, FloatArray]:
    """Empirical coverage of central intervals against their nominal levels, with a
    bootstrap 90% interval over rows (rows resampled with replacement).

    Returns ``{"level", "coverage", "low", "high"}``, each ``(len(levels),)``. A calibrated
    forecaster's coverage is near its level; the bootstrap band says how much the number of
    scored rows allows one to tell.
    """
    obs_array, samples_array = _check_obs_samples(obs, samples)
    if obs_array.shape[0] == 0:
        raise ValueError("obs: no rows to score (N == 0)")
    lv = np.array([_check_level(level) for level in levels])
    sorted_samples = np.sort(samples_array, axis=1)
    inside = np.stack([
        (lambda b: (b[0] <= obs_array) & (obs_array <= b[1]))(
            _interval_bounds(sorted_samples, level)) for level in lv], axis=1)  # (N, L)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(obs_array), size=(n_boot, len(obs_array)))
    boot = inside[idx].mean(axis=1)  # (n_boot, L)
    return {"level": lv, "coverage": inside.mean(axis=0),
            "low": np.quantile(boot, 0.05, axis=0), "high": np.quantile(boot, 0.95, axis=0)}
