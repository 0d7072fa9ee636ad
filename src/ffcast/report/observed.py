"""Published numbers the report draws next to the model, read once from the data layer.

Warning first: only rows known by the cut-off (``post_cutoff`` False) are used, through
:func:`ffcast.data.calibration_data`; later observations belong to backtests. A row with
only a lower (upper) bound is a "more than" ("less than") statement and is drawn as such,
never as a point estimate.

Every frame has the columns ``key`` (a pathway name, ``travelled`` or an ISO3 code),
``date``, ``low``, ``high`` (persons; NaN when unbounded on that side), ``source``, ``text``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ffcast import data

COLUMNS: tuple[str, ...] = ("key", "date", "low", "high", "source", "text")
# Aggregate metrics (scope "world") -> the report panel they are drawn on.
WORLD_PANELS: dict[str, str] = {"cumulative_travelled": "travelled", "in_theatre": "stayed"}


Cutoff = str | pd.Timestamp | None  # a run's cut-off (YYYY-MM or its month start); None: 2016-12


def _month(cutoff: Cutoff) -> str | None:
    return None if cutoff is None else f"{pd.Timestamp(cutoff):%Y-%m}"


def best_estimates(cutoff: Cutoff = None) -> pd.DataFrame:
    """Best estimates of travellers per country and the regional remainders, as published
    by the cut-off (default 2016-12)."""
    return data.best_estimates(as_of=_month(cutoff)) if cutoff is not None \
        else data.best_estimates()


def world_points(cutoff: Cutoff = None) -> pd.DataFrame:
    """World cumulative travellers and fighters still in theatre (persons), by date, as
    published by the cut-off (default 2016-12)."""
    agg = data.calibration_data("aggregates", _month(cutoff))
    rows = agg[(agg["scope"] == "world") & agg["metric"].isin(WORLD_PANELS)]
    return pd.DataFrame({
        "key": rows["metric"].map(WORLD_PANELS), "date": pd.to_datetime(rows["as_of_date"]),
        "low": rows["low"].astype(float), "high": rows["high"].astype(float),
        "source": rows["source"].astype(str), "text": rows["wording"].astype(str),
    }, columns=list(COLUMNS)).reset_index(drop=True)


def returned_points(cutoff: Cutoff = None) -> pd.DataFrame:
    """Published returnee counts per origin country (persons, cumulative), by date, as
    published by the cut-off (default 2016-12); a count of some groups only says so first
    in its text (``covers``: "men only: ...")."""
    ff = data.calibration_data("foreign_fighters", _month(cutoff))
    rows = ff[ff["measure"] == "returned"]
    covers = rows["covers"].fillna("").astype(str)
    said = np.where(covers.isin(["", "everyone"]), "", covers + " only: ")
    return pd.DataFrame({
        "key": rows["iso3"].astype(str), "date": pd.to_datetime(rows["as_of_date"]),
        "low": pd.to_numeric(rows["low"], errors="coerce").astype(float),
        "high": pd.to_numeric(rows["high"], errors="coerce").astype(float),
        "source": rows["source"].astype(str), "text": said + rows["notes"].astype(str),
    }, columns=list(COLUMNS)).reset_index(drop=True)


def territory_points(cutoff: Cutoff = None) -> pd.DataFrame:
    """IHS territory estimates as a share of the January 2015 extent (key ``territory``),
    as published by the cut-off (default 2016-12: IHS's end-2016 figure came out in 2017)."""
    ter = data.calibration_data("territory", _month(cutoff)).dropna(
        subset=["share_of_jan2015"])
    share = ter["share_of_jan2015"].astype(float)
    return pd.DataFrame({
        "key": "territory", "date": pd.to_datetime(ter["date"]), "low": share, "high": share,
        "source": ter["source"].astype(str), "text": ter["change_note"].astype(str),
    }, columns=list(COLUMNS)).reset_index(drop=True)


def gtd_west_deaths() -> pd.Series:
    """GTD fatalities per year, Western Europe + North America (people), as in Figure 2."""
    from ffcast.plots.essay import GTD_REGIONS, GTD_RELEASE

    gtd = data.load("deaths_gtd")
    regions = [region for region, _ in GTD_REGIONS]
    rows = gtd[(gtd["release"] == GTD_RELEASE) & gtd["region"].isin(regions)]
    return rows.groupby("year")["nkill"].sum().astype(float).rename("gtd_west")


RECORD_COLUMNS: tuple[str, ...] = ("year", "attacks", "deaths", "mass", "events", "sources",
                                   "all_executed")


def attack_record(cutoff: str) -> pd.DataFrame:
    """The attack record in the West known by the end of ``cutoff`` (YYYY-MM), per year
    from 2011 to the cut-off's year: executed attacks linked to foreign fighters (people
    who had been in Syria/Iraq: returnees or dispatched operatives), their deaths, the
    mass-casualty ones and the events' names, exactly as calibration counts them
    (:func:`ffcast.calibrate.risk.record_years`); ``all_executed`` counts every executed
    jihadist attack in the dataset that year, linked or not (the home-grown majority).
    """
    from ffcast.calibrate.risk import record_years

    end = pd.Period(cutoff, "M")
    months = pd.date_range("2011-01-01", end.start_time, freq="MS")
    known = data.calibration_data("attacks_west", cutoff)
    executed = known[known["executed"].astype(bool)]
    per_year = executed.groupby(executed["as_of_date"].dt.year).size()
    return pd.DataFrame([{
        "year": r.year, "attacks": r.attacks, "deaths": r.deaths, "mass": r.mass,
        "events": "; ".join(r.events), "sources": r.sources,
        "all_executed": int(per_year.get(r.year, 0))} for r in record_years(months, cutoff)],
        columns=list(RECORD_COLUMNS))


def _ids(cells: pd.Series) -> set[str]:
    return {part.strip() for cell in cells.dropna() for part in str(cell).split(";")} - {""}


def cited_sources(countries: list[str] | None = None) -> pd.DataFrame:
    """Every registry source behind the report, with what it was used for.

    Columns: id, publisher, title, date, url, used_for. Covers the traveller estimates
    that feed the model (``best_estimates``, for ``countries`` if given), the parameter
    priors' cited evidence, the territory series, the published totals and returnees drawn
    next to the model, and the essay's deaths figure.
    """
    from ffcast.scenario.priors import PARAMS

    registry = data.sources()
    best = data.best_estimates()
    if countries is not None:
        best = best[best["iso3"].isin(countries)]
    known = set(registry["id"])
    prior_text = " ".join(p.source for p in PARAMS)
    research = data.load("parameters")
    later = _ids(research.loc[research["post_cutoff"], "source"])
    agg = data.calibration_data("aggregates")
    inflow = agg[(agg["metric"] == "monthly_inflow") & (agg["scope"] == "world")]
    uses = {
        "travellers per country (model input)": _ids(best["sources"]),
        "travel-wave shape (monthly inflow anchors)": _ids(inflow["source"]),
        "parameter priors (cited in their notes)": {i for i in known - later if re.search(
            rf"(?<![\w/]){re.escape(i)}(?![\w/])", prior_text)},
        "published after the cut-off: cited for comparison, never used": later,
        "territory driver, Figure 1": _ids(data.load("territory")["source"]),
        "published totals on the fan charts": _ids(world_points()["source"]),
        "published returnees": _ids(returned_points()["source"]),
        "Figure 2 (deaths)": _ids(data.load("deaths_gtd")["source"])
        | _ids(data.load("deaths_gti")["source"]),
    }
    used_for = {i: [label for label, ids in uses.items() if i in ids] for i in known}
    out = registry[registry["id"].map(lambda i: bool(used_for[i]))].copy()
    out["used_for"] = out["id"].map(lambda i: "; ".join(used_for[i]))
    return out[["id", "publisher", "title", "date", "url", "used_for"]].sort_values("id")
