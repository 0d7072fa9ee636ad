"""Arrivals and the theatre: who comes to Iraq/Syria, and what happens to everyone abroad.

Warning first: every outflow is drawn on the stocks as they stood at the start of the step
(a person moves at most once a month); each stock's competing exits are one exact
multinomial (:mod:`ffcast.engine.hazards`) from its own stream and slots
(:mod:`ffcast.engine.slots`). ``relocated`` always means fighters in a third theatre abroad.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ffcast.engine import layout as L
from ffcast.engine import slots as S
from ffcast.engine.hazards import (
    HZ_DETAINED,
    HZ_DISPATCHED,
    HZ_INSURGENT,
    HZ_JOINED_OTHER,
    HZ_RELOCATED,
    compete7,
    divide7,
    moves,
    row,
)
from ffcast.engine.rng import at, cell
from ffcast.engine.sampling import poisson
from ffcast.scenario.priors import PARAM_INDEX as PI

# Parameter positions as plain ints so numba folds them into constants.
_CAPTURE = PI["capture_collapse"]
_DEATH_BASE = PI["death_base"]
_DEATH_COLLAPSE = PI["death_collapse"]
_EARLY_RETURN = PI["early_return"]
_EXIT_DECISION = PI["exit_decision"]
_DIRECTED_DISPATCH = PI["directed_dispatch"]
_N_THEATRES = len(L.THEATRES)
assert _N_THEATRES == 7 and len(L.PATHWAYS) == 5  # the theatre step unrolls these


# --- 1. arrivals ----------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def step_arrivals(state: np.ndarray, flows: np.ndarray, travellers: np.ndarray,
                  drive: np.ndarray, keys: np.ndarray, t: int, codes: np.ndarray,
                  births: float) -> None:
    """Arrivals ~ Poisson(travellers x drive[t]) into ``in_theatre``, per engine row; then
    births: each minors row gains Poisson(``births`` x women) children, ``births`` the
    monthly rate per woman, for the women of its origin in ``in_theatre`` (born there) and
    in ``detained_in_theatre`` (born in the camps), on the women's stocks after this
    month's arrivals (a woman arriving this month can give birth in it: about arrivals x
    the monthly rate, a small effect).
    Rows are origin x N_GROUPS + group (:data:`ffcast.engine.layout.GROUPS`)."""
    key = keys[S.ARRIVALS]
    for c in range(codes.shape[0]):
        expected = travellers[c] * drive[t, c]
        if expected > 0.0:
            a = poisson(expected, at(cell(key, t, codes[c]), 0))
            state[c, L.IN_THEATRE] += a
            flows[c, L.ARRIVALS] += a
    if not births > 0.0:
        return
    bkey = keys[S.BIRTHS]
    for c in range(L.MINORS, codes.shape[0], L.N_GROUPS):
        women = c - L.MINORS + L.WOMEN
        free, held = state[women, L.IN_THEATRE], state[women, L.DETAINED]
        if free + held == 0:
            continue
        cl = cell(bkey, t, codes[c])
        born_free = poisson(births * free, at(cl, S.BIRTHS_SLOT_THEATRE)) if free > 0 else 0
        born_held = poisson(births * held, at(cl, S.BIRTHS_SLOT_DETAINED)) if held > 0 else 0
        state[c, L.IN_THEATRE] += born_free
        state[c, L.DETAINED] += born_held
        flows[c, L.BIRTHS] += born_free + born_held


# --- 2. theatre: one function per stock abroad ----------------------------------------------


@njit(cache=True, inline="always", error_model="numpy")
def leave_theatre(n: int, death: float, capture: float, early_return: float, decide: float,
                  props: tuple, dispatch: float, closure: float,  # type: ignore[type-arg]
                  key: np.uint64, t: int, code: int) -> tuple:  # type: ignore[type-arg]
    """``in_theatre``: (killed, detained, returned, insurgent, joined, relocated, dispatched).

    Deaths, captures, early returns, and exit decisions (hazard ``decide``) split by the
    pathway propensities ``props`` (return, stay, join, relocate, dispatch); ``dispatch`` is
    the hazard of being sent abroad by the organisation (directed dispatch plus the dispatch
    share of exit decisions, times its external-operations capacity). A share ``closure`` of
    those who would go home cannot get out: they are killed or captured instead, split like
    the month's death and capture hazards (the total hazard, hence who leaves
    ``in_theatre``, is unchanged).
    """
    if n <= 0:
        return 0, 0, 0, 0, 0, 0, 0
    going_home = early_return + decide * props[0]
    blocked = going_home * closure
    fight = death + capture
    killed_share = death / fight if fight > 0.0 else 1.0
    rates = (death + blocked * killed_share, capture + blocked * (1.0 - killed_share),
             going_home - blocked, decide * props[1], decide * props[2], decide * props[3],
             dispatch)
    return compete7(n, rates, cell(key, t, code), S.THEATRE_EXIT_SLOTS)


@njit(cache=True, inline="always", error_model="numpy")
def stock_moves(n: int, hazards: tuple, key: np.uint64, t: int, code: int,  # type: ignore[type-arg]
                slot: int) -> tuple[int, int, int]:
    """The three exits of one stock with constant ``hazards`` (no hash at all when empty)."""
    if n <= 0:
        return 0, 0, 0
    return moves(n, hazards, cell(key, t, code), slot)


@njit(cache=True, inline="always", error_model="numpy")
def third_theatres(state: np.ndarray, hazards: np.ndarray, c: int, arriving: tuple,
                   key: np.uint64, t: int, code: int) -> tuple[int, int]:
    """Each third theatre of country ``c``: killed, onward return (its own block of slots);
    then this month's relocations ``arriving`` join. Returns (killed, returned)."""
    killed = 0
    returned = 0
    cl = np.uint64(0)
    hashed = False
    relocated = row(hazards, c, HZ_RELOCATED)
    for k in range(_N_THEATRES):
        n = state[c, L.RELOCATED0 + k]
        if n > 0:
            if not hashed:
                cl = cell(key, t, code)
                hashed = True
            x_killed, x_returned, _ = moves(n, relocated, cl, k * S.RELOCATED_BLOCK)
            n -= x_killed + x_returned
            killed += x_killed
            returned += x_returned
        state[c, L.RELOCATED0 + k] = n + arriving[k]
    return killed, returned


@njit(cache=True, error_model="numpy")
def step_theatre(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                 hazards: np.ndarray, paths: np.ndarray, shares: np.ndarray, pressure: float,
                 capacity: float, ease: float, closure: float, keys: np.ndarray, t: int,
                 codes: np.ndarray, home_bound: np.ndarray) -> None:
    """Deaths, captures and exits by pathway in theatre; flows out of the other stocks abroad.

    Every outflow is drawn on the stocks as they stood at the start of the step.
    ``home_bound[c]`` receives (returnees, repatriated detainees, arrested operatives,
    operatives who dropped out) for the home pipeline, which puts the last two straight into
    prison or disengagement at home after the month's moves there (they do not move twice
    in one month). Nobody is sent abroad when the organisation has no
    ``capacity`` (before it held ground, or once it is gone and surges no more). ``ease``
    multiplies early returns (the border tightening) and a share ``closure`` of would-be
    returners cannot get out (encirclement): see :func:`ffcast.engine.parameters.routes`.
    """
    squeeze = pressure * pressure
    for c in range(codes.shape[0]):
        code = codes[c]
        n_theatre = state[c, L.IN_THEATRE]
        n_insurgent = state[c, L.INSURGENT]
        n_detained = state[c, L.DETAINED]
        n_other = state[c, L.JOINED_OTHER]
        n_dispatched = state[c, L.DISPATCHED]
        relocated = 0
        for k in range(_N_THEATRES):
            relocated += state[c, L.RELOCATED0 + k]
        if n_theatre + n_insurgent + n_detained + n_other + n_dispatched + relocated == 0:
            home_bound[c, :] = 0  # nobody abroad: no work (no hash, no draw)
            continue
        decide = params[c, _EXIT_DECISION] * squeeze
        x_killed, x_detained, x_return, x_insurgent, x_join, x_relocate, x_dispatch = \
            leave_theatre(n_theatre,
                          params[c, _DEATH_BASE] + params[c, _DEATH_COLLAPSE] * pressure,
                          params[c, _CAPTURE] * squeeze, params[c, _EARLY_RETURN] * ease,
                          decide,
                          (paths[c, 0], paths[c, 1], paths[c, 2], paths[c, 3], paths[c, 4]),
                          (decide * paths[c, 4] + params[c, _DIRECTED_DISPATCH]) * capacity,
                          closure, keys[S.THEATRE_EXITS], t, code)
        relocations = (0, 0, 0, 0, 0, 0, 0)
        if x_relocate > 0:
            relocations = divide7(x_relocate, (shares[c, 0], shares[c, 1], shares[c, 2],
                                               shares[c, 3], shares[c, 4], shares[c, 5],
                                               shares[c, 6]),
                                  cell(keys[S.RELOCATION_THEATRE], t, code), 0)
        i_killed, i_captured, i_return = stock_moves(n_insurgent, row(hazards, c, HZ_INSURGENT),
                                                     keys[S.INSURGENT], t, code, 0)
        d_repatriated, d_died, d_escaped = stock_moves(n_detained, row(hazards, c, HZ_DETAINED),
                                                       keys[S.DETAINED], t, code, 0)
        g_killed, g_return, _ = stock_moves(n_other, row(hazards, c, HZ_JOINED_OTHER),
                                            keys[S.JOINED_OTHER], t, code, 0)
        r_killed, r_return = third_theatres(state, hazards, c, relocations,
                                            keys[S.RELOCATED], t, code)
        a_arrested, a_killed, a_dropped = stock_moves(n_dispatched, row(hazards, c, HZ_DISPATCHED),
                                                      keys[S.DISPATCHED], t, code, 0)
        state[c, L.IN_THEATRE] = n_theatre - (x_killed + x_detained + x_return + x_insurgent
                                              + x_join + x_relocate + x_dispatch)
        state[c, L.INSURGENT] = (n_insurgent - i_killed - i_captured - i_return + x_insurgent
                                 + d_escaped)
        state[c, L.DETAINED] = (n_detained - d_repatriated - d_died - d_escaped + x_detained
                                + i_captured)
        state[c, L.JOINED_OTHER] = n_other - g_killed - g_return + x_join
        state[c, L.DISPATCHED] = n_dispatched - a_arrested - a_killed - a_dropped + x_dispatch
        state[c, L.KILLED] += x_killed + i_killed + d_died + g_killed + r_killed + a_killed
        returnees = x_return + i_return + g_return + r_return
        flows[c, L.RETURNS] += returnees + d_repatriated + a_arrested + a_dropped
        flows[c, L.REPATRIATED] += d_repatriated
        home_bound[c, 0] = returnees
        home_bound[c, 1] = d_repatriated
        home_bound[c, 2] = a_arrested
        home_bound[c, 3] = a_dropped
