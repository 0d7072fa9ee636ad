"""Names and array positions of the engine's stocks, flows and categories.

The state of one draw is an integer array ``(countries, N_STATE)``: the person stocks first
(``N_STOCKS`` of them), then the bookkeeping that is not a person stock (inmates radicalised
in prison, and the attacks scheduled for the coming months). Every person who ever travelled
is in exactly one person stock, so their sum equals cumulative arrivals at all times
(checked by tests).
"""

from __future__ import annotations

from ffcast.scenario.priors import PATHWAYS, TARGETS, THEATRES

__all__ = ["PATHWAYS", "TARGETS", "THEATRES"]  # re-exported: the engine's array order

# Person stocks (order = array position). "relocated" occupies len(THEATRES) slots.
N_THEATRES = len(THEATRES)
IN_THEATRE = 0
INSURGENT = 1
KILLED = 2
DETAINED = 3
JOINED_OTHER = 4
RELOCATED0 = 5
DISPATCHED = RELOCATED0 + len(THEATRES)
UNDETECTED = DISPATCHED + 1
DETECTED = UNDETECTED + 1
PROSECUTED = DETECTED + 1
INCARCERATED = PROSECUTED + 1
RELEASED = INCARCERATED + 1
IN_REHABILITATION = RELEASED + 1
DISENGAGED = IN_REHABILITATION + 1
REENGAGED = DISENGAGED + 1
N_STOCKS = REENGAGED + 1

MAX_LAG = 24  # months from plot initiation to execution, at most (ring buffer length)

# Bookkeeping after the person stocks in a draw's state row (not people who travelled).
RADICALISED_INMATES = N_STOCKS  # other inmates radicalised in prison, still active
# Attacks due in the coming months, by kind of plot: directed (by dispatched operatives),
# other (returnees' own, relocated fighters') or by inmates (other inmates radicalised in
# prison: not travellers, so never in the attacks linked to foreign fighters; ADR 0036).
# Directed plots have their own severity; inmates' plots are at home only.
PLOT_KINDS: tuple[str, ...] = ("directed", "other", "inmate")
DIRECTED, OTHER, INMATE = 0, 1, 2
SCHEDULED0 = RADICALISED_INMATES + 1  # + (kind * targets + target) * MAX_LAG + month % MAX_LAG
# Queues kind * targets + target: every target of the first two kinds, and the inmates' plots
# at home (queue 6); inmates plot at home only, so no room is kept for their other targets.
N_QUEUES = (len(PLOT_KINDS) - 1) * len(TARGETS) + 1
assert INMATE * len(TARGETS) + TARGETS.index("home") == N_QUEUES - 1
N_STATE = SCHEDULED0 + N_QUEUES * MAX_LAG
# Expected numbers (floats, for calibration): attacks linked to foreign fighters executed in
# Western countries (by dispatched operatives and returnees), and those in the power-law tail;
# then the part of each that dispatched operatives carry out (directed plots), so the record's
# split between directed attacks and attacks by returnees is compared too (ADR 0022).
EXPECTED_WEST_ATTACKS = 0
EXPECTED_WEST_MASS = 1
EXPECTED_WEST_DIRECTED = 2
EXPECTED_WEST_DIRECTED_MASS = 3
N_EXPECTED = 4

HOME_STOCKS: tuple[str, ...] = (
    "undetected", "detected", "prosecuted", "incarcerated", "released",
    "in_rehabilitation", "disengaged", "reengaged",
)
# Public names of the person stocks, in results order ("relocated" has a `theatre` dimension).
PERSON_STOCKS: tuple[str, ...] = (
    "in_theatre", "insurgent", "killed", "detained_in_theatre", "joined_other", "relocated",
    "dispatched", *HOME_STOCKS,
)

# Flow counters, array (countries, N_FLOWS): counts summed over the recorded interval.
ARRIVALS = 0
RETURNS = 1
REPATRIATED = 2
RADICALISED = 3
PLOTS0 = 4  # + target
INTERDICTED0 = PLOTS0 + len(TARGETS)
ATTACKS0 = INTERDICTED0 + len(TARGETS)
ATTACK_DEATHS0 = ATTACKS0 + len(TARGETS)
ATTACKS_MASS0 = ATTACK_DEATHS0 + len(TARGETS)  # attacks with >= MASS_CASUALTY_DEATHS deaths
BIRTHS = ATTACKS_MASS0 + len(TARGETS)  # minors born in theatre (to women in_theatre/detained)
# Plots and attacks at home by other inmates radicalised in prison (ADR 0036): apart from
# the per-target counts above, which are the travellers' (attacks linked to foreign fighters).
INMATE_PLOTS = BIRTHS + 1
INMATE_INTERDICTED = INMATE_PLOTS + 1
INMATE_ATTACKS = INMATE_INTERDICTED + 1
INMATE_ATTACK_DEATHS = INMATE_ATTACKS + 1
INMATE_ATTACKS_MASS = INMATE_ATTACK_DEATHS + 1
N_FLOWS = INMATE_ATTACKS_MASS + 1
# Where each queue's plots, interdicted plots, attacks, deaths and mass-casualty attacks are
# counted: the travellers' queues by target, the inmates' queue apart (ADR 0036).
_TRAVELLER_QUEUES = range(N_QUEUES - 1)
QUEUE_PLOTS = (*(PLOTS0 + q % len(TARGETS) for q in _TRAVELLER_QUEUES), INMATE_PLOTS)
QUEUE_INTERDICTED = (*(INTERDICTED0 + q % len(TARGETS) for q in _TRAVELLER_QUEUES),
                     INMATE_INTERDICTED)
QUEUE_ATTACKS = (*(ATTACKS0 + q % len(TARGETS) for q in _TRAVELLER_QUEUES), INMATE_ATTACKS)
QUEUE_DEATHS = (*(ATTACK_DEATHS0 + q % len(TARGETS) for q in _TRAVELLER_QUEUES),
                INMATE_ATTACK_DEATHS)
QUEUE_MASS = (*(ATTACKS_MASS0 + q % len(TARGETS) for q in _TRAVELLER_QUEUES),
              INMATE_ATTACKS_MASS)

MASS_CASUALTY_DEATHS = 12  # CSN2009: x_min = 12, where the power-law tail of deaths starts

# One name per array position, for messages (e.g. which count would overflow int32).
STOCK_NAMES: tuple[str, ...] = (
    "in_theatre", "insurgent", "killed", "detained_in_theatre", "joined_other",
    *(f"relocated[{t}]" for t in THEATRES), "dispatched", *HOME_STOCKS,
)
FLOW_NAMES: tuple[str, ...] = (
    "arrivals", "returns", "repatriated", "radicalised_inmates",
    *(f"plots[{g}]" for g in TARGETS), *(f"interdicted_plots[{g}]" for g in TARGETS),
    *(f"attacks[{g}]" for g in TARGETS), *(f"attack_deaths[{g}]" for g in TARGETS),
    *(f"mass_casualty_attacks[{g}]" for g in TARGETS), "births",
    "inmate_plots", "inmate_interdicted_plots", "inmate_attacks", "inmate_attack_deaths",
    "inmate_mass_casualty_attacks",
)
assert len(STOCK_NAMES) == N_STOCKS and len(FLOW_NAMES) == N_FLOWS

# Groups: every origin is simulated as three engine rows, one per group (row = origin x
# N_GROUPS + group); the record folds them back into origins and, when asked, writes the
# GROUP_QUANTITIES of each group. Minors born in theatre enter the minors row (BIRTHS).
GROUPS: tuple[str, ...] = ("men", "women", "minors")
MEN, WOMEN, MINORS = 0, 1, 2
N_GROUPS = len(GROUPS)
# What the record keeps per origin and group (stocks at the end of the month, then flows
# summed over the recorded interval). The six stocks add up to everyone of the group
# (cumulative arrivals + births), and the first three are the group's part of the war zone
# (results.quantities.WAR_ZONE); "returns" include the repatriated. Attacks by where they
# land (ADR 0033, ADR 0034): "attacks_west" are the headline's, in Western countries (at home
# for a Western origin, and against other Western countries from any origin), the region
# the attack record fits; "attacks_home_elsewhere" are those at home for a non-Western
# origin, a prior-driven scenario; third theatres are in neither.
GROUP_QUANTITIES: tuple[str, ...] = (
    "stayed", "joined_other", "detained_in_theatre", "killed", "elsewhere_abroad",
    "returned", "incarcerated", "arrivals", "births", "returns", "repatriated",
    "attacks_west", "attacks_home_elsewhere",
)
GQ_STAYED, GQ_JOINED_OTHER, GQ_DETAINED, GQ_KILLED, GQ_ELSEWHERE, GQ_RETURNED = range(6)
GQ_INCARCERATED, GQ_ARRIVALS, GQ_BIRTHS, GQ_RETURNS, GQ_REPATRIATED = range(6, 11)
GQ_ATTACKS_WEST, GQ_ATTACKS_HOME_ELSEWHERE = 11, 12
N_GROUP_QUANTITIES = len(GROUP_QUANTITIES)
GROUP_PERSON_QUANTITIES: tuple[str, ...] = GROUP_QUANTITIES[:GQ_INCARCERATED]
