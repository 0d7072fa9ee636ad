"""Log-likelihood of simulated quantities under each target's observation model.

Counts: log-normal noise around the stated figure; a range [low, high] widens the noise by
its own width; "at least X" and "up to X" are one-sided (probit) constraints. Shares: normal
noise on the share. Every component is a pure function of dense arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ffcast.calibrate.targets import Target

_Z90 = 1.6448536269514722


def count_loglik(x: np.ndarray, low: float, high: float, sigma: float) -> np.ndarray:
    """Log-likelihood (up to a constant) of simulated counts ``x`` (D,) for one statement."""
    lx = np.log(np.asarray(x, dtype=float) + 1.0)
    if not np.isnan(low) and not np.isnan(high):
        centre = 0.5 * (np.log(low + 1.0) + np.log(high + 1.0))
        width = (np.log(high + 1.0) - np.log(low + 1.0)) / (2 * _Z90)
        s = np.hypot(sigma, width)
        return -0.5 * ((lx - centre) / s) ** 2 - np.log(s)
    if not np.isnan(low):  # at least `low`
        return special.log_ndtr((lx - np.log(low + 1.0)) / sigma)
    return special.log_ndtr((np.log(high + 1.0) - lx) / sigma)  # up to `high`


def share_loglik(share: np.ndarray, low: float, high: float, sigma: float) -> np.ndarray:
    """Log-likelihood of simulated shares (D,) for a stated share or range of shares."""
    if not np.isnan(low) and not np.isnan(high):
        s = np.hypot(sigma, (high - low) / (2 * _Z90))
        return -0.5 * ((share - 0.5 * (low + high)) / s) ** 2 - np.log(s)
    if not np.isnan(low):
        return special.log_ndtr((share - low) / sigma)
    return special.log_ndtr((high - share) / sigma)


def target_loglik(t: Target, values: dict[str, np.ndarray]) -> np.ndarray:
    """Log-likelihood per draw of target ``t``; ``values[q]`` is (D, C) at ``t.month``."""
    num = values[t.quantity][:, t.mask].sum(axis=1)
    if t.kind == "share":
        den = values[t.denominator][:, t.mask].sum(axis=1)
        return share_loglik(num / np.maximum(den, 1), t.low, t.high, t.sigma)
    return count_loglik(num, t.low, t.high, t.sigma)


def simulated_value(t: Target, values: dict[str, np.ndarray]) -> np.ndarray:
    """The simulated quantity a target observes, per draw (a count or a share)."""
    num = values[t.quantity][:, t.mask].sum(axis=1).astype(float)
    if t.kind == "share":
        return num / np.maximum(values[t.denominator][:, t.mask].sum(axis=1), 1)
    return num
