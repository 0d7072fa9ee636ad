"""Every uncertain parameter of the model: prior, unit, and the source or judgement behind it.

This table is the single source of truth: the engine samples from it, scenarios override it,
calibration updates it, and ``docs/model.md`` prints it. Hazards are per month. Values marked
"judgement" are ours, stated so they can be challenged; they were set before looking at any
observation dated after 2016-12 (the default cut-off). Post-cut-off research (recidivism
studies published 2019-2021) is shown in the docs for comparison only and never used here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ffcast.data.regions import REGIONS

# The model's named categories: the essay's five pathways, the third theatres fighters
# relocate to, and the targets of plots. The engine lays its arrays out in these orders.
PATHWAYS: tuple[str, ...] = ("return", "stay", "join_other", "relocate", "dispatch")
THEATRES: tuple[str, ...] = (
    "libya", "sahel", "yemen", "sinai", "khorasan", "southeast_asia", "other",
)
TARGETS: tuple[str, ...] = ("home", "western_abroad", "third_theatre")


#: The normal score of the 99.9th percentile: a prior may put at most one draw in a thousand
#: above its parameter's ceiling, i.e. ``median * exp(spread * Z_GUARD) <= ceiling``.
Z_GUARD = float(special.ndtri(0.999))
#: The engine clips every prior uniform to [1e-12, 1 - 1e-12]: ``median * exp(spread *
#: Z_EXTREME)`` is the largest value a draw can ever take (what the defaults stay under).
Z_EXTREME = float(special.ndtri(1 - 1e-12))

# Ceilings: how far a parameter may go, and why a modeller could defend it. They keep absurd
# inputs out (the 1e5 plots per person-month: runs that never end, counts that
# overflow int32) without refusing a prior a modeller could hold: a median four times the
# default with twice its spread passes, and no draw of a default prior ever reaches its
# ceiling. A scenario whose override puts more than one draw in a thousand above a ceiling
# is refused at the door (see ``Scenario.parameters``). With every plot rate at its ceiling
# (spread 0) the largest origin sees about a million plots a month by 2100: attack deaths stay
# several times below the int32 limit (mean deaths per attack ~200, capped at 3,000). Rarer
# draws beyond a ceiling are the engine's to check (int64 sums, overflow reported).
HAZARD_CEILING = 10.0
HAZARD_WHY = "a monthly hazard of 10 empties a stock within the month"
PROBABILITY_WHY = "a probability"
RADICALISATION_CEILING = 1.0
RADICALISATION_WHY = "one per inmate-month, ~330 times the default"
PLOT_ACTIVE_CEILING = 1.5
PLOT_WHY_ACTIVE = "a plot every three weeks per militant, 150 times the default"
PLOT_PASSIVE_CEILING = 0.15
PLOT_WHY_PASSIVE = "300 times the default; HEGG2013: at most 1 in 9 veterans attack"


@dataclass(frozen=True)
class Param:
    """One scalar parameter with a prior.

    ``dist`` is ``beta`` (probability; ``spread`` = concentration a+b), ``lognormal``
    (positive rate or multiplier; ``spread`` = sd of log) or ``fixed``. ``mean`` is the prior
    mean (beta) or median (lognormal); a dict gives one value per origin region.
    ``scope`` is ``region`` (each origin region draws its own value) or ``global`` (one value
    per draw for everyone: properties of the organisation or of attacks, not of an origin).
    ``ceiling`` bounds the prior's 99.9th percentile (in ``unit``) and ``ceiling_why`` says
    why a modeller could defend it; by default 1 for probabilities and :data:`HAZARD_CEILING` for
    monthly hazards.
    """

    name: str
    mean: float | dict[str, float]
    dist: str
    spread: float
    unit: str
    description: str
    source: str
    policy: bool = False  # a lever users commonly change (listed in scenarios)
    scope: str = "region"  # "region" or "global"
    ceiling: float = 0.0  # 0: the default for its unit (set in __post_init__)
    ceiling_why: str = ""

    def __post_init__(self) -> None:
        if self.ceiling > 0:
            return
        if self.dist == "beta":
            ceiling, why = 1.0, PROBABILITY_WHY
        elif self.unit.startswith("per month"):
            ceiling, why = HAZARD_CEILING, HAZARD_WHY
        else:  # a copy made elsewhere (e.g. with a scenario's override): checked already
            ceiling, why = math.inf, "none given"
        object.__setattr__(self, "ceiling", ceiling)
        object.__setattr__(self, "ceiling_why", why)

    def mean_for(self, region: str) -> float:
        if isinstance(self.mean, dict):
            return self.mean.get(region, self.mean["other"])
        return self.mean

    @property
    def largest_mean(self) -> float:
        """The largest prior mean/median over the origin regions."""
        return max(self.mean.values()) if isinstance(self.mean, dict) else float(self.mean)

    def tail(self, mean: float | None = None, spread: float | None = None,
             z: float = Z_GUARD) -> float:
        """The prior's quantile at normal score ``z`` (default: its 99.9th percentile) with
        this ``mean`` and ``spread`` (defaults: the prior's own, its largest regional
        mean), in ``unit``."""
        m = self.largest_mean if mean is None else float(mean)
        s = self.spread if spread is None else float(spread)
        if self.dist == "lognormal":
            return m * float(np.exp(s * z))
        return m  # a beta draw never exceeds 1, a fixed one is its mean


#: Multipliers of one group's hazards relative to the men's: a guard against absurd overrides.
_GROUP_CEILING = 250.0
_GROUP_WHY = ("a group 250 times as exposed as the men is no longer the mechanism the men's "
              "hazard describes")


def _by_region(**kw: float) -> dict[str, float]:
    assert set(kw) <= set(REGIONS) and "other" in kw
    return kw


PARAMS: tuple[Param, ...] = (
    # --- in theatre -------------------------------------------------------------------------
    Param("death_base", 0.007, "lognormal", 0.6, "per month",
          "Death hazard in theatre before territorial losses (civil-war fighting).",
          "judgement anchored on 'between 5 per cent and 10 per cent had been killed' by "
          "Jan 2015 (ICSR2015_SPEECH); wide (90%: 0.37-2.7 times the centre, ADR 0027) "
          "because Western statements of late 2014 put 11-18% dead (Australia 20, Austria "
          "27, the Netherlands 18, Germany at least 60) and a narrow prior (0.3) left the "
          "difference to the death scope of the reporting model"),
    Param("death_collapse", 0.03, "lognormal", 0.4, "per month at full collapse",
          "Extra death hazard proportional to collapse pressure (loss of territory).",
          "judgement; consistent with 14% of EU fighters confirmed dead by Oct 2015 (ICCT2016) "
          "and 15-20% by Dec 2016 (DEKERCHOVE2016, ESSAY2017)"),
    Param("capture_collapse", 0.012, "lognormal", 0.5, "per month at full collapse",
          "Capture hazard (Iraqi forces, SDF) times collapse pressure squared.",
          "judgement: captures were rare while territory held"),
    Param("early_return", _by_region(
        western_europe=0.025, balkans=0.022, north_america_oceania=0.02, fsu_central_asia=0.006,
        maghreb=0.006, middle_east_gulf=0.01, south_southeast_asia=0.005,
        sub_saharan_africa=0.004, other=0.006), "lognormal", 0.6, "per month",
          "Return hazard before the collapse (disillusionment, short stays); times "
          "caliphate_exit from 2014-07, when leaving became desertion, and border_ease "
          "after 2015-07 as the Turkish border tightened.",
          "judgement anchored on ~30% of EU fighters returned by Oct 2015 (ICCT2016), "
          "'up to one-third' overall by Jan 2015 (ICSR2015_SPEECH), ~500 of at most "
          "5,000 Tunisians (GTI2015; its 5-6,000 are those stopped from leaving); wide "
          "(90%: 0.37-2.7 times the centre, ADR 0024): the centre "
          "leans on figures published after the early cut-offs, and a narrower prior (0.3) "
          "left the early returns to be fitted through women_return instead"),
    Param("exit_decision", 0.06, "lognormal", 0.4, "per month at full collapse",
          "Hazard of choosing a post-caliphate pathway, times collapse pressure squared.",
          "judgement: the essay expects near-certain strategic defeat within a year"),
    # --- other stocks abroad ----------------------------------------------------------------
    Param("insurgent_death", 0.008, "lognormal", 0.4, "per month",
          "Death hazard of fighters who stay as a clandestine insurgency.", "judgement"),
    Param("insurgent_capture", 0.005, "lognormal", 0.5, "per month",
          "Capture hazard of insurgents.", "judgement"),
    Param("insurgent_return", 0.003, "lognormal", 0.5, "per month",
          "Late return hazard of insurgents (smuggled home).", "judgement"),
    Param("camp_repatriation", 0.002, "lognormal", 0.5, "per month",
          "Repatriation hazard of detained fighters (camps, prisons in Iraq/Syria).",
          "judgement: almost no repatriations before 2017", policy=True),
    Param("detained_death", 0.002, "lognormal", 0.5, "per month",
          "Death hazard in detention (including executions after trial in Iraq).", "judgement"),
    Param("detained_escape", 0.002, "lognormal", 0.5, "per month",
          "Escape hazard from detention back to the insurgency.", "judgement"),
    Param("other_group_death", 0.006, "lognormal", 0.4, "per month",
          "Death hazard with other groups (e.g. Jabhat Fatah al-Sham in Idlib).", "judgement"),
    Param("other_group_return", 0.002, "lognormal", 0.5, "per month",
          "Return hazard from other groups.", "judgement"),
    Param("relocated_death", 0.006, "lognormal", 0.4, "per month",
          "Death hazard in third theatres (Libya, Sahel, Yemen, ...).", "judgement"),
    Param("relocated_return", 0.002, "lognormal", 0.5, "per month",
          "Onward return home from third theatres.", "judgement"),
    Param("dispatched_arrest", 0.04, "lognormal", 0.4, "per month",
          "Arrest hazard of dispatched operatives (enters the home prison stock).", "judgement"),
    Param("dispatched_death", 0.01, "lognormal", 0.5, "per month",
          "Death hazard of dispatched operatives (in attacks or police action).", "judgement"),
    Param("dispatched_disengage", 0.005, "lognormal", 0.5, "per month",
          "Dispatched operatives who drop out.", "judgement"),
    # --- home pipeline ----------------------------------------------------------------------
    Param("detection", _by_region(
        western_europe=0.8, north_america_oceania=0.85, balkans=0.7, fsu_central_asia=0.6,
        maghreb=0.6, middle_east_gulf=0.55, south_southeast_asia=0.5, sub_saharan_africa=0.4,
        other=0.5), "beta", 20.0, "probability",
          "Share of returnees known to the authorities on arrival.",
          "judgement (European services knew most returnees: ICCT2016 country chapters)",
          policy=True),
    Param("late_detection", 0.01, "lognormal", 0.5, "per month",
          "Hazard that an undetected returnee becomes known.", "judgement"),
    Param("undetected_disengage", 0.02, "lognormal", 0.5, "per month",
          "Spontaneous disengagement of undetected returnees (the essay's 'fully pacified').",
          "judgement"),
    Param("undetected_reengage", 0.003, "lognormal", 0.5, "per month",
          "Undetected returnees who re-engage in militancy.",
          "judgement bounded by Hegghammer's 'no more than one in nine' (HEGG2013)"),
    Param("case_decision", 0.25, "lognormal", 0.3, "per month",
          "Hazard that a detected returnee's case is decided (prosecute / rehabilitate / "
          "release under monitoring).", "judgement (months, not years)"),
    Param("prosecution", _by_region(
        western_europe=0.35, north_america_oceania=0.7, balkans=0.5, fsu_central_asia=0.7,
        maghreb=0.5, middle_east_gulf=0.5, south_southeast_asia=0.3, sub_saharan_africa=0.3,
        other=0.4), "beta", 20.0, "probability",
          "Share of decided cases that are prosecuted.",
          "judgement: evidence 'may be difficult to acquire' (ESSAY2017); US prosecutes "
          "material support", policy=True),
    Param("rehabilitation_uptake", _by_region(
        western_europe=0.4, other=0.2), "beta", 20.0, "probability",
          "Share of non-prosecuted cases entering rehabilitation (e.g. Denmark's Aarhus model).",
          "judgement (ESSAY2017 cites Denmark)", policy=True),
    Param("trial_decision", 1 / 9, "lognormal", 0.3, "per month",
          "Hazard that a prosecution ends (verdict).", "judgement: ~9 months to verdict"),
    Param("conviction", 0.8, "beta", 30.0, "probability",
          "Share of prosecutions ending in a prison sentence.", "judgement"),
    Param("prison_release", 1 / 54, "lognormal", 0.3, "per month",
          "Release hazard (mean sentence served ~4.5 years).", "judgement"),
    Param("prison_radicalisation", 0.003, "lognormal", 0.6, "new radicals per inmate-month",
          "Other inmates radicalised by incarcerated returnees (not foreign fighters "
          "themselves; counted separately).", "judgement; the essay flags the risk",
          ceiling=RADICALISATION_CEILING, ceiling_why=RADICALISATION_WHY),
    Param("released_reengage", 0.002, "lognormal", 0.5, "per month",
          "Recidivism hazard after release.",
          "judgement (pre-2017); post-cut-off studies (RENARD2020, HODWITZ2019/2021) shown in "
          "docs for comparison only"),
    Param("released_disengage", 0.02, "lognormal", 0.5, "per month",
          "Disengagement hazard after release; also the hazard at which inmates radicalised "
          "in prison leave the radicalised pool (`hazards.stock_hazards`), so it moves the "
          "inmates' attack scenario too.", "judgement"),
    Param("rehabilitation_completion", 1 / 12, "lognormal", 0.3, "per month",
          "Hazard of leaving a rehabilitation programme.", "judgement: about a year"),
    Param("rehabilitation_success", 0.8, "beta", 20.0, "probability",
          "Share of programme leavers who are disengaged (others: released under monitoring).",
          "judgement", policy=True),
    Param("disengaged_reengage", 0.0005, "lognormal", 0.6, "per month",
          "Relapse hazard of disengaged returnees.", "judgement"),
    Param("reengaged_arrest", 0.05, "lognormal", 0.4, "per month",
          "Arrest hazard of re-engaged returnees.", "judgement"),
    Param("reengaged_disengage", 0.01, "lognormal", 0.5, "per month",
          "Re-engaged returnees who drop out again.", "judgement"),
    # --- plots and attacks ------------------------------------------------------------------
    Param("plot_rate_dispatched", 0.05, "lognormal", 0.5, "plots per person-month",
          "Plots initiated by dispatched operatives.",
          "judgement; Paris 2015 and Brussels 2016 were run by dispatched fighters (ESSAY2017)",
          ceiling=6.0, ceiling_why="a plot every five days per operative, 120 times the default"),
    Param("plot_rate_reengaged", 0.01, "lognormal", 0.5, "plots per person-month",
          "Plots initiated by re-engaged returnees.", "judgement",
          ceiling=PLOT_ACTIVE_CEILING, ceiling_why=PLOT_WHY_ACTIVE),
    Param("plot_rate_undetected", 0.0005, "lognormal", 0.6, "plots per person-month",
          "Plots initiated by undetected returnees.",
          "judgement bounded by HEGG2013 (at most 1 in 9 return to attack)",
          ceiling=PLOT_PASSIVE_CEILING, ceiling_why=PLOT_WHY_PASSIVE),
    Param("plot_rate_relocated", 0.01, "lognormal", 0.5, "plots per person-month",
          "Plots in third theatres by relocated fighters.", "judgement",
          ceiling=PLOT_ACTIVE_CEILING, ceiling_why=PLOT_WHY_ACTIVE),
    Param("plot_rate_radicalised", 0.0005, "lognormal", 0.6, "plots per person-month",
          "Plots by inmates radicalised in prison (home-grown).", "judgement",
          ceiling=PLOT_PASSIVE_CEILING, ceiling_why=PLOT_WHY_PASSIVE),
    Param("dispatched_home_target", 0.5, "beta", 20.0, "probability",
          "Share of dispatched plots aimed at the operative's origin country.", "judgement"),
    Param("interdiction_home", 0.6, "beta", 20.0, "probability",
          "Share of plots against origin countries interdicted before execution.", "judgement",
          policy=True),
    Param("interdiction_abroad", 0.5, "beta", 20.0, "probability",
          "Share of plots against other Western countries interdicted.", "judgement"),
    Param("interdiction_third", 0.2, "beta", 20.0, "probability",
          "Share of plots in third theatres interdicted.", "judgement"),
    Param("attack_lag", 3.0, "lognormal", 0.3, "months",
          "Mean months from plot initiation to execution (1 + geometric, at most 23).",
          "judgement", ceiling=120.0,
          ceiling_why="ten years; the engine holds no attack past 24 months anyway",
          scope="global"),
    Param("attack_zero_deaths", 0.35, "beta", 30.0, "probability",
          "Share of veteran-involved attacks that kill nobody.",
          "judgement; veterans make plots 'twice as likely to kill' (HEGG2013)", scope="global"),
    Param("attack_tail", 0.15, "beta", 30.0, "probability",
          "Share of lethal attacks in the power-law tail (12 or more deaths).", "judgement",
          scope="global"),
    Param("severity_alpha", 2.4, "lognormal", 0.083, "exponent",
          "Power-law exponent of deaths per attack above x_min = 12.",
          "CSN2009: alpha = 2.4 +/- 0.2, x_min = 12 +/- 4; sd log 0.083 = 0.2 / 2.4, so "
          "+/- 0.2 is one sd (90%: 2.09-2.75; it was 0.04, half that width, until a review "
          "of 2026-12-07, ADR 0042)", ceiling=20.0,
          ceiling_why="at 20 almost no attack kills more than 12", scope="global"),
    # --- the organisation's external operations (issue 13) ------------------------------------
    Param("directed_dispatch", 5e-5, "lognormal", 1.0, "per month at full capacity",
          "Hazard that a fighter in theatre is sent abroad by the Islamic State's external "
          "operations, times the organisation's capacity (before and after the collapse).",
          "judgement: the network behind Paris 2015 and Brussels 2016 counted dozens of "
          "operatives sent from Syria (ESSAY2017; NSO2016: IS 'exploited' the refugee flow 'to "
          "transfer personnel'); wide on purpose: the attacks of 2014-2016 calibrate it"),
    Param("capacity_elasticity", 1.0, "lognormal", 0.8, "exponent",
          "How the external-operations capacity falls with the territory held: capacity = "
          "territory ** elasticity x (1 + surge x collapse pressure); territory stands in for "
          "revenue and safe havens for leaders, which fell with it.",
          "judgement: holds both readings the essay allows, a capacity that fades with the "
          "territory (elasticity 1-3) and one that barely depends on it (0.2-0.5)",
          scope="global", ceiling=1000.0,
          ceiling_why="at 1,000 the capacity is gone at the first loss of territory"),
    Param("capacity_surge", 0.5, "lognormal", 1.0, "multiplier at full collapse",
          "A last surge of dispatching as the caliphate collapses: capacity x (1 + surge x "
          "collapse pressure).",
          "judgement: the essay expects a possible 'last surge' of attacks abroad; the prior "
          "spans no surge (0.1) to a 3.6-fold capacity (2.6)", scope="global", ceiling=1000.0,
          ceiling_why="a thousandfold surge: far beyond any reading of the essay"),
    Param("attack_tail_directed", 0.3, "beta", 6.0, "probability",
          "Share of lethal attacks by dispatched operatives in the power-law tail (12 or more "
          "deaths): directed operations aim at mass casualties.",
          "judgement; veterans make attacks 'twice as likely to kill' (HEGG2013); wide",
          scope="global"),
    # --- countries within a region (issue 14): partial pooling -------------------------------
    Param("country_spread_return", 0.4, "lognormal", 0.5, "sd of log",
          "How much a country's return hazard and return share differ from its region's: "
          "each country's multiplier is exp(spread x z), z standard normal (countries "
          "without statements shrink to their region).",
          "judgement: returnee shares within Western Europe published by 2016 ranged from "
          "18% to 50% (ICCT2016 and its relay DW2016: Belgium 18%, Germany 33%, the UK "
          "48%, Denmark 62 of 125; sd of log 0.41 with Austria's 70 of 230); HCSS's wider "
          "shares (Italy 10.5%, Denmark 49.6%), published in 2018: comparison only",
          scope="global",
          ceiling=50.0, ceiling_why="countries a factor e^50 apart: no pooling left"),
    Param("country_spread_death", 0.3, "lognormal", 0.5, "sd of log",
          "How much a country's death hazard in theatre differs from its region's (as above).",
          "judgement: confirmed-dead shares differed by country within Europe (ICCT2016)",
          scope="global", ceiling=50.0,
          ceiling_why="countries a factor e^50 apart: no pooling left"),
    Param("neighbour_return", 1.5, "lognormal", 0.5, "multiplier",
          "Return hazard and return share of fighters from a country bordering Syria or Iraq "
          "(Turkey, Jordan, Lebanon, Saudi Arabia, Kuwait, Iran, Israel/Palestine), relative "
          "to their region: a land border makes going home easier.",
          "judgement (geography: the land borders of Syria and Iraq); wide, calibrated on the "
          "returnee statements", scope="global", ceiling=200.0,
          ceiling_why="200 times the region's return: every neighbour's fighter home at once"),
    # --- what a count of people who "travelled" takes in (issue 19, item 3) ------------------
    Param("travelled_scope", 1.2, "lognormal", 0.25, "multiplier",
          "How much larger a published count of people who travelled is than the people who "
          "reached Syria/Iraq (the model's travellers): such counts often take in people in "
          "transit, turned back or only 'implicated' in the networks. It multiplies the "
          "reporting bias of travelled statements only, so their definition does not inflate "
          "the returnee, death and war-zone figures a country publishes.",
          "judgement: France counted 350 on the spot and 170 'en transit' (CAZENEUVE_JDD2014_09); "
          "French figures of ~1,500 count all individuals implicated in the networks "
          "(SOHR2015_UK700 note) while ICCT2016 has 'more than 900 citizens who left'; wide "
          "(90%: 0.8-1.8) so the statements decide", scope="global", ceiling=50.0,
          ceiling_why="a published count fifty times the people who went"),
    # --- the post-collapse regime (issue 19): routes out, external-operations networks -------
    Param("border_ease", 0.5, "beta", 6.0, "multiplier",
          "Return hazard in theatre after Turkey tightened its border (from 2015-07), "
          "relative to before; applied only at cut-offs from 2015-06, when the closing of the "
          "Tal Abyad crossing was public. Those held back stay in theatre.",
          "judgement between two readings: closing one crossing 'rerouted' the flow (CSMON2015, "
          "2015-06) vs Turkish screening that flagged 26,600 suspects and deported 2,500 "
          "(DAILYSABAH2015, 2015-11); returns reported flat through 2015-2016 (France 213 in "
          "spring 2015, 203 in July 2016: CAZENEUVE_AN2015, VALLS2016_07); wide (90%: "
          "0.19-0.81)", scope="global"),
    Param("caliphate_exit", 0.3, "beta", 3.0, "multiplier",
          "Return hazard in theatre after the caliphate was declared (from 2014-07), "
          "relative to before: leaving became desertion, punished by death; applied only at "
          "cut-offs from 2014-12, when that was public (ADR 0024). Those held back stay in "
          "theatre. It multiplies border_ease where both apply.",
          "judgement between two readings: a ban that held most fighters in ('has executed "
          "100 of its own foreign fighters for trying to flee from Raqqa', DW2014_12, "
          "2014-12-20: one activist's count) vs one that changed little (exit 'via Turkey' "
          "still open to those who tried, BBC2015_DEF); leaning to the first (mean 0.3, "
          "median 0.25, 90%: 0.02-0.74; ADR 0024's uniform-like mean 0.5 over-forecast the "
          "returns after every origin, and the rolling backtest chose this one, ADR 0027)",
          scope="global"),
    Param("route_closure", 0.5, "beta", 2.0, "probability at full collapse",
          "Share of the fighters who would go home (early returns and exit decisions to "
          "return) who cannot get out, times collapse pressure: as the territory shrinks the "
          "last pockets are encircled and the border strip is lost. Those held back are "
          "killed or captured (in proportion to the death and capture hazards of the month).",
          "judgement between two readings public by 2016-12: a sealed ring ('stopped Daesh "
          "from being able to escape', RUDAW2016; foreign fighters 'not gonna be able to "
          "exfiltrate as easily', WASHEXAM2016; no IS territory left on the border, DOD2016) "
          "vs a leaky one (cars still leaving Mosul, AHRAM2016; the convoy out of Manbij, "
          "RT2016_MANBIJ); deserters executed (ICSR2015_DEF, BBC2015_DEF); uniform "
          "prior (90%: 0.05-0.95)", scope="global"),
    Param("home_response", 0.5, "beta", 3.0, "probability",
          "The security response at home after the Paris attacks (from 2015-11, in Western "
          "origins, at cut-offs from 2016-03 when it was public): the share of the returnees "
          "who would have gone unnoticed on arrival that are now detected (investigated, "
          "charged or monitored); who comes home late meets this pipeline. The response "
          "also reviews those already home: in its first month the same share of the "
          "unnoticed returnees home by then is found (ADR 0035).",
          "judgement between two readings: systematic judicial treatment of every returnee "
          "(France: 143 of 254 returnees, most of them home before the response, in judicial "
          "proceedings by Feb 2016, FR_AN2016_03; "
          "'traitement judiciaire systematique', FR_AN2016_11; UK: every returner 'can expect "
          "to be subject to investigation', UK_HO2016; Belgium's 114 returnees under close "
          "watch, GEENS2016_06) vs returnees who slip through or are mentored rather than "
          "charged (Aarhus, AARHUS2015); wide (90%: 0.10-0.90)", scope="global"),
    Param("ops_attrition", 0.3, "lognormal", 1.0, "per pressure-month",
          "Losses of the external-operations network (planners killed, cells rolled up) as "
          "the campaign against the group goes on: its capacity to dispatch and direct plots "
          "is multiplied by exp(-attrition x cumulative collapse pressure), the pressure "
          "summed over months (about 0.9 by 2015-12 and 3.7 by 2016-12).",
          "judgement between two readings: attrition (planners killed after Paris, LWJ2015; "
          "the Brussels cell rolled up, AP2016; al-Adnani killed, ABC2016; the external "
          "networks emir killed, 'degrades and delays ISIL's current plots', AFM2016) vs "
          "plotting that goes on (LWJ2016; 'several dozen people directed by IS may be "
          "currently present in Europe', EUROPOL2016; a 'terrorist diaspora', COMEY2016); "
          "wide (90%: 0.06-1.6: from no visible effect to a network gone within a year of "
          "full collapse)", scope="global", ceiling=2000.0,
          ceiling_why="at 2,000 the network is gone at the first loss of territory"),
    # --- men, women and minors (issue 22; ADR 0020) ---------------------------------------
    # Multipliers on the men's hazards for the other two groups (each origin is simulated as
    # three engine rows: ffcast.engine.groups). The group shares of the travellers and the
    # births in theatre come from the data of the cut-off (ffcast.data.group_priors).
    Param("women_combat_death", 0.25, "lognormal", 0.6, "multiplier",
          "Women's death hazards in theatre (with the organisation, as insurgents, with other "
          "groups, in third theatres) relative to the men's: killed in strikes and sieges, "
          "not at the front.",
          "judgement: women went as 'wives, mothers, teachers and nurses' and were barred "
          "from fighting (ISD's report, SECINSIGHTS2015_02; the quote as ANTIWAR2015_01 "
          "relays it); 'in principle they do not participate in "
          "the fight' though some get weapons training (AIVD, ALARABIYA2016_01); no ratio of "
          "deaths was published; wide (90%: 0.09-0.67)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("minors_combat_death", 0.3, "lognormal", 0.6, "multiplier",
          "Minors' death hazards in theatre relative to the men's (children in strikes and "
          "sieges; boys trained as 'cubs of the caliphate' sent to fight).",
          "judgement: Belgium counted 48 minors in the zone and 90 Belgians dead, none said "
          "to be a child (METSU2016_06); no ratio was published; wide (90%: 0.11-0.80)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("women_return", 1.0, "lognormal", 0.65, "multiplier",
          "Women's hazard of going home (early returns and the return share of exit "
          "decisions) relative to the men's; minors go home with their mothers and take the "
          "same multiplier.",
          "judgement, neutral and wide (90%: 0.34-2.9): women needed a male guardian to "
          "travel inside the territory (SECINSIGHTS2015_02), but no split of returnees by "
          "sex was published before 2016; the returnee breakdowns published in 2016 are "
          "calibration targets of the cut-offs after them (and the scores of the group "
          "backtest before them), never this prior", scope="global",
          ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("women_dispatch", 0.1, "lognormal", 1.0, "multiplier",
          "Women's hazard of being dispatched abroad as operatives relative to the men's "
          "(minors are never dispatched).",
          "judgement: every operative of the directed attacks in the record (Paris 2015, "
          "Brussels 2016) was a man; a female cell in Paris was directed from Syria in "
          "September 2016 but had not been sent from the zone (the Paris prosecutor, "
          "LATRIBUNE2016_09); wide (90%: 0.02-0.52)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("women_plot", 0.1, "lognormal", 1.0, "multiplier",
          "Women's plot rates (at home, in third theatres, as dispatched operatives) "
          "relative to the men's.",
          "judgement: no attack in the West in 2011-2016 by a woman who had been in Syria/Iraq "
          "(attacks_west); women plotted at home in 2016 (the Paris gas-cylinder cell), and "
          "the prosecutor read the organisation as meaning 'to make women fighters' "
          "(LATRIBUNE2016_09), where the AIVD had them not fighting (ALARABIYA2016_01); wide "
          "(90%: 0.02-0.52)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("minors_plot", 0.05, "lognormal", 1.0, "multiplier",
          "Minors' plot rates relative to the men's (those who come home as teenagers).",
          "judgement: no attack in the West in 2011-2016 by a minor who had been in Syria/Iraq "
          "(attacks_west); a 15-year-old who had tried to reach the zone stabbed a police "
          "officer in Hanover (YAHOO_AFP_2016_08_HANOVER); wide (90%: 0.01-0.26)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
    Param("women_prosecution", 0.5, "lognormal", 0.5, "multiplier",
          "Women's share of decided returnee cases prosecuted relative to the men's (minors "
          "are never prosecuted: they go to child protection, the in_rehabilitation stock).",
          "judgement: women who came home were long treated as wives, not fighters (French "
          "intelligence: 'no women in combat, for now', FRANCEINFO2016_01), and the Paris "
          "prosecutor read the organisation as meaning to make them fighters in 2016 "
          "(LATRIBUNE2016_09); minors go before a juvenile judge (METSU2016_06); "
          "wide (90%: 0.22-1.14, capped at a share of 1)",
          scope="global", ceiling=_GROUP_CEILING, ceiling_why=_GROUP_WHY),
)

#: Origins that share a land border with Syria or Iraq (geography), for ``neighbour_return``.
NEIGHBOURS_OF_THEATRE: frozenset[str] = frozenset(
    {"TUR", "JOR", "LBN", "SAU", "KWT", "IRN", "ISR", "ISR;PSE", "IRQ", "SYR"})

PARAM_INDEX: dict[str, int] = {p.name: i for i, p in enumerate(PARAMS)}
N_PARAMS = len(PARAMS)
#: Parameters that are probabilities (beta priors): a scenario may not set their mean above 1.
PROBABILITIES: frozenset[str] = frozenset(p.name for p in PARAMS if p.dist == "beta")
#: Parameters with one value per draw for every region (see ``Param.scope``).
GLOBAL_PARAMS: frozenset[str] = frozenset(p.name for p in PARAMS if p.scope == "global")
assert all(p.scope in ("region", "global") for p in PARAMS)
#: The power-law exponent of deaths per attack must stay above this (CSN2009 estimates 2.4;
#: at 1.5 and below the mean severity is dominated by the cap of the tail).
SEVERITY_ALPHA_FLOOR = 1.5
assert all(math.isfinite(p.ceiling) and p.ceiling_why for p in PARAMS), "a ceiling is missing"
assert all(p.tail(z=Z_EXTREME) <= p.ceiling for p in PARAMS), "a default draw passes a ceiling"
assert all(p.tail(4 * p.largest_mean, 2 * p.spread) <= p.ceiling
           for p in PARAMS if p.dist == "lognormal"), "4x the median, 2x the spread is refused"

# Exit-pathway propensities (Dirichlet prior means by origin region; concentration below).
# Judgement from the essay and MODEL.md: Europeans return more, Maghreb fighters relocate to
# Libya more, Central Asians go to Afghanistan more; the essay's fifth pathway (dispatch) is
# bounded by HEGG2013's "no more than one in nine" return to attack.
PATHWAY_PRIOR: dict[str, tuple[float, float, float, float, float]] = {
    # return, stay, join_other, relocate, dispatch
    "western_europe": (0.50, 0.27, 0.06, 0.10, 0.07),
    "balkans": (0.45, 0.30, 0.07, 0.13, 0.05),
    "fsu_central_asia": (0.20, 0.40, 0.10, 0.25, 0.05),
    "maghreb": (0.25, 0.30, 0.08, 0.32, 0.05),
    "middle_east_gulf": (0.35, 0.35, 0.12, 0.15, 0.03),
    "south_southeast_asia": (0.25, 0.35, 0.08, 0.27, 0.05),
    "sub_saharan_africa": (0.20, 0.35, 0.05, 0.35, 0.05),
    "north_america_oceania": (0.45, 0.35, 0.03, 0.10, 0.07),
    "other": (0.30, 0.35, 0.08, 0.22, 0.05),
}
PATHWAY_CONCENTRATION = 20.0  # judgement: wide; calibration narrows it

# Where relocating fighters go, by origin region (libya, sahel, yemen, sinai, khorasan,
# southeast_asia, other). Judgement from the essay (Libya, the Sahel, Yemen, Egypt) and
# MODEL.md (Central Asians to Afghanistan).
THEATRE_PRIOR: dict[str, tuple[float, ...]] = {
    "western_europe": (0.25, 0.10, 0.10, 0.05, 0.15, 0.02, 0.33),
    "balkans": (0.20, 0.05, 0.05, 0.05, 0.15, 0.01, 0.49),
    "fsu_central_asia": (0.05, 0.02, 0.03, 0.02, 0.65, 0.03, 0.20),
    "maghreb": (0.55, 0.25, 0.02, 0.05, 0.02, 0.01, 0.10),
    "middle_east_gulf": (0.15, 0.05, 0.35, 0.25, 0.05, 0.01, 0.14),
    "south_southeast_asia": (0.03, 0.01, 0.03, 0.01, 0.40, 0.45, 0.07),
    "sub_saharan_africa": (0.25, 0.45, 0.10, 0.05, 0.01, 0.01, 0.13),
    "north_america_oceania": (0.20, 0.05, 0.15, 0.05, 0.15, 0.10, 0.30),
    "other": (0.20, 0.15, 0.15, 0.10, 0.15, 0.10, 0.15),
}
THEATRE_CONCENTRATION = 30.0

assert all(abs(sum(v) - 1) < 1e-9 for v in PATHWAY_PRIOR.values())
assert all(abs(sum(v) - 1) < 1e-9 and len(v) == len(THEATRES) for v in THEATRE_PRIOR.values())
assert len(PATHWAYS) == 5


@dataclass
class PriorSet:
    """The priors actually used by a run (defaults with scenario overrides applied)."""

    params: dict[str, Param] = field(default_factory=lambda: {p.name: p for p in PARAMS})
    pathways: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(PATHWAY_PRIOR))
    pathway_concentration: float = PATHWAY_CONCENTRATION
    theatres: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(THEATRE_PRIOR))
    theatre_concentration: float = THEATRE_CONCENTRATION


#: Below this, a beta shape parameter is past what the quantile function resolves (scipy's
#: inverse is exact down to ~1e-285 and fails on subnormal shapes): the draw takes the exact
#: small-concentration limit, a Bernoulli of the mean.
BETA_SHAPE_FLOOR = 1e-280
#: Below this, a gamma quantile is taken in log space (it would underflow: small shapes).
GAMMA_LOG_BELOW = 1e-300
#: The largest double below 1: a uniform of exactly 1 would give an infinite gamma quantile.
U_MAX = 1.0 - 2.0**-53


def sample_scalar(p: Param, mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Quantile transform of uniforms ``u`` through the prior of ``p`` with means ``mean``.

    Exact at every value a scenario may give. ``spread`` 0 fixes the parameter at its mean.
    Log-normal: ``mean x exp(spread x z)`` (a mean of 0 gives 0; a subnormal spread, the
    median). Beta with concentration ``spread`` = a + b: a mean of 0 or 1 gives exactly 0 or
    1; as the concentration shrinks the draw tends to a Bernoulli of its mean (shapes below
    :data:`BETA_SHAPE_FLOOR` take that limit: ``u > 1 - mean``), as it grows to the mean.
    """
    if p.dist == "fixed" or p.spread == 0:
        return np.broadcast_to(mean, u.shape).astype(float)
    if p.dist == "lognormal":
        return mean * np.exp(p.spread * special.ndtri(u))
    if p.dist == "beta":
        m = np.asarray(mean, dtype=float)
        s = p.spread
        a = m * s
        # s - a cancels when the mean is within 1e-6 of 1: take (1 - m) s there (exact).
        b = np.where(m <= 1 - 1e-6, s - a, (1.0 - m) * s)
        with np.errstate(invalid="ignore"):
            x = special.betaincinv(a, b, u)
        limit = np.minimum(a, b) < BETA_SHAPE_FLOOR  # also a mean of exactly 0 or 1
        if np.any(limit):
            x = np.where(limit, (u > 1.0 - m).astype(float), x)
        return x
    raise ValueError(f"unknown prior distribution {p.dist!r} for {p.name}")


def sample_dirichlet(mean: np.ndarray, concentration: float, u: np.ndarray,
                     log: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Dirichlet draws with means ``mean`` (rows sum to 1) and ``concentration``, from one
    uniform per component (``mean`` broadcasts to ``u``'s shape): gamma quantiles, normalised.

    Exact at every accepted value: a zero mean gives exactly zero; a gamma quantile that
    would underflow (a small shape: small concentration or small share) is taken in log
    space, ``log G = (log u + lgamma(1 + a)) / a`` (the leading term of the lower incomplete
    gamma, exact to O(G)), and its row normalised there. So a small concentration puts each
    draw next to one vertex, chosen with the means' probabilities, as the Dirichlet does.
    Rows whose quantiles are all representable are computed as ``G / sum(G)``.

    ``log=True`` also returns ``K = concentration x log G`` (finite for positive means,
    -inf for zero ones; G up to a factor per row): :func:`reweigh` uses it to renormalise a
    row that multiplying some shares by factors would leave empty.
    """
    u = np.minimum(u, U_MAX)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), u.shape)
    alpha = mean * concentration
    positive = mean > 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g = np.where(positive, special.gammaincinv(alpha, u), 0.0)
        in_log = positive & ~(g >= GAMMA_LOG_BELOW)  # also NaN (a subnormal shape)
        rows = in_log.any(axis=-1)
        out = g / g.sum(axis=-1, keepdims=True)
        if not (log or rows.any()):
            return out
        k = np.where(positive, concentration * np.log(np.where(in_log, 1.0, g)), -np.inf)
        k = np.where(in_log, (np.log(np.maximum(u, 1e-300)) + special.gammaln(1.0 + alpha))
                     / np.where(positive, mean, 1.0), k)
    out[rows] = _softmax(k[rows], concentration)
    return (out, k) if log else out


def _softmax(k: np.ndarray, concentration: float,
             log_factor: np.ndarray | float = 0.0) -> np.ndarray:
    """Rows of ``exp(k / concentration + log_factor)``, normalised to 1 (last axis)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        top = np.max(np.where(np.isfinite(log_factor), k, -np.inf), axis=-1, keepdims=True)
        # A component a factor of 0 excludes is -inf outright: above the allowed top, its
        # (k - top) / concentration overflows to +inf at a subnormal concentration, and
        # +inf + -inf made the whole row NaN ("nowhere to go" for a scenario with exits
        # open; the long fuzz profile, 2026-12-07). Elsewhere the same numbers as before.
        z = np.where(np.isneginf(k) | np.isneginf(log_factor), -np.inf,
                     (k - top) / concentration + log_factor)
        z = z - np.max(z, axis=-1, keepdims=True)
        w = np.exp(z)
        return w / w.sum(axis=-1, keepdims=True)


def reweigh(shares: np.ndarray, factor: np.ndarray, k: np.ndarray,
            concentration: float) -> np.ndarray:
    """Dirichlet draws ``shares`` with each share times ``factor`` (>= 0), renormalised.

    ``k`` is the draws' :func:`sample_dirichlet` ``log`` output. A row whose product is
    empty (every weighted share exactly 0: the draw sat on a vertex whose factor is 0) is
    renormalised from its log quantiles, so the next most likely pathway takes the mass, as
    in the exact Dirichlet; a row with no positive mean left stays NaN (nowhere to go).
    """
    w = shares * factor
    total = w.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = w / total
        empty = ~(total[..., 0] > 0)
        if empty.any():
            log_f = np.log(np.broadcast_to(factor, shares.shape)[empty])
            out[empty] = _softmax(k[empty], concentration, log_f)
    return out
