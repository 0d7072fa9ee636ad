"""Names and array positions of the engine's stocks, flows and categories.

The state of one ensemble chunk is an integer array ``(draws, countries, N_STOCKS)`` of whole
people; every person who ever travelled is in exactly one of these stocks, so their sum over
the last axis equals cumulative arrivals at all times (checked by tests).
"""

from __future__ import annotations

from ffcast.scenario.priors import PATHWAYS, TARGETS, THEATRES

__all__ = ["PATHWAYS", "TARGETS", "THEATRES"]  # re-exported: the engine's array order

# Person stocks (order = array position). "relocated" occupies len(THEATRES) slots.
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

HOME_STOCKS: tuple[str, ...] = (
    "undetected", "detected", "prosecuted", "incarcerated", "released",
    "in_rehabilitation", "disengaged", "reengaged",
)
# Public names of the person stocks, in results order ("relocated" has a `theatre` dimension).
PERSON_STOCKS: tuple[str, ...] = (
    "in_theatre", "insurgent", "killed", "detained_in_theatre", "joined_other", "relocated",
    "dispatched", *HOME_STOCKS,
)

# Monthly flow counters, array (draws, countries, N_FLOWS).
ARRIVALS = 0
RETURNS = 1
REPATRIATED = 2
RADICALISED = 3
PLOTS0 = 4  # + target
INTERDICTED0 = PLOTS0 + len(TARGETS)
ATTACKS0 = INTERDICTED0 + len(TARGETS)
ATTACK_DEATHS0 = ATTACKS0 + len(TARGETS)
N_FLOWS = ATTACK_DEATHS0 + len(TARGETS)

MAX_LAG = 24  # months from plot initiation to execution, at most
