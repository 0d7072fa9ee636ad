"""PRIM (Friedman & Fisher 1999): find boxes in factor space where an outcome of interest is
concentrated, by peeling.

Warning first: this is peeling only, without the pasting step of the original algorithm. A
box is a description of *these* sample points: with few points a dimension can be restricted
by chance, so check that a box keeps its density on a fresh sample before quoting it. The
chosen box carries a quasi-p-value per restricted dimension (Bryant & Lempert 2010;
ema_workbench computes it as a one-sided binomial test, here its exact form,
:func:`quasi_p`): the one-sided hypergeometric chance that the box would hold at least its
cases if that dimension's restriction were dropped and the box's points drawn at random
from the larger box. It is *not* corrected for the search that chose the limits on the same
points, so it is optimistic: a large value says the restriction is not needed, a small one
is no proof that it is. ``coverage`` is the share of all
cases of interest that fall in the box, ``density`` the share of points in the box that are
cases of interest, ``mass`` the share of all points in the box.

Peeling: at every step, for every dimension, try removing the ``alpha`` share of the points
still in the box with the lowest values, and the ``alpha`` share with the highest; keep the
single peel that leaves the highest density; stop before the box holds less than ``min_mass``
of the points. The trajectory of boxes trades coverage for density; :func:`prim` returns the
densest box that still covers ``min_coverage`` of the cases (ties: the larger box).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ffcast.errors import FFCastError


@dataclass(frozen=True)
class PrimBox:
    """One box: ``limits`` ``(k, 2)`` and its statistics on the sample it was found on."""

    names: tuple[str, ...]
    limits: np.ndarray
    bounds: np.ndarray
    coverage: float
    density: float
    mass: float
    cases: int  # cases of interest inside the box
    # Per restricted dimension, its quasi-p-value (:func:`quasi_p`; the chosen box only).
    quasi_p: dict[str, float] = field(default_factory=dict)

    def restricted(self) -> list[str]:
        """Names of the dimensions the box restricts (limits inside the bounds)."""
        inner = (self.limits[:, 0] > self.bounds[:, 0]) | (self.limits[:, 1] < self.bounds[:, 1])
        return [n for n, r in zip(self.names, inner, strict=True) if r]

    def to_dict(self) -> dict:
        """JSON-ready: statistics and the limits of every dimension (restricted flagged,
        with its quasi-p-value when computed, else None)."""
        restricted = set(self.restricted())
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass,
                "cases": self.cases,
                "limits": {n: {"low": float(lo), "high": float(hi), "restricted": n in restricted,
                               "quasi_p": self.quasi_p.get(n)}
                           for n, (lo, hi) in zip(self.names, self.limits, strict=True)}}


def peel(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         bounds: np.ndarray | None = None, names: Sequence[str] | None = None
         ) -> list[PrimBox]:
    """The peeling trajectory (first box: everything) of ``x`` ``(n, k)`` for boolean ``y``.

    Raises :class:`FFCastError` for mismatched shapes, ``alpha`` outside (0, 0.5), or no case
    of interest at all.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise FFCastError(f"PRIM: x must be (n, k) and y (n,), got {x.shape} and {y.shape}")
    if not 0 < alpha < 0.5:
        raise FFCastError(f"PRIM: alpha {alpha:g} must be between 0 and 0.5")
    if not y.any():
        raise FFCastError("PRIM: no sample point is a case of interest; lower the threshold")
    n, k = x.shape
    names = tuple(names) if names is not None else tuple(f"x{j + 1}" for j in range(k))
    b = (np.asarray(bounds, dtype=float) if bounds is not None
         else np.column_stack([x.min(0), x.max(0)]))
    limits = b.copy()
    inside = np.ones(n, dtype=bool)

    def box() -> PrimBox:
        hit = int(y[inside].sum())
        return PrimBox(names, limits.copy(), b, hit / int(y.sum()),
                       hit / max(int(inside.sum()), 1), float(inside.mean()), hit)

    trajectory = [box()]
    while True:
        best: tuple[float, int, int, float, np.ndarray] | None = None
        for j in range(k):
            xj = x[inside, j]
            for side, q in ((0, np.quantile(xj, alpha)), (1, np.quantile(xj, 1 - alpha))):
                keep = inside & (x[:, j] >= q if side == 0 else x[:, j] <= q)
                if keep.sum() == inside.sum() or keep.sum() < min_mass * n:
                    continue  # peels nothing (ties) or leaves too small a box
                density = float(y[keep].mean())
                if best is None or density > best[0]:
                    best = (density, j, side, float(q), keep)
        if best is None:
            return trajectory
        _, j, side, q, inside = best
        limits[j, side] = q
        trajectory.append(box())


def prim(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5, bounds: np.ndarray | None = None,
         names: Sequence[str] | None = None) -> tuple[PrimBox, list[PrimBox]]:
    """The chosen box (with :attr:`PrimBox.quasi_p` of its restricted dimensions) and the
    whole trajectory (see the module docstring for the rule)."""
    trajectory = peel(x, y, alpha, min_mass, bounds, names)
    eligible = [bx for bx in trajectory if bx.coverage >= min_coverage] or trajectory[:1]
    best = max(eligible, key=lambda bx: (round(bx.density, 12), bx.coverage))
    return replace(best, quasi_p=quasi_p(best, x, y)), trajectory


def inside(x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Which rows of ``x`` lie in the box ``limits`` (limits included, as peeling keeps)."""
    x = np.asarray(x, dtype=float)
    return np.all((x >= limits[:, 0]) & (x <= limits[:, 1]), axis=1)


def quasi_p(box: PrimBox, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The quasi-p-value (Bryant & Lempert 2010; ema_workbench's one-sided binomial test in
    its exact, hypergeometric form) of each dimension ``box`` restricts, on the points it
    was found on: with that restriction dropped the larger box holds ``T`` points of which
    ``H`` are cases; the chance that ``box``'s points, drawn at random from those ``T``,
    hold at least its cases is ``hypergeom.sf(cases - 1, T, H, points in box)``. Not
    corrected for the search that chose the limits (see the module docstring)."""
    from scipy.stats import hypergeom

    y = np.asarray(y, dtype=bool)
    n_box = int(inside(x, box.limits).sum())
    out = {}
    for j, name in enumerate(box.names):
        if name not in box.restricted():
            continue
        wider = box.limits.copy()
        wider[j] = box.bounds[j]
        keep = inside(x, wider)
        out[name] = float(hypergeom.sf(box.cases - 1, int(keep.sum()), int(y[keep].sum()),
                                       n_box))
    return out


def whole_steps(box: PrimBox, dims: Sequence[int]) -> PrimBox:
    """``box`` with the limits of ``dims`` (found on values rounded to whole numbers, such
    as whole months) widened to ``k - 0.5 .. m + 0.5`` within the bounds: the values that
    round to ``k .. m``, so on the rounded points the box holds the same points."""
    limits = box.limits.copy()
    for j in dims:
        lo, hi = limits[j]
        limits[j] = (max(np.ceil(lo) - 0.5, box.bounds[j, 0]),
                     min(np.floor(hi) + 0.5, box.bounds[j, 1]))
    return replace(box, limits=limits)
