"""Exact discrete samplers driven by one uniform each (numba).

Warning first: these are *exact* binomial and Poisson draws by inversion, searched outward
from the mode (Kemp 1986's "chop-down from the mode"), so each costs O(sqrt(variance)) steps
and consumes exactly one uniform; that is what keeps common random numbers aligned between
scenarios. If floating-point rounding leaves the search without a hit (probability ~1e-15),
inversion from zero stops in the far tail and the search from the mode returns the mode.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_SMALL_MEAN = 15.0  # below this mean, plain inversion from 0 is faster and cannot underflow
# Past the mean, a probability this small cannot matter any more: only rounding in the
# running sum (u within ~1e-16 of 1) can leave the search without a hit, so stop there.
_NEGLIGIBLE = 1e-17
_POWER_N = 32  # up to this n, q**n by repeated squaring is cheaper than exp(n log1p(-p))
_TABLE = 1024
# log(k!) for k < _TABLE (a compile-time constant for numba); Stirling's series above.
_LOG_FACTORIAL = np.array([math.lgamma(k + 1.0) for k in range(_TABLE)])
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_RECIPROCAL = np.array([0.0] + [1.0 / k for k in range(1, _TABLE)])  # 1 / k, k < _TABLE


@njit(cache=True, inline="always", error_model="numpy")
def log_factorial(k: float) -> float:
    """log(k!) for a whole number k >= 0: a table below 1024, Stirling's series above
    (truncation error < 1e-17 relative there)."""
    if k < _TABLE:
        return _LOG_FACTORIAL[int(k)]
    x = k + 1.0
    r = 1.0 / x
    r2 = r * r
    return ((x - 0.5) * math.log(x) - x + _HALF_LOG_2PI
            + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0))))


@njit(cache=True, inline="always", error_model="numpy")
def exp_neg_lower(x: float) -> float:
    """A lower bound of exp(-x) for x >= 0 (Taylor to x^3; the remainder is positive).

    ``u <= exp_neg_lower(x)`` proves ``u <= exp(-x)`` without computing the exponential: the
    common "nobody moves" outcome of a small stock costs a few multiplications.
    """
    return 1.0 - x * (1.0 - x * (0.5 - x * (1.0 / 6.0)))


@njit(cache=True, inline="always", error_model="numpy")
def binomial(n: int, p: float, u: float) -> int:
    """Binomial(n, p) from one uniform ``u``; p is clipped to [0, 1], NaN counts as 0.

    The trivial cases and a proven zero are decided inline, without a call."""
    if n <= 0 or not p > 0.0:  # `not p > 0` is also true for NaN
        return 0
    if p >= 1.0:
        return n
    if n == 1:
        return 1 if u > 1.0 - p else 0
    if u <= 1.0 - n * p:  # P(0) = q^n >= 1 - np (Bernoulli): zero, without exp/log
        return 0
    return _binomial_some(n, p, u)


@njit(cache=True, error_model="numpy")
def _binomial_some(n: int, p: float, u: float) -> int:
    """:func:`binomial` once a zero is not proven."""
    q = 1.0 - p
    if n * p < _SMALL_MEAN:
        # Inversion from zero: P(0) = q^n cannot underflow when the mean is small.
        pk = q ** n if n <= _POWER_N else math.exp(n * math.log1p(-p))
        return _invert_from_zero(n, p, p / q, pk, u)
    return _chop_down(n, p, u)


@njit(cache=True, inline="always", error_model="numpy")
def leave(n: int, rate: float, odds: float, u: float) -> int:
    """How many of ``n`` people leave under a total monthly hazard ``rate``: exactly
    Binomial(n, 1 - exp(-rate)) from one uniform. ``odds`` = expm1(rate) = p / (1 - p) can
    be passed in when it is constant for a stock (NaN: computed here, only if needed);
    P(0) = exp(-n rate). The common "nobody leaves" is decided inline, without a call."""
    if n <= 0 or not rate > 0.0:
        return 0
    y = n * rate
    if u <= exp_neg_lower(y):
        return 0
    return _leave_some(n, rate, odds, y, u)


@njit(cache=True, error_model="numpy")
def _leave_some(n: int, rate: float, odds: float, y: float, u: float) -> int:
    """:func:`leave` once a zero is not proven (``y`` = n rate)."""
    if y < _SMALL_MEAN:  # the mean n p <= n rate is small: invert from zero
        if odds != odds:  # NaN: not given
            odds = math.expm1(rate)
        return _invert_from_zero(n, odds / (1.0 + odds), odds, math.exp(-y), u)
    p = -math.expm1(-rate)
    if not p < 1.0:
        return n
    return _chop_down(n, p, u)


@njit(cache=True, error_model="numpy")
def _invert_from_zero(n: int, p: float, ratio: float, p0: float, u: float) -> int:
    """Inversion from k = 0 with P(0) = ``p0`` and ``ratio`` = p / q (small means only)."""
    pk = p0
    k = 0
    u -= pk
    while u > 0.0 and k < n:
        # pk * (n - k) / (k + 1) * ratio, with 1 / (k + 1) from a table (no division)
        step = _RECIPROCAL[k + 1] if k + 1 < _TABLE else 1.0 / (k + 1.0)
        pk = pk * ((n - k) * step * ratio)
        k += 1
        u -= pk
        if pk < _NEGLIGIBLE and k > n * p:
            break
    return k


@njit(cache=True, error_model="numpy")
def _chop_down(n: int, p: float, u: float) -> int:
    """Kemp's chop-down search outward from the mode (means of _SMALL_MEAN and more)."""
    q = 1.0 - p
    m = int((n + 1) * p)
    if m > n:
        m = n
    log_pm = (log_factorial(n) - log_factorial(m) - log_factorial(n - m)
              + m * math.log(p) + (n - m) * math.log1p(-p))
    pm = math.exp(log_pm)
    u -= pm
    if u <= 0.0:
        return m
    ratio = p / q
    inv_ratio = q / p
    lo_k, lo_p = m, pm
    hi_k, hi_p = m, pm
    while lo_k > 0 or hi_k < n:
        if lo_k > 0:
            lo_p = lo_p * lo_k / (n - lo_k + 1.0) * inv_ratio
            lo_k -= 1
            u -= lo_p
            if u <= 0.0:
                return lo_k
        if hi_k < n:
            step = _RECIPROCAL[hi_k + 1] if hi_k + 1 < _TABLE else 1.0 / (hi_k + 1.0)
            hi_p = hi_p * ((n - hi_k) * step * ratio)
            hi_k += 1
            u -= hi_p
            if u <= 0.0:
                return hi_k
        if lo_p < 1e-300 and hi_p < 1e-300:
            break
    return m


@njit(cache=True, inline="always", error_model="numpy")
def poisson(lam: float, u: float) -> int:
    """Poisson(lam) from one uniform ``u``; NaN counts as 0, lam is capped at 1e12.

    A proven zero is decided inline, without a call."""
    if not lam > 0.0:  # also true for NaN
        return 0
    if u <= exp_neg_lower(lam):  # u <= P(0) = exp(-lam): zero, without exp
        return 0
    return _poisson_some(lam, u)


@njit(cache=True, error_model="numpy")
def _poisson_some(lam: float, u: float) -> int:
    """:func:`poisson` once a zero is not proven."""
    if lam > 1e12:
        lam = 1e12
    if lam < _SMALL_MEAN:
        pk = math.exp(-lam)
        k = 0
        u -= pk
        while u > 0.0 and k < _TABLE - 1:
            k += 1
            pk = pk * lam * _RECIPROCAL[k]  # k < _TABLE: the mean is below _SMALL_MEAN
            u -= pk
            if pk < _NEGLIGIBLE and k > lam:
                break
        return k
    m = int(lam)
    pm = math.exp(m * math.log(lam) - lam - log_factorial(m))
    u -= pm
    if u <= 0.0:
        return m
    inv_lam = 1.0 / lam
    lo_k, lo_p = m, pm
    hi_k, hi_p = m, pm
    while True:
        if lo_k > 0:
            lo_p = lo_p * lo_k * inv_lam
            lo_k -= 1
            u -= lo_p
            if u <= 0.0:
                return lo_k
        hi_k += 1
        hi_p = hi_p * lam * (_RECIPROCAL[hi_k] if hi_k < _TABLE else 1.0 / hi_k)
        u -= hi_p
        if u <= 0.0:
            return hi_k
        if hi_p < 1e-300 and (lo_k == 0 or lo_p < 1e-300):
            return m


@njit(cache=True, error_model="numpy")
def power_law_severity(alpha: float, x_min: float, cap: float, u: float) -> int:
    """Deaths in one attack from the power-law tail P(X >= x) ~ (x / x_min)^(1 - alpha), capped."""
    if not alpha > 1.0:  # no normalisable tail: every draw is at the cap
        return int(cap)
    x = x_min * (1.0 - u) ** (-1.0 / (alpha - 1.0))
    if x > cap:
        x = cap
    return int(x)
