"""What the data did not decide: which forecast numbers rest mostly on parameters that the
statements up to the cut-off did not narrow.

Warning first: this is a screening, not a variance decomposition. A component (a calibrated
uniform: a parameter per region, a country's travellers or effect, a pathway share, the
collapse timing, the reporting model) is *narrowed* when its posterior spread in normal
scores is at most :data:`NARROWED` of the prior's (the prior is a standard normal, so the
90% interval shrank by at least 25%); components the posterior does not hold (a parameter
added since, or a run on the priors) are not narrowed. For each forecast number, the squared
rank correlations across draws with every component that passes a significance screen
(``|r| > SIGNIFICANCE / sqrt(draws)``, 4 standard errors: about one chance in 15,000 for a
component with no effect, so the ~1,000 components of a run rarely give a spurious driver)
are summed within the narrowed and the open components; a number *rests mostly on what the
data did not decide* when the open sum is the larger and at least :data:`MIN_OPEN_SHARE` of
its rank variance. Correlated components are counted more than once, so read the sums as
weights for a ranking, not as shares that add to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ffcast.calibrate.smc import Block, read
from ffcast.engine import Latent, Prepared

NARROWED = 0.75  # posterior sd of the normal score / prior sd (1): a 25% narrower interval
MIN_OPEN_SHARE = 0.2
TOP = 3
SIGNIFICANCE = 4.0  # standard errors of a rank correlation under no effect (1 / sqrt(D))


@dataclass(frozen=True)
class Reliance:
    """How one forecast number depends on narrowed and open components."""

    narrowed: float  # summed squared rank correlations with narrowed components
    open: float  # ... with components the data did not narrow
    drivers: tuple[str, ...] = field(default=())  # the strongest open components, strongest first
    # The strongest components of either kind: (label, squared rank correlation, narrowed).
    strongest: tuple[tuple[str, float, bool], ...] = field(default=())

    @property
    def prior_driven(self) -> bool:
        return self.open > self.narrowed and self.open >= MIN_OPEN_SHARE


def narrowed(names: list[str], z: np.ndarray | None) -> dict[str, bool]:
    """Per component name, whether a posterior's particles ``z`` (N, K in ``names`` order)
    narrowed it (``None``: a prior run, nothing narrowed)."""
    if z is None or len(z) < 2:
        return dict.fromkeys(names, False)
    sd = np.asarray(z, dtype=float).std(axis=0)
    return {n: bool(s <= NARROWED) for n, s in zip(names, sd, strict=True)}


def rankdata(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) along ``axis``, as float; a slice
    holding a NaN is all NaN. The numbers of ``scipy.stats.rankdata(a, axis=axis)`` (its
    default method and NaN policy) without importing scipy.stats (~0.3 s)."""
    x = np.swapaxes(np.asarray(a), axis, -1)
    if x.size == 0:
        return np.swapaxes(np.empty(x.shape, dtype=float), axis, -1)
    n = x.shape[-1]
    order = np.argsort(x, axis=-1, kind="stable")
    y = np.take_along_axis(x, order, axis=-1)
    # the first of each run of equal sorted values (every slice starts a run)
    first = np.concatenate([np.ones((*x.shape[:-1], 1), dtype=bool), y[..., :-1] != y[..., 1:]],
                           axis=-1).ravel()
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=first.size)
    mean_rank = (starts % n + 1) + (counts - 1) / 2  # ordinal rank of the run's first + ...
    sorted_ranks = np.repeat(mean_rank, counts).reshape(x.shape)
    ranks = np.empty(x.shape, dtype=float)
    np.put_along_axis(ranks, order, sorted_ranks, axis=-1)
    if np.issubdtype(x.dtype, np.inexact):
        ranks[np.isnan(x).any(axis=-1)] = np.nan
    return np.swapaxes(ranks, axis, -1)


def label(name: str) -> str:
    """A component name as a reader sees it: ``param:exit_decision:maghreb`` ->
    ``exit_decision (maghreb)``."""
    kind, *rest = name.split(":")
    if kind == "param":
        return rest[0] if len(rest) == 1 else f"{rest[0]} ({rest[1]})"
    if kind == "pathways":
        from ffcast.scenario.priors import PATHWAYS

        return f"pathway share {PATHWAYS[int(rest[1])]} ({rest[0]})"
    return name.replace(":", " ")


def reliance(lat: Latent, prep: Prepared, outcomes: dict[str, np.ndarray],
             posterior_names: list[str] | None = None,
             posterior_z: np.ndarray | None = None) -> dict[str, Reliance]:
    """For each outcome (D,) of the draws whose uniforms are ``lat``, how much it rests on
    narrowed and on open components (see the module docstring)."""
    names = Block.for_run(prep).names
    u, names = read(lat, names, prep)
    z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    known = narrowed(posterior_names or [], posterior_z)
    is_narrowed = np.array([known.get(n, False) for n in names], dtype=bool)
    d = z.shape[0]
    out: dict[str, Reliance] = {}
    if d < 10 or z.shape[1] == 0:
        return out
    zr = rankdata(z, axis=0)
    zr = (zr - zr.mean(axis=0)) / np.maximum(zr.std(axis=0), 1e-12)
    cut = SIGNIFICANCE / np.sqrt(d)
    for key, y in outcomes.items():
        y = np.asarray(y, dtype=float)
        if y.shape != (d,) or np.ptp(y) == 0:
            out[key] = Reliance(0.0, 0.0)
            continue
        yr = rankdata(y)
        yr = (yr - yr.mean()) / yr.std()
        r = zr.T @ yr / d
        keep = np.abs(r) > cut
        r2 = np.where(keep, r * r, 0.0)
        order = np.argsort(-np.where(is_narrowed, 0.0, r2), kind="stable")
        drivers = tuple(label(names[i]) for i in order[:TOP] if r2[i] > 0 and not is_narrowed[i])
        top = np.argsort(-r2, kind="stable")[:TOP]
        strongest = tuple((label(names[i]), float(r2[i]), bool(is_narrowed[i]))
                          for i in top if r2[i] > 0)
        out[key] = Reliance(float(r2[is_narrowed].sum()), float(r2[~is_narrowed].sum()),
                            drivers, strongest)
    return out
