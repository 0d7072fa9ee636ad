"""Where each random decision reads its uniforms: streams and blocks of slots.

Warning first: this table is what keeps common random numbers aligned. Every decision reads
a fixed block of slots of its own stream (``ffcast.engine.rng.STREAMS``), whatever happened
to the other stocks: a policy that fills or empties one stock changes how many draws *that*
stock makes, never which uniforms another stock sees, so paired scenarios differ only where
the policy acts. Never pack slots by "next free slot"; give a new decision a new block (or a
new stream), here, where overlaps are visible at a glance.
"""

from __future__ import annotations

from ffcast.engine import layout as L
from ffcast.engine.rng import STREAMS

# Streams by decision (ids are in rng.STREAMS; one stream per decision).
ARRIVALS = STREAMS["arrivals"]
THEATRE_EXITS = STREAMS["theatre_exits"]
RELOCATION_THEATRE = STREAMS["relocation_theatre"]
INSURGENT = STREAMS["insurgent"]
DETAINED = STREAMS["detained"]
JOINED_OTHER = STREAMS["joined_other"]
RELOCATED = STREAMS["relocated"]
DISPATCHED = STREAMS["dispatched"]
HOME_ARRIVALS = STREAMS["home_arrivals"]
HOME = STREAMS["home_pipeline"]
PRISON = STREAMS["prison_radicalisation"]
PLOTS = STREAMS["plots"]
INTERDICTION = STREAMS["interdiction"]
ATTACK_LAG = STREAMS["attack_lag"]
SEVERITY = STREAMS["severity"]
BIRTHS = STREAMS["births"]

# Blocks of slots within a stream.
HAZARD_BLOCK = 4  # a stock with <= 3 exits: slot 0 "how many leave", 1-2 the split
THEATRE_EXIT_SLOTS = 0  # in_theatre, 7 exits: slot 0 leave, 1..6 the split (own stream)
RELOCATED_BLOCK = HAZARD_BLOCK  # third theatre k reads slots k*4 .. k*4+3 of "relocated"
HOME_SLOT_UNDETECTED = 0 * HAZARD_BLOCK  # the home pipeline: one block per stock
HOME_SLOT_DETECTED = 1 * HAZARD_BLOCK
HOME_SLOT_PROSECUTED = 2 * HAZARD_BLOCK
HOME_SLOT_INCARCERATED = 3 * HAZARD_BLOCK
HOME_SLOT_RELEASED = 4 * HAZARD_BLOCK
HOME_SLOT_REHABILITATION = 5 * HAZARD_BLOCK
HOME_SLOT_DISENGAGED = 6 * HAZARD_BLOCK
HOME_SLOT_REENGAGED = 7 * HAZARD_BLOCK
PRISON_SLOT_NEW = 0  # prison radicalisation: new radicalised inmates, then their exits
PRISON_SLOT_EXITS = 1
PLOT_SLOT_DISPATCHED = 0  # plots: by source, then the home/abroad split of dispatched plots
PLOT_SLOT_HOME = 1
PLOT_SLOT_THIRD = 2
PLOT_SLOT_DISPATCHED_HOME = 3
PLOT_SLOT_INMATE = 4  # which of the plots at home are radicalised inmates' (ADR 0036)
INTERDICTION_BLOCK = len(L.TARGETS)  # interdiction: kind k, target g reads slot k*3 + g
#                                     (kinds: directed 0, other 1, inmate 2)
LAG_BLOCK = L.MAX_LAG  # attack lag: kind k, target g reads slots (k*3 + g)*24 + lag
SEVERITY_BLOCK = 1 << 32  # severity: kind k, target g's block is (k*3 + g); tail attack j
#                           at 16 + j within it
SEVERITY_SLOT_ZERO = 0
SEVERITY_SLOT_TAIL = 1
SEVERITY_SLOT_SMALL = 2  # + k - 1 for the attacks killing k people (k = 1..10)
SEVERITY_SLOT_EACH_TAIL = 16
HOME_ARRIVALS_SLOT_SCREEN = 0  # home arrivals: screening at the border (detected or not)
HOME_ARRIVALS_SLOT_REVIEW = 1  # the security response's review of returnees already home
BIRTHS_SLOT_THEATRE = 0  # births to women in_theatre, then to women detained
BIRTHS_SLOT_DETAINED = 1
