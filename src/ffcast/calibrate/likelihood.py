"""Log-likelihood of simulated quantities under each target's observation model.

Counts: log-normal noise around the stated figure; a range [low, high] widens the noise by
its own width; "at least X" and "up to X" are one-sided (probit) constraints. A per-country
statement is read through the reporting model (:mod:`ffcast.scenario.reporting`): the
published figure is the latent count times its producer's bias, with its producer's noise,
both calibrated per particle. Shares: normal noise on the share. Every component is a pure
function of dense arrays.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ffcast.calibrate.targets import Target
from ffcast.results import reported

_Z90 = 1.6448536269514722


def count_loglik(x: np.ndarray, low: float, high: float, sigma: float | np.ndarray,
                 shift: float | np.ndarray = 0.0, weight: float = 1.0) -> np.ndarray:
    """Log-likelihood (up to a constant) of one statement given simulated counts ``x`` (D,).

    ``sigma`` (scalar or per draw) is the sd of the log noise; ``shift`` (scalar or per
    draw) the log of the reporting bias, added to the simulated log count. ``weight`` w
    tempers the statement (its log-density times w, a power likelihood): statements that
    repeat one another's evidence share one vote, and a calibrated noise keeps its meaning
    (the per-statement error), which inflating the noise to s / sqrt(w) would not.
    """
    x = np.asarray(x, dtype=float)
    lx = np.log(x + 1.0) + shift
    # A small simulated count is itself noisy: Poisson noise on the log scale, 1/sqrt(x+1).
    # Adding it keeps the likelihood of a handful of deaths from swinging with one
    # simulation's luck (the pseudo-marginal estimate's variance, which makes SMC sticky).
    count = 1.0 / np.sqrt(x + 1.0)
    if not np.isnan(low) and not np.isnan(high):
        centre = 0.5 * (np.log(low + 1.0) + np.log(high + 1.0))
        width = (np.log(high + 1.0) - np.log(low + 1.0)) / (2 * _Z90)
        s = np.sqrt(np.square(sigma) + width**2 + count**2)
        return weight * (-0.5 * ((lx - centre) / s) ** 2 - np.log(s))
    s = np.hypot(sigma, count)
    if not np.isnan(low):  # at least `low`
        return weight * special.log_ndtr((lx - np.log(low + 1.0)) / s)
    return weight * special.log_ndtr((np.log(high + 1.0) - lx) / s)  # up to `high`


def share_loglik(share: np.ndarray, low: float, high: float, sigma: float,
                 weight: float = 1.0) -> np.ndarray:
    """Log-likelihood of a stated share or range of shares given simulated shares (D,)
    (``weight`` as in :func:`count_loglik`)."""
    if not np.isnan(low) and not np.isnan(high):
        s = np.hypot(sigma, (high - low) / (2 * _Z90))
        return weight * (-0.5 * ((share - 0.5 * (low + high)) / s) ** 2 - np.log(s))
    if not np.isnan(low):
        return weight * special.log_ndtr((share - low) / sigma)
    return weight * special.log_ndtr((high - share) / sigma)


def bias_noise(t: Target, reporting_values: np.ndarray,
               scope: np.ndarray | float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per draw, the reporting bias and noise that read target ``t`` (a statement with a
    ``reporter`` kind): its kind's times its quantity's scope (deaths:
    :data:`ffcast.scenario.reporting.SCOPES`), and for a count of people who *travelled*
    the bias times ``scope`` (the parameter ``travelled_scope``: such counts take in people who
    never reached the theatre, in transit or turned back, whom the model's travellers,
    people arriving in Syria/Iraq, leave out)."""
    bias, noise = reported.bias_noise(reporting_values, t.reporter, t.base)
    if scope is not None and t.base == "cum_travelled":
        bias = bias * scope
    return bias, noise


def target_loglik(t: Target, values: dict[str, np.ndarray],
                  reporting_values: np.ndarray | None = None,
                  scope: np.ndarray | float | None = None) -> np.ndarray:
    """Log-likelihood per draw of target ``t`` (its weight included); ``values[q]`` is
    (D, C) at ``t.month``.

    ``reporting_values`` (D, :data:`ffcast.scenario.reporting.COMPONENTS`) gives each
    draw's reporting bias, noise and scopes; a target with a ``reporter`` kind uses them
    instead of its channel's fixed noise (see :func:`bias_noise` for ``scope``).
    """
    num = values[t.quantity][:, t.mask].sum(axis=1)
    if t.kind == "share":
        den = values[t.denominator][:, t.mask].sum(axis=1)
        return share_loglik(num / np.maximum(den, 1), t.low, t.high, t.sigma, t.weight)
    return count_target_loglik(t, num, reporting_values, scope)


def count_target_loglik(t: Target, num: np.ndarray,
                        reporting_values: np.ndarray | None = None,
                        scope: np.ndarray | float | None = None) -> np.ndarray:
    """Log-likelihood per draw of a count target ``t`` given its simulated count ``num``
    (D,): through the reporting model when ``t`` has a ``reporter`` kind (arguments as in
    :func:`target_loglik`), else with its channel's fixed noise."""
    if t.reporter and reporting_values is not None:
        bias, noise = bias_noise(t, reporting_values, scope)
        return count_loglik(num, t.low, t.high, noise, np.log(bias), t.weight)
    return count_loglik(num, t.low, t.high, t.sigma, weight=t.weight)


def simulated_value(t: Target, values: dict[str, np.ndarray]) -> np.ndarray:
    """The simulated quantity a target observes, per draw (a count or a share)."""
    num = values[t.quantity][:, t.mask].sum(axis=1).astype(float)
    if t.kind == "share":
        return num / np.maximum(values[t.denominator][:, t.mask].sum(axis=1), 1)
    return num
