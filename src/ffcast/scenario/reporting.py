"""The reporting model's priors: what an authority publishes is not the model's latent count.

Warning first: a published per-country figure is modelled as ``latent x bias_k x scope_q x
exp(noise_k * e)``, with ``e`` standard normal, ``k`` the kind of the source that
produced the estimate and ``scope_q`` a multiplier for the quantity published (deaths:
:data:`SCOPES`; 1 for the others), shared by every kind. Kinds: ``official`` (a national
authority, agency or the UN: people identified and processed; minors and people never
identified are often left out), ``research`` (a think-tank or academic compilation of
official and open-source figures) or ``press`` (a journalist's figure with no named
producer). Bias and noise per kind and the scopes are calibrated with everything else
(their priors below are judgement, set before looking at any figure published after 2016),
so a forecast of what France *will publish* carries France's reporting habits as well as
the model's uncertainty about the latent count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

KINDS: tuple[str, ...] = ("official", "research", "press")


@dataclass(frozen=True)
class ReportingPrior:
    """Log-normal priors of one kind's multiplicative bias and log-scale noise."""

    kind: str
    bias_median: float
    bias_sd_log: float
    noise_median: float
    noise_sd_log: float
    source: str


PRIORS: Mapping[str, ReportingPrior] = {
    "official": ReportingPrior(
        "official", 0.85, 0.3, 0.25, 0.4,
        "judgement: authorities count people identified and processed (FACTS.md caveat 1); "
        "some returnees are never identified, some counts leave out minors"),
    "research": ReportingPrior(
        "research", 1.0, 0.3, 0.3, 0.4,
        "judgement: compilations mix official and open-source counts, some net of deaths "
        "or returns, some not (TSG2015 methodology note)"),
    "press": ReportingPrior(
        "press", 1.0, 0.4, 0.4, 0.4,
        "judgement: unattributed press figures are rounded and often out of date"),
}


@dataclass(frozen=True)
class ScopePrior:
    """Log-normal prior of one quantity's multiplier on every producer's bias."""

    quantity: str
    median: float
    sd_log: float
    source: str


#: Multipliers of the bias per *quantity* published (the same for every kind of producer):
#: what a published count of that quantity takes in beyond the model's latent count.
SCOPES: Mapping[str, ScopePrior] = {
    "killed": ScopePrior(
        "killed", 1.0, 0.3,
        "judgement: a published death toll counts people *presumed* dead (a family told by "
        "phone, a martyrdom notice, a silence) with the confirmed ones, and authorities "
        "rarely take a name off; others count only confirmed deaths. Centred on 1 (no "
        "direction known before the data), 90% 0.61-1.64: the statements decide. Without "
        "it one bias per kind is pulled between quantities (ADR 0019)"),
}
COMPONENTS: tuple[str, ...] = (tuple(f"reporting:{part}:{k}" for k in KINDS
                                     for part in ("bias", "noise"))
                               + tuple(f"reporting:scope:{q}" for q in SCOPES))


def column(part: str, kind: str) -> int:
    """Position of ``part`` (``bias`` or ``noise``) of ``kind``, or of ``scope`` of a
    quantity, in :data:`COMPONENTS`."""
    return COMPONENTS.index(f"reporting:{part}:{kind}")


def sample_array(u: np.ndarray) -> np.ndarray:
    """Bias and noise per kind and the scope multipliers (N, len(COMPONENTS)), in
    :data:`COMPONENTS` order, from uniforms of the same shape."""
    values = sample(u)
    return np.stack([values[c.removeprefix("reporting:")] for c in COMPONENTS], axis=1)


def sample(u: np.ndarray) -> dict[str, np.ndarray]:
    """Bias and noise per kind and scope per quantity from uniforms ``u`` (N,
    len(COMPONENTS)) in COMPONENTS order.

    Returns ``{"bias:<kind>": (N,), "noise:<kind>": (N,), "scope:<quantity>": (N,)}``.
    """
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    z = special.ndtri(u)
    out = {}
    for i, k in enumerate(KINDS):
        p = PRIORS[k]
        out[f"bias:{k}"] = p.bias_median * np.exp(p.bias_sd_log * z[:, 2 * i])
        out[f"noise:{k}"] = p.noise_median * np.exp(p.noise_sd_log * z[:, 2 * i + 1])
    for j, (q, s) in enumerate(SCOPES.items()):
        out[f"scope:{q}"] = s.median * np.exp(s.sd_log * z[:, 2 * len(KINDS) + j])
    return out


def published(latent: np.ndarray, bias: np.ndarray, noise: np.ndarray,
              e: np.ndarray) -> np.ndarray:
    """The figure an authority would publish: ``round(latent x bias x exp(noise x e))``,
    never negative (a latent 0 is published as 0). Shapes broadcast."""
    out = np.asarray(latent, dtype=float) * bias * np.exp(noise * e)
    return np.round(np.maximum(out, 0.0))
