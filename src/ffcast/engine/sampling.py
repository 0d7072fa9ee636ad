"""Exact discrete samplers driven by one uniform each (numba).

Warning first: these are *exact* binomial and Poisson draws by inversion, searched outward
from the mode (Kemp 1986's "chop-down from the mode"), so each costs O(sqrt(variance)) steps
and consumes exactly one uniform; that is what keeps common random numbers aligned between
scenarios. If floating-point rounding leaves the search without a hit (probability ~1e-15),
the mode is returned.
"""

from __future__ import annotations

import math

from numba import njit

_SMALL_MEAN = 15.0  # below this mean, plain inversion from 0 is faster and cannot underflow


@njit(cache=True)
def binomial(n: int, p: float, u: float) -> int:
    """Binomial(n, p) from one uniform ``u``; p is clipped to [0, 1], NaN counts as 0."""
    if n <= 0 or not p > 0.0:  # `not p > 0` is also true for NaN
        return 0
    if p >= 1.0:
        return n
    q = 1.0 - p
    if n * p < _SMALL_MEAN:
        # Inversion from zero: P(0) = q^n cannot underflow when the mean is small.
        pk = math.exp(n * math.log1p(-p))
        ratio0 = p / q
        k = 0
        u -= pk
        while u > 0.0 and k < n:
            pk = pk * (n - k) / (k + 1.0) * ratio0
            k += 1
            u -= pk
            if pk < 1e-300 and k > n * p:
                break
        return k
    m = int((n + 1) * p)
    if m > n:
        m = n
    log_pm = (
        math.lgamma(n + 1.0) - math.lgamma(m + 1.0) - math.lgamma(n - m + 1.0)
        + m * math.log(p) + (n - m) * math.log(q)
    )
    pm = math.exp(log_pm)
    u -= pm
    if u <= 0.0:
        return m
    ratio = p / q
    lo_k, lo_p = m, pm
    hi_k, hi_p = m, pm
    while lo_k > 0 or hi_k < n:
        if lo_k > 0:
            lo_p = lo_p * lo_k / (n - lo_k + 1.0) / ratio
            lo_k -= 1
            u -= lo_p
            if u <= 0.0:
                return lo_k
        if hi_k < n:
            hi_p = hi_p * (n - hi_k) / (hi_k + 1.0) * ratio
            hi_k += 1
            u -= hi_p
            if u <= 0.0:
                return hi_k
        if lo_p < 1e-300 and hi_p < 1e-300:
            break
    return m


@njit(cache=True)
def poisson(lam: float, u: float) -> int:
    """Poisson(lam) from one uniform ``u``; NaN counts as 0, lam is capped at 1e12."""
    if not lam > 0.0:  # also true for NaN
        return 0
    if lam > 1e12:
        lam = 1e12
    if lam < _SMALL_MEAN:
        pk = math.exp(-lam)
        k = 0
        u -= pk
        while u > 0.0:
            k += 1
            pk = pk * lam / k
            u -= pk
            if pk < 1e-300 and k > lam:
                break
        return k
    m = int(lam)
    pm = math.exp(m * math.log(lam) - lam - math.lgamma(m + 1.0)) if m > 0 else math.exp(-lam)
    u -= pm
    if u <= 0.0:
        return m
    lo_k, lo_p = m, pm
    hi_k, hi_p = m, pm
    while True:
        if lo_k > 0:
            lo_p = lo_p * lo_k / lam
            lo_k -= 1
            u -= lo_p
            if u <= 0.0:
                return lo_k
        hi_k += 1
        hi_p = hi_p * lam / hi_k
        u -= hi_p
        if u <= 0.0:
            return hi_k
        if hi_p < 1e-300 and (lo_k == 0 or lo_p < 1e-300):
            return m


@njit(cache=True)
def power_law_severity(alpha: float, x_min: float, cap: float, u: float) -> int:
    """Deaths in one attack from the power-law tail P(X >= x) ~ (x / x_min)^(1 - alpha), capped."""
    if not alpha > 1.0:  # no normalisable tail: every draw is at the cap
        return int(cap)
    x = x_min * (1.0 - u) ** (-1.0 / (alpha - 1.0))
    if x > cap:
        x = cap
    return int(x)
