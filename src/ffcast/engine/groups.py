"""Men, women and minors: each origin simulated as three engine rows (issue 22, ADR 0020).

Warning first: the engine knows nothing of groups but the row layout (row = origin x
N_GROUPS + group, :data:`ffcast.engine.layout.GROUPS`) and births (minors born to the women
of the same origin). Everything that makes the groups differ lives here, once:

- **shares**: each origin's travellers split into men, women and minors by its region's
  shares, drawn from the Beta priors of :func:`ffcast.data.group_priors` *at the run's
  cut-off* (statements published by then; women as a share of the adults, minors of
  everyone), one draw per region;
- **births**: a rate per woman in theatre and year, from the same priors;
- **hazards**: the women's and minors' parameters are the men's times the group multipliers
  of :mod:`ffcast.scenario.priors` (``women_combat_death``, ``women_return``, ...); minors
  are never dispatched and never prosecuted (child protection: the ``in_rehabilitation``
  stock);
- **levers**: a scenario's ``policy.groups`` names the groups its levers apply to.

A draw's groups are a pure function of (scenario, seed, draw) or of the ``groups`` latent
uniforms a caller passes (calibration particles), like every other parameter.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import special

from ffcast import data
from ffcast.data.schema import GROUP_SCOPES
from ffcast.engine import layout as L
from ffcast.scenario.priors import PARAM_INDEX, REGIONS

GROUPS = L.GROUPS
N_GROUPS = L.N_GROUPS
#: The latent uniforms of the groups per draw: women's share of the adults per region, the
#: minors' share of everyone per region, then births (one per draw).
N_GROUP_LATENT = 2 * len(REGIONS) + 1
GROUP_LATENT_SLOT = 30_000  # slots of the "params" stream (params 0.., pathways 10,000..)

_DEATHS = ("death_base", "death_collapse", "insurgent_death", "other_group_death",
           "relocated_death")
_RETURNS = ("early_return", "insurgent_return", "other_group_return", "relocated_return")
_PLOTS = ("plot_rate_undetected", "plot_rate_reengaged", "plot_rate_relocated",
          "plot_rate_dispatched")
_RETURN_PATH, _DISPATCH_PATH = 0, 4


def latent_names() -> list[str]:
    """The names of the group latent components, in :data:`N_GROUP_LATENT` order."""
    return ([f"group:women:{r}" for r in REGIONS] + [f"group:minors:{r}" for r in REGIONS]
            + ["group:births"])


@functools.cache
def _beta_shapes(cutoff: str) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(women (R, 2), minors (R, 2), births alpha, births beta) Beta shapes at ``cutoff``."""
    pri = data.group_priors(cutoff)
    by = pri.set_index(["region", "group"])
    women = np.array([[by.loc[(r, "women"), "alpha"], by.loc[(r, "women"), "beta"]]
                      for r in REGIONS], dtype=float)
    minors = np.array([[by.loc[(r, "minors"), "alpha"], by.loc[(r, "minors"), "beta"]]
                       for r in REGIONS], dtype=float)
    b = by.loc[("all", "births")]
    return women, minors, float(b["alpha"]), float(b["beta"])


def sample_groups(cutoff: str, region_index: np.ndarray,
                  u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group shares (D, C, N_GROUPS) of each origin's travellers and births per woman in
    theatre and year (D,), from the latent uniforms ``u`` (D, N_GROUP_LATENT)."""
    women, minors, ba, bb = _beta_shapes(str(pd.Period(cutoff, "M")))
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1 - 1e-12)
    n_r = len(REGIONS)
    w = special.betaincinv(women[:, 0], women[:, 1], u[:, :n_r])  # (D, R) of the adults
    m = special.betaincinv(minors[:, 0], minors[:, 1], u[:, n_r:2 * n_r])  # (D, R) of all
    shares = np.stack([(1.0 - m) * (1.0 - w), (1.0 - m) * w, m], axis=-1)  # (D, R, G)
    births = special.betaincinv(ba, bb, u[:, 2 * n_r])
    return np.ascontiguousarray(shares[:, region_index, :]), births


def rows(x: np.ndarray, axis: int = 1) -> np.ndarray:
    """Per-origin values repeated once per group along ``axis`` (origin-major rows)."""
    return np.repeat(x, N_GROUPS, axis=axis)


def row_codes(codes: np.ndarray) -> np.ndarray:
    """The random-number code of each engine row: origin code x 4 + group (unique)."""
    return (np.asarray(codes, dtype=np.int64)[:, None] * 4
            + np.arange(N_GROUPS, dtype=np.int64)[None, :]).ravel()


def row_labels(iso3: list[str] | np.ndarray) -> list[str]:
    """``ISO3/group`` for each engine row (messages)."""
    return [f"{c}/{g}" for c in iso3 for g in GROUPS]


def _multipliers(params: np.ndarray) -> dict[str, np.ndarray]:
    """The draw's group multipliers (D, 1) from the origins' ``params`` (D, C, P): global
    parameters, the same in every origin of a draw."""
    g = params[:, 0, :]
    return {name: g[:, PARAM_INDEX[name]][:, None] for name in (
        "women_combat_death", "minors_combat_death", "women_return", "women_dispatch",
        "women_plot", "minors_plot", "women_prosecution")}


def expand_params(params: np.ndarray) -> np.ndarray:
    """Row-level parameters (D, C x N_GROUPS, P) from the origins' ``params`` (D, C, P): the
    men's row keeps them, the women's and minors' rows take the group multipliers."""
    out = rows(params)
    mult = _multipliers(params)
    women, minors = out[:, L.WOMEN::N_GROUPS, :], out[:, L.MINORS::N_GROUPS, :]  # views
    for name in _DEATHS:
        women[..., PARAM_INDEX[name]] *= mult["women_combat_death"]
        minors[..., PARAM_INDEX[name]] *= mult["minors_combat_death"]
    for name in _RETURNS:
        women[..., PARAM_INDEX[name]] *= mult["women_return"]
        minors[..., PARAM_INDEX[name]] *= mult["women_return"]
    for name in _PLOTS:
        women[..., PARAM_INDEX[name]] *= mult["women_plot"]
        minors[..., PARAM_INDEX[name]] *= mult["minors_plot"]
    women[..., PARAM_INDEX["directed_dispatch"]] *= mult["women_dispatch"]
    minors[..., PARAM_INDEX["directed_dispatch"]] = 0.0
    i = PARAM_INDEX["prosecution"]
    women[..., i] = np.minimum(women[..., i] * mult["women_prosecution"], 1.0)
    protect_minors(out)
    return np.ascontiguousarray(out)


def protect_minors(params: np.ndarray) -> None:
    """Child protection, in place on row-level ``params`` (D, C x N_GROUPS, P): minors are
    never prosecuted and every minor's case goes to child protection (the
    ``in_rehabilitation`` stock), whatever a policy lever sets for their rows."""
    minors = params[:, L.MINORS::N_GROUPS, :]  # a view
    minors[..., PARAM_INDEX["prosecution"]] = 0.0
    minors[..., PARAM_INDEX["rehabilitation_uptake"]] = 1.0


def expand_paths(params: np.ndarray, paths: np.ndarray, k: np.ndarray | None = None,
                 concentration: float = 1.0) -> tuple[np.ndarray, np.ndarray | None]:
    """Row-level pathway shares from the origins' ``paths`` (D, C, 5): return and dispatch
    tilted like the hazards (the multipliers read from ``params``). ``k`` (D, C, 5), the
    pathway draws' log quantiles, comes back per row and tilted like the shares (for a
    lever that later empties a row: :func:`ffcast.scenario.priors.reweigh`)."""
    from ffcast.scenario.priors import reweigh

    mult = _multipliers(params)
    factor = np.ones((params.shape[0], params.shape[1] * N_GROUPS, 5))
    factor[:, L.WOMEN::N_GROUPS, _RETURN_PATH] = mult["women_return"]
    factor[:, L.MINORS::N_GROUPS, _RETURN_PATH] = mult["women_return"]
    factor[:, L.WOMEN::N_GROUPS, _DISPATCH_PATH] = mult["women_dispatch"]
    factor[:, L.MINORS::N_GROUPS, _DISPATCH_PATH] = 0.0
    p = rows(paths)
    if k is None:
        w = p * factor
        with np.errstate(invalid="ignore", divide="ignore"):
            p = w / w.sum(axis=-1, keepdims=True)
        return _stay_if_closed(p, paths), None
    kr = rows(k)
    p = reweigh(p, factor, kr, concentration)
    with np.errstate(divide="ignore"):
        kr = kr + concentration * np.log(factor)
    return _stay_if_closed(p, paths), kr


_STAY_PATH = 1


def _stay_if_closed(p: np.ndarray, paths: np.ndarray) -> np.ndarray:
    """Rows of a group with no pathway left (a scenario sending everyone of a region to the
    one pathway the group never takes: minors are never dispatched) stay in theatre; rows
    whose origin had no pathway either stay NaN (the scenario's error, reported upstream)."""
    closed = ~np.isfinite(p).all(axis=-1) & rows(np.isfinite(paths).all(axis=-1))
    if closed.any():
        p = p.copy()
        p[closed] = 0.0
        p[closed, _STAY_PATH] = 1.0
    return np.ascontiguousarray(p)


def row_mask(country_mask: np.ndarray, groups: list[str] | None) -> np.ndarray:
    """(C x N_GROUPS,) bool: the rows a policy's levers apply to (its countries and
    groups; every group when ``groups`` is None)."""
    wanted = np.array([groups is None or g in groups for g in GROUPS])
    return (np.asarray(country_mask, dtype=bool)[:, None] & wanted[None, :]).ravel()


#: Who a published count takes in (``foreign_fighters.covers``, issue 22): the groups it sums.
#: A statement that does not say is read as everyone.
COVERS: dict[str, tuple[int, ...]] = dict(zip(GROUP_SCOPES, (
    (L.MEN, L.WOMEN, L.MINORS), (L.MEN, L.WOMEN), (L.MEN,), (L.WOMEN,), (L.MINORS,)),
    strict=True))
#: The statement measures a group record answers (foreign_fighters.measure).
COVERED_MEASURES = ("travelled", "returned", "dead", "in_theatre")


def covered(measure: str, covers: str, groups: np.ndarray, travelled: np.ndarray) -> np.ndarray:
    """The count of ``measure`` among the groups ``covers`` names (int64, shape ``(...)``),
    from a group record ``groups`` (..., N_GROUPS, N_GROUP_QUANTITIES) and everyone's
    cumulative arrivals ``travelled`` (...) at the same month: :func:`by_group` summed over
    :data:`COVERS` ``[covers]``."""
    return of_covers(by_group(measure, groups, travelled), covers)


def by_group(measure: str, groups: np.ndarray, travelled: np.ndarray) -> np.ndarray:
    """The count of ``measure`` in each group (int64, shape ``(..., N_GROUPS)``).

    In the war zone: stayed, with other groups or detained there (``results.quantities.
    WAR_ZONE``); dead: killed; returned: every home stock. Travelled: the people of a group
    less those born in Iraq/Syria; no man or woman is born there, so the men and women who
    travelled are their people, and the minors who travelled are everyone's arrivals less
    the adults (the minors' people include the children born there, whom no traveller
    count takes in)."""
    g = np.asarray(groups)  # summed in int64 below, never widened whole (it is large)
    if measure == "in_theatre":
        return g[..., :L.GQ_KILLED].sum(-1, dtype=np.int64)
    if measure == "dead":
        return g[..., L.GQ_KILLED].astype(np.int64)
    if measure == "returned":
        return g[..., L.GQ_RETURNED].astype(np.int64)
    if measure == "travelled":
        per = g[..., :L.GQ_INCARCERATED].sum(-1, dtype=np.int64)
        per[..., L.MINORS] = np.asarray(travelled, dtype=np.int64) - per[..., L.MEN] \
            - per[..., L.WOMEN]
        return per
    raise ValueError(f"measure {measure!r}: one of {', '.join(COVERED_MEASURES)}")


def of_covers(per_group: np.ndarray, covers: str) -> np.ndarray:
    """Counts per group (..., N_GROUPS) summed over the groups ``covers`` names (int64)."""
    if covers not in COVERS:
        raise ValueError(f"covers {covers!r}: one of {', '.join(COVERS)}")
    return per_group[..., list(COVERS[covers])].sum(-1, dtype=np.int64)
