"""What a run is before any draw: months, countries, drivers and policy timing.

Warning first: the simulation always starts in 2011-01, whatever ``start`` is asked for,
so that everyone who travelled is counted; months before ``start`` are simply not recorded.
Nothing here is random: a :class:`Prepared` run is shared (and pickled to Dask workers)
by every chunk of draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.data.regions import WESTERN_REGIONS
from ffcast.data.schema import scope_of
from ffcast.data.scopes import REMAINDERS, scope_countries
from ffcast.engine import drivers
from ffcast.engine.rng import country_code
from ffcast.errors import FFCastError, ScenarioError
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.priors import REGIONS

SIM_START = "2011-01"
# The caliphate declared on 2014-06-29: leaving its territory became desertion, punished by
# death ('has executed 100 of its own foreign fighters for trying to flee from Raqqa',
# DW2014_12, 2014-12-20). Early returns from 2014-07 are multiplied by ``caliphate_exit``
# at cut-offs from 2014-12, when that was public (ADR 0024).
CALIPHATE_EXIT = "2014-07"
CALIPHATE_EXIT_PUBLISHED = "2014-12"
BORDER_TIGHTENING = "2015-07"  # judgement: Turkey tightened the border from mid-2015
# The month the tightening was public (CSMON2015, 2015-06-23: the Tal Abyad crossing closed):
# a run whose cut-off is earlier does not know it, and its returns are not held back.
BORDER_TIGHTENING_PUBLISHED = "2015-06"
# The security response at home after the Paris attacks of 13 November 2015: returnees are
# investigated and charged as a rule (France's figures of Feb 2016, public c. 2016-03-01:
# FR_AN2016_03). A run whose cut-off is earlier does not know it.
HOME_RESPONSE = "2015-11"
HOME_RESPONSE_PUBLISHED = "2016-03"


@dataclass(frozen=True)
class Prepared:
    """Everything about a run that does not depend on the draws."""

    scenario: Scenario
    months: pd.DatetimeIndex  # simulated months, from SIM_START
    record_from: int  # index of the first recorded month
    countries: pd.DataFrame  # iso3, name, region, low, central, high
    codes: np.ndarray  # stable integer code per country (RNG counters)
    region_index: np.ndarray  # per country, index into REGIONS
    shape: np.ndarray  # (T,) the world's recruitment shape
    observed: np.ndarray  # (T,) observed territory share (NaN after last observation)
    cutoff_index: int
    policy_index: int
    policy_mask: np.ndarray  # (C,) bool: countries the levers apply to
    border: np.ndarray  # (T, C) arrival multiplier from travel controls
    tightened: np.ndarray  # (T,) 1.0 from the border tightening when known by the cut-off
    caliphate: np.ndarray  # (T,) 1.0 from the caliphate's exit ban when known by the cut-off
    responded: np.ndarray  # (T,) 1.0 from the security response at home when known by then
    west: np.ndarray  # (C,) bool: a Western origin (its "home" target is in the West)
    pace: np.ndarray  # (C,) each row's travel pace against the world shape (ADR 0028)

    @property
    def recorded_months(self) -> pd.DatetimeIndex:
        return self.months[self.record_from:]

    @property
    def arrivals(self) -> np.ndarray:
        """(T, C) share of each row's travellers arriving each month: the world shape at
        the row's pace (:func:`paced_shapes`)."""
        return paced_shapes(self.shape, self.cutoff_index, self.pace)


def world_travelled(cutoff: pd.Timestamp) -> tuple[tuple[pd.Timestamp, float], ...]:
    """World totals of travellers published by ``cutoff`` (month start of the cut-off):
    ``(month described, travellers)``, a range read at its geometric midpoint, one-sided
    statements at their bound. They shape the travel wave before the first inflow anchor
    public by the cut-off (:func:`ffcast.engine.drivers.recruitment_shape`)."""
    agg = data.calibration_data("aggregates", cutoff + pd.offsets.MonthEnd(0))
    rows = agg[(agg["scope"] == "world") & (agg["metric"] == "cumulative_travelled")]
    out = []
    for r in rows.itertuples():
        lo, hi = (float(v) if pd.notna(v) else np.nan for v in (r.low, r.high))
        value = np.sqrt(lo * hi) if lo > 0 and hi > 0 else (hi if np.isnan(lo) else lo)
        if np.isfinite(value) and value > 0:
            out.append((pd.Timestamp(r.as_of_date).to_period("M").start_time, float(value)))
    return tuple(sorted(out))


#: Largest factor an old estimate is moved by (judgement): the world shape before 2013 is
#: a ramp from zero, so an estimate of 2011-2012 would otherwise be multiplied without limit.
VINTAGE_CAP = 10.0

# A pace (ADR 0028) is read from pairs of a country's counts of people who travelled: the
# later count at most PACE_RECENT months before the cut-off, the earlier at most PACE_WINDOW
# months before it and at least PACE_GAP months before the later one. A region's pace pools
# its countries' pairs and is shrunk towards the world's (1); a country's own pairs are
# shrunk towards its region's, each as if PACE_PRIOR_PAIRS pairs had said the pace shrunk
# towards; both kept within PACE_BOUNDS (judgements: a year's evidence, two years' window,
# ten pairs' worth of doubt). A count published as a range wider than PACE_MAX_RANGE
# (high / low) makes no pair: the growth a pair measures is itself about x1.5-2 (the world
# wave's over a year), so a count known only within more than a factor 2 (ICSR's 4-150 for
# Kosovo in December 2013) cannot measure it.
PACE_RECENT = 12
PACE_WINDOW = 24
PACE_GAP = 3
PACE_PRIOR_PAIRS = 10
PACE_BOUNDS = (0.25, 2.0)
PACE_MAX_RANGE = 2.0


@dataclass(frozen=True)
class Paces:
    """Travel paces at one cut-off: ``regions`` and ``countries`` map a region or an iso3
    to ``(pace, pairs)`` for those with pairs of counts (:func:`travel_pace`)."""

    regions: dict[str, tuple[float, int]]
    countries: dict[str, tuple[float, int]]

    def of(self, iso3: str, region: str) -> float:
        """A row's pace: its country's own, else its region's, else the world's (1)."""
        if iso3 in self.countries:
            return self.countries[iso3][0]
        return self.regions.get(region, (1.0, 0))[0]


def _shrunk(grown: float, world: float, n: int, towards: float) -> float:
    """``grown / world`` clipped to PACE_BOUNDS, shrunk towards ``towards`` on the log scale
    with weight ``n / (n + PACE_PRIOR_PAIRS)``."""
    ratio = float(np.clip(grown / world, *PACE_BOUNDS))
    w = n / (n + PACE_PRIOR_PAIRS)
    if towards == 1.0:
        return float(ratio ** w)
    return float(np.exp(w * np.log(ratio) + (1.0 - w) * np.log(towards)))


def travel_pace(cutoff: str, months: pd.DatetimeIndex, shape: np.ndarray, k: int,
                region_of: dict[str, str]) -> Paces:
    """How fast each region's and each country's counts of people who travelled grew
    against the world's shape over the same months, from the counts published by
    ``cutoff`` (ADR 0028).

    For each country (``region_of``: iso3 -> region), every pair of its travelled counts
    (one value a month: the median of the month's estimates, a range at its geometric
    midpoint, a one-sided count at its bound; a count of everyone only, as ``covers`` reads
    everywhere, and no range wider than :data:`PACE_MAX_RANGE`) of months ``a < b`` inside
    the window above
    gives ``log(x_b / x_a)`` and the world's ``log(S(b) / S(a))``, ``S`` the cumulative
    ``shape``. A pace is the ratio of such sums (a regression through the origin, long
    intervals weighing most), clipped to :data:`PACE_BOUNDS` and shrunk on the log scale
    with weight ``n / (n + PACE_PRIOR_PAIRS)`` for ``n`` pairs: a region's (all its
    countries' pairs) towards 1, a country's (its own pairs) towards its region's.
    """
    ff = data.calibration_data("foreign_fighters", cutoff)
    # counts of everyone only (a blank ``covers`` or "everyone", one reading: scope_of)
    rows = ff[(ff["measure"] == "travelled") & ff["covers"].map(scope_of).eq("")
              & ff["iso3"].isin(list(region_of))]
    lo, hi = rows["low"].to_numpy(float), rows["high"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where((lo > 0) & (hi > 0), np.sqrt(lo * hi), np.where(lo > 0, lo, hi))
        wide = (lo > 0) & (hi > 0) & (hi / lo > PACE_MAX_RANGE)
    frame = pd.DataFrame({
        "iso3": rows["iso3"].to_numpy(), "value": value,
        "m": months.get_indexer(rows["as_of_date"].dt.to_period("M").dt.start_time)})
    frame = frame[(frame["value"] > 0) & (frame["m"] >= k - PACE_WINDOW) & (frame["m"] <= k)
                  & ~wide]
    cumulative = np.cumsum(np.asarray(shape, dtype=float))
    by_region: dict[str, list[float]] = {}
    by_country: dict[str, list[float]] = {}
    monthly = frame.groupby(["iso3", "m"])["value"].median()  # one value a country-month
    for iso3, series in monthly.groupby(level="iso3"):
        ms, xs = series.index.get_level_values("m").to_numpy(), series.to_numpy()
        for i in range(len(ms)):
            for j in range(i + 1, len(ms)):
                a, b = ms[i], ms[j]
                if b - a < PACE_GAP or b <= k - PACE_RECENT or cumulative[a] <= 0:
                    continue
                for acc in (by_region.setdefault(region_of[str(iso3)], [0.0, 0.0, 0]),
                            by_country.setdefault(str(iso3), [0.0, 0.0, 0])):
                    acc[0] += float(np.log(xs[j] / xs[i]))
                    acc[1] += float(np.log(cumulative[b] / cumulative[a]))
                    acc[2] += 1
    regions = {r: (_shrunk(g, w, int(n), 1.0), int(n))
               for r, (g, w, n) in by_region.items() if w > 0}
    countries = {c: (_shrunk(g, w, int(n), regions.get(region_of[c], (1.0, 0))[0]), int(n))
                 for c, (g, w, n) in by_country.items() if w > 0}
    return Paces(regions, countries)


def paced_shapes(shape: np.ndarray, k: int, pace: np.ndarray) -> np.ndarray:
    """(T, C) share of each row's travellers arriving each month when its wave runs at
    ``pace`` against the world ``shape`` (which sums to 1 up to the cut-off ``k``): its
    cumulative share by month ``t <= k`` is ``S(t) ** pace`` (a pace below 1 is a wave that
    came earlier and slowed sooner), the trickle after the cut-off the world's times
    ``pace`` (the slope of ``S ** pace`` at the cut-off). A pace of exactly 1 is the world
    shape itself."""
    shape = np.asarray(shape, dtype=float)
    pace = np.asarray(pace, dtype=float)
    out = np.repeat(shape[:, None], len(pace), axis=1)
    own = pace != 1.0
    if own.any():
        cumulative = np.clip(np.cumsum(shape[: k + 1]), 0.0, None)
        paced = cumulative[:, None] ** pace[None, own]
        out[: k + 1, own] = np.diff(paced, axis=0, prepend=0.0)
        out[k + 1:, own] = shape[k + 1:, None] * pace[None, own]
    return out


def vintage_factors(newest_as_of: pd.Series, months: pd.DatetimeIndex, shape: np.ndarray,
                    k: int, pace: np.ndarray | None = None) -> np.ndarray:
    """Per row, how many travellers there were by the cut-off (month ``k`` of ``months``)
    for each one counted by the row's newest estimate (``newest_as_of``): ``(S(k) /
    S(m)) ** pace``, ``S`` the cumulative world recruitment ``shape``, ``m`` the estimate's
    month (ADR 0025) and ``pace`` the row's (ADR 0028; default 1). 1 for an estimate of
    the cut-off month or later (or before the run's first month), at most
    :data:`VINTAGE_CAP`."""
    cumulative = np.cumsum(np.asarray(shape, dtype=float))
    m = months.get_indexer(pd.to_datetime(newest_as_of).dt.to_period("M").dt.start_time)
    old = (m >= 0) & (m < k)
    f = np.ones(len(m))
    f[old] = cumulative[k] / np.maximum(cumulative[m[old]], cumulative[k] / VINTAGE_CAP)
    if pace is not None:
        f = f ** np.asarray(pace, dtype=float)
    return np.clip(f, 1.0, VINTAGE_CAP)


_SCOPE_OF = {rem.code: scope for scope, rem in REMAINDERS.items()}  # remainder row -> scope


def _half_up(values: np.ndarray) -> np.ndarray:
    """Persons, rounded half up as the best-estimate rule rounds (137.5 -> 138)."""
    return np.floor(np.asarray(values, dtype=float) + 0.5).astype(np.int64)


def to_cutoff(best: pd.DataFrame, months: pd.DatetimeIndex, shape: np.ndarray, k: int,
              world_month: pd.Timestamp | None = None,
              pace: np.ndarray | None = None,
              regional: dict[str, tuple[int, pd.Timestamp]] | None = None) -> pd.DataFrame:
    """Traveller estimates (``ffcast data best``) moved from the month they describe to the
    cut-off the engine reads them at (ADR 0025), the factor in a ``vintage`` column.

    The engine's travellers are travellers by the cut-off
    (:func:`ffcast.engine.drivers.recruitment_shape` sums to 1 there), and calibration
    compares a statement of people who travelled with its own month; an estimate two years
    old read as the cut-off's count put most of a country's people after it. A country row:
    central and high times :func:`vintage_factors`, low kept (counts only grow: those
    counted then had travelled by the cut-off). A remainder row is what the world total
    (of ``world_month``, the newest world count) leaves to no named country: it is moved
    by the world total's factor, and the people its countries gained by the move come out
    of it (never below 0), so where the world count is recent the world stays as published.
    ``pace`` (per row, default 1): a country row is moved along its own wave (ADR
    0028); a remainder always by the world count's factor. ``regional`` (remainder code ->
    the region's latest published total and its month, :func:`regional_totals`): the move
    never lifts a region's named countries above that total moved along the region's wave;
    where it would, their gains shrink in proportion (counts published above it stay as
    published; ADR 0031: Bosnia's 330 of 2014-12 read 608 at 2015-12 along the world's
    wave, against the Balkans' 875 of TSG, 2015-12, and Bosnia's own 200-330 of 2016).
    """
    f = vintage_factors(best["newest_as_of"], months, shape, k, pace)
    central = best["central"].to_numpy(np.int64)
    moved = _half_up(central * f)
    high = best["high"].to_numpy(float)
    country = (best["kind"] == "country").to_numpy()
    inside_of = {} if country.all() else _remainder_scopes(best, country)
    if regional and inside_of:  # a region's own total bounds its countries' move (ADR 0031)
        codes = list(best["iso3"])
        paces = np.ones(len(best)) if pace is None else np.asarray(pace, dtype=float)
        for i, inside in inside_of.items():
            if codes[i] not in regional:
                continue
            total, month = regional[codes[i]]
            grown = float(vintage_factors(pd.Series([month]), months, shape, k,
                                          np.array([paces[i]]))[0])
            room = max(0.0, total * grown - float(central[inside].sum()))
            gain = (moved - central)[inside].astype(float)
            if gain.sum() > room:
                capped = central[inside] + _half_up(gain * (room / gain.sum()))
                moved[inside] = capped
                with np.errstate(divide="ignore", invalid="ignore"):
                    f[inside] = np.where(central[inside] > 0, capped / central[inside], 1.0)
    if not country.all():
        fw = 1.0 if world_month is None else float(
            vintage_factors(pd.Series([world_month]), months, shape, k)[0])
        gained = np.where(country, moved - central, 0)
        for i, inside in inside_of.items():
            f[i] = fw
            moved[i] = max(0, int(_half_up(central[i] * fw)) - int(gained[inside].sum()))
    out = best.copy()
    out["central"] = moved
    out["high"] = np.maximum(_half_up(high * f), moved)
    out["low"] = np.minimum(out["low"].to_numpy(np.int64), moved)
    out["vintage"] = f
    return out


def _remainder_scopes(best: pd.DataFrame, country: np.ndarray) -> dict[int, np.ndarray]:
    """Per remainder row (its position in ``best``), the country rows its scope covers; ROW
    takes what no scope before it claimed."""
    iso3, regions = list(best["iso3"]), list(best["region"])
    claimed = np.zeros(len(best), dtype=bool)
    out: dict[int, np.ndarray] = {}
    for i in np.flatnonzero(~country):
        scope = _SCOPE_OF.get(iso3[i])
        inside = (np.asarray(scope_countries(scope, iso3, regions) or [False] * len(best))
                  if scope is not None else ~claimed)  # ROW: what no scope claims
        inside = inside & country
        claimed |= inside
        out[int(i)] = inside
    return out


def _month_offset(months: pd.DatetimeIndex, month: str) -> int:
    p = pd.Period(month, "M")
    return (p.year - months[0].year) * 12 + (p.month - months[0].month)


def _known_from(months: pd.DatetimeIndex, cutoff: str, since: str, published: str
                ) -> np.ndarray:
    """(T,) 1.0 from month ``since`` on, when a run with this ``cutoff`` knows of it (its
    evidence was ``published`` by the cut-off), else 0 everywhere."""
    out = np.zeros(len(months))
    if pd.Period(cutoff, "M") >= pd.Period(published, "M"):
        out[_month_offset(months, since):] = 1.0
    return out


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
    cutoff = pd.Timestamp(pd.Period(scen.cutoff, "M").start_time)
    k = _month_offset(months, scen.cutoff)
    known = world_travelled(cutoff)
    shape = drivers.recruitment_shape(months, cutoff, known)
    # moved on every row before a subset is taken: a row's travellers never depend on which
    # other rows a run holds
    best = data.best_estimates(as_of=scen.cutoff)
    paces = travel_pace(scen.cutoff, months, shape, k, dict(zip(best["iso3"], best["region"],
                                                             strict=True)))
    pace = np.array([paces.of(i, r) for i, r in zip(best["iso3"], best["region"],
                                                     strict=True)])
    best = to_cutoff(best, months, shape, k, max(m for m, _ in known) if known else None,
                     pace, regional_totals(scen.cutoff))
    best["pace"] = pace
    _check_policy_countries(scen, best)
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
    pace = best.pop("pace").to_numpy(float)
    policy_index = _month_offset(months, scen.policy.start)
    observed = drivers.observed_territory(months, data.load("territory"), cutoff)
    _check_residual(scen, drivers.held_at_cutoff(observed, k))
    mask = np.ones(len(best), dtype=bool)
    if scen.policy.countries is not None:
        mask = best["iso3"].isin(scen.policy.countries).to_numpy()
    border = np.ones((len(months), len(best)))
    if scen.policy.border_control > 0:
        after = np.arange(len(months)) >= max(policy_index, k + 1)
        border[np.ix_(after, mask)] = 1.0 - scen.policy.border_control
    tightened = _known_from(months, scen.cutoff, BORDER_TIGHTENING, BORDER_TIGHTENING_PUBLISHED)
    caliphate = _known_from(months, scen.cutoff, CALIPHATE_EXIT, CALIPHATE_EXIT_PUBLISHED)
    responded = _known_from(months, scen.cutoff, HOME_RESPONSE, HOME_RESPONSE_PUBLISHED)
    return Prepared(
        scenario=scen,
        months=months,
        record_from=_month_offset(months, start),
        countries=best,
        codes=np.array([country_code(c) for c in best["iso3"]], dtype=np.int64),
        region_index=np.array([REGIONS.index(r) for r in best["region"]], dtype=np.int64),
        shape=shape,
        observed=observed,
        cutoff_index=k,
        policy_index=policy_index,
        policy_mask=mask,
        border=border,
        tightened=tightened,
        caliphate=caliphate,
        responded=responded,
        west=best["region"].isin(WESTERN_REGIONS).to_numpy(),
        pace=pace,
    )


_NOT_LEVERS = {"start", "countries", "groups"}


def _policy_acts(scen: Scenario) -> bool:
    """Whether the scenario sets any policy lever (a field of ``policy`` other than where,
    when and whom, away from its default)."""
    pol = scen.policy
    return pol.model_dump(exclude=_NOT_LEVERS) != type(pol)().model_dump(exclude=_NOT_LEVERS)


def policy_reach_problem(scen: Scenario, end: str,
                         countries: list[str] | None = None) -> str | None:
    """Why the levers a scenario sets change nothing in a run to ``end`` over ``countries``
    (None: every country), or None: a policy start after the last month, or policy countries
    none of which the run holds. Such a run equals the baseline while its name says
    otherwise (review, 2026-12-07: `sensitivity --countries DEU` on a French policy, a start
    in 2090 with --end 2019-12). Not an error (a run that stops before a policy starts is a
    fair check that nothing moves before it): the command line warns."""
    if not _policy_acts(scen):
        return None
    if pd.Period(scen.policy.start, "M") > pd.Period(end, "M"):
        return (f"policy.start: {scen.policy.start} is after the run's last month {end}, so "
                "the levers change nothing in this run; fix: an earlier policy.start or a "
                "later end")
    named = scen.policy.countries
    if named is not None and countries is not None and not set(named) & set(countries):
        return (f"policy.countries: none of {', '.join(named)} is among this run's countries "
                f"({', '.join(countries[:5])}{', ...' if len(countries) > 5 else ''}), so the "
                "levers reach nobody; fix: add them to --countries, or drop --countries")
    return None


def _check_policy_countries(scen: Scenario, best: pd.DataFrame) -> None:
    """Raise ScenarioError for a country the policy names that the run cannot single out:
    one without a traveller estimate of its own by the cut-off, whose travellers sit in a
    regional remainder row (the levers would silently reach nobody)."""
    if scen.policy.countries is None:
        return
    rows = set(best["iso3"])
    absent = [c for c in scen.policy.countries if c not in rows]
    if not absent:
        return
    from ffcast.data.countries import region_of

    def pool(code: str) -> str:
        try:
            region = region_of(code)
        except FFCastError:
            region = ""
        same = [r.code for r in REMAINDERS.values() if r.region == region and r.code in rows]
        return same[0] if same else "ROW"

    where = "; ".join(f"{c} is counted in {pool(c)}" for c in absent)
    raise ScenarioError(
        f"policy.countries: {', '.join(absent)} has no traveller estimate of its own by the "
        f"cut-off {scen.cutoff}, so the levers would reach nobody ({where}, the travellers no "
        "country's statement names); fix: name that row instead, or leave it out (`ffcast "
        f"data best --cutoff {scen.cutoff}` lists the rows)")


def _check_residual(scen: Scenario, held: float) -> None:
    """Raise ScenarioError when ``collapse.residual_share`` is above ``held``, the share of
    the January 2015 extent held at the cut-off: the "collapse" would be an expansion."""
    residual = scen.collapse.residual_share
    if residual > held + 1e-12:
        raise ScenarioError(
            f"collapse.residual_share: {residual:g} is more than the organisation held at the "
            f"cut-off {scen.cutoff} ({held:.3f} of its January 2015 extent), so the collapse "
            f"would be an expansion; fix: use at most {np.floor(held * 1000) / 1000:g}")


def regional_totals(cutoff: str) -> dict[str, tuple[int, pd.Timestamp]]:
    """Per remainder row (``R-WEU``, ...), its region's latest total of people who travelled
    published by ``cutoff`` (:func:`ffcast.data.best.regional_estimates`) and the month it
    describes; regions without one are left out."""
    from ffcast.data.best import regional_estimates

    return {REMAINDERS[scope].code: (total.central, total.newest)
            for scope, total in regional_estimates(data.cutoff_end(cutoff)).items()}
