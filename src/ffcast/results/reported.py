"""What an authority would publish: the model's count read through the reporting model.

Warning first: a *reported* figure is a predictive distribution of a published number, not
the model's count. It is ``latent x bias_k x exp(noise_k x e)``, rounded to whole people,
with ``bias_k`` and ``noise_k`` the draw's reporting bias and noise for the producer kind
``k`` (:mod:`ffcast.scenario.reporting`, calibrated with everything else) and ``e`` a
standard normal. Compare it with published figures; read the latent count for what happened.

The reporting error ``e`` is **persistent**: one value per (draw, country, quantity, kind),
the same in every month. An authority's count is off for reasons that last (who it counts,
which files it can see), so a country's reported series is the latent series scaled by one
factor, and a cumulative count stays non-decreasing, as published cumulative counts do. A
fresh error per month would make the published count of one authority jump up and down
around the latent one and understate how far a whole series can be off. Scores of single
statements (CRPS, coverage, PIT) read one month at a time and do not depend on the choice.

Every ``e`` comes from the ``observation_noise`` stream (:mod:`ffcast.engine.rng`) at a slot
given by the country's stable code and the (quantity, kind) channel: a pure function of
(seed, draw, country, quantity, kind), so it does not depend on chunking, months recorded or
which other countries run.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ffcast.engine.rng import uniforms
from ffcast.results.quantities import KILLED, RETURNED, WAR_ZONE, Quantity
from ffcast.scenario import reporting

STREAM = "observation_noise"
#: Published per-country figures the reporting model reads, by results/observation name.
#: ``in_theatre`` statements ("still in Syria/Iraq") count everyone in the war zone.
REPORTED: dict[str, Quantity] = {"cumulative_returned": RETURNED, "killed": KILLED,
                                 "in_theatre": WAR_ZONE}
_CHANNELS: tuple[tuple[str, str], ...] = tuple((q, k) for q in REPORTED
                                               for k in reporting.KINDS)
INT32_MAX = int(np.iinfo(np.int32).max)


def channel(quantity: str, kind: str) -> int:
    """Index of the (quantity, kind) channel of the reporting error.

    Raises :class:`KeyError` naming the valid quantities or kinds.
    """
    if quantity not in REPORTED:
        raise KeyError(f"quantity: {quantity!r} is not reported; valid: {', '.join(REPORTED)}")
    if kind not in reporting.KINDS:
        raise KeyError(f"kind: {kind!r} is not a producer kind; valid: "
                       f"{', '.join(reporting.KINDS)}")
    return _CHANNELS.index((quantity, kind))


def reporting_error(seed: int, draws: np.ndarray, codes: np.ndarray, quantity: str,
                    kind: str) -> np.ndarray:
    """The persistent reporting errors ``e`` (D, C), standard normal, of ``draws`` and the
    countries with stable ``codes`` (:attr:`ffcast.engine.Prepared.codes`)."""
    slots = np.asarray(codes, dtype=np.int64) * len(_CHANNELS) + channel(quantity, kind)
    u = uniforms(seed, np.asarray(draws, dtype=np.int64), STREAM, slots)
    return special.ndtri(u)


def bias_noise(reporting_values: np.ndarray, kind: str,
               quantity: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Each draw's bias and noise sd (D,) for ``kind`` publishing ``quantity`` (a
    calibration quantity such as ``killed``; ``""`` or one without a scope: the kind's
    bias alone), from the (D, len(COMPONENTS)) reporting values
    (:attr:`ffcast.engine.ChunkResult.reporting`)."""
    values = np.asarray(reporting_values, dtype=float)
    bias = values[:, reporting.column("bias", kind)]
    if quantity in reporting.SCOPES:
        bias = bias * values[:, reporting.column("scope", quantity)]
    return bias, values[:, reporting.column("noise", kind)]


def reported(latent: np.ndarray, reporting_values: np.ndarray, error: np.ndarray,
             kind: str, quantity: str = "") -> np.ndarray:
    """The figure ``kind`` would publish of ``quantity`` for counts ``latent`` (D, ..., C),
    float64.

    ``error`` (D, C) are the draws' reporting errors (:func:`reporting_error`); bias and
    noise come from ``reporting_values`` (D, len(COMPONENTS)) (:func:`bias_noise`). Whole
    numbers in [0, 2**31 - 1]: rounded,
    never negative, capped at the int32 maximum (a figure far beyond any country's
    travellers, reached only by absurd reporting parameters).
    """
    latent = np.asarray(latent)
    bias, noise = bias_noise(reporting_values, kind, _scope_quantity(quantity))
    shape = (len(bias),) + (1,) * (latent.ndim - 1)
    err = np.asarray(error, dtype=float).reshape(
        (len(bias),) + (1,) * (latent.ndim - 2) + (np.shape(error)[-1],))
    with np.errstate(over="ignore"):
        out = reporting.published(latent, bias.reshape(shape), noise.reshape(shape), err)
    return np.minimum(out, INT32_MAX)


def _scope_quantity(name: str) -> str:
    """The calibration quantity (the key of :data:`ffcast.scenario.reporting.SCOPES`) of a
    results/observation name such as ``killed`` or ``cumulative_returned``."""
    return REPORTED[name].name if name in REPORTED else name


#: Judgement, what the estimate of :func:`persistence_of_error` is shrunk towards: the
#: shares of a published figure's log-scale reporting error that persist across a country's
#: statements of every quantity (how it counts people at all) and across its statements of
#: one quantity (how it counts that quantity).
ERROR_PERSISTENCE_DEFAULT = (0.3, 0.4)
#: The judgement's weight, in pairs of statements (ordered, as counted): a moment estimate
#: from n pairs gets ``n / (n + PERSISTENCE_PRIOR_PAIRS)`` of the say (ten pairs' worth of
#: doubt, as a travel pace's, :data:`ffcast.engine.prepared.PACE_PRIOR_PAIRS`; ADR 0032).
PERSISTENCE_PRIOR_PAIRS = 10
MAX_PERSISTENCE = 0.95


_Z90 = 1.6448536269514722  # the standard normal's 95th percentile


def residuals(published: np.ndarray, latent: np.ndarray, reporting_values: np.ndarray,
              kind: str, quantity: str = "", low: np.ndarray | float | None = None,
              high: np.ndarray | float | None = None) -> np.ndarray:
    """Standardised reporting errors of published figures (..., D) given the draws' latent
    counts (..., D): ``(log(published + 1) - log(latent x bias + 1)) / s`` with the draws'
    bias and noise for ``kind`` publishing ``quantity``, and ``s`` the scale calibration
    reads the same statement with (:func:`ffcast.calibrate.likelihood.count_loglik`): the
    noise, a small count's own Poisson noise ``1 / sqrt(latent + 1)`` and, for a stated
    range ``low``-``high`` (..., 1), its width. A count of 0 against a published 20 read
    10 noise-sds before (an anchored error multiplying the next figure by 8; review,
    2026-12-07); most of that gap is the small count's chance, not the producer's
    persistent error, and calibration never read it otherwise."""
    bias, noise = bias_noise(reporting_values, kind, _scope_quantity(quantity))
    latent = np.asarray(latent, dtype=float)
    var = np.square(noise) + 1.0 / (latent + 1.0)
    if low is not None and high is not None:
        lo = np.asarray(low, dtype=float)
        hi = np.asarray(high, dtype=float)
        ranged = np.isfinite(lo) & np.isfinite(hi)
        width = np.where(ranged, (np.log(np.where(ranged, hi, 0.0) + 1.0)
                                  - np.log(np.where(ranged, lo, 0.0) + 1.0)) / (2 * _Z90), 0.0)
        var = var + np.square(width)
    return (np.log(np.asarray(published, dtype=float) + 1.0)
            - np.log(latent * bias + 1.0)) / np.sqrt(var)


def persistence_of_error(countries: list[tuple[np.ndarray, np.ndarray]]
                         ) -> tuple[tuple[float, float], int]:
    """The persistent shares ``(rho_country, rho_channel)`` of the reporting error,
    estimated by moments from each country's statement residuals at the posterior (a list
    of ``(residuals (n,), quantity labels (n,))``, one per country): the mean product of two
    residuals of one country and different quantities over the mean square is
    ``rho_country``; of one country and the same quantity, ``rho_country + rho_channel``.
    Each moment is shrunk towards the judgement (:data:`ERROR_PERSISTENCE_DEFAULT`) in
    proportion to the pairs it rests on (``n / (n + PERSISTENCE_PRIOR_PAIRS)``: no pair,
    the judgement; thousands, the data), then both are clipped to [0, MAX_PERSISTENCE] with
    their sum at most MAX_PERSISTENCE. Returns them and the pairs used. (It used to switch
    from the judgement to the raw moment at ten pairs: twelve pairs with a slightly negative
    mean product then read no persistence at all; ADR 0032.)"""
    cross = {True: 0.0, False: 0.0}
    pairs = {True: 0, False: 0}
    square, n = 0.0, 0
    for r, q in countries:
        r, q = np.asarray(r, dtype=float), np.asarray(q)
        ok = np.isfinite(r)
        r, q = r[ok], q[ok]
        square += float((r**2).sum())
        n += r.size
        prod = np.outer(r, r)
        same = q[:, None] == q[None, :]
        off = ~np.eye(r.size, dtype=bool)
        for flag in (True, False):
            sel = off & (same == flag)
            cross[flag] += float(prod[sel].sum())
            pairs[flag] += int(sel.sum())
    scale = square / n if n and square > 0 else 0.0
    c_default, q_default = ERROR_PERSISTENCE_DEFAULT

    def shrunk(same: bool, judgement: float) -> float:
        m = pairs[same] if scale else 0
        moment = cross[same] / m / scale if m else judgement
        return (m * moment + PERSISTENCE_PRIOR_PAIRS * judgement) / (m + PERSISTENCE_PRIOR_PAIRS)

    both, same_q = shrunk(False, c_default), shrunk(True, c_default + q_default)
    rho_c = float(np.clip(both, 0.0, MAX_PERSISTENCE))
    rho_q = float(np.clip(same_q - rho_c, 0.0, MAX_PERSISTENCE - rho_c))
    return (rho_c, rho_q), pairs[True] + pairs[False]


def anchored_error(past: np.ndarray, quantities: np.ndarray, quantity: str,
                   rho: tuple[float, float], error: np.ndarray) -> np.ndarray:
    """The reporting error of a new statement of ``quantity`` (D,) given the standardised
    errors ``past`` (n, D) of its country's earlier statements of ``quantities`` (n,)
    (none: ``error`` itself).

    Errors are jointly standard normal with correlation ``rho_country`` between two
    statements of one country, plus ``rho_channel`` when they are of the same quantity
    (``rho``). The new error is the conditional mean ``w . past`` plus the conditional sd
    ``sqrt(1 - k . w)`` times ``error``, the draw's own standard normal, with ``k`` the
    covariances with the past statements, ``K`` theirs, and ``w = K^-1 k`` (the same for
    every draw).
    """
    error = np.asarray(error, dtype=float)
    past = np.asarray(past, dtype=float).reshape(-1, error.shape[0])
    quantities = np.asarray(quantities).reshape(-1)
    if past.shape[0] == 0:
        return error
    rho_c = float(np.clip(rho[0], 0.0, MAX_PERSISTENCE))
    rho_q = float(np.clip(rho[1], 0.0, MAX_PERSISTENCE - rho_c))
    k = rho_c + rho_q * (quantities == quantity)
    cov = rho_c + rho_q * (quantities[:, None] == quantities[None, :])
    np.fill_diagonal(cov, 1.0)
    w = np.linalg.solve(cov, k)
    var = max(1.0 - float(k @ w), 1e-9)
    mean = w @ past
    # A draw without a finite residual (none today: anchors are > 0, counts finite) keeps
    # its unconditional error rather than a conditional spread around 0.
    return np.where(np.isfinite(mean), mean + np.sqrt(var) * error, error)


def anchored_errors(values: np.ndarray, latent: np.ndarray, iso3: np.ndarray,
                    quantities: np.ndarray, kinds: np.ndarray, reporting_values: np.ndarray,
                    targets: list[tuple[str, str]], errors: np.ndarray,
                    lows: np.ndarray | None = None, highs: np.ndarray | None = None
                    ) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The reporting errors (M, D) of new figures ``targets`` (``(iso3, quantity)``, M of
    them) given the statements a country published before: ``values`` (N,) of ``iso3``,
    ``quantities`` (results names) and producer ``kinds`` (N,), with the draws' latent counts
    at them ``latent`` (N, D) and reporting values (D, K); ``errors`` (M, D) are the draws'
    own standard normal errors (what a target gets with no statement of its country);
    ``lows``/``highs`` (N,) the statements' stated ranges, if any (NaN: a single figure).

    The statements' standardised errors under each draw (:func:`residuals`) give the
    persistent shares (:func:`persistence_of_error`, from each statement's median over the
    draws) and condition each target's error (:func:`anchored_error`). Returns the errors
    and the shares (None with no statement).
    """
    values = np.asarray(values, dtype=float)
    iso3, quantities, kinds = (np.asarray(a) for a in (iso3, quantities, kinds))
    nan = np.full(len(values), np.nan)
    lows = nan if lows is None else np.asarray(lows, dtype=float)
    highs = nan if highs is None else np.asarray(highs, dtype=float)
    past = np.empty((len(values), np.shape(errors)[1]))
    for kind, quantity in sorted(set(zip(kinds, quantities, strict=True))):
        at = (kinds == kind) & (quantities == quantity)
        past[at] = residuals(values[at, None], latent[at], reporting_values, kind, quantity,
                             lows[at, None], highs[at, None])
    by_country = {c: np.flatnonzero(iso3 == c) for c in dict.fromkeys(iso3)}
    rho, _ = persistence_of_error([(np.median(past[i], axis=1), quantities[i])
                                   for i in by_country.values()])
    out = np.array(errors, dtype=float, copy=True)
    none = np.array([], dtype=int)
    for j, (country, quantity) in enumerate(targets):
        idx = by_country.get(country, none)
        out[j] = anchored_error(past[idx], quantities[idx], quantity, rho, out[j])
    return out, (rho if len(values) else None)
