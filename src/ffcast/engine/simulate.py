"""Run the engine: prepare drivers and parameters, then advance all draws month by month.

Warning first: results are a pure function of (scenario, seed, draw indices, start, end).
Chunking draws differently, running them in other processes or on a Dask cluster gives
bit-identical numbers, because every random number is addressed by (seed, draw, stream,
month, country) rather than drawn from a shared generator (see :mod:`ffcast.engine.rng`).
The simulation always starts in 2011-01, whatever ``start`` is asked for, so that everyone
who travelled is counted; months before ``start`` are simply not recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from ffcast import data
from ffcast.engine import drivers, kernel
from ffcast.engine import layout as L
from ffcast.engine.rng import country_code, stream_keys, uniforms
from ffcast.errors import ScenarioError
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.priors import (
    N_PARAMS,
    PARAM_INDEX,
    PARAMS,
    REGIONS,
    Param,
    sample_dirichlet,
    sample_scalar,
)

SIM_START = "2011-01"
STEP_ORDER: tuple[str, ...] = ("arrivals", "theatre", "home_pipeline", "plots_attacks", "record")
BORDER_TIGHTENING = "2015-07"  # judgement: Turkey tightened the border from mid-2015
BORDER_TIGHTENING_EASE = 0.5  # early-return hazard multiplier after that month
_TRAVELLER_SIGMA_FLOOR = 0.1  # judgement: even single-source counts are uncertain by ~10%


@dataclass(frozen=True)
class Prepared:
    """Everything about a run that does not depend on the draws."""

    scenario: Scenario
    months: pd.DatetimeIndex  # simulated months, from SIM_START
    record_from: int  # index of the first recorded month
    countries: pd.DataFrame  # iso3, name, region, low, central, high
    codes: np.ndarray  # stable integer code per country (RNG counters)
    region_index: np.ndarray  # per country, index into REGIONS
    shape: np.ndarray  # (T,) recruitment shape
    observed: np.ndarray  # (T,) observed territory share (NaN after last observation)
    cutoff_index: int
    policy_index: int
    policy_mask: np.ndarray  # (C,) bool: countries the levers apply to
    border: np.ndarray  # (T, C) arrival multiplier from travel controls
    ease: np.ndarray  # (T,) early-return multiplier

    @property
    def recorded_months(self) -> pd.DatetimeIndex:
        return self.months[self.record_from:]


@dataclass
class DrawParameters:
    """Per-draw quantities for one chunk of draws (arrays lead with the draw axis)."""

    draws: np.ndarray
    travellers: np.ndarray  # (D, C) travellers by the cut-off
    params_pre: np.ndarray  # (D, C, N_PARAMS) before the policy start
    params_post: np.ndarray  # (D, C, N_PARAMS) from the policy start
    pathways_pre: np.ndarray  # (D, C, 5) up to the cut-off (prior)
    pathways_post: np.ndarray  # (D, C, 5) after the cut-off (scenario)
    theatres: np.ndarray  # (D, C, 7)
    territory: np.ndarray  # (D, T)
    pressure: np.ndarray  # (D, T)


@dataclass
class ChunkResult:
    """Raw arrays of one chunk: stocks (D, T, C, N_STOCKS), flows (D, T, C, N_FLOWS)."""

    draws: np.ndarray
    stocks: np.ndarray
    flows: np.ndarray
    territory: np.ndarray  # (D, T_recorded)
    timings: dict[str, float] = field(default_factory=dict)


def _month_offset(months: pd.DatetimeIndex, month: str) -> int:
    p = pd.Period(month, "M")
    return (p.year - months[0].year) * 12 + (p.month - months[0].month)


def prepare(scenario: Scenario | str | None = None, start: str = SIM_START,
            end: str = "2026-12", countries: list[str] | None = None) -> Prepared:
    """Fix drivers, countries and policy timing for a run (raises ScenarioError)."""
    scen = load_scenario(scenario)
    if pd.Period(start, "M") < pd.Period(SIM_START, "M"):
        raise ScenarioError(f"start: {start} is before {SIM_START}; fix: use {SIM_START} or later")
    if pd.Period(end, "M") < pd.Period(start, "M"):
        raise ScenarioError(f"end: {end} is before start {start}; fix: swap them")
    if pd.Period(end, "M") <= pd.Period(scen.cutoff, "M"):
        raise ScenarioError(f"end: {end} must be after the cut-off {scen.cutoff}")
    months = drivers.month_index(SIM_START, end)
    best = data.best_estimates(as_of=scen.cutoff)
    if countries:
        from ffcast.scenario.validation import check_countries

        try:
            wanted = check_countries(countries)
        except ValueError as exc:
            raise ScenarioError(f"countries: {exc}") from exc
        missing = sorted(set(wanted) - set(best["iso3"]))
        if missing:
            raise ScenarioError(f"countries: no traveller estimate for {', '.join(missing)}")
        best = best[best["iso3"].isin(wanted)]
    best = best.reset_index(drop=True)
    cutoff = pd.Timestamp(pd.Period(scen.cutoff, "M").start_time)
    k = _month_offset(months, scen.cutoff)
    policy_index = _month_offset(months, scen.policy.start)
    mask = np.ones(len(best), dtype=bool)
    if scen.policy.countries is not None:
        mask = best["iso3"].isin(scen.policy.countries).to_numpy()
    border = np.ones((len(months), len(best)))
    if scen.policy.border_control > 0:
        after = np.arange(len(months)) >= max(policy_index, k + 1)
        border[np.ix_(after, mask)] = 1.0 - scen.policy.border_control
    ease = np.where(np.arange(len(months)) >= _month_offset(months, BORDER_TIGHTENING),
                    BORDER_TIGHTENING_EASE, 1.0)
    return Prepared(
        scenario=scen,
        months=months,
        record_from=_month_offset(months, start),
        countries=best,
        codes=np.array([country_code(c) for c in best["iso3"]], dtype=np.int64),
        region_index=np.array([REGIONS.index(r) for r in best["region"]], dtype=np.int64),
        shape=drivers.recruitment_shape(months, cutoff),
        observed=drivers.observed_territory(months, data.load("territory"), cutoff),
        cutoff_index=k,
        policy_index=policy_index,
        policy_mask=mask,
        border=border,
        ease=ease,
    )


def _param_prior(scen: Scenario, p: Param) -> Param:
    override = scen.parameters.get(p.name)
    if override is None:
        return p
    return Param(p.name, override.mean if override.mean is not None else p.mean, p.dist,
                 override.spread if override.spread is not None else p.spread, p.unit,
                 p.description, "scenario override", p.policy)


def pathway_means(scen: Scenario) -> np.ndarray:
    """Post-cut-off pathway means per region (R, 5, rows in REGIONS order) after the
    scenario's precedence: by_region > all > prior x tilt, each row renormalised to 1."""
    from ffcast.scenario.priors import PATHWAY_PRIOR

    tilt = np.array(scen.pathways.tilt.as_tuple())
    out = np.empty((len(REGIONS), 5))
    for r, region in enumerate(REGIONS):
        m = np.array(PATHWAY_PRIOR[region]) * tilt
        if scen.pathways.all is not None:
            m = np.array(scen.pathways.all.as_tuple())
        if region in scen.pathways.by_region:
            m = np.array(scen.pathways.by_region[region].as_tuple())
        out[r] = m / m.sum() if m.sum() > 0 else np.full(5, 0.2)
    return out


@dataclass
class Latent:
    """The uniforms behind every uncertain quantity of a set of draws.

    Each field leads with the draw axis: ``params`` (D, N_PARAMS, R) one per parameter and
    region, ``pathways`` (D, R, 5), ``theatres`` (D, R, 7), ``travellers`` (D, C) one per
    country, ``collapse`` (D,). By default they come from the counter-based streams of each
    draw; calibration replaces them (a particle is a point in this space, and in normal
    scores ``ndtri(u)`` the prior is a standard normal).
    """

    params: np.ndarray
    pathways: np.ndarray
    theatres: np.ndarray
    travellers: np.ndarray
    collapse: np.ndarray

    FIELDS = ("params", "pathways", "theatres", "travellers", "collapse")

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
        )

    def take(self, index: np.ndarray) -> Latent:
        """The latent values of a subset (or resampling) of draws."""
        return Latent(**{f: getattr(self, f)[index] for f in self.FIELDS})


def sample_parameters(prep: Prepared, seed: int, draws: np.ndarray,
                      latent: Latent | None = None) -> DrawParameters:
    """Turn the uniforms of ``draws`` (or ``latent``) into parameters through the priors."""
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
    for i, p0 in enumerate(PARAMS):
        p = _param_prior(scen, p0)
        means = np.array([p.mean_for(r) for r in REGIONS])
        by_region[:, :, i] = sample_scalar(p, means[None, :], u[:, i, :])
    pre = by_region[:, reg, :]  # (D, C, P)
    # Pathway propensities (Dirichlet by region), prior before the cut-off, scenario after.
    up = np.clip(lat.pathways, 1e-12, 1 - 1e-12)
    conc = scen.pathways.concentration or PATHWAY_CONCENTRATION
    prior_alpha = np.array([PATHWAY_PRIOR[r] for r in REGIONS]) * PATHWAY_CONCENTRATION
    post_alpha = pathway_means(scen) * conc
    paths_pre = sample_dirichlet(np.broadcast_to(prior_alpha, up.shape), up)[:, reg, :]
    paths_post = sample_dirichlet(np.broadcast_to(np.maximum(post_alpha, 1e-9), up.shape),
                                  up)[:, reg, :]
    ut = lat.theatres
    th_alpha = np.array([THEATRE_PRIOR[r] for r in REGIONS]) * THEATRE_CONCENTRATION
    theatres = sample_dirichlet(np.broadcast_to(th_alpha, ut.shape), np.clip(ut, 1e-12, 1))
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
    post, paths_post = _apply_policy(prep, pre.copy(), paths_post)
    return DrawParameters(
        draws=np.asarray(draws), travellers=travellers, params_pre=np.ascontiguousarray(pre),
        params_post=np.ascontiguousarray(post), pathways_pre=np.ascontiguousarray(paths_pre),
        pathways_post=np.ascontiguousarray(paths_post), theatres=np.ascontiguousarray(theatres),
        territory=territory, pressure=drivers.collapse_pressure(territory),
    )


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
    return central * np.exp(sigma * z)


def _odds_scale(p: np.ndarray, factor: float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    odds = p / (1 - p) * factor
    return odds / (1 + odds)


def _apply_policy(prep: Prepared, post: np.ndarray,
                  paths_post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Policy levers change parameters for the countries in the policy mask."""
    pol = prep.scenario.policy
    m = prep.policy_mask
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
        pp = paths_post[:, m, :].copy()
        pp[..., 4] *= pol.dispatch_capacity
        paths_post[:, m, :] = pp / pp.sum(axis=-1, keepdims=True)
    post[:, m, :] = sub
    return post, paths_post


Observer = Callable[[int, np.ndarray, np.ndarray], None]


def run_chunk(prep: Prepared, seed: int, draws: np.ndarray,
              timings: dict[str, float] | None = None, latent: Latent | None = None,
              until: int | None = None, observe: Observer | None = None,
              record: bool = True, theatre_only: bool = False) -> ChunkResult:
    """Simulate ``draws`` (array of draw indices) and return the recorded arrays.

    ``draws`` index the random streams; ``latent`` (optional) replaces the uniforms behind
    the parameters (calibration particles). ``until`` stops after that month index (e.g. the
    cut-off) to save time. ``observe(t, state, flows)`` is called after every month (state
    (D, C, N_STOCKS), flows (D, C, N_FLOWS); do not keep references, copy what you need);
    with ``record=False`` nothing else is kept. ``theatre_only`` skips the home pipeline and
    plots (calibration needs only arrivals, theatre stocks and return flows): home stocks
    then stay empty and people are NOT conserved in the stocks. Pass a dict as ``timings``
    to accumulate seconds per step.
    """
    draws = np.asarray(draws, dtype=np.int64)
    dp = sample_parameters(prep, seed, draws, latent)
    n_d, n_c = len(draws), len(prep.countries)
    n_t = len(prep.months) if until is None else min(until + 1, len(prep.months))
    n_rec = max(n_t - prep.record_from, 0) if record else 0
    keys = stream_keys(seed, draws)
    state = np.zeros((n_d, n_c, L.N_STOCKS), dtype=np.int64)
    flows = np.zeros((n_d, n_c, L.N_FLOWS), dtype=np.int64)
    home_new = np.zeros((n_d, n_c, 2), dtype=np.int64)
    radical = np.zeros((n_d, n_c), dtype=np.int64)
    queue = np.zeros((n_d, n_c, len(L.TARGETS), L.MAX_LAG), dtype=np.int64)
    # Month-major buffers make each month's copy contiguous; returned as (D, T, C, .) views.
    stocks_out = np.empty((n_rec, n_d, n_c, L.N_STOCKS), dtype=np.int32)
    flows_out = np.empty((n_rec, n_d, n_c, L.N_FLOWS), dtype=np.int32)
    clock = time.perf_counter if timings is not None else None
    tick: Callable[[str, float], float]
    if clock is not None:
        def tick(step: str, t0: float) -> float:
            now = clock()
            timings[step] = timings.get(step, 0.0) + now - t0  # type: ignore[index]
            return now
    else:
        def tick(step: str, t0: float) -> float:
            return t0
    codes = prep.codes
    for t in range(n_t):
        t0 = clock() if clock else 0.0
        params = dp.params_post if t >= prep.policy_index else dp.params_pre
        paths = dp.pathways_post if t > prep.cutoff_index else dp.pathways_pre
        lam = dp.travellers * (prep.shape[t] * prep.border[t])[None, :]
        kernel.step_arrivals(state, flows, lam, keys, t, codes)
        t0 = tick("arrivals", t0)
        kernel.step_theatre(state, flows, params, paths, dp.theatres,
                            np.ascontiguousarray(dp.pressure[:, t]), float(prep.ease[t]), keys, t,
                            codes, home_new)
        t0 = tick("theatre", t0)
        if not theatre_only:
            kernel.step_home(state, flows, params, radical, keys, t, codes, home_new)
            t0 = tick("home_pipeline", t0)
            kernel.step_plots(state, flows, params, radical, queue, keys, t, codes)
            t0 = tick("plots_attacks", t0)
        if observe is not None:
            observe(t, state, flows)
        if record and t >= prep.record_from:
            stocks_out[t - prep.record_from] = state
            flows_out[t - prep.record_from] = flows
        flows[:] = 0
        tick("record", t0)
    return ChunkResult(draws=draws, stocks=stocks_out.transpose(1, 0, 2, 3),
                       flows=flows_out.transpose(1, 0, 2, 3),
                       territory=dp.territory[:, prep.record_from:n_t],
                       timings=dict(timings) if timings else {})


def iter_chunks(prep: Prepared, seed: int, draws: int | np.ndarray,
                chunk_size: int = 100) -> Iterator[ChunkResult]:
    """Yield ChunkResults over ``draws`` (a count or explicit indices) in chunks."""
    idx = np.arange(draws) if np.isscalar(draws) else np.asarray(draws)
    if chunk_size < 1:
        raise ScenarioError("chunk_size: must be at least 1")
    for i in range(0, len(idx), chunk_size):
        yield run_chunk(prep, seed, idx[i:i + chunk_size])
