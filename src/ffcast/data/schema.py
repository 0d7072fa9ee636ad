"""What each embedded dataset must look like: columns, types, vocabularies, key rules.

The specs are read by the one validation gate (:mod:`ffcast.data.validate`); loaders never
check anything themselves. Every dataset of dated facts carries two dates: ``as_of`` (the
date the figure describes) and ``published`` (when it became public). Cut-off discipline
uses ``published``: ``post_cutoff`` is derived from it, and a stored ``post_cutoff`` cell must
agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["str", "int", "float", "date", "period", "published", "bool"]

#: Figures published after this day were not knowable when the forecast is made (the essay's
#: as-of, end 2016); they may be shipped but never calibrate anything.
KNOWLEDGE_CUTOFF = pd.Timestamp("2016-12-31")

MEASURES = frozenset({"travelled", "returned", "dead", "in_theatre"})
METRICS = frozenset(
    {
        "cumulative_travelled",
        "cumulative_dead",
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
# fits (see ffcast.data.scopes); the others name what the source says (e.g. ICSR's "Middle
# East" may include North Africa, TSG's "Southeast Asia" is a subset of south_southeast_asia).
SCOPES = frozenset(
    {
        "world",
        "world_all_theatres",
        "syria_only",
        "western",
        "europe",
        "eu_member_states",
        "western_europe",
        "balkans",
        "fsu_central_asia",
        "russia_central_asia",
        "maghreb",
        "middle_east_gulf",
        "middle_east",
        "middle_east_north_africa",
        "southeast_asia",
        "southeast_asia_4",
        "north_america",
        "country_sample",
    }
)
UNITS = frozenset({"persons", "persons/month", "fraction"})
#: Who produced the estimate a source states (the reporting model's kinds): a national
#: authority, agency or the UN (``official``), a think tank or academic compilation
#: (``research``), or a journalist with no named producer (``press``). A newspaper relaying a
#: ministry's count is ``official``: the kind follows the producer, not the outlet.
SOURCE_KINDS = frozenset({"official", "research", "press"})
GRADES = frozenset({"primary", "secondary", "transcription"})
#: Why a row is kept for provenance but never used by the best-estimate rule or calibration.
FLAGS = frozenset(
    {
        "",
        "low_gt_high",  # kept as published (ICSR Dec 2013 Qatar 15 > 14)
        "conflicting_unverified",  # contradicts the primary figure and cannot be checked
        "wrong_measure",  # counts something else (would-be travellers, non-fighters, ...)
        "wider_scope",  # all conflict zones / since 2001 / incl. Libya, not Syria/Iraq only
        "annual",  # a figure for one year, not a cumulative count
        "unverifiable",  # attribution, source or vintage cannot be established
        "suspect",  # implausible or garbled as reported
    }
)
#: Who a group-composition row counts (group_composition.group): women and men as the source
#: counts them (adults, though some counts include girls: said in the row's notes), minors
#: (under 18, whether they went, were taken or were born there) and, apart, the minors born in
#: the theatre (a subset of the minors there).
GROUPS = frozenset({"women", "men", "minors", "minors_born_in_theatre"})
#: Who a per-country count takes in (foreign_fighters.covers), as its own words say: everyone
#: (men, women and minors), adults, or one group; empty when the statement does not say (read
#: as everyone). "Fighters" of a source that counts women and children apart are men.
GROUP_SCOPES: tuple[str, ...] = ("everyone", "adults", "men", "women", "minors")
COVERS = frozenset({"", *GROUP_SCOPES})


def scope_of(value: object) -> str:
    """A ``covers`` cell as the groups it narrows to: "" for everyone (a missing or blank
    cell, NaN, or ``everyone``), else the cell's text, stripped. The one reading of the
    column for calibration, the backtest and users' observations."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    text = str(value).strip()
    return "" if text == "everyone" else text
GROUP_MEASURES = frozenset({"travelled", "in_theatre", "returned"})
#: FLAGS plus the one defect only group counts have.
GROUP_FLAGS = FLAGS | {
    "narrow_definition",  # the source's definition leaves part of the group out (France:
    # only minors who went themselves; Belgium: under-12s kept off the list; Germany 2015:
    # only women who went for jihad, not wives)
}
GTD_RELEASES = frozenset({"GTD_ECDAT", "GTD_OWID"})
GTD_REGIONS = frozenset({"World", "Western Europe", "North America"})
#: How an attack in the West relates to foreign fighters (attacks_west.ff_link).
FF_LINKS = frozenset(
    {"dispatched", "returnee", "attempted_traveller", "other_theatre", "none", "unknown"}
)
#: The links that mean "a perpetrator had travelled to Syria/Iraq": sent back by IS
#: (dispatched) or came back on their own (returnee). Everything else is not FF-linked.
FF_LINKED = frozenset({"dispatched", "returnee"})
IS_LINKS = frozenset({"directed", "enabled", "inspired", "other_group", "none_known"})
TERROR_SCOPES = frozenset(
    {"west", "eu", "france", "germany", "usa", "oecd", "western_europe", "west_26_countries"}
)
TERROR_MEASURES = frozenset(
    {
        "plots_is_linked",
        "plots_is_directed",
        "plots_is_encouraged",
        "attacks_is_linked",
        "attacks_jihadist",  # failed + foiled + completed (TE-SAT)
        "attacks_jihadist_executed",
        "attacks_all_ideologies",
        "attacks_by_syria_iraq_returnees",
        "deaths_jihadist",
        "deaths_all_ideologies",
        "deaths_lone_actor",
        "arrests_all_ideologies",
        "share_deaths_is_connected",
        "share_deaths_lone_actor",
        "sample_returned_outside_custody",
    }
)
TERROR_UNITS = frozenset({"plots", "attacks", "persons", "fraction"})


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether every row must fill it, and its allowed values."""

    name: str
    kind: Kind = "str"
    required: bool = False
    vocab: frozenset[str] | None = None
    derive: str | None = None  # for kinds "period"/"published": name of the parsed date column


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
    # a row names a country (iso3_column) or a source's population (this column, SCOPES):
    # exactly one of the two; None: every row names a country
    scope_column: str | None = None
    bounds: tuple[str, str] | None = None  # (low, high): low <= high unless flagged
    more_bounds: tuple[tuple[str, str], ...] = ()  # further (low, high) pairs, same rule
    parts: tuple[tuple[str, str], ...] = ()  # (part, whole): part <= whole when both are set
    fractions: tuple[str, ...] = ()  # shares: at most 1
    flag_column: str | None = None
    unique: tuple[str, ...] = ()
    dated: bool = False  # has as_of + published (+ a stored post_cutoff checked by the gate)
    id_column: str | None = None  # stable row id other rows can point at
    repeat_key: tuple[str, ...] = ()  # a repeat must describe the same (iso3, measure) ...
    calibration: bool = True  # False: backtest-only data, never used to calibrate

    @property
    def repeats_column(self) -> str | None:
        """``repeats`` when the dataset marks re-reports of another row, else None."""
        return "repeats" if self.repeat_key else None


def _c(name: str, kind: Kind = "str", required: bool = False, **kw: object) -> Column:
    return Column(name, kind, required, **kw)  # type: ignore[arg-type]


#: The three columns every dated dataset has, in this order.
DATES: tuple[Column, ...] = (
    _c("as_of", "period", required=True, derive="as_of_date"),
    _c("published", "published", required=True, derive="published_date"),
    _c("post_cutoff", "bool"),
)


SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="foreign_fighters",
            file="foreign_fighters.csv",
            description="Per-country estimates of foreign fighters (travelled, returned, dead, "
            "in theatre), one row per source statement, persons",
            columns=(
                _c("id", required=True),
                _c("iso3", required=True),
                _c("country", required=True),
                _c("measure", required=True, vocab=MEASURES),
                _c("covers", vocab=COVERS),
                _c("low", "int"),
                _c("high", "int"),
                *DATES,
                _c("source", required=True),
                _c("repeats"),
                _c("flag", vocab=FLAGS),
                _c("notes"),
                _c("wording"),
            ),
            value_columns=("low", "high"),
            needs_value=True,
            iso3_column="iso3",
            bounds=("low", "high"),
            flag_column="flag",
            unique=("id",),
            dated=True,
            id_column="id",
            repeat_key=("iso3", "measure", "covers"),
        ),
        DatasetSpec(
            name="aggregates",
            file="aggregates.csv",
            description="World and regional totals, monthly inflow and shares "
            "(returned, dead, ...), persons or fractions",
            columns=(
                _c("id", required=True),
                _c("metric", required=True, vocab=METRICS),
                _c("scope", required=True, vocab=SCOPES),
                _c("low", "float"),
                _c("high", "float"),
                _c("unit", required=True, vocab=UNITS),
                *DATES,
                _c("source", required=True),
                _c("repeats"),
                _c("flag", vocab=FLAGS),
                _c("wording", required=True),
                _c("metric_original"),
                _c("notes"),
            ),
            value_columns=("low", "high"),
            needs_value=True,
            bounds=("low", "high"),
            flag_column="flag",
            unique=("id",),
            dated=True,
            id_column="id",
            repeat_key=("metric", "scope"),
        ),
        DatasetSpec(
            name="group_composition",
            file="group_composition.csv",
            description="Women, men and minors among the travellers per country or source "
            "scope (travelled, in theatre, returned) and births in theatre, one row per "
            "source statement: the group's count and the total it is part of, or a share",
            columns=(
                _c("id", required=True),
                _c("iso3"),
                _c("scope", vocab=SCOPES | {""}),
                _c("group", required=True, vocab=GROUPS),
                _c("measure", required=True, vocab=GROUP_MEASURES),
                _c("low", "int"),
                _c("high", "int"),
                _c("total_low", "int"),
                _c("total_high", "int"),
                _c("share_low", "float"),
                _c("share_high", "float"),
                _c("minors_in_total", "int"),
                *DATES,
                _c("source", required=True),
                _c("repeats"),
                _c("flag", vocab=GROUP_FLAGS),
                _c("notes", required=True),
                _c("wording"),
            ),
            value_columns=("low", "high", "total_low", "total_high", "share_low",
                           "share_high", "minors_in_total"),
            needs_value=True,
            iso3_column="iso3",
            scope_column="scope",
            bounds=("low", "high"),
            more_bounds=(("total_low", "total_high"), ("share_low", "share_high")),
            parts=(("low", "total_high"), ("high", "total_high"),
                   ("minors_in_total", "total_high")),
            fractions=("share_low", "share_high"),
            flag_column="flag",
            unique=("id",),
            dated=True,
            id_column="id",
            repeat_key=("iso3", "scope", "group", "measure"),
        ),
        DatasetSpec(
            name="territory",
            file="territory.csv",
            description="Area held by the Islamic State (IHS Conflict Monitor), km2",
            columns=(
                _c("date", "date", required=True),
                *DATES,
                _c("area_km2", "float"),
                _c("change_note", required=True),
                _c("source", required=True),
            ),
            value_columns=("area_km2",),
            dated=True,
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
                *DATES,
                _c("source", required=True),
                _c("note"),
                _c("flag", vocab=FLAGS),
            ),
            value_columns=("deaths",),
            flag_column="flag",
            dated=True,
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
                *DATES,
                _c("source", required=True),
            ),
            value_columns=("nkill", "incidents"),
            needs_value=True,
            unique=("year", "release", "region"),
            dated=True,
        ),
        DatasetSpec(
            name="parameters",
            file="parameters.csv",
            description="Research parameters for later modules (blowback rate, power-law "
            "exponents, recidivism), with the period they describe and publication date",
            columns=(
                _c("name", required=True),
                _c("value", "float"),
                _c("low", "float"),
                _c("high", "float"),
                _c("unit", required=True),
                _c("description", required=True),
                *DATES,
                _c("source", required=True),
                _c("notes"),
            ),
            value_columns=("value", "low", "high"),
            needs_value=True,
            bounds=("low", "high"),
            unique=("name",),
            dated=True,
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
                *DATES,
                _c("source", required=True),
                _c("notes"),
            ),
            value_columns=("value",),
            needs_value=True,
            iso3_column="iso3",
            unique=("iso3", "quantity"),
            dated=True,
            calibration=False,
        ),
        DatasetSpec(
            name="attacks_west",
            file="attacks_west.csv",
            description="Executed jihadist attacks in Western countries 2011-2016 (and foiled "
            "plots where recorded), one row per event: deaths excluding perpetrators, "
            "link to foreign fighters and to IS",
            columns=(
                _c("event_id", required=True),
                _c("date", "date", required=True),
                *DATES,
                _c("iso3", required=True),
                _c("city", required=True),
                _c("name", required=True),
                _c("deaths", "int", required=True),
                _c("injured", "int"),
                _c("injured_at_least", "bool", required=True),
                _c("ff_link", required=True, vocab=FF_LINKS),
                _c("is_link", required=True, vocab=IS_LINKS),
                _c("executed", "bool", required=True),
                _c("source", required=True),
                _c("flag", vocab=FLAGS),
                _c("notes", required=True),
            ),
            value_columns=("deaths", "injured"),
            needs_value=True,
            iso3_column="iso3",
            flag_column="flag",
            unique=("event_id",),
            dated=True,
        ),
        DatasetSpec(
            name="terror_counts",
            file="terror_counts.csv",
            description="Published counts of jihadist plots, attacks, deaths and arrests in the "
            "West (TE-SAT, HJS, NSO, ...) per period, with scope and measure",
            columns=(
                _c("id", required=True),
                _c("scope", required=True, vocab=TERROR_SCOPES),
                _c("period_start", "period"),
                _c("period_end", "period", required=True),
                _c("measure", required=True, vocab=TERROR_MEASURES),
                _c("low", "float"),
                _c("high", "float"),
                _c("unit", required=True, vocab=TERROR_UNITS),
                *DATES,
                _c("source", required=True),
                _c("repeats"),
                _c("flag", vocab=FLAGS),
                _c("wording", required=True),
                _c("notes"),
            ),
            value_columns=("low", "high"),
            needs_value=True,
            bounds=("low", "high"),
            flag_column="flag",
            unique=("id",),
            dated=True,
            id_column="id",
            repeat_key=("scope", "measure"),
        ),
        DatasetSpec(
            name="countries",
            file=None,
            description="Every ISO 3166 country (pycountry) plus XKX, ISR;PSE, the regional "
            "remainders (R-...) and ROW, with the model region",
            columns=(
                _c("iso3", required=True),
                _c("name", required=True),
                _c("region", required=True),
                _c("region_name", required=True),
            ),
            source_column=None,
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
                _c("kind", required=True, vocab=SOURCE_KINDS),
                _c("notes"),
            ),
            source_column=None,
            unique=("id",),
        ),
    )
}
