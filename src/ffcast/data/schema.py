"""What each embedded dataset must look like: columns, types, vocabularies, key rules.

The specs are read by the one validation gate (:mod:`ffcast.data.validate`); loaders never
check anything themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["str", "int", "float", "date", "period", "bool"]

#: Figures dated after this day were not knowable when the forecast is made (the essay's
#: as-of, end 2016); they may be shipped but never calibrate anything.
KNOWLEDGE_CUTOFF = pd.Timestamp("2016-12-31")

MEASURES = frozenset({"travelled", "returned", "dead", "in_theatre"})
METRICS = frozenset(
    {
        "cumulative_travelled",
        "monthly_inflow",
        "share_returned",
        "share_dead",
        "share_remaining",
        "share_unknown",
        "share_female",
        "share_converts",
        "share_of_world_total",
        "in_theatre",
    }
)
# Scopes are the *source's* population, mapped to the nearest model region code where one
# fits; the others name what the source says (e.g. ICSR's "Middle East" may include North
# Africa, TSG's "Southeast Asia" is a subset of south_southeast_asia).
SCOPES = frozenset(
    {
        "world",
        "syria_only",
        "western",
        "europe",
        "eu_member_states",
        "western_europe",
        "balkans",
        "fsu_central_asia",
        "maghreb",
        "middle_east_gulf",
        "middle_east",
        "middle_east_north_africa",
        "southeast_asia",
        "north_america",
    }
)
UNITS = frozenset({"persons", "persons/month", "fraction"})
GRADES = frozenset({"primary", "secondary", "transcription"})
FLAGS = frozenset({"", "low_gt_high", "conflicting_unverified"})
GTD_RELEASES = frozenset({"GTD_ECDAT", "GTD_OWID"})
GTD_REGIONS = frozenset({"World", "Western Europe", "North America"})


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether every row must fill it, and its allowed values."""

    name: str
    kind: Kind = "str"
    required: bool = False
    vocab: frozenset[str] | None = None
    derive: str | None = None  # for kind "period": name of the parsed end-of-period column


@dataclass(frozen=True)
class DatasetSpec:
    """Everything the gate checks for one dataset."""

    name: str
    file: str | None  # None: built in code (countries), still passes the gate
    description: str
    columns: tuple[Column, ...]
    value_columns: tuple[str, ...] = ()  # numeric cells that each need a source
    needs_value: bool = False  # every row must fill at least one value column
    source_column: str | None = "source"
    iso3_column: str | None = None
    bounds: tuple[str, str] | None = None  # (low, high): low <= high unless flagged
    flag_column: str | None = None
    unique: tuple[str, ...] = ()
    cutoff_column: str | None = None  # date column that decides ``post_cutoff``
    calibration: bool = True  # False: backtest-only data, never used to calibrate


def _c(name: str, kind: Kind = "str", required: bool = False, **kw: object) -> Column:
    return Column(name, kind, required, **kw)  # type: ignore[arg-type]


SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="foreign_fighters",
            file="foreign_fighters.csv",
            description="Per-country estimates of foreign fighters (travelled, returned, dead, "
            "in theatre), one row per source statement, persons",
            columns=(
                _c("iso3", required=True),
                _c("country", required=True),
                _c("measure", required=True, vocab=MEASURES),
                _c("low", "int"),
                _c("high", "int"),
                _c("as_of", "period", required=True, derive="as_of_date"),
                _c("source", required=True),
                _c("flag", vocab=FLAGS),
                _c("notes"),
            ),
            value_columns=("low", "high"),
            needs_value=True,
            iso3_column="iso3",
            bounds=("low", "high"),
            flag_column="flag",
            cutoff_column="as_of_date",
        ),
        DatasetSpec(
            name="aggregates",
            file="aggregates.csv",
            description="World and regional totals, monthly inflow and shares "
            "(returned, dead, ...), persons or fractions",
            columns=(
                _c("metric", required=True, vocab=METRICS),
                _c("scope", required=True, vocab=SCOPES),
                _c("low", "float"),
                _c("high", "float"),
                _c("unit", required=True, vocab=UNITS),
                _c("as_of", "period", required=True, derive="as_of_date"),
                _c("source", required=True),
                _c("wording", required=True),
                _c("metric_original"),
            ),
            value_columns=("low", "high"),
            needs_value=True,
            bounds=("low", "high"),
            cutoff_column="as_of_date",
        ),
        DatasetSpec(
            name="territory",
            file="territory.csv",
            description="Area held by the Islamic State (IHS Conflict Monitor), km2",
            columns=(
                _c("date", "date", required=True),
                _c("date_wording", required=True),
                _c("area_km2", "float"),
                _c("change_note", required=True),
                _c("source", required=True),
            ),
            value_columns=("area_km2",),
        ),
        DatasetSpec(
            name="deaths_gti",
            file="deaths_gti.csv",
            description="Global Terrorism Index deaths from terrorism (world, OECD, groups), "
            "persons per year; never mixed with GTD",
            columns=(
                _c("year", "int", required=True),
                _c("scope", required=True),
                _c("deaths", "int"),
                _c("measure", required=True),
                _c("source", required=True),
                _c("note"),
                _c("flag", vocab=FLAGS),
            ),
            value_columns=("deaths",),
            flag_column="flag",
        ),
        DatasetSpec(
            name="deaths_gtd",
            file="deaths_gtd.csv",
            description="Global Terrorism Database yearly fatalities (nkill) and incidents, "
            "two releases side by side; never mixed with GTI",
            columns=(
                _c("year", "int", required=True),
                _c("release", required=True, vocab=GTD_RELEASES),
                _c("region", required=True, vocab=GTD_REGIONS),
                _c("nkill", "int"),
                _c("incidents", "int"),
                _c("source", required=True),
            ),
            value_columns=("nkill", "incidents"),
            needs_value=True,
            unique=("year", "release", "region"),
        ),
        DatasetSpec(
            name="parameters",
            file="parameters.csv",
            description="Research parameters for later modules (blowback rate, power-law "
            "exponents, recidivism), with publication date",
            columns=(
                _c("name", required=True),
                _c("value", "float"),
                _c("low", "float"),
                _c("high", "float"),
                _c("unit", required=True),
                _c("description", required=True),
                _c("source", required=True),
                _c("published_wording", "period", required=True, derive="published"),
                _c("notes"),
            ),
            value_columns=("value", "low", "high"),
            needs_value=True,
            bounds=("low", "high"),
            unique=("name",),
            cutoff_column="published",
        ),
        DatasetSpec(
            name="validation_returnees",
            file="validation_returnees.csv",
            description="Post-cut-off returnee counts (Oct 2017) for backtests only; never "
            "used to calibrate",
            columns=(
                _c("iso3", required=True),
                _c("quantity", required=True, vocab=frozenset({"returned"})),
                _c("value", "int", required=True),
                _c("as_of", "period", required=True, derive="as_of_date"),
                _c("source", required=True),
                _c("notes"),
            ),
            value_columns=("value",),
            needs_value=True,
            iso3_column="iso3",
            unique=("iso3", "quantity"),
            cutoff_column="as_of_date",
            calibration=False,
        ),
        DatasetSpec(
            name="countries",
            file=None,
            description="Every ISO 3166 country (pycountry) plus XKX, ISR;PSE and ROW, "
            "with the model region",
            columns=(
                _c("iso3", required=True),
                _c("name", required=True),
                _c("region", required=True),
                _c("region_name", required=True),
            ),
            source_column=None,
            iso3_column="iso3",
            unique=("iso3",),
        ),
        DatasetSpec(
            name="sources",
            file="sources.csv",
            description="Source registry: every id any dataset cites, with URL and grade",
            columns=(
                _c("id", required=True),
                _c("publisher", required=True),
                _c("title", required=True),
                _c("date", required=True),
                _c("url"),
                _c("grade", required=True, vocab=GRADES),
                _c("notes"),
            ),
            source_column=None,
            unique=("id",),
        ),
    )
}
