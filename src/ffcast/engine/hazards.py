"""Competing monthly hazards and the exact multinomial moves they drive (numba).

Warning first: a stock's people leave by an exact two-stage multinomial: how many leave ~
Binomial(n, 1 - exp(-total hazard)), then the leavers split in proportion to the hazards
(sequential conditional binomials), every draw from its own fixed slot. Nobody can leave
twice and no stock can go negative.

Every stock except ``in_theatre`` (whose hazards follow the collapse month by month) has
hazards that are constant while a draw's parameters are: before the policy start and from
it. Their totals, odds and split fractions are therefore computed once per draw and period
(:func:`stock_hazards`) instead of in every country-month; the rules of who leaves where
live here, in one table, next to the names of the stocks they apply to.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ffcast.engine.rng import at
from ffcast.engine.sampling import binomial, leave
from ffcast.scenario.priors import PARAM_INDEX as PI

# Parameter positions as plain ints so numba folds them into constants.
_CAMP_REPATRIATION = PI["camp_repatriation"]
_CASE_DECISION = PI["case_decision"]
_CONVICTION = PI["conviction"]
_DETAINED_DEATH = PI["detained_death"]
_DETAINED_ESCAPE = PI["detained_escape"]
_DISENGAGED_REENGAGE = PI["disengaged_reengage"]
_DISPATCHED_ARREST = PI["dispatched_arrest"]
_DISPATCHED_DEATH = PI["dispatched_death"]
_DISPATCHED_DISENGAGE = PI["dispatched_disengage"]
_INSURGENT_CAPTURE = PI["insurgent_capture"]
_INSURGENT_DEATH = PI["insurgent_death"]
_INSURGENT_RETURN = PI["insurgent_return"]
_LATE_DETECTION = PI["late_detection"]
_OTHER_GROUP_DEATH = PI["other_group_death"]
_OTHER_GROUP_RETURN = PI["other_group_return"]
_PRISON_RELEASE = PI["prison_release"]
_PROSECUTION = PI["prosecution"]
_REENGAGED_ARREST = PI["reengaged_arrest"]
_REENGAGED_DISENGAGE = PI["reengaged_disengage"]
_REHABILITATION_COMPLETION = PI["rehabilitation_completion"]
_REHABILITATION_SUCCESS = PI["rehabilitation_success"]
_REHABILITATION_UPTAKE = PI["rehabilitation_uptake"]
_RELEASED_DISENGAGE = PI["released_disengage"]
_RELEASED_REENGAGE = PI["released_reengage"]
_RELOCATED_DEATH = PI["relocated_death"]
_RELOCATED_RETURN = PI["relocated_return"]
_TRIAL_DECISION = PI["trial_decision"]
_UNDETECTED_DISENGAGE = PI["undetected_disengage"]
_UNDETECTED_REENGAGE = PI["undetected_reengage"]

# Rows of the per-draw hazard table, one per stock with constant hazards.
HZ_INSURGENT = 0  # killed | captured | return
HZ_DETAINED = 1  # repatriated | died | escaped to the insurgency
HZ_JOINED_OTHER = 2  # killed | return
HZ_RELOCATED = 3  # killed | onward return (each third theatre)
HZ_DISPATCHED = 4  # arrested (prison at home) | killed | dropped out (disengaged)
HZ_UNDETECTED = 5  # detected | disengaged | reengaged
HZ_DETECTED = 6  # prosecuted | rehabilitation | released (case decided)
HZ_PROSECUTED = 7  # incarcerated | released (acquitted)
HZ_INCARCERATED = 8  # released
HZ_RELEASED = 9  # reengaged | disengaged
HZ_REHABILITATION = 10  # disengaged (success) | released (failure)
HZ_DISENGAGED = 11  # reengaged
HZ_REENGAGED = 12  # incarcerated | disengaged
HZ_RADICALISED = 13  # other inmates radicalised in prison: no longer active
N_HAZARD_ROWS = 14
# Columns: total hazard, odds 1/exp(-total) - 1, share of leavers to exit 0, share of the
# remaining leavers to exit 1 (the rest take exit 2).
TOTAL, ODDS, SPLIT0, SPLIT1 = 0, 1, 2, 3
N_HAZARD_COLUMNS = 4


@njit(cache=True, error_model="numpy")
def _set(table: np.ndarray, c: int, row: int, r0: float, r1: float, r2: float) -> None:
    total = r0 + r1 + r2
    table[c, row, TOTAL] = total
    table[c, row, ODDS] = math.expm1(total) if total > 0.0 else 0.0
    table[c, row, SPLIT0] = r0 / total if total > 0.0 else 0.0
    table[c, row, SPLIT1] = r1 / (r1 + r2) if r1 + r2 > 0.0 else 0.0


@njit(cache=True, error_model="numpy")
def stock_hazards(params: np.ndarray, table: np.ndarray) -> None:
    """Fill ``table`` (C, N_HAZARD_ROWS, 4) from one draw's ``params`` (C, N_PARAMS)."""
    for c in range(params.shape[0]):
        p = params[c]
        _set(table, c, HZ_INSURGENT, p[_INSURGENT_DEATH], p[_INSURGENT_CAPTURE],
             p[_INSURGENT_RETURN])
        _set(table, c, HZ_DETAINED, p[_CAMP_REPATRIATION], p[_DETAINED_DEATH],
             p[_DETAINED_ESCAPE])
        _set(table, c, HZ_JOINED_OTHER, p[_OTHER_GROUP_DEATH],
             p[_OTHER_GROUP_RETURN], 0.0)
        _set(table, c, HZ_RELOCATED, p[_RELOCATED_DEATH], p[_RELOCATED_RETURN], 0.0)
        _set(table, c, HZ_DISPATCHED, p[_DISPATCHED_ARREST], p[_DISPATCHED_DEATH],
             p[_DISPATCHED_DISENGAGE])
        _set(table, c, HZ_UNDETECTED, p[_LATE_DETECTION], p[_UNDETECTED_DISENGAGE],
             p[_UNDETECTED_REENGAGE])
        decide, prosecute = p[_CASE_DECISION], p[_PROSECUTION]
        rehabilitate = (1.0 - prosecute) * p[_REHABILITATION_UPTAKE]
        _set(table, c, HZ_DETECTED, decide * prosecute, decide * rehabilitate,
             decide * (1.0 - prosecute - rehabilitate))
        trial, convict = p[_TRIAL_DECISION], p[_CONVICTION]
        _set(table, c, HZ_PROSECUTED, trial * convict, trial * (1.0 - convict), 0.0)
        _set(table, c, HZ_INCARCERATED, p[_PRISON_RELEASE], 0.0, 0.0)
        _set(table, c, HZ_RELEASED, p[_RELEASED_REENGAGE], p[_RELEASED_DISENGAGE],
             0.0)
        complete, success = p[_REHABILITATION_COMPLETION], p[_REHABILITATION_SUCCESS]
        _set(table, c, HZ_REHABILITATION, complete * success, complete * (1.0 - success), 0.0)
        _set(table, c, HZ_DISENGAGED, p[_DISENGAGED_REENGAGE], 0.0, 0.0)
        _set(table, c, HZ_REENGAGED, p[_REENGAGED_ARREST], p[_REENGAGED_DISENGAGE],
             0.0)
        _set(table, c, HZ_RADICALISED, p[_RELEASED_DISENGAGE], 0.0, 0.0)


@njit(cache=True, error_model="numpy")
def part(n: int, share: float, c: np.uint64, slot: int) -> int:
    """How many of ``n`` take an exit with probability ``share`` (no draw for 0 or 1)."""
    if n <= 0 or not share > 0.0:
        return 0
    if share >= 1.0:
        return n
    return binomial(n, share, at(c, slot))


@njit(cache=True, inline="always", error_model="numpy")
def row(table: np.ndarray, c: int, stock: int) -> tuple[float, float, float, float]:
    """Country ``c``'s hazards for ``stock`` as a tuple (total, odds, split0, split1)."""
    return (table[c, stock, TOTAL], table[c, stock, ODDS], table[c, stock, SPLIT0],
            table[c, stock, SPLIT1])


@njit(cache=True, inline="always", error_model="numpy")
def moves(n: int, hazards: tuple, cl: np.uint64, slot: int) -> tuple[int, int, int]:  # type: ignore[type-arg]
    """How many of ``n`` people take each of a stock's three exits this month, given its
    ``hazards`` row; slot ``slot`` decides how many leave, ``slot + 1 .. + 2`` the split.
    The common "nobody leaves" is decided inline, without a call."""
    moved = leave(n, hazards[TOTAL], hazards[ODDS], at(cl, slot)) if n > 0 else 0
    if moved == 0:
        return 0, 0, 0
    return _split3(moved, hazards[SPLIT0], hazards[SPLIT1], cl, slot)


@njit(cache=True, inline="always", error_model="numpy")
def _split3(moved: int, split0: float, split1: float, cl: np.uint64,
            slot: int) -> tuple[int, int, int]:
    x0 = part(moved, split0, cl, slot + 1)
    x1 = part(moved - x0, split1, cl, slot + 2)
    return x0, x1, moved - x0 - x1


@njit(cache=True, error_model="numpy")
def _take(left: int, mass: float, rate: float, last: bool, c: np.uint64,
          slot: int) -> tuple[int, int, float]:
    """One step of a sequential multinomial: how many of ``left`` take an exit with weight
    ``rate`` out of the remaining ``mass`` (all of them at the last positive exit)."""
    if left <= 0 or not rate > 0.0:
        return 0, left, mass
    if last:
        return left, 0, mass - rate
    x = binomial(left, min(rate / mass, 1.0), at(c, slot))
    return x, left - x, mass - rate


@njit(cache=True, inline="always", error_model="numpy")
def _last_positive(w: tuple) -> int:  # type: ignore[type-arg]
    last = len(w) - 1
    while last > 0 and not w[last] > 0.0:
        last -= 1
    return last


@njit(cache=True, inline="always", error_model="numpy")
def divide7(n: int, w: tuple, c: np.uint64, slot: int) -> tuple:  # type: ignore[type-arg]
    """Divide ``n`` among seven categories in proportion to the weights ``w`` (a 7-tuple):
    an exact multinomial by sequential conditional binomials, slots ``slot .. slot + 5``."""
    mass = w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6]
    if not mass > 0.0:  # no weight anywhere (cannot happen with Dirichlet shares)
        return 0, 0, 0, 0, 0, 0, n
    last = _last_positive(w)
    x0, left, mass = _take(n, mass, w[0], last == 0, c, slot)
    x1, left, mass = _take(left, mass, w[1], last == 1, c, slot + 1)
    x2, left, mass = _take(left, mass, w[2], last == 2, c, slot + 2)
    x3, left, mass = _take(left, mass, w[3], last == 3, c, slot + 3)
    x4, left, mass = _take(left, mass, w[4], last == 4, c, slot + 4)
    x5, left, mass = _take(left, mass, w[5], last == 5, c, slot + 5)
    x6, left, mass = _take(left, mass, w[6], True, c, slot + 6)
    return x0, x1, x2, x3, x4, x5, x6


@njit(cache=True, inline="always", error_model="numpy")
def compete7(n: int, rates: tuple, c: np.uint64, slot: int) -> tuple:  # type: ignore[type-arg]
    """Seven competing hazards (a 7-tuple of monthly rates): how many took each exit.

    Slot ``slot`` decides how many leave, ``slot + 1 .. slot + 6`` the split.
    """
    total = rates[0] + rates[1] + rates[2] + rates[3] + rates[4] + rates[5] + rates[6]
    if n <= 0 or not total > 0.0:
        return 0, 0, 0, 0, 0, 0, 0
    moved = leave(n, total, np.nan, at(c, slot))
    if moved == 0:
        return 0, 0, 0, 0, 0, 0, 0
    return divide7(moved, rates, c, slot + 1)
