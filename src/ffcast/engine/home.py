"""The home pipeline: screening, prosecution, prison, release, rehabilitation, recidivism.

Warning first: existing cases move first, each stock on its start-of-step size and from its
own block of slots of the home-pipeline stream (:mod:`ffcast.engine.slots`); this month's
returnees enter afterwards. ``released`` always means people let out of prison or
monitored at home (never fighters who moved abroad: those are ``relocated``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ffcast.engine import layout as L
from ffcast.engine import slots as S
from ffcast.engine.hazards import (
    HZ_DETECTED,
    HZ_DISENGAGED,
    HZ_INCARCERATED,
    HZ_PROSECUTED,
    HZ_RADICALISED,
    HZ_REENGAGED,
    HZ_REHABILITATION,
    HZ_RELEASED,
    HZ_UNDETECTED,
    moves,
    row,
)
from ffcast.engine.rng import at, cell
from ffcast.engine.sampling import binomial, poisson
from ffcast.scenario.priors import PARAM_INDEX as PI

# Parameter positions as plain ints so numba folds them into constants.
_DETECTION = PI["detection"]
_PRISON_RADICALISATION = PI["prison_radicalisation"]


# --- 3. home pipeline -----------------------------------------------------------------------


@njit(cache=True, inline="always", error_model="numpy")
def home_cases(state: np.ndarray, hazards: np.ndarray, c: int, key: np.uint64, t: int,
               code: int) -> None:
    """Existing cases of country ``c`` at home move, each stock on its start-of-step size,
    from its own block of slots of the home-pipeline stream (one cell for them all)."""
    cl = cell(key, t, code)
    und, det, pros = state[c, L.UNDETECTED], state[c, L.DETECTED], state[c, L.PROSECUTED]
    inc, rel = state[c, L.INCARCERATED], state[c, L.RELEASED]
    reh, dis, ree = state[c, L.IN_REHABILITATION], state[c, L.DISENGAGED], state[c, L.REENGAGED]
    # undetected -> detected | disengaged | reengaged
    u_det, u_dis, u_ree = moves(und, row(hazards, c, HZ_UNDETECTED), cl, S.HOME_SLOT_UNDETECTED)
    # detected -> case decided -> prosecuted | rehabilitation | released (monitored)
    c_pros, c_reh, c_rel = moves(det, row(hazards, c, HZ_DETECTED), cl, S.HOME_SLOT_DETECTED)
    # prosecuted -> verdict -> incarcerated | released (acquitted)
    v_inc, v_rel, _ = moves(pros, row(hazards, c, HZ_PROSECUTED), cl, S.HOME_SLOT_PROSECUTED)
    # incarcerated -> released
    i_rel, _, _ = moves(inc, row(hazards, c, HZ_INCARCERATED), cl, S.HOME_SLOT_INCARCERATED)
    # released -> reengaged | disengaged
    l_ree, l_dis, _ = moves(rel, row(hazards, c, HZ_RELEASED), cl, S.HOME_SLOT_RELEASED)
    # rehabilitation -> disengaged (success) | released (failure)
    h_dis, h_rel, _ = moves(reh, row(hazards, c, HZ_REHABILITATION), cl, S.HOME_SLOT_REHABILITATION)
    # disengaged -> reengaged
    e_ree, _, _ = moves(dis, row(hazards, c, HZ_DISENGAGED), cl, S.HOME_SLOT_DISENGAGED)
    # reengaged -> incarcerated | disengaged
    g_inc, g_dis, _ = moves(ree, row(hazards, c, HZ_REENGAGED), cl, S.HOME_SLOT_REENGAGED)
    state[c, L.UNDETECTED] = und - u_det - u_dis - u_ree
    state[c, L.DETECTED] = det - c_pros - c_reh - c_rel + u_det
    state[c, L.PROSECUTED] = pros - v_inc - v_rel + c_pros
    state[c, L.INCARCERATED] = inc - i_rel + v_inc + g_inc
    state[c, L.RELEASED] = rel - l_ree - l_dis + c_rel + v_rel + i_rel + h_rel
    state[c, L.IN_REHABILITATION] = reh - h_dis - h_rel + c_reh
    state[c, L.DISENGAGED] = dis - e_ree + u_dis + l_dis + h_dis + g_dis
    state[c, L.REENGAGED] = ree - g_inc - g_dis + u_ree + l_ree + e_ree


@njit(cache=True, inline="always", error_model="numpy")
def prison_radicalisation(state: np.ndarray, hazards: np.ndarray, c: int, rate: float,
                          inmates: int, key: np.uint64, t: int, code: int) -> int:
    """Other inmates radicalised in prison (not travellers: bookkeeping, not a person stock):
    Poisson(rate x inmates) new ones join the pool, which leaves at its own hazard.
    Returns the new ones."""
    expected = rate * inmates
    pool = state[c, L.RADICALISED_INMATES]
    if not expected > 0.0 and pool <= 0:
        return 0
    cl = cell(key, t, code)
    new = poisson(expected, at(cl, S.PRISON_SLOT_NEW))
    gone = 0
    if pool > 0:
        gone, _, _ = moves(pool, row(hazards, c, HZ_RADICALISED), cl, S.PRISON_SLOT_EXITS)
    state[c, L.RADICALISED_INMATES] = pool + new - gone
    return new


@njit(cache=True, error_model="numpy", inline="always")
def enter_custody(state: np.ndarray, home_bound: np.ndarray, c: int) -> None:
    """This month's dispatched operatives arrested abroad (``home_bound[c, 2]``) into prison
    at home and those who dropped out (``home_bound[c, 3]``) into disengagement, after the
    month's moves at home: they used to be added in the theatre step, before the home step,
    and about 1.8% of them were released or moved again in the month they arrived."""
    state[c, L.INCARCERATED] += home_bound[c, 2]
    state[c, L.DISENGAGED] += home_bound[c, 3]


@njit(cache=True, error_model="numpy")
def step_home_pipeline(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                       hazards: np.ndarray, home_bound: np.ndarray, keys: np.ndarray, t: int,
                       codes: np.ndarray, west: np.ndarray, response: float = 0.0,
                       review: float = 0.0) -> None:
    """Screening, prosecution, prison, release, rehabilitation and recidivism at home.

    Existing cases move first (on their start-of-step stocks), prison radicalisation works
    on the start-of-step inmates; this month's returnees (``home_bound[c, 0]``) then enter
    as detected or undetected, repatriated detainees (``home_bound[c, 1]``) as detected,
    and dispatched operatives arrested abroad or who dropped out (``home_bound[c, 2:4]``)
    into prison and disengagement (:func:`enter_custody`).
    In Western origins (``west``) the security response at home detects a share
    ``response`` of the returnees the screening would have missed, and in the month it
    starts finds a share ``review`` of the returnees already home and unnoticed (after
    their own moves, so nobody moves twice; ADR 0035).
    """
    for c in range(codes.shape[0]):
        code = codes[c]
        inmates = state[c, L.INCARCERATED]
        at_home = 0
        for k in range(L.UNDETECTED, L.N_STOCKS):
            at_home += state[c, k]
        if at_home > 0:
            home_cases(state, hazards, c, keys[S.HOME], t, code)
        flows[c, L.RADICALISED] += prison_radicalisation(
            state, hazards, c, params[c, _PRISON_RADICALISATION], inmates, keys[S.PRISON], t,
            code)
        if review > 0.0 and west[c] and state[c, L.UNDETECTED] > 0:
            found = binomial(state[c, L.UNDETECTED], review,
                             at(cell(keys[S.HOME_ARRIVALS], t, code), S.HOME_ARRIVALS_SLOT_REVIEW))
            state[c, L.UNDETECTED] -= found
            state[c, L.DETECTED] += found
        returnees, repatriated = home_bound[c, 0], home_bound[c, 1]
        detected = 0
        if returnees > 0:  # screened at the border: detected or not
            p_detect = params[c, _DETECTION]
            if west[c] and response > 0.0:
                p_detect = 1.0 - (1.0 - p_detect) * (1.0 - response)
            detected = binomial(returnees, p_detect,
                                at(cell(keys[S.HOME_ARRIVALS], t, code),
                                   S.HOME_ARRIVALS_SLOT_SCREEN))
        state[c, L.DETECTED] += detected + repatriated
        state[c, L.UNDETECTED] += returnees - detected
        enter_custody(state, home_bound, c)
