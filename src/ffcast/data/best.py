"""Best estimates of travellers by end 2016, per origin country, plus the rest-of-world row.

The rule (argued in docs/decisions/0002-best-estimate-rule.md):

1. Candidates: ``foreign_fighters`` rows with measure ``travelled``, not flagged, known by the
   cut-off (``post_cutoff`` False), dated 2015-01-01..2016-12-31. A country with none falls
   back to its older rows (``vintage`` = "pre2015_only").
2. One figure per source: its latest statement (ties on the same date merge into one range).
   A source's lower figure is its ``low`` (or ``high`` for "up to X"), its upper figure its
   ``high`` (or ``low`` for "at least X"); its midpoint lies between them.
3. central = median of the midpoints of the sources dated within 12 months of the country's
   newest source (counts are cumulative, so recent vintages win), raised to the largest
   "at least X" stated in that window (a recent floor cannot be undercut).
4. low = min of the sources' explicit lows, high = max of their explicit highs; where a side
   is missing or would exclude the central, it widens to the central.
5. ``ISR`` and ``PSE`` are covered by the combined ``ISR;PSE`` row that ICSR and Quilliam use.
6. ROW = total - sum of country centrals (never negative), with low/high from the total's
   range against the sums of highs/lows.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import pandas as pd

from ffcast.data.countries import name_of, region_of
from ffcast.data.loaders import calibration_data, data_state
from ffcast.errors import FFCastError

WINDOW_START = pd.Timestamp("2015-01-01")
WINDOW_END = pd.Timestamp("2016-12-31")
RECENT = pd.DateOffset(years=1)
# World totals grow fast (20,000 in early 2015, 40,000 a year later), so only statements from
# the last six months speak for the total at a date.
TOTAL_WINDOW = pd.DateOffset(months=6)
COMBINED = {"ISR": "ISR;PSE", "PSE": "ISR;PSE"}
COLUMNS = [
    "iso3", "name", "region", "low", "central", "high", "n_estimates", "sources", "rule",
    "newest_as_of", "vintage",
]


class TravellerTotal(NamedTuple):
    """World travellers to Syria/Iraq by end 2016, persons (see :func:`total_travellers_2016`)."""

    low: int
    central: int
    high: int

    @property
    def sources(self) -> tuple[str, ...]:
        """Source ids of the statements behind the total."""
        return _total(data_state())[1]


def total_travellers_2016(as_of: str | pd.Timestamp = WINDOW_END) -> TravellerTotal:
    """(low, central, high) of all foreign travellers by ``as_of`` (default end 2016), persons.

    From the ``aggregates`` world ``cumulative_travelled`` statements dated in the 12 months
    up to ``as_of``: central = median of the figures of the last six months (the total grows
    fast: 20,000 in early 2015, 40,000 a year later); low = the largest "at least X" (counts
    only grow, so any such floor holds later); high = the largest figure stated.
    """
    return _total(data_state(), _as_of(as_of))[0]


def _as_of(value: str | pd.Timestamp) -> pd.Timestamp:
    """End of the period named by ``value`` ("2016-06" -> 2016-06-30), capped at end 2016."""
    text = str(value)
    ts = pd.Period(text[:7], "M").end_time.normalize() if len(text) == 7 else pd.Timestamp(text)
    return min(ts, WINDOW_END)


@functools.cache
def _total(state: tuple[tuple[str, int], ...],
           as_of: pd.Timestamp = WINDOW_END) -> tuple[TravellerTotal, tuple[str, ...]]:
    del state  # only the cache key
    agg = calibration_data("aggregates")
    rows = agg[
        (agg["metric"] == "cumulative_travelled")
        & (agg["scope"] == "world")
        & (agg["as_of_date"] > as_of - RECENT)
        & (agg["as_of_date"] <= as_of)
    ]
    if rows.empty:
        raise FFCastError(
            f"aggregates: no world cumulative_travelled statement in the 12 months to "
            f"{as_of:%Y-%m-%d}; fix: restore the world totals the ROW row needs"
        )
    lower = rows["low"].fillna(rows["high"])
    upper = rows["high"].fillna(rows["low"])
    latest = rows["as_of_date"] > as_of - TOTAL_WINDOW
    mids = (lower + upper) / 2
    central = _round((mids[latest] if latest.any() else mids).median())
    floors = rows.loc[rows["high"].isna(), "low"]
    low = _round(floors.max()) if len(floors) else _round(lower.min())
    high = _round(upper.max())
    total = TravellerTotal(min(low, central), central, max(high, central))
    return total, tuple(dict.fromkeys(rows["source"]))


def best_estimates(as_of: str | pd.Timestamp = WINDOW_END) -> pd.DataFrame:
    """Per-country travellers by ``as_of`` (default end 2016), persons: iso3, name, region,
    low, central, high, n_estimates, sources (";"-joined), rule, newest_as_of, vintage; then
    one ``ROW`` row. Only estimates dated up to ``as_of`` are used (rolling-origin backtests
    pass their cut-off, so no later figure shapes the prior).

    Integers, ``0 <= low <= central <= high``; sorted by central, largest first.
    """
    return _best(data_state(), _as_of(as_of)).copy(deep=True)


@functools.cache
def _best(state: tuple[tuple[str, int], ...], as_of: pd.Timestamp = WINDOW_END) -> pd.DataFrame:
    del state  # only the cache key
    ff = calibration_data("foreign_fighters")
    travelled = ff[(ff["measure"] == "travelled") & (ff["flag"] == "")
                   & (ff["as_of_date"] <= as_of)].copy()
    folded = travelled["iso3"].map(COMBINED)
    travelled = travelled[~folded.isin(travelled["iso3"])]
    if travelled.empty:
        raise FFCastError(
            "foreign_fighters: no usable travelled row; fix: restore the per-country estimates"
        )
    rows = [_country_estimate(iso3, group, as_of)
            for iso3, group in travelled.groupby("iso3")]
    table = pd.DataFrame(rows, columns=COLUMNS)
    table = table.sort_values(["central", "iso3"], ascending=[False, True], ignore_index=True)
    table = pd.concat([table, pd.DataFrame([_rest_of_world(table, as_of)], columns=COLUMNS)],
                      ignore_index=True)
    for col in ("low", "central", "high", "n_estimates"):
        table[col] = table[col].astype("int64")
    table["newest_as_of"] = pd.to_datetime(table["newest_as_of"]).astype("datetime64[ns]")
    return table


def _country_estimate(iso3: str, group: pd.DataFrame,
                      as_of: pd.Timestamp = WINDOW_END) -> dict[str, object]:
    start = as_of - (WINDOW_END - WINDOW_START)
    in_window = group[group["as_of_date"].between(start, as_of)]
    vintage = ""
    if in_window.empty:
        in_window, vintage = group, "pre2015_only"
    per_source = _one_per_source(in_window)
    newest = per_source["as_of_date"].max()
    recent = per_source[per_source["as_of_date"] >= newest - RECENT]
    lower = per_source["low"].fillna(per_source["high"]).astype(float)
    upper = per_source["high"].fillna(per_source["low"]).astype(float)
    mids = ((lower + upper) / 2)[recent.index]
    central = _round(mids.median())
    floors = recent.loc[recent["high"].isna(), "low"].dropna()
    floored = bool(len(floors)) and int(floors.max()) > central
    if floored:
        central = int(floors.max())
    lows, highs = per_source["low"].dropna(), per_source["high"].dropna()
    low = min(int(lows.min()) if len(lows) else central, central)
    high = max(int(highs.max()) if len(highs) else central, central)
    if len(per_source) == 1:
        rule = f"single source ({per_source['source'].iat[0]}, {newest:%Y-%m-%d})"
    else:
        rule = (
            f"median of {len(recent)} of {len(per_source)} sources dated within 12 months "
            f"of {newest:%Y-%m-%d}"
        )
    if floored:
        rule += "; raised to a recent 'at least' figure"
    if vintage:
        rule += "; no 2015-2016 figure, older vintage used"
    return {
        "iso3": iso3, "name": name_of(iso3), "region": region_of(iso3), "low": low,
        "central": central, "high": high, "n_estimates": len(per_source),
        "sources": ";".join(per_source["source"]), "rule": rule, "newest_as_of": newest,
        "vintage": vintage,
    }


def _one_per_source(rows: pd.DataFrame) -> pd.DataFrame:
    # A source's latest statement speaks for it; same-day duplicates (the same ICCT figure
    # in two source files) merge into one range rather than counting twice.
    latest = rows[rows["as_of_date"] == rows.groupby("source")["as_of_date"].transform("max")]
    merged = latest.groupby("source", sort=True).agg(
        low=("low", "min"), high=("high", "max"), as_of_date=("as_of_date", "max")
    )
    return merged.reset_index()


def _rest_of_world(countries: pd.DataFrame,
                   as_of: pd.Timestamp = WINDOW_END) -> dict[str, object]:
    total = total_travellers_2016(as_of)
    central = max(0, total.central - int(countries["central"].sum()))
    low = min(max(0, total.low - int(countries["high"].sum())), central)
    high = max(max(0, total.high - int(countries["low"].sum())), central)
    return {
        "iso3": "ROW", "name": name_of("ROW"), "region": "other", "low": low,
        "central": central, "high": high, "n_estimates": len(total.sources),
        "sources": ";".join(total.sources),
        "rule": f"remainder: total {total.central} minus the sum of country centrals; low/high "
        f"from total range {total.low}-{total.high} against the sums of highs/lows",
        "newest_as_of": as_of, "vintage": "",
    }


def _round(value: float) -> int:
    # half up, not banker's rounding: 137.5 persons -> 138
    return int(value + 0.5)
