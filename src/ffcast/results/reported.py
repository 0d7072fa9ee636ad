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


def bias_noise(reporting_values: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's bias and noise sd (D,) for ``kind``, from the (D, 6) reporting values
    (:attr:`ffcast.engine.ChunkResult.reporting`)."""
    values = np.asarray(reporting_values, dtype=float)
    return (values[:, reporting.column("bias", kind)],
            values[:, reporting.column("noise", kind)])


def reported(latent: np.ndarray, reporting_values: np.ndarray, error: np.ndarray,
             kind: str) -> np.ndarray:
    """The figure ``kind`` would publish for counts ``latent`` (D, ..., C), float64.

    ``error`` (D, C) are the draws' reporting errors (:func:`reporting_error`); bias and
    noise come from ``reporting_values`` (D, 6). Whole numbers in [0, 2**31 - 1]: rounded,
    never negative, capped at the int32 maximum (a figure far beyond any country's
    travellers, reached only by absurd reporting parameters).
    """
    latent = np.asarray(latent)
    bias, noise = bias_noise(reporting_values, kind)
    shape = (len(bias),) + (1,) * (latent.ndim - 1)
    err = np.asarray(error, dtype=float).reshape(
        (len(bias),) + (1,) * (latent.ndim - 2) + (np.shape(error)[-1],))
    with np.errstate(over="ignore"):
        out = reporting.published(latent, bias.reshape(shape), noise.reshape(shape), err)
    return np.minimum(out, INT32_MAX)
