"""Best estimates of travellers by a cut-off, per origin country, plus the remainder rows.

Warning: only estimates **published** by the cut-off enter (``calibration_data``), each
counted once however many outlets re-printed it, and never a flagged row (wrong measure,
wider scope, annual, unverifiable, suspect). The rule (argued in
docs/decisions/0002-best-estimate-rule.md) is applied the same way to a country, to a
regional total and to the world total:

1. **The latest vintage leads.** The estimates whose ``as_of`` falls in the newest one's
   calendar month or the two before (the leading vintage) set the central: the median of
   their midpoints. Counts only grow, so an older figure is out of date rather than a
   second opinion.
2. **"At least X" is a bound, not a midpoint**: the largest floor of the leading vintage
   raises the central; "up to X" sets it only when nothing else does. A count of some groups
   only (men, adults: the row's ``covers``) is a floor of everyone who went.
3. **Disagreement widens the range.** low/high span every estimate of the twelve calendar
   months up to the newest ``as_of`` (a floor can only raise the high, a cap only lower the
   low), and always include the central.
4. **Remainders.** A region's share of all travellers is taken from its latest published
   total divided by the world total of the same vintage; carried to the world total at the
   cut-off it gives the region's travellers, and what its countries do not account for is
   its remainder row (``R-MAG``, ...). What no region claims is ``ROW``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ffcast.data.countries import name_of, region_of
from ffcast.data.loaders import calibration_data, cutoff_end, data_state
from ffcast.data.scopes import REMAINDERS, REST_OF_WORLD, Remainder, scope_countries
from ffcast.errors import FFCastError

WINDOW_END = pd.Timestamp("2016-12-31")
LEADING_MONTHS = 3  # the leading vintage: the newest estimate's month and the two before
RANGE_MONTHS = 12  # disagreement counted into low/high: the newest month and the 11 before
COMBINED = {"ISR": "ISR;PSE", "PSE": "ISR;PSE"}
TRAVELLED = "cumulative_travelled"
#: Statements that count some of the people who went (foreign_fighters.covers), not all.
NARROW_COVERS = ("adults", "men", "women", "minors")
COLUMNS = [
    "iso3", "name", "region", "low", "central", "high", "n_estimates", "sources", "rule",
    "newest_as_of", "kind",
]


class Estimate(NamedTuple):
    """One quantity by the rule: persons, with the evidence behind it."""

    low: int
    central: int
    high: int
    newest: pd.Timestamp  # as_of of the newest estimate (start of the leading vintage window)
    n: int  # estimates within the range window
    sources: tuple[str, ...]
    rule: str


class TravellerTotal(NamedTuple):
    """World travellers to Syria/Iraq by a cut-off, persons (see :func:`total_travellers_2016`)."""

    low: int
    central: int
    high: int
    # Source ids of the statements behind the total, as published by its cut-off (they were
    # always end 2016's: a 2015-06 total resting on NCTC2015 named sources of 2016).
    sources: tuple[str, ...] = ()


def estimate(rows: pd.DataFrame) -> Estimate:
    """The rule applied to ``rows`` (one per estimate: low, high, as_of_date, source).

    Raises:
        ValueError: ``rows`` holds no number.
    """
    return _estimate(*_columns(rows))


Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _columns(rows: pd.DataFrame) -> Columns:
    """low and high (float, NaN when open), as_of_date (datetime64) and source of ``rows``."""
    return (rows["low"].to_numpy(dtype=float, na_value=np.nan),
            rows["high"].to_numpy(dtype=float, na_value=np.nan),
            rows["as_of_date"].to_numpy(dtype="datetime64[ns]"),
            rows["source"].to_numpy(dtype=object))


def _estimate(low: np.ndarray, high: np.ndarray, as_of: np.ndarray,
              source: np.ndarray) -> Estimate:
    """:func:`estimate` on the columns of the rows (see :func:`_columns`)."""
    known = ~np.isnan(low) | ~np.isnan(high)
    if not known.all():
        low, high, as_of, source = low[known], high[known], as_of[known], source[known]
    if not len(low):
        raise ValueError("no estimate to apply the rule to")
    dated = ~np.isnat(as_of)
    if not dated.any():
        raise ValueError("no dated estimate to apply the rule to")
    month = as_of.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    newest_month = int(month[dated].max())
    newest = pd.Timestamp(as_of[dated].max())
    age = np.where(dated, newest_month - month, RANGE_MONTHS)  # whole calendar months
    leading, ranged = age < LEADING_MONTHS, age < RANGE_MONTHS
    floor, cap = np.isnan(high), np.isnan(low)
    two = ~floor & ~cap
    mids = ((low + high) / 2)[leading & two]
    floors = low[leading & floor]
    if len(mids):
        central, how = float(np.median(mids)), "median"
    elif len(floors):
        central, how = float(floors.max()), "'at least' figure"
    else:
        central, how = float(np.median(high[leading & cap])), "'up to' figure"
    if len(floors) and floors.max() > central:
        central, how = float(floors.max()), how + " raised to an 'at least' figure"
    centre = _round(central)
    lows = np.concatenate([low[ranged & two], high[ranged & cap]])
    highs = np.concatenate([high[ranged & two], low[ranged & floor]])
    lo = min(_round(lows.min()) if len(lows) else centre, centre)
    hi = max(_round(highs.max()) if len(highs) else centre, centre)
    n = int(ranged.sum())
    rule = (f"{how} of the estimates of {_month(newest_month - LEADING_MONTHS + 1)}"
            f"..{_month(newest_month)} ({', '.join(_ids(source[leading]))}); range over "
            f"{n} estimate(s) of {_month(newest_month - RANGE_MONTHS + 1)}"
            f"..{_month(newest_month)}")
    return Estimate(lo, centre, hi, newest, n, _ids(source[ranged]), rule)


def _month(months: int) -> str:
    """``YYYY-MM`` of a count of months since 1970-01."""
    return f"{1970 + months // 12:04d}-{months % 12 + 1:02d}"


def _ids(cells: Iterable[object]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part for cell in cells for part in str(cell).split(";")))


def total_travellers_2016(as_of: str | pd.Timestamp = WINDOW_END) -> TravellerTotal:
    """(low, central, high) of all foreign travellers by ``as_of`` (default end 2016), persons.

    The rule of this module applied to the world ``cumulative_travelled`` statements
    published by ``as_of`` (one per estimate, unflagged).

    Raises:
        FFCastError: no world statement is known by then.
    """
    end = cutoff_end(as_of)
    world = _world(data_state(), end, end)
    return TravellerTotal(world.low, world.central, world.high, world.sources)


def best_estimates(as_of: str | pd.Timestamp = WINDOW_END) -> pd.DataFrame:
    """Travellers by ``as_of`` (default end 2016), persons, per origin country, then one row
    per regional remainder (``R-WEU``, ...) and ``ROW``.

    Columns: iso3, name, region, low, central, high, n_estimates, sources (";"-joined), rule,
    newest_as_of, kind (``country`` or ``remainder``). Integers, ``0 <= low <= central <=
    high``; countries sorted by central, largest first. Only estimates published by
    ``as_of`` are used, so a rolling-origin backtest's prior never sees a later figure.

    Raises:
        FFCastError: no usable travelled estimate or world total is known by ``as_of``.
    """
    return _best(data_state(), cutoff_end(as_of)).copy(deep=True)


@functools.cache
def _best(state: tuple[tuple[str, int], ...], end: pd.Timestamp) -> pd.DataFrame:
    ff = calibration_data("foreign_fighters", end)
    travelled = ff[ff["measure"] == "travelled"]
    travelled = travelled[~travelled["iso3"].map(COMBINED).isin(travelled["iso3"])]
    # A count of some groups only (men, adults: ``covers``) is a floor of everyone's.
    narrow = travelled["covers"].fillna("").isin(NARROW_COVERS) & travelled["low"].notna()
    travelled = travelled.assign(high=travelled["high"].mask(narrow))
    travelled = travelled[travelled["low"].notna() | travelled["high"].notna()]
    if travelled.empty:
        raise FFCastError(
            "foreign_fighters: no usable travelled row; fix: restore the per-country estimates"
        )
    # the rule per country (rows of a country in file order), on numpy columns
    codes = travelled["iso3"].to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    columns = [col[order] for col in _columns(travelled)]
    codes = codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    rows = [_row(str(codes[i]), _estimate(*(col[i:j] for col in columns)), "country")
            for i, j in zip(starts, np.r_[starts[1:], len(codes)], strict=True)]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = table.sort_values(["central", "iso3"], ascending=[False, True], ignore_index=True)
    table = pd.concat([table, _remainders(table, state, end)], ignore_index=True)
    for col in ("low", "central", "high", "n_estimates"):
        table[col] = table[col].astype("int64")
    table["newest_as_of"] = pd.to_datetime(table["newest_as_of"]).astype("datetime64[ns]")
    return table


def _row(code: str, est: Estimate, kind: str, name: str | None = None,
         region: str | None = None) -> dict[str, object]:
    return {
        "iso3": code, "name": name or name_of(code), "region": region or region_of(code),
        "low": est.low, "central": est.central, "high": est.high, "n_estimates": est.n,
        "sources": ";".join(est.sources), "rule": est.rule, "newest_as_of": est.newest,
        "kind": kind,
    }


@functools.cache
def _world(state: tuple[tuple[str, int], ...], end: pd.Timestamp,
           vintage: pd.Timestamp) -> Estimate:
    """World total from statements published by ``end`` describing no later than ``vintage``."""
    agg = calibration_data("aggregates", end)
    rows = agg[(agg["metric"] == TRAVELLED) & (agg["scope"] == "world")
               & (agg["as_of_date"] <= vintage)]
    if rows.empty:
        raise FFCastError(
            f"aggregates: no world cumulative_travelled statement published by {end:%Y-%m-%d}; "
            "fix: restore the world totals the remainder rows need"
        )
    return estimate(rows)


def regional_estimates(end: pd.Timestamp) -> dict[str, Estimate]:
    """Per remainder scope (``western_europe``, ...), its latest regional total of people who
    travelled published by ``end``, by the rule; scopes without one are left out. The
    remainder rows and the engine's bound on moving estimates (ADR 0031) both read it."""
    agg = calibration_data("aggregates", end)
    out = {}
    for scope in REMAINDERS:
        rows = agg[(agg["metric"] == TRAVELLED) & (agg["scope"] == scope)]
        try:
            out[scope] = estimate(rows)
        except ValueError:  # no regional total published by then
            continue
    return out


def _remainders(countries: pd.DataFrame, state: tuple[tuple[str, int], ...],
                end: pd.Timestamp) -> pd.DataFrame:
    """One row per regional remainder, then ROW; together they close the gap to the world."""
    world = _world(state, end, end)
    totals = regional_estimates(end)
    iso3, regions = list(countries["iso3"]), list(countries["region"])
    shares: list[tuple[Remainder, Estimate | None, float, pd.DataFrame]] = []
    for scope, rem in REMAINDERS.items():
        inside = countries[scope_countries(scope, iso3, regions) or [False] * len(iso3)]
        try:
            regional = totals[scope]
            then = _world(state, end, regional.newest)
        except (KeyError, FFCastError):  # no regional total, or no world total of its time
            shares.append((rem, None, 0.0, inside))
            continue
        shares.append((rem, regional, regional.central / then.central, inside))
    claims = [max(0.0, share * world.central - inside["central"].sum())
              for _, _, share, inside in shares]
    room = max(0, world.central - int(countries["central"].sum()))
    scale = min(1.0, room / sum(claims)) if sum(claims) else 1.0
    out = []
    for (rem, regional, share, inside), claim in zip(shares, claims, strict=True):
        low = max(0.0, share * world.low - inside["high"].sum()) * scale
        high = max(0.0, share * world.high - inside["low"].sum())
        out.append(_remainder_row(rem, low, claim * scale, high, regional, share, world,
                                  scale))
    excess = sum(r["central"] for r in out) - room  # rounding may overshoot by a person or two
    if excess > 0:
        top = max(out, key=lambda r: r["central"])
        top["central"] -= excess
        top["low"] = min(top["low"], top["central"])
    rest = room - sum(r["central"] for r in out)
    rest_low = max(0, world.low - int(countries["high"].sum()) - sum(r["high"] for r in out))
    rest_high = max(0, world.high - int(countries["low"].sum()) - sum(r["low"] for r in out))
    out.append(_row(REST_OF_WORLD.code, Estimate(
        min(rest_low, rest), rest, max(rest_high, rest), end, world.n, world.sources,
        f"what no region claims: world total {world.central:,} ({world.rule}) minus the "
        f"country centrals and the regional remainders"), "remainder",
        REST_OF_WORLD.name, REST_OF_WORLD.region))
    return pd.DataFrame(out, columns=COLUMNS)


def _remainder_row(rem: Remainder, low: float, central: float, high: float,
                   regional: Estimate | None, share: float, world: Estimate,
                   scale: float) -> dict[str, object]:
    centre = _round(central)
    if regional is None:
        est = Estimate(0, 0, 0, world.newest, 0, (), "no regional total published by then")
        return _row(rem.code, est, "remainder", rem.name, rem.region)
    rule = (f"regional total {regional.central:,} (to {regional.newest:%Y-%m}) = {share:.1%} "
            f"of the world then; x {world.central:,} now, minus the region's country centrals")
    if scale < 1:
        rule += f"; scaled by {scale:.2f} so the rows sum to the world total"
    est = Estimate(min(_round(low), centre), centre, max(_round(high), centre), regional.newest,
                   regional.n, regional.sources + world.sources, rule)
    return _row(rem.code, est, "remainder", rem.name, rem.region)


def _round(value: float) -> int:
    # half up, not banker's rounding: 137.5 persons -> 138
    return int(float(value) + 0.5)
