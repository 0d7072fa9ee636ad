"""Per-draw parameters: the uniforms behind every uncertain quantity, through the priors.

Warning first: a draw's parameters are a pure function of (scenario, seed, draw index), or
of the :class:`Latent` uniforms a caller passes (calibration particles, posterior draws),
never of which other draws share the chunk. Policy levers change the parameters of the
countries they apply to from the policy start; everything before it is the same in every
scenario with the same priors (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from ffcast.data.countries import is_remainder
from ffcast.engine import drivers, groups
from ffcast.engine.prepared import Prepared, _month_offset
from ffcast.engine.rng import uniforms
from ffcast.errors import ScenarioError
from ffcast.scenario import Policy, Scenario, reporting
from ffcast.scenario.priors import (
    N_PARAMS,
    NEIGHBOURS_OF_THEATRE,
    PARAM_INDEX,
    PARAMS,
    PATHWAYS,
    REGIONS,
    Param,
    reweigh,
    sample_dirichlet,
    sample_scalar,
)

_TRAVELLER_SIGMA_FLOOR = 0.1  # judgement: even single-source counts are uncertain by ~10%
#: Judgement: no draw of a row's travellers exceeds three times its highest published figure.
TRAVELLER_CAP = 3.0


@dataclass
class DrawParameters:
    """Per-draw quantities for one chunk of draws (arrays lead with the draw axis).

    C counts engine rows, one per origin and group (origin x N_GROUPS + group,
    :mod:`ffcast.engine.groups`); O counts origins.
    """

    draws: np.ndarray
    travellers: np.ndarray  # (D, C) travellers by the cut-off
    params_pre: np.ndarray  # (D, C, N_PARAMS) before the policy start
    params_post: np.ndarray  # (D, C, N_PARAMS) from the policy start
    pathways_pre: np.ndarray  # (D, C, 5) up to the cut-off (prior)
    pathways_post: np.ndarray  # (D, C, 5) after the cut-off (scenario)
    # The same from the policy start (the dispatch lever: the same arrays when it is off).
    pathways_pre_policy: np.ndarray  # (D, C, 5) from the policy start, up to the cut-off
    pathways_post_policy: np.ndarray  # (D, C, 5) from the policy start, after the cut-off
    theatres: np.ndarray  # (D, C, 7)
    territory: np.ndarray  # (D, T)
    pressure: np.ndarray  # (D, T)
    capacity: np.ndarray  # (D, T) the organisation's external-operations capacity
    routes: np.ndarray  # (D, T, N_ROUTES) return ease, route closure, network (see routes())
    reporting: np.ndarray  # (D, K) bias, noise per kind, scopes (scenario.reporting)
    births: np.ndarray  # (D,) births per woman in theatre and year
    shares: np.ndarray  # (D, O, N_GROUPS) each origin's travellers by group


def _param_prior(scen: Scenario, p: Param) -> Param:
    override = scen.parameters.get(p.name)
    if override is None:
        return p
    return replace(p, mean=override.mean if override.mean is not None else p.mean,
                   spread=override.spread if override.spread is not None else p.spread,
                   source="scenario override")


def pathway_means(scen: Scenario) -> np.ndarray:
    """Post-cut-off pathway means per region (R, 5, rows in REGIONS order) after the
    scenario's precedence: by_region > all > prior x tilt, each row renormalised to 1."""
    from ffcast.scenario.priors import PATHWAY_PRIOR

    tilt = np.array(scen.pathways.tilt.as_tuple())
    out = np.empty((len(REGIONS), 5))
    for r, region in enumerate(REGIONS):
        m = np.array(PATHWAY_PRIOR[region]) * tilt
        if not m.sum() > 1e-200:  # subnormal multipliers: scale them up before they underflow
            m = np.array(PATHWAY_PRIOR[region]) * (tilt / tilt.max())
        if scen.pathways.all is not None:
            m = np.array(scen.pathways.all.as_tuple())
        if region in scen.pathways.by_region:
            m = np.array(scen.pathways.by_region[region].as_tuple())
        if not m.sum() > 0:  # the schema refuses it; a model_construct()ed scenario may not
            raise ScenarioError(f"pathways: no pathway has a positive share for {region}; "
                                "fix: give one a share or a tilt above 0")
        out[r] = m / m.sum()
    return out


@dataclass
class Latent:
    """The uniforms behind every uncertain quantity of a set of draws.

    Each field leads with the draw axis: ``params`` (D, N_PARAMS, R) one per parameter and
    region, ``pathways`` (D, R, 5), ``theatres`` (D, R, 7), ``travellers`` (D, C) one per
    country, ``collapse`` (D,), ``country`` (D, 2, C) each country's own deviation from its
    region (return, death), ``reporting`` (D, K) the reporting model's bias and noise per
    kind of source and scope per quantity, ``groups`` (D, N_GROUP_LATENT) the group shares
    per region and births (:mod:`ffcast.engine.groups`). By default they come from the
    counter-based streams of each draw;
    calibration replaces them (a particle is a point in this space, and in normal scores
    ``ndtri(u)`` the prior is a standard normal).
    """

    params: np.ndarray
    pathways: np.ndarray
    theatres: np.ndarray
    travellers: np.ndarray
    collapse: np.ndarray
    country: np.ndarray
    reporting: np.ndarray
    groups: np.ndarray

    FIELDS = ("params", "pathways", "theatres", "travellers", "collapse", "country",
              "reporting", "groups")

    @classmethod
    def from_streams(cls, prep: Prepared, seed: int, draws: np.ndarray) -> Latent:
        """The default uniforms of ``draws`` (pure functions of seed and draw index)."""
        n_draws, n_r = len(draws), len(REGIONS)
        slots = np.arange(N_PARAMS * 16).reshape(N_PARAMS, 16)[:, :n_r].ravel()
        return cls(
            params=uniforms(seed, draws, "params", slots).reshape(n_draws, N_PARAMS, n_r),
            pathways=uniforms(seed, draws, "params",
                              10_000 + np.arange(n_r * 5)).reshape(n_draws, n_r, 5),
            theatres=uniforms(seed, draws, "params",
                              20_000 + np.arange(n_r * 7)).reshape(n_draws, n_r, 7),
            travellers=uniforms(seed, draws, "travellers", prep.codes),
            collapse=uniforms(seed, draws, "collapse", np.array([0]))[:, 0],
            country=np.stack([uniforms(seed, draws, "country_effects", prep.codes * 2 + k)
                              for k in range(COUNTRY_CHANNELS)], axis=1),
            reporting=uniforms(seed, draws, "reporting", np.arange(len(reporting.COMPONENTS))),
            groups=uniforms(seed, draws, "params",
                            groups.GROUP_LATENT_SLOT + np.arange(groups.N_GROUP_LATENT)),
        )

    def take(self, index: np.ndarray) -> Latent:
        """The latent values of a subset (or resampling) of draws."""
        return Latent(**{f: getattr(self, f)[index] for f in self.FIELDS})


# The parameters the arrivals and theatre steps read (a theatre-only run needs no others).
THEATRE_PARAMS: tuple[str, ...] = (
    "death_base", "death_collapse", "capture_collapse", "early_return", "exit_decision",
    "insurgent_death", "insurgent_capture", "insurgent_return", "camp_repatriation",
    "detained_death", "detained_escape", "other_group_death", "other_group_return",
    "relocated_death", "relocated_return", "dispatched_arrest", "dispatched_death",
    "dispatched_disengage", "directed_dispatch", "capacity_elasticity", "capacity_surge",
    "country_spread_return", "country_spread_death", "neighbour_return", "border_ease",
    "caliphate_exit", "route_closure", "ops_attrition", "home_response", "women_combat_death",
    "minors_combat_death", "women_return", "women_dispatch",
)
COUNTRY_CHANNELS = 2  # a country's own deviation in return (0) and in death (1)


def sample_parameters(prep: Prepared, seed: int, draws: np.ndarray,
                      latent: Latent | None = None, *, until: int | None = None,
                      theatre_only: bool = False) -> DrawParameters:
    """Turn the uniforms of ``draws`` (or ``latent``) into parameters through the priors.

    ``until`` (last simulated month) and ``theatre_only`` only skip work whose result the
    run would not read: the post-cut-off pathways and the policy before they apply, and
    every parameter outside :data:`THEATRE_PARAMS` (left NaN) in a theatre-only run. The
    values that are computed do not depend on them.
    """
    from ffcast.scenario.priors import (
        PATHWAY_CONCENTRATION,
        PATHWAY_PRIOR,
        THEATRE_CONCENTRATION,
        THEATRE_PRIOR,
    )

    lat = latent if latent is not None else Latent.from_streams(prep, seed, np.asarray(draws))
    scen = prep.scenario
    n_r = len(REGIONS)
    reg = prep.region_index
    # Scalar parameters: one value per draw and region (countries of a region share it).
    u = np.clip(lat.params, 1e-12, 1 - 1e-12)
    by_region = np.empty((u.shape[0], n_r, N_PARAMS))
    last = len(prep.months) - 1 if until is None else until
    for i, p0 in enumerate(PARAMS):
        if theatre_only and p0.name not in THEATRE_PARAMS:
            by_region[:, :, i] = np.nan
            continue
        p = _param_prior(scen, p0)
        if p.scope == "global":  # one value per draw: the first region's uniform decides
            by_region[:, :, i] = sample_scalar(p, np.array([p.mean_for("other")]),
                                               u[:, i, :1])
            continue
        means = np.array([p.mean_for(r) for r in REGIONS])
        by_region[:, :, i] = sample_scalar(p, means[None, :], u[:, i, :])
    pre = by_region[:, reg, :].copy()  # (D, C, P)
    ret, death = country_multipliers(prep, pre, np.clip(lat.country, 1e-12, 1 - 1e-12))
    for name in ("early_return",):
        pre[..., PARAM_INDEX[name]] *= ret
    for name in ("death_base", "death_collapse"):
        pre[..., PARAM_INDEX[name]] *= death
    # Pathway propensities (Dirichlet by region), prior before the cut-off, scenario after.
    up = np.clip(lat.pathways, 1e-12, 1 - 1e-12)
    conc = scen.pathways.concentration or PATHWAY_CONCENTRATION
    prior_means = np.array([PATHWAY_PRIOR[r] for r in REGIONS])
    paths_pre = np.ascontiguousarray(_tilt_return(
        sample_dirichlet(prior_means, PATHWAY_CONCENTRATION, up)[:, reg, :], ret))
    paths_post = paths_pre
    post_log: tuple[np.ndarray, float] | None = None
    if last > prep.cutoff_index:
        drawn, k = sample_dirichlet(pathway_means(scen), conc, up, log=True)
        paths_post, k = drawn[:, reg, :], k[:, reg, :]
        # A country's own return propensity stays with it after the cut-off, unless the
        # scenario sets absolute shares for its region.
        fixed = np.array([scen.pathways.all is not None or r in scen.pathways.by_region
                          for r in REGIONS])[reg]
        factor = np.ones_like(paths_post)
        factor[..., 0] = np.where(fixed[None, :], 1.0, ret)
        paths_post = np.where(fixed[None, :, None], paths_post,
                              reweigh(paths_post, factor, k, conc))
        with np.errstate(divide="ignore"):
            k = k + conc * np.log(factor)  # the draws' log quantiles after the return tilt
        post_log = (k, conc)
    ut = lat.theatres
    th_means = np.array([THEATRE_PRIOR[r] for r in REGIONS])
    theatres = sample_dirichlet(th_means, THEATRE_CONCENTRATION, np.clip(ut, 1e-12, 1))
    theatres = theatres[:, reg, :]
    # Travellers by the cut-off per country: split lognormal through (low, central, high).
    travellers = _sample_travellers(prep.countries, np.clip(lat.travellers, 1e-12, 1 - 1e-12))
    # Collapse timing per draw.
    uk = np.clip(lat.collapse, 1e-12, 1 - 1e-12)
    mid = _month_offset(prep.months, scen.collapse.midpoint) + \
        scen.collapse.midpoint_sd_months * special.ndtri(uk)
    mid = np.maximum(mid, prep.cutoff_index + 1.0)
    territory = drivers.territory_paths(prep.months, prep.observed,
                                        prep.months[prep.cutoff_index], mid,
                                        scen.collapse.steepness_months,
                                        scen.collapse.residual_share)
    # Men, women and minors: one engine row per origin and group (ffcast.engine.groups).
    shares, births = groups.sample_groups(scen.cutoff, reg, lat.groups)
    travellers = (travellers[:, :, None] * shares).reshape(travellers.shape[0], -1)
    theatres = groups.rows(theatres)
    paths_pre_rows, _ = groups.expand_paths(pre, paths_pre)
    if paths_post is paths_pre:
        paths_post = paths_pre_rows
    else:
        assert post_log is not None
        paths_post, k_rows = groups.expand_paths(pre, paths_post, post_log[0], post_log[1])
        post_log = (k_rows, post_log[1]) if k_rows is not None else None
    pre, paths_pre = groups.expand_params(pre), paths_pre_rows
    pre = np.ascontiguousarray(pre)
    post, paths_pre_policy, paths_post_policy = pre, paths_pre, paths_post
    if last >= prep.policy_index and _levers_set(prep.scenario.policy):
        post, paths_pre_policy, paths_post_policy = _apply_policy(
            prep, pre.copy(), paths_pre, paths_post, post_log,
            before_cutoff=prep.policy_index <= prep.cutoff_index)
    pressure = drivers.collapse_pressure(territory)
    g = pre[:, 0, :]  # global parameters: every country of a draw has the same value
    paths_routes = routes(prep.tightened, pressure, g[:, PARAM_INDEX["border_ease"]],
                          g[:, PARAM_INDEX["route_closure"]], g[:, PARAM_INDEX["ops_attrition"]],
                          prep.responded, g[:, PARAM_INDEX["home_response"]],
                          prep.caliphate, g[:, PARAM_INDEX["caliphate_exit"]])
    dp = DrawParameters(
        draws=np.asarray(draws), travellers=travellers, params_pre=pre,
        params_post=np.ascontiguousarray(post), pathways_pre=paths_pre,
        pathways_post=np.ascontiguousarray(paths_post),
        pathways_pre_policy=np.ascontiguousarray(paths_pre_policy),
        pathways_post_policy=np.ascontiguousarray(paths_post_policy),
        theatres=np.ascontiguousarray(theatres),
        territory=territory, pressure=pressure,
        capacity=capacity(territory, pressure, g[:, PARAM_INDEX["capacity_elasticity"]],
                          g[:, PARAM_INDEX["capacity_surge"]]) * paths_routes[:, :, NETWORK],
        routes=paths_routes,
        reporting=reporting.sample_array(lat.reporting),
        births=births, shares=shares,
    )
    check_finite(prep, dp, by_region, theatre_only=theatre_only)
    return dp


def country_multipliers(prep: Prepared, pre: np.ndarray,
                        u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each country's multipliers (D, C) on its region's return and death hazards.

    Partial pooling: ``exp(spread x z)`` with z the country's own standard normal score
    (``u`` (D, 2, C)) and the spread a calibrated scale, so countries without statements
    stay near their region; fighters from a neighbour of Syria/Iraq return more easily
    (``neighbour_return``). Remainder rows (unattributed travellers) take their region's
    value.
    """
    z = special.ndtri(u)
    own = ~prep.countries["iso3"].map(is_remainder).to_numpy(dtype=bool)
    neighbour = prep.countries["iso3"].isin(NEIGHBOURS_OF_THEATRE).to_numpy()
    s_ret = pre[:, :1, PARAM_INDEX["country_spread_return"]]
    s_death = pre[:, :1, PARAM_INDEX["country_spread_death"]]
    # Exponents bounded (e^30 ~ 1e13): a spread at its ceiling saturates, never overflows.
    ret = np.exp(np.clip(s_ret * z[:, 0, :] * own, -_LOG_MULT, _LOG_MULT))
    ret = np.where(neighbour, ret * pre[:, :1, PARAM_INDEX["neighbour_return"]], ret)
    death = np.exp(np.clip(s_death * z[:, 1, :] * own, -_LOG_MULT, _LOG_MULT))
    return ret, death


_LOG_MULT = 30.0


def _tilt_return(paths: np.ndarray, ret: np.ndarray) -> np.ndarray:
    """Pathway propensities (D, C, 5) with the return share scaled by ``ret`` (D, C) and the
    five renormalised to 1."""
    out = paths.copy()
    out[..., 0] *= ret
    return out / out.sum(axis=-1, keepdims=True)


def capacity(territory: np.ndarray, pressure: np.ndarray, elasticity: np.ndarray,
             surge: np.ndarray) -> np.ndarray:
    """The Islamic State's external-operations capacity per draw and month (D, T).

    ``territory ** elasticity x (1 + surge x pressure)``: zero before the group held ground
    (2011-2012), 1 at the peak of the caliphate, then fading with the territory it loses
    (elasticity) or surging as it collapses (surge), as each draw's parameters say. Dispatching
    abroad is proportional to it.
    """
    e = np.asarray(elasticity, dtype=float)[:, None]
    s = np.asarray(surge, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        out = np.power(np.clip(territory, 0.0, None), e) * (1.0 + s * pressure)
    return np.ascontiguousarray(np.nan_to_num(out, nan=0.0))


#: Columns of :attr:`DrawParameters.routes`.
EASE, CLOSURE, NETWORK, RESPONSE, REVIEW = 0, 1, 2, 3, 4
N_ROUTES = 5


def routes(tightened: np.ndarray, pressure: np.ndarray, ease: np.ndarray, closure: np.ndarray,
           attrition: np.ndarray, responded: np.ndarray, response: np.ndarray,
           caliphate: np.ndarray, exit_ease: np.ndarray) -> np.ndarray:
    """The post-collapse regime per draw and month (D, T, :data:`N_ROUTES`).

    - ``EASE``: the multiplier on early returns: ``caliphate_exit`` (``exit_ease``) from the
      caliphate's ban on leaving (``caliphate`` (T,), when the cut-off knows it), times
      ``border_ease`` from the Turkish border tightening (``tightened`` (T,), when the
      cut-off knows it); 1 before either;
    - ``CLOSURE``: the share of would-be returners who cannot get out this month,
      ``route_closure x pressure`` (encirclement grows as the territory shrinks); they are
      killed or captured instead;
    - ``NETWORK``: what is left of the external-operations network,
      ``exp(-ops_attrition x cumulative pressure)``; it multiplies the dispatch capacity and
      the plot rate of dispatched operatives;
    - ``RESPONSE``: the share of Western returnees who would have gone unnoticed on arrival
      that the security response at home detects, ``home_response`` from the response
      (``responded`` (T,), when the cut-off knows it), else 0;
    - ``REVIEW``: the share of the Western returnees already home and unnoticed that the
      response finds when it starts (ADR 0035): ``home_response`` in its first month, else
      0 (one review, of the returnees home by then; later ones meet ``RESPONSE``).

    Every value lies in [0, 1] whatever the inputs (NaN parameters are refused upstream).
    """
    tight = np.asarray(tightened, dtype=float)[None, :]
    e = np.clip(np.asarray(ease, dtype=float), 0.0, 1.0)[:, None]
    c = np.clip(np.asarray(closure, dtype=float), 0.0, 1.0)[:, None]
    a = np.clip(np.asarray(attrition, dtype=float), 0.0, None)[:, None]
    p = np.clip(np.asarray(pressure, dtype=float), 0.0, 1.0)
    out = np.empty((*p.shape, N_ROUTES))
    x = np.clip(np.asarray(exit_ease, dtype=float), 0.0, 1.0)[:, None]
    banned = np.asarray(caliphate, dtype=float)[None, :]
    # exact for any ease, tiny ones too
    out[..., EASE] = np.where(tight > 0.0, e, 1.0) * np.where(banned > 0.0, x, 1.0)
    out[..., CLOSURE] = c * p
    with np.errstate(over="ignore", invalid="ignore"):
        out[..., NETWORK] = np.exp(-a * np.cumsum(p, axis=1))
    out[..., NETWORK] = np.nan_to_num(out[..., NETWORK], nan=0.0)
    r = np.clip(np.asarray(response, dtype=float), 0.0, 1.0)[:, None]
    on = np.asarray(responded)[None, :] > 0.0
    out[..., RESPONSE] = np.where(on, r, 0.0)
    first = np.diff(on.astype(np.int8), axis=1, prepend=0) > 0  # the month it switches on
    out[..., REVIEW] = np.where(first, r, 0.0)
    return np.ascontiguousarray(out)


def _sample_travellers(countries: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    central = countries["central"].to_numpy(float)
    low = np.minimum(countries["low"].to_numpy(float), central)
    high = np.maximum(countries["high"].to_numpy(float), central)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_lo = np.where(low > 0, np.log(central / low) / 1.645, 0.5)
        s_hi = np.where(central > 0, np.log(high / central) / 1.645, 0.0)
    s_lo = np.maximum(np.nan_to_num(s_lo), _TRAVELLER_SIGMA_FLOOR)
    s_hi = np.maximum(np.nan_to_num(s_hi), _TRAVELLER_SIGMA_FLOOR)
    z = special.ndtri(u)
    sigma = np.where(z < 0, s_lo, s_hi)
    # A row whose central is tiny next to its high (a remainder of 1 with a high of 15,569
    # at 2016-06) has a spread of e^6 a standard deviation: its far tail overflowed the
    # engine's counts. Capped at a few times the highest published figure.
    return np.minimum(central * np.exp(sigma * z), TRAVELLER_CAP * high)


def _odds_scale(p: np.ndarray, factor: float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    odds = p / (1 - p) * factor
    return odds / (1 + odds)


#: The policy levers :func:`_apply_policy` applies to the parameters, each with the value
#: that changes nothing (its default; ``tests/engine/test_policy_levers.py`` checks both).
PARAMETER_LEVERS: dict[str, float | None] = {
    "prosecution_rate": None, "rehabilitation_uptake": None, "rehabilitation_effect": 1.0,
    "camp_repatriation": None, "detection_capacity": 1.0, "dispatch_capacity": 1.0}


def _levers_set(pol: Policy) -> bool:
    """Whether any of :data:`PARAMETER_LEVERS` is set (else :func:`_apply_policy` changes
    nothing, and the parameters after the policy start are those before it: no copy)."""
    return any(getattr(pol, name) != off for name, off in PARAMETER_LEVERS.items())


def _apply_policy(prep: Prepared, post: np.ndarray, paths_pre: np.ndarray,
                  paths_post: np.ndarray, post_log: tuple[np.ndarray, float] | None = None,
                  *, before_cutoff: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Policy levers change parameters for the rows in the policy mask (its countries and
    groups); minors stay out of prosecution whatever the levers (child protection,
    :func:`ffcast.engine.groups.protect_minors`).

    Returns the parameters from the policy start and the pathway shares from the policy
    start, up to the cut-off and after it: the dispatch lever also scales the share of exits
    that go abroad for the organisation, from the policy start like every lever (the engine
    switches to these shares at ``policy_index``). ``post_log`` (the post-cut-off draws' log
    quantiles and concentration, see :func:`~ffcast.scenario.priors.reweigh`) renormalises a
    draw the dispatch lever empties; ``before_cutoff``: the policy starts before the cut-off,
    so the shares up to it are needed too (else they are returned unchanged).
    """
    pol = prep.scenario.policy
    m = groups.row_mask(prep.policy_mask, pol.groups)
    sub = post[:, m, :]
    if pol.prosecution_rate is not None:
        sub[..., PARAM_INDEX["prosecution"]] = pol.prosecution_rate
    if pol.rehabilitation_uptake is not None:
        sub[..., PARAM_INDEX["rehabilitation_uptake"]] = pol.rehabilitation_uptake
    if pol.rehabilitation_effect != 1.0:
        i = PARAM_INDEX["rehabilitation_success"]
        sub[..., i] = _odds_scale(sub[..., i], pol.rehabilitation_effect)
    if pol.camp_repatriation is not None:
        sub[..., PARAM_INDEX["camp_repatriation"]] = pol.camp_repatriation
    if pol.detection_capacity != 1.0:
        for name in ("detection", "interdiction_home", "interdiction_abroad"):
            i = PARAM_INDEX[name]
            sub[..., i] = _odds_scale(sub[..., i], pol.detection_capacity)
    if pol.dispatch_capacity != 1.0:
        sub[..., PARAM_INDEX["plot_rate_dispatched"]] *= pol.dispatch_capacity
        sub[..., PARAM_INDEX["directed_dispatch"]] *= pol.dispatch_capacity
    post[:, m, :] = sub
    groups.protect_minors(post)
    if pol.dispatch_capacity == 1.0:
        return post, paths_pre, paths_post
    pre_policy = (_dispatch_scaled(paths_pre, m, pol.dispatch_capacity) if before_cutoff
                  else paths_pre)
    if paths_post is paths_pre or post_log is None:  # no draws after the cut-off
        return post, pre_policy, _dispatch_scaled(paths_post, m, pol.dispatch_capacity)
    factor = np.ones(5)
    factor[4] = pol.dispatch_capacity
    k, conc = post_log
    post_policy = paths_post.copy()
    post_policy[:, m, :] = reweigh(paths_post[:, m, :], factor, k[:, m, :], conc)
    return post, pre_policy, post_policy


def _dispatch_scaled(paths: np.ndarray, rows: np.ndarray, capacity: float) -> np.ndarray:
    """A copy of ``paths`` (D, C, 5) with the dispatch share of ``rows`` scaled by
    ``capacity`` and the five renormalised (the prior's draws: no share is ever 0)."""
    out = paths.copy()
    pp = out[:, rows, :]
    pp[..., 4] *= capacity
    out[:, rows, :] = pp / pp.sum(axis=-1, keepdims=True)
    return out


def check_finite(prep: Prepared, dp: DrawParameters, by_region: np.ndarray, *,
                 theatre_only: bool = False) -> None:
    """Raise :class:`ScenarioError` (one line naming the quantity, draw and place, and the
    fix) if any sampled quantity the run reads is not a finite number: the engine would
    read NaN as "never" and run on, silently wrong. ``by_region`` is (D, R, P) before the
    country effects (it names the region and the prior)."""
    cols = np.array([not theatre_only or p.name in THEATRE_PARAMS for p in PARAMS])
    iso3 = groups.row_labels(prep.countries["iso3"])  # one per engine row
    region = [REGIONS[r] for r in groups.rows(prep.region_index, axis=0)]

    read = np.flatnonzero(cols)  # the parameter columns the run reads

    def first_bad(a: np.ndarray, in_cols: bool = False) -> tuple[int, ...] | None:
        """The first index of a non-finite value, or None; with ``in_cols`` only the
        parameter columns the run reads are looked at (the last index is then the
        parameter's). A finite sum proves every term finite in one pass, without copying
        the columns out."""
        with np.errstate(all="ignore"):
            total = a.sum(axis=(0, 1))[cols] if in_cols else a.sum()
        if np.isfinite(total).all():
            return None
        bad = ~np.isfinite(a[:, :, cols] if in_cols else a)
        if not bad.any():
            return None
        at = [int(i) for i in np.argwhere(bad)[0]]
        if in_cols:
            at[-1] = int(read[at[-1]])
        return tuple(at)

    if (at := first_bad(by_region, in_cols=True)) is not None:
        d, r, j = at
        p = _param_prior(prep.scenario, PARAMS[j])
        how = "scenario override" if p.source == "scenario override" else "prior"
        raise ScenarioError(
            f"parameters.{p.name}: draw {int(dp.draws[d])}, region {REGIONS[r]}: the {how} "
            f"(mean {p.mean_for(REGIONS[r]):.4g}, {p.dist} spread {p.spread:.4g}) sampled "
            f"{by_region[d, r, j]}, which the engine cannot run on; fix: "
            f"change the override of {p.name} (a bug if the scenario has none: report it)")
    for label, arr in (("params_pre", dp.params_pre), ("params_post", dp.params_post)):
        if (at := first_bad(arr, in_cols=True)) is not None:
            d, c, j = at
            raise ScenarioError(
                f"parameters.{PARAMS[j].name}: draw {int(dp.draws[d])}, {iso3[c]}: "
                f"{arr[d, c, j]} after the country effects and policy "
                f"levers ({label}), which the engine cannot run on; fix: change the overrides "
                "and levers that act on it (a bug if the scenario has none: report it)")
    checked: list[np.ndarray] = []
    for label, arr in (("before the cut-off", dp.pathways_pre),
                       ("after the cut-off", dp.pathways_post),
                       ("from the policy start, before the cut-off", dp.pathways_pre_policy),
                       ("from the policy start, after the cut-off", dp.pathways_post_policy)):
        if any(arr is seen for seen in checked):  # the same shares (no dispatch lever)
            continue
        checked.append(arr)
        if (at := first_bad(arr)) is not None:
            d, c = at[0], at[1]
            raise ScenarioError(_nowhere_to_go(prep, iso3[c], region[c], label, dp, d, c))
    for name, arr in (("theatres", dp.theatres), ("travellers", dp.travellers),
                      ("births", dp.births), ("group shares", dp.shares),
                      ("territory", dp.territory), ("collapse pressure", dp.pressure),
                      ("capacity", dp.capacity), ("post-collapse regime", dp.routes),
                      ("reporting", dp.reporting)):
        if (at := first_bad(arr)) is not None:
            raise ScenarioError(
                f"{name}: draw {int(dp.draws[at[0]])} sampled {arr[at]} at {at[1:]}, which "
                "the engine cannot run on; fix: check the scenario's collapse and data "
                "overrides (a bug if there are none: report it)")


def _nowhere_to_go(prep: Prepared, iso3: str, region: str, label: str,
                   dp: DrawParameters, d: int, c: int) -> str:
    """The message for a draw whose pathway shares are not numbers: every pathway the
    scenario leaves open for the country is closed by a multiplier of 0."""
    scen = prep.scenario
    means = pathway_means(scen)[REGIONS.index(region)]
    open_ = " and ".join(repr(PATHWAYS[i]) for i in range(5) if means[i] > 0)
    closed = []
    if scen.policy.dispatch_capacity == 0 and \
            groups.row_mask(prep.policy_mask, scen.policy.groups)[c]:
        closed.append("policy.dispatch_capacity 0 closes 'dispatch'")
    if dp.params_pre[d, c, PARAM_INDEX["neighbour_return"]] == 0 and \
            iso3.split("/")[0] in NEIGHBOURS_OF_THEATRE:
        closed.append("parameters.neighbour_return 0 closes 'return'")
    if not closed:
        return (f"pathways: draw {int(dp.draws[d])}, {iso3} ({region}): the shares {label} "
                "are not numbers, which the engine cannot run on; fix: check pathways and "
                "policy in the scenario (a bug if they are the defaults: report it)")
    return (f"pathways: {iso3} ({region}) {label} has only {open_} open and "
            f"{' and '.join(closed)}, so exits have nowhere to go; fix: give another pathway "
            f"a share for {region} (pathways.all, pathways.by_region or pathways.tilt)")
