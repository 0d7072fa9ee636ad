"""Terrorism risk per calendar year and risk region: the one reduction every output shows.

Warning first: every number here is *linked to foreign fighters* (attacks by the people the
model follows, see :data:`ffcast.results.quantities.LINKED_TO_FOREIGN_FIGHTERS`), never all
jihadist terrorism; most attacks in the West were home-grown and are not counted. A
probability is the share of draws with at least one event in the year (not a closed form),
so with D draws it is known to about +-1/sqrt(D). Deaths per attack follow a power law: a
year's mean deaths can sit far above its median, so both are given.

The headline (:mod:`ffcast.runner`), the report and the dashboard all reduce a chunk with
:func:`yearly` and summarise the per-draw counts with :func:`year_summary`, so the numbers
agree wherever they are shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ffcast.results import quantities as Q
from ffcast.results.stats import draw_summary


def year_starts(months: pd.DatetimeIndex) -> np.ndarray:
    """Index of each calendar year's first month in ``months`` (sorted month starts)."""
    return np.flatnonzero(np.r_[True, months.year[1:] != months.year[:-1]])


def yearly(monthly: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Monthly counts ``(D, T, ...)`` summed per calendar year: ``(D, Y, ...)``, where Y
    are the distinct years of ``months`` (T sorted month starts) in order."""
    return np.add.reduceat(np.asarray(monthly, dtype=np.int64), year_starts(months), axis=1)


def year_summary(counts: np.ndarray) -> dict[str, dict[str, float | dict[str, float]]]:
    """Summary over draws of one year's counts ``(D, RISK_REGIONS, RISK_COUNTS)``, by region.

    Per region: ``attacks`` and ``deaths`` (mean, median, p5, p95 over draws),
    ``p_at_least_one`` (share of draws with an attack) and ``p_mass_casualty`` (share with
    an attack of at least :data:`~ffcast.results.quantities.MASS_CASUALTY_DEATHS` deaths).
    """
    counts = np.asarray(counts)
    attacks, deaths, mass = (Q.RISK_COUNTS.index(k) for k in
                             ("attacks", "attack_deaths", "mass_casualty_attacks"))
    return {region: {"attacks": draw_summary(counts[:, r, attacks]),
                     "deaths": draw_summary(counts[:, r, deaths]),
                     "p_at_least_one": float((counts[:, r, attacks] > 0).mean()),
                     "p_mass_casualty": float((counts[:, r, mass] > 0).mean())}
            for r, region in enumerate(Q.RISK_REGIONS)}



def whole(x: float) -> str:
    """A count (or a median or quantile of counts) as a whole number with thousands
    separators: ``1,257,803``."""
    return f"{x:,.0f}"


def signed(x: float) -> str:
    """A difference of counts (a median or quantile of paired differences), signed and
    whole, with its half when it lies halfway (the median of an even number of draws:
    rounding to even showed +2.5 as +2 and -23.5 as -24 while ``--json`` said 2.5 and
    -23.5; review, 2026-12-07); 0 unsigned."""
    if abs(x - round(x)) == 0.5:
        return f"{x:+,.1f}"
    return "0" if round(x) == 0 else f"{x:+,.0f}"


def mean_text(x: float) -> str:
    """An expected number: whole with thousands separators from 10 up (``373,082``), one
    decimal below, where it is the information (``0.4`` attacks a year is not ``0``)."""
    return f"{x:,.1f}" if abs(x) < 9.95 else whole(x)


#: What a number marked ``?`` means (ffcast.calibrate.reliance, ADR 0040): one wording for
#: ``ffcast run``, the report and the dashboard.
UNDETERMINED_NOTE = ("? the parameters the screen finds explain under a fifth of the number at "
                     "this many draws: neither the priors' reading nor the record's (more "
                     "draws may tell).")


def reliance_mark(key: str, prior_driven: object, undetermined: object) -> str:
    """The label suffix of a headline number: `` †`` when it rests mostly on what the data
    did not decide (``key in prior_driven``), `` ?`` when the screen cannot attribute it
    (``key in undetermined``), else nothing."""
    return " †" if key in prior_driven else " ?" if key in undetermined else ""  # type: ignore[operator]


def percent(p: float) -> str:
    """A probability as a whole percentage that never rounds a possibility away ("<1%",
    ">99%"), for tables."""
    shown = f"{p:.0%}"
    if p > 0 and shown == "0%":
        return "<1%"
    if p < 1 and shown == "100%":
        return ">99%"
    return shown
