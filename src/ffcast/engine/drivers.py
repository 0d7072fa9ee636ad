"""Exogenous drivers: ISIS-held territory and the shared shape of the travel wave.

``territory(t)`` is observed (IHS, share of the January 2015 extent) up to the cut-off and a
scenario path after it; ``collapse_pressure(t)`` is the loss relative to the running peak
(zero before the peak is reached), which drives deaths, captures and exit decisions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Territory before the IHS series (share of the January 2015 extent). Judgement from the
# chronology in the essay and public timelines: ISIS formed in Syria in April 2013, took
# Raqqa and Fallujah in January 2014, Mosul in June 2014; the IHS series starts at its
# January 2015 extent (90,800 km2, IHS2015), which we treat as the peak.
_PRE_SERIES: tuple[tuple[str, float], ...] = (
    ("2011-01", 0.0), ("2013-03", 0.0), ("2013-04", 0.10), ("2014-01", 0.40),
    ("2014-06", 0.85), ("2014-09", 1.0),
)
# The Q1-2016 IHS statement (-8% in three months from 78,000 km2; IHS2016a) gives 71,760 km2.
_Q1_2016 = ("2016-03", 78_000 * 0.92 / 90_800)

# World monthly inflow anchors (persons/month), used only for the *shape* of the travel wave;
# the level per country comes from the best estimates. Sources: "less than 1,000 in 2011",
# "more than 3,500 in 2012", "8,500+ in 2013", "18,000+ in 2014" (SCHMID2015); "more than
# 1,000 a month" late 2014 (CIA2014); "between 1,500 and 2,000" at the 2015 peak, "around
# 200" in April 2016 (GERSTEN2016), "a quarter or less of 2,000" (WARREN2016); "as few as 50"
# by September 2016 (WAPO2016). Values between anchors are interpolated linearly. The third
# element is the month the supporting statement became public: a run with an earlier cut-off
# uses only the anchors known by then and holds the last one flat (rolling-origin discipline).
INFLOW_ANCHORS: tuple[tuple[str, float, str], ...] = (
    ("2011-01", 20.0, "2015-10"), ("2011-12", 120.0, "2015-10"), ("2012-12", 330.0, "2015-10"),
    ("2013-12", 620.0, "2015-10"), ("2014-06", 1100.0, "2015-10"),
    ("2014-10", 1700.0, "2014-11"), ("2015-03", 1800.0, "2016-04"),
    ("2015-07", 1500.0, "2016-04"), ("2015-12", 800.0, "2016-04"),
    ("2016-04", 350.0, "2016-04"), ("2016-09", 60.0, "2016-09"), ("2016-12", 40.0, "2016-12"),
)
POST_CUTOFF_INFLOW_DECAY_MONTHS = 6.0  # judgement: the residual trickle halves every ~4 months


def month_index(start: str, end: str) -> pd.DatetimeIndex:
    """Month starts from ``start`` to ``end`` inclusive (``YYYY-MM``)."""
    return pd.date_range(pd.Period(start, "M").start_time, pd.Period(end, "M").start_time,
                         freq="MS")


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def observed_territory(months: pd.DatetimeIndex, territory: pd.DataFrame,
                       cutoff: pd.Timestamp | None = None) -> np.ndarray:
    """Observed territory share on ``months`` (NaN after the last observation used).

    ``territory`` is ``ffcast.data.load("territory")``; points *published* after the
    ``cutoff`` month (a month start) are ignored, whatever date they describe (IHS's end-2016
    figure came out on 18 Jan 2017); the rest are placed at their month and interpolated.
    """
    pts = [(pd.Timestamp(m), v) for m, v in _PRE_SERIES]
    obs = territory.dropna(subset=["share_of_jan2015"])
    if cutoff is not None:
        obs = obs[obs["published_date"] < cutoff + pd.offsets.MonthBegin(1)]
    pts += [(pd.Timestamp(d).to_period("M").start_time, float(s))
            for d, s in zip(obs["date"], obs["share_of_jan2015"], strict=True)]
    if cutoff is None or pd.Timestamp(_Q1_2016[0]) <= cutoff:
        pts.append((pd.Timestamp(_Q1_2016[0]), _Q1_2016[1]))
    pts.sort()
    x = np.array([_months_between(months[0], p[0]) for p in pts], dtype=float)
    y = np.array([p[1] for p in pts])
    t = np.arange(len(months), dtype=float)
    out = np.interp(t, x, y)
    out[t > x.max()] = np.nan
    return out


def territory_paths(
    months: pd.DatetimeIndex,
    observed: np.ndarray,
    cutoff: pd.Timestamp,
    midpoint: np.ndarray,
    steepness_months: float,
    residual: float,
) -> np.ndarray:
    """Territory share per draw and month: observed to the cut-off, a logistic collapse after.

    ``midpoint`` is, per draw, the month offset (from ``months[0]``) of the logistic's centre;
    territory falls from its cut-off level toward ``residual``, the logistic renormalised to
    1 at the cut-off, so at the midpoint ``0.5 / L(cut-off)`` of the decline is still to come
    (more than half: at 2016-12 with the default 2017-07 and steepness 3, 45% is done,
    1 - 0.5 x (1 + e^(-7/3))).
    Returns an array (draws, months).
    """
    t = np.arange(len(months), dtype=float)
    k = min(_months_between(months[0], cutoff), len(months) - 1)
    # The last observation public by the cut-off is carried forward to it: the territory
    # does not bounce back to its peak in the months between the last published figure and
    # the cut-off (it did before issue 19: at 2016-12 the IHS figure for end-2016 was
    # published only in 2017-01, so November-December 2016 went back to 100%).
    seen = np.flatnonzero(~np.isnan(observed[: k + 1]))
    level = held_at_cutoff(observed, k)
    base = observed.copy()
    base[(seen[-1] + 1) if seen.size else 0:] = level
    paths = np.broadcast_to(base, (midpoint.shape[0], len(months))).copy()
    if k + 1 < len(months):
        tt = t[k + 1:][None, :]
        mid = midpoint[:, None]
        logistic = 1.0 / (1.0 + np.exp((tt - mid) / steepness_months))
        at_cut = 1.0 / (1.0 + np.exp((k - mid) / steepness_months))
        paths[:, k + 1:] = residual + (level - residual) * logistic / at_cut
    return np.clip(paths, 0.0, 1.0)


def held_at_cutoff(observed: np.ndarray, k: int) -> float:
    """The territory share at month index ``k`` (the cut-off): the last observation public
    by then, carried forward (:func:`territory_paths` falls from it)."""
    seen = np.flatnonzero(~np.isnan(observed[: k + 1]))
    return float(observed[seen[-1]]) if seen.size else float(np.nanmax(observed))


def collapse_pressure(paths: np.ndarray) -> np.ndarray:
    """Loss of territory relative to the running peak (0 until the peak; 0..1)."""
    peak = np.maximum.accumulate(paths, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(peak >= 0.999, 1.0 - paths / np.maximum(peak, 1e-9), 0.0)
    return np.clip(p, 0.0, 1.0)


def recruitment_shape(months: pd.DatetimeIndex, cutoff: pd.Timestamp,
                      cumulative: tuple[tuple[pd.Timestamp, float], ...] = ()) -> np.ndarray:
    """Share of a country's travellers-by-cut-off arriving in each month.

    Sums to 1 over months up to the cut-off (2016-12 by default); after it a residual
    trickle decays from the last anchor (border controls scale it in the engine).

    Only anchors public by the cut-off are used. Before the first of them (a cut-off before
    October 2015 knows no anchor before October 2014) the inflow rises from zero in 2011-01
    as a power of time, ``A x (t / T) ** p``, reaching the first anchor's ``A`` at ``T``;
    ``p`` makes the cumulative inflow match the latest world total in ``cumulative``
    (``(month, travellers)`` published by the cut-off) up to that anchor, else ``p`` =
    :data:`EARLY_RAMP_POWER`. Without this, an early cut-off put every traveller after the
    first anchor, i.e. nobody in Syria before autumn 2014.
    """
    start = pd.Timestamp(WAVE_START)
    known = [(m, v) for m, v, public in INFLOW_ANCHORS
             if pd.Timestamp(m) <= cutoff and pd.Timestamp(public) <= cutoff]
    anchor_x = np.array([_months_between(start, pd.Timestamp(m)) for m, _ in known],
                        dtype=float)
    anchor_y = np.array([v for _, v in known])
    k = _months_between(start, cutoff)  # the cut-off, in months since WAVE_START
    grid = np.arange(max(k, int(anchor_x.max())) + 1, dtype=float)
    raw = np.interp(grid, anchor_x, anchor_y, left=0.0, right=anchor_y[-1])
    first, top = anchor_x[0], anchor_y[0]
    if first > 0:
        power = _early_power(first, top, [(_months_between(start, m), c) for m, c in cumulative
                                          if _months_between(start, m) <= first])
        early = grid < first
        raw[early] = top * (grid[early] / first) ** power
    total = raw[: k + 1].sum()
    offset = _months_between(start, months[0])
    t = np.arange(len(months), dtype=float) + offset  # the run's months since WAVE_START
    shape = np.interp(t, grid, raw, left=0.0, right=raw[-1]) / total
    after = t > k
    if after.any():
        shape[after] = raw[k] / total * np.exp(-(t[after] - k) / POST_CUTOFF_INFLOW_DECAY_MONTHS)
    return shape


WAVE_START = "2011-01"  # the first month anyone in ffcast travels (the Syrian uprising)
EARLY_RAMP_POWER = 2.0  # judgement, when no world total is public before the first anchor


def _early_power(first: float, top: float, totals: list[tuple[int, float]]) -> float:
    """The power ``p`` of the early ramp whose cumulative inflow at the latest of ``totals``
    (month index, world travellers) matches it: ``top x first / (p + 1) x (m / first) **
    (p + 1) = total``, solved by bisection on ``p`` in [0, 12]."""
    if not totals:
        return EARLY_RAMP_POWER
    m, total = max(totals)
    if m <= 0 or total <= 0:
        return EARLY_RAMP_POWER

    def excess(p: float) -> float:
        return top * first / (p + 1.0) * (m / first) ** (p + 1.0) - total

    lo, hi = 0.0, 12.0
    if excess(lo) <= 0:
        return lo
    if excess(hi) >= 0:
        return hi
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return 0.5 * (lo + hi)
