"""What the data did not decide: which forecast numbers rest mostly on parameters that the
statements up to the cut-off did not narrow.

Warning first: this is a screening, not a variance decomposition of the model. A component
(a calibrated uniform: a parameter per region, a country's travellers or effect, a pathway
share, the collapse timing, the reporting model) is *narrowed* when the posterior's 90%
interval in normal scores is at most :data:`NARROWED` of the prior's (the prior is a
standard normal, so the 90% interval shrank by at least 25%; :func:`narrowing`, the same
rule as ``ffcast calibrate``'s table); components the posterior does not hold (a parameter
added since, or a run on the priors) are not narrowed. For each forecast number the
components are chosen by forward selection on rank correlations across draws: the strongest
first, then each next one by its partial correlation given those chosen, as long as it
passes a significance screen (``|r| > SIGNIFICANCE / sqrt(draws)``, 4 standard errors);
each chosen component is credited with the share of the number's rank variance it adds
(incremental R²), summed within the narrowed and the open components. A posterior's
particles are correlated with each other, so a plain correlation screen named stand-ins
(review, 2026-12-07: "interdiction_home (sub_saharan_africa)" as a driver of attacks in the
West, correlated -0.41 with ``ops_attrition`` in the picked draws); conditioning on the
stronger components first removes most of them, though a component chosen may still stand
in for an unmodelled mix of others. A number *rests mostly on what the data did not
decide* when the open share is the larger and at least :data:`MIN_OPEN_SHARE`; it is
*undetermined* when the components chosen explain less than :data:`MIN_OPEN_SHARE` of it in
all (chance, or many small effects, dominate at this number of draws): neither the priors'
reading nor the record's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ffcast.calibrate.smc import Block, read
from ffcast.engine import Latent, Prepared

NARROWED = 0.75  # posterior 90% width of the normal score / the prior's: 25% narrower
MIN_OPEN_SHARE = 0.2
TOP = 3
SIGNIFICANCE = 4.0  # standard errors of a rank correlation under no effect (1 / sqrt(D))
MAX_CHOSEN = 12  # forward-selection steps per number
_PRIOR_WIDTH = 2 * 1.6448536269514722  # the standard normal's 90% interval


@dataclass(frozen=True)
class Reliance:
    """How one forecast number depends on narrowed and open components."""

    narrowed: float  # share of the rank variance added by narrowed components chosen
    open: float  # ... by components the data did not narrow
    drivers: tuple[str, ...] = field(default=())  # the strongest open components, strongest first
    # The components chosen, in order: (label, share of rank variance added, narrowed).
    strongest: tuple[tuple[str, float, bool], ...] = field(default=())
    varies: bool = True  # False: the number is the same in every draw (nothing to explain)

    @property
    def prior_driven(self) -> bool:
        return self.open > self.narrowed and self.open >= MIN_OPEN_SHARE

    @property
    def undetermined(self) -> bool:
        """The components chosen explain less than MIN_OPEN_SHARE of the number: neither
        the priors' reading nor the record's (chance dominates at this many draws)."""
        return self.varies and self.narrowed + self.open < MIN_OPEN_SHARE


def narrowing(z: np.ndarray) -> np.ndarray:
    """Per column of a posterior's particles ``z`` (N, K; normal scores of the prior's
    uniforms), 1 - its 90% interval's width / the standard normal's: how much the data
    narrowed the prior, on the scale the prior is a standard normal on (a log-normal's log
    scale), so an interval that only moved is not counted as narrowed."""
    q5, q95 = np.percentile(np.asarray(z, dtype=float), [5, 95], axis=0)
    return 1.0 - (q95 - q5) / _PRIOR_WIDTH


def narrowed(names: list[str], z: np.ndarray | None) -> dict[str, bool]:
    """Per component name, whether a posterior's particles ``z`` (N, K in ``names`` order)
    narrowed its 90% interval to at most NARROWED of the prior's (``None``: a prior run,
    nothing narrowed)."""
    if z is None or len(z) < 2:
        return dict.fromkeys(names, False)
    shrunk = narrowing(z)
    return {n: bool(1.0 - s <= NARROWED) for n, s in zip(names, shrunk, strict=True)}


def forward(zr: np.ndarray, yr: np.ndarray, steps: int = MAX_CHOSEN
            ) -> list[tuple[int, float]]:
    """Forward selection on standardised ranks ``zr`` (D, K) for ``yr`` (D,): the columns
    chosen in order, each with the share of ``yr``'s variance it adds given those before it
    (incremental R²), while its partial correlation passes ``SIGNIFICANCE / sqrt(D - s)``."""
    d, k = zr.shape
    y = yr - yr.mean()
    total = float(y @ y)
    if total <= 0:
        return []
    norms2 = (zr * zr).sum(axis=0)
    proj2 = np.zeros(k)  # squared length of each column's part in the chosen span
    basis: list[np.ndarray] = []
    free = np.ones(k, dtype=bool)
    out: list[tuple[int, float]] = []
    left = 1.0
    for s in range(min(steps, k, d - 2)):
        res2 = np.maximum(norms2 - proj2, 0.0)
        ok = free & (res2 > 1e-9 * np.maximum(norms2, 1e-300))
        yy = float(y @ y)
        if yy <= 1e-12 * total or not ok.any():
            break
        num = y @ zr  # every column at once: no copy of the selected columns
        r = np.where(ok, num / np.sqrt(np.where(ok, res2, 1.0) * yy), 0.0)
        j = int(np.argmax(np.abs(r)))
        if not abs(r[j]) > SIGNIFICANCE / np.sqrt(d - s):
            break
        gain = r[j] ** 2 * left
        out.append((j, float(gain)))
        left -= gain
        v = zr[:, j].astype(float).copy()
        for b in basis:
            v -= b * (b @ v)
        v /= np.linalg.norm(v)
        basis.append(v)
        y = y - v * (v @ y)
        proj2 += (v @ zr) ** 2
        free[j] = False
    return out


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
    for key, y in outcomes.items():
        y = np.asarray(y, dtype=float)
        if y.shape != (d,) or np.ptp(y) == 0:
            out[key] = Reliance(0.0, 0.0, varies=bool(y.shape != (d,)))
            continue
        yr = rankdata(y)
        chosen = forward(zr, (yr - yr.mean()) / yr.std())
        gains = np.zeros(z.shape[1])
        for j, g in chosen:
            gains[j] = g
        drivers = tuple(label(names[j]) for j, _ in chosen if not is_narrowed[j])[:TOP]
        strongest = tuple((label(names[j]), g, bool(is_narrowed[j])) for j, g in chosen[:TOP])
        out[key] = Reliance(float(gains[is_narrowed].sum()), float(gains[~is_narrowed].sum()),
                            drivers, strongest)
    return out
