"""The quantities people read, each defined once: name, labels, units, and what makes it up.

Warning first: this module and the engine are the only places that know the engine's array
layout (:mod:`ffcast.engine.layout`). Every consumer (runner, results contract, calibration,
history, backtest, report, dashboard, CLI) asks here for "returned", "stayed", "in the war
zone" or a person stock's slots, so a change of definition happens in one place.

``returned`` means *everyone who entered the home pipeline* (returnees, repatriated
detainees, and dispatched operatives arrested or dropping out abroad); nobody leaves the
home stocks, so it is also the cumulative number returned since 2011-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ffcast.data.regions import WESTERN_REGIONS as _WESTERN_REGIONS
from ffcast.engine import layout as L

PERSONS = "persons"

# Public names of the engine's person stocks and their slots in the state array.
STOCK_SLOTS: dict[str, slice] = {
    "in_theatre": slice(L.IN_THEATRE, L.IN_THEATRE + 1),
    "insurgent": slice(L.INSURGENT, L.INSURGENT + 1),
    "killed": slice(L.KILLED, L.KILLED + 1),
    "detained_in_theatre": slice(L.DETAINED, L.DETAINED + 1),
    "joined_other": slice(L.JOINED_OTHER, L.JOINED_OTHER + 1),
    "relocated": slice(L.RELOCATED0, L.RELOCATED0 + len(L.THEATRES)),
    **{name: slice(L.DISPATCHED + i, L.DISPATCHED + i + 1)
       for i, name in enumerate(("dispatched", *L.HOME_STOCKS))},
}
# Public names of the engine's monthly flow counters and their slots in the flow array.
FLOW_SLOTS: dict[str, slice] = {
    "arrivals": slice(L.ARRIVALS, L.ARRIVALS + 1),
    "returns": slice(L.RETURNS, L.RETURNS + 1),
    "repatriated": slice(L.REPATRIATED, L.REPATRIATED + 1),
    "radicalised_inmates": slice(L.RADICALISED, L.RADICALISED + 1),
    "plots": slice(L.PLOTS0, L.PLOTS0 + len(L.TARGETS)),
    "interdicted_plots": slice(L.INTERDICTED0, L.INTERDICTED0 + len(L.TARGETS)),
    "attacks": slice(L.ATTACKS0, L.ATTACKS0 + len(L.TARGETS)),
    "attack_deaths": slice(L.ATTACK_DEATHS0, L.ATTACK_DEATHS0 + len(L.TARGETS)),
    "mass_casualty_attacks": slice(L.ATTACKS_MASS0, L.ATTACKS_MASS0 + len(L.TARGETS)),
    "births": slice(L.BIRTHS, L.BIRTHS + 1),
    "inmate_plots": slice(L.INMATE_PLOTS, L.INMATE_PLOTS + 1),
    "inmate_interdicted_plots": slice(L.INMATE_INTERDICTED, L.INMATE_INTERDICTED + 1),
    "inmate_attacks": slice(L.INMATE_ATTACKS, L.INMATE_ATTACKS + 1),
    "inmate_attack_deaths": slice(L.INMATE_ATTACK_DEATHS, L.INMATE_ATTACK_DEATHS + 1),
    "inmate_mass_casualty_attacks": slice(L.INMATE_ATTACKS_MASS, L.INMATE_ATTACKS_MASS + 1),
}
MASS_CASUALTY_DEATHS: int = L.MASS_CASUALTY_DEATHS  # deaths that make an attack mass-casualty
N_STOCKS: int = L.N_STOCKS
N_FLOWS: int = L.N_FLOWS
PERSON_STOCKS: tuple[str, ...] = L.PERSON_STOCKS
HOME_STOCKS: tuple[str, ...] = L.HOME_STOCKS
TARGETS: tuple[str, ...] = L.TARGETS
THEATRES: tuple[str, ...] = L.THEATRES


@dataclass(frozen=True)
class Quantity:
    """A named sum of person stocks (persons, end of month).

    ``label`` is the short name for tables and legends, ``description`` the sentence for
    tooltips and results attrs.
    """

    name: str
    label: str
    description: str
    stocks: tuple[str, ...]
    units: str = PERSONS

    @property
    def slots(self) -> np.ndarray:
        """Positions of its stocks in the engine's state array (last axis)."""
        return stock_slots(self.stocks)

    def of(self, stocks: np.ndarray) -> np.ndarray:
        """Its value from an array of engine stocks (``(..., N_STOCKS)``), as int64."""
        return np.asarray(stocks)[..., self.slots].sum(axis=-1, dtype=np.int64)


def stock_slots(names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Engine state positions of the public person stocks ``names`` (theatres expanded)."""
    return np.concatenate([np.arange(STOCK_SLOTS[n].start, STOCK_SLOTS[n].stop)
                           for n in names]).astype(np.int64)


def flow_slots(name: str) -> np.ndarray:
    """Engine flow-array positions of the flow ``name`` (all targets for per-target flows)."""
    s = FLOW_SLOTS[name]
    return np.arange(s.start, s.stop, dtype=np.int64)


_EOM = " (end of month)"
RETURNED = Quantity("returned", "Returned home",
                    "Came home: everyone who entered the home pipeline since 2011-01 (all "
                    "home stocks)", HOME_STOCKS)
STAYED = Quantity("stayed", "Stayed in Iraq/Syria",
                  "Stayed in Iraq/Syria: with the Islamic State or as a clandestine insurgency",
                  ("in_theatre", "insurgent"))
JOINED_OTHER = Quantity("joined_other", "Joined other groups",
                        "Joined other armed groups in theatre (e.g. Jabhat Fatah al-Sham)",
                        ("joined_other",))
RELOCATED = Quantity("relocated", "Relocated to third theatres",
                     "Relocated to a third theatre (Libya, the Sahel, Yemen, ...)",
                     ("relocated",))
DISPATCHED = Quantity("dispatched", "Dispatched abroad (active)",
                      "Dispatched abroad as active operatives", ("dispatched",))
DETAINED = Quantity("detained_in_theatre", "Detained in Iraq/Syria",
                    "Held in prisons or camps in Iraq/Syria", ("detained_in_theatre",))
KILLED = Quantity("killed", "Killed (cumulative)", "Killed abroad, cumulative since 2011-01",
                  ("killed",))
#: The headline pathways, in the order every table and chart shows them.
PATHWAYS: tuple[Quantity, ...] = (RETURNED, STAYED, JOINED_OTHER, RELOCATED, DISPATCHED,
                                  DETAINED, KILLED)
TRAVELLED = Quantity("travelled", "Travelled or born there",
                     "Everyone who travelled to Iraq/Syria since 2011-01 and the children born "
                     "there (all person stocks; births are a flow of their own)",
                     PERSON_STOCKS)
WAR_ZONE = Quantity("war_zone", "In the war zone",
                    "Still in Iraq/Syria: with the Islamic State, as insurgents, with other "
                    "groups or detained", ("in_theatre", "insurgent", "joined_other",
                                           "detained_in_theatre"))
BY_NAME: dict[str, Quantity] = {q.name: q for q in (*PATHWAYS, TRAVELLED, WAR_ZONE)}

#: Short labels of the home-pipeline stocks (tables, Sankey, comparisons).
HOME_LABELS: dict[str, str] = {
    "undetected": "Undetected at home", "detected": "Known, case pending",
    "prosecuted": "On trial", "incarcerated": "In prison",
    "released": "Released, monitored", "in_rehabilitation": "In rehabilitation",
    "disengaged": "Disengaged", "reengaged": "Re-engaged in militancy",
}
#: Labels of the plot/attack targets. Attacks are counted for the *origin country's*
#: fighters; "linked to foreign fighters" applies to every number shown with them.
TARGET_LABELS: dict[str, str] = {
    "home": "at home (origin country)", "western_abroad": "abroad: other Western country",
    "third_theatre": "abroad: third theatres",
}
#: Origin regions whose "home" target is a Western country (defined with the regions).
WESTERN_REGIONS: tuple[str, ...] = _WESTERN_REGIONS

#: Where attacks happen, as every risk table groups them. All are *linked to foreign
#: fighters* (attacks by the people the model follows), never all jihadist terrorism.
RISK_REGIONS: tuple[str, ...] = ("west", "inmates_west", "home_elsewhere", "third_theatres")
RISK_REGION_LABELS: dict[str, str] = {
    "west": "the West", "inmates_west": "the West, by inmates radicalised in prison",
    "home_elsewhere": "home, elsewhere", "third_theatres": "third theatres",
}
RISK_REGION_DESCRIPTIONS: dict[str, str] = {
    "west": "Western countries: attacks at home by fighters from Western origins "
            "(Western Europe, North America and Oceania) and attacks on other Western "
            "countries by fighters from any origin",
    "inmates_west": "Attacks at home in Western countries by other inmates whom returnees "
                    "radicalised in prison (home-grown: they never travelled)",
    "home_elsewhere": "Attacks at home by fighters from non-Western origins and by the "
                      "inmates they radicalised in prison",
    "third_theatres": "Attacks in third theatres (Libya, the Sahel, ...) by relocated fighters",
}
#: Where an attack on each target lands: (target, Western origin?) -> risk region.
_RISK_REGION_OF: dict[tuple[str, bool], str] = {
    ("home", True): "west", ("home", False): "home_elsewhere",
    ("western_abroad", True): "west", ("western_abroad", False): "west",
    ("third_theatre", True): "third_theatres", ("third_theatre", False): "third_theatres",
}
#: Attacks fitted to no record are shown only as labelled, prior-driven scenarios, never in a
#: headline total, a comparison's total or the deaths figure (issue 19, item 5; ADR 0033).
#: Calibration compares the model with one record of attacks, those in the West linked to
#: foreign fighters (``attacks_west``); no cited count public by the cut-off of attacks by
#: relocated fighters in third theatres, or by fighters from non-Western origins at home
#: (Tunisia, Saudi Arabia, Russia, ...), is in ffcast, so the plot rates that drive them are
#: the priors' (the West's record narrows only the Western regions' and the global ones).
#: Attacks by inmates radicalised in prison are not attacks linked to foreign fighters at
#: all (ADR 0036): the record counts perpetrators who had been in Syria/Iraq, and calibration
#: leaves inmates out, so their plot rate is the prior's wherever they are.
PRIOR_SCENARIO_REGIONS: tuple[str, ...] = ("inmates_west", "home_elsewhere", "third_theatres")
#: The risk regions a headline total sums: the West, the region the record fits.
HEADLINE_RISK_REGIONS: tuple[str, ...] = tuple(r for r in RISK_REGIONS
                                               if r not in PRIOR_SCENARIO_REGIONS)
HEADLINE_REGION_INDEX: list[int] = [RISK_REGIONS.index(r) for r in HEADLINE_RISK_REGIONS]
PRIOR_SCENARIO_NOTES: dict[str, str] = {
    "inmates_west": (
        "A prior-driven scenario, not a forecast: attacks by the other inmates whom returnees "
        "radicalised in prison are home-grown, not attacks by foreign fighters; the record "
        "calibration fits counts perpetrators who had been in Syria/Iraq, and no cited count "
        "of inmates' attacks public by the cut-off is in ffcast, so these numbers are what "
        "the priors on prison radicalisation and its plot rate imply, and are left out of "
        "every headline total (ADR 0036)"),
    "home_elsewhere": (
        "A prior-driven scenario, not a forecast: attacks at home by fighters from "
        "non-Western origins are fitted to no record (no count of them public by the cut-off "
        "is in ffcast; calibration fits attacks in the West only), so these numbers are what "
        "the priors on those regions' plot rates imply, and are left out of every headline "
        "total"),
    "third_theatres": (
        "A prior-driven scenario, not a forecast: attacks in third theatres (Libya, the Sahel, "
        "...) by relocated fighters are fitted to no record (no count of them public by the "
        "cut-off is in ffcast), so these numbers are what the priors on relocation and plot "
        "rates imply, and are left out of every headline total"),
}
#: Short labels of the risk regions where a total or a difference is listed: the headline
#: region first, then the scenarios, each saying it is in no total.
RISK_REGION_ROW_LABELS: dict[str, str] = {
    "west": "in the West: the total (fitted to the record)",
    "inmates_west": "in the West, by inmates radicalised in prison (prior-driven scenario, "
                    "in no total)",
    "home_elsewhere": "at home, non-Western origins (prior-driven scenario, in no total)",
    "third_theatres": "third theatres (prior-driven scenario, in no total)",
}


def headline_by_origin(per_target: np.ndarray, west: np.ndarray) -> np.ndarray:
    """Counts by origin and target ``(..., C, TARGETS)`` reduced to each origin's part of
    the headline (the West): attacks at home by a Western origin and attacks on other
    Western countries by any origin; ``(..., C)`` int64 (``west``: (C,) bool,
    :func:`western_origins`)."""
    # 0/1 per origin and target: whether its attacks land in a headline region.
    counted = risk_region_matrix(west)[..., HEADLINE_REGION_INDEX].sum(axis=-1)  # (C, TARGETS)
    return np.einsum("...ct,ct->...c", np.asarray(per_target), counted, dtype=np.int64)


def headline_of_regions(by_region: np.ndarray) -> np.ndarray:
    """Counts by risk region ``(..., RISK_REGIONS)`` summed over the headline regions
    (the West): ``(...)``."""
    return np.asarray(by_region)[..., HEADLINE_REGION_INDEX].sum(axis=-1)


#: The per-attack flows a risk table counts, in this order on its last axis.
RISK_COUNTS: tuple[str, ...] = ("attacks", "attack_deaths", "mass_casualty_attacks")
LINKED_TO_FOREIGN_FIGHTERS = (
    "linked to foreign fighters: attacks by people the model follows, who travelled to "
    "Syria/Iraq (attacks by inmates they radicalised in prison are shown apart, as a "
    "prior-driven scenario, and in no total); not all jihadist terrorism, and most attacks "
    "in the West were home-grown")
#: The flow of attacks by radicalised inmates behind each of :data:`RISK_COUNTS` (ADR 0036).
INMATE_RISK_COUNTS: dict[str, str] = {
    "attacks": "inmate_attacks", "attack_deaths": "inmate_attack_deaths",
    "mass_casualty_attacks": "inmate_mass_casualty_attacks"}
#: Whose attacks a risk region's table counts (its title): the travellers' everywhere but
#: in ``inmates_west``.
RISK_REGION_SUBJECTS: dict[str, str] = {
    "inmates_west": "Attacks not linked to foreign fighters"}
LINKED_SUBJECT = "Attacks linked to foreign fighters"
#: Where radicalised inmates' attacks at home land, by whether the origin is Western.
_INMATE_REGION_OF: dict[bool, str] = {True: "inmates_west", False: "home_elsewhere"}

assert set(HOME_LABELS) == set(HOME_STOCKS) and set(TARGET_LABELS) == set(TARGETS)
assert {g for g, _ in _RISK_REGION_OF} == set(TARGETS)
assert (set(_RISK_REGION_OF.values()) | set(_INMATE_REGION_OF.values()) == set(RISK_REGIONS)
        == set(RISK_REGION_LABELS) == set(RISK_REGION_DESCRIPTIONS)
        == set(RISK_REGION_ROW_LABELS))
assert set(PRIOR_SCENARIO_NOTES) == set(PRIOR_SCENARIO_REGIONS)
assert set(INMATE_RISK_COUNTS) == set(RISK_COUNTS)
assert set(STOCK_SLOTS) == set(PERSON_STOCKS)


def get(name: str) -> Quantity:
    """The quantity called ``name`` (raises KeyError naming the valid names)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown quantity {name!r}; valid: {', '.join(BY_NAME)}") from None


def western_origins(regions: np.ndarray | list[str] | tuple[str, ...]) -> np.ndarray:
    """(C,) bool: whether each origin's model region is Western (its "home" is in the West)."""
    return np.isin(np.asarray(regions, dtype=str), WESTERN_REGIONS)


def risk_region_matrix(west: np.ndarray) -> np.ndarray:
    """(C, TARGETS, RISK_REGIONS) 0/1 int64: the risk region of each origin's attacks on each
    target (``west``: (C,) bool, :func:`western_origins`)."""
    west = np.asarray(west, dtype=bool)
    out = np.zeros((len(west), len(TARGETS), len(RISK_REGIONS)), dtype=np.int64)
    for (target, western), region in _RISK_REGION_OF.items():
        out[west == western, TARGETS.index(target), RISK_REGIONS.index(region)] = 1
    return out


def by_risk_region(per_target: np.ndarray, west: np.ndarray,
                   inmates: np.ndarray | None = None) -> np.ndarray:
    """Counts by origin and target, ``(..., C, TARGETS)``, summed into the risk regions:
    ``(..., RISK_REGIONS)`` int64, with the radicalised inmates' counts at home by origin
    ``inmates`` ``(..., C)`` when given (ADR 0036). Never copies more than one target's
    counts at a time."""
    per_target = np.asarray(per_target)
    west = np.asarray(west, dtype=bool)
    regions = risk_region_matrix(west)  # (C, TARGETS, RISK_REGIONS)
    out = np.zeros((*per_target.shape[:-2], len(RISK_REGIONS)), dtype=np.int64)
    for g in range(len(TARGETS)):
        out += per_target[..., g].astype(np.int64) @ regions[:, g]
    if inmates is not None:
        inmates = np.asarray(inmates).astype(np.int64)
        _add_inmates(out, inmates[..., west].sum(-1), inmates[..., ~west].sum(-1))
    return out


def _add_inmates(out: np.ndarray, western: np.ndarray, other: np.ndarray) -> None:
    """Add radicalised inmates' counts at home, summed over the Western and the other
    origins, to their risk regions of ``out`` (``(..., RISK_REGIONS)``; ADR 0036)."""
    for is_western, counts in ((True, western), (False, other)):
        out[..., RISK_REGIONS.index(_INMATE_REGION_OF[is_western])] += counts


def risk_counts(flows: np.ndarray, west: np.ndarray) -> np.ndarray:
    """:data:`RISK_COUNTS` of engine flows ``(..., C, N_FLOWS)`` by risk region:
    ``(..., RISK_REGIONS, RISK_COUNTS)`` int64 (attacks, deaths, mass-casualty attacks)."""
    flows = np.asarray(flows)
    west = np.asarray(west, dtype=bool)
    # Every flow summed over the Western and over the other origins in one pass (about
    # twice as fast as a copy of each count's targets per region), then each (target,
    # Western origin?) pair added to its region.
    kinds = np.stack([west, ~west], axis=-1).astype(np.int64)
    by_kind = np.einsum("...cf,cg->...gf", flows, kinds, dtype=np.int64)  # (..., 2, F)
    out = np.zeros((*flows.shape[:-2], len(RISK_REGIONS), len(RISK_COUNTS)), dtype=np.int64)
    for k, name in enumerate(RISK_COUNTS):
        first = FLOW_SLOTS[name].start
        for (target, western), region in _RISK_REGION_OF.items():
            out[..., RISK_REGIONS.index(region), k] += by_kind[..., 0 if western else 1,
                                                              first + TARGETS.index(target)]
        slot = FLOW_SLOTS[INMATE_RISK_COUNTS[name]].start
        _add_inmates(out[..., k], by_kind[..., 0, slot], by_kind[..., 1, slot])
    return out
