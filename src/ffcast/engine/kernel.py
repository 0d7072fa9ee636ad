"""The monthly step of one draw, in the order of the plan (numba).

Warning first: every step draws its outflows from the stocks *as they stood when the step
began* (a person moves at most once per step), competing hazards become one exact
multinomial per stock (so a stock can never go negative; see :mod:`ffcast.engine.hazards`),
and each decision reads its own named random stream at fixed slots (see
:mod:`ffcast.engine.rng` and the slot constants below). The plan, :data:`STEP_ORDER`,
reads like the model description, and :func:`month` runs exactly these steps in this order,
each over every origin country (a test reads :func:`month` and fails if they differ):

1. ``arrivals``       Poisson arrivals into ``in_theatre``.
2. ``theatre``        deaths, captures, exits split by pathway (return, stay as insurgent,
                      join other groups, relocate to a third theatre, be dispatched), and the
                      flows out of the other stocks abroad.
3. ``home_pipeline``  screening, prosecution, prison, release, rehabilitation, recidivism and
                      prison radicalisation; new returnees enter after existing cases moved.
4. ``plots_attacks``  plots, interdiction, the plot-to-attack lag, executed attacks, deaths.
5. ``record``         stocks and the flows summed since the last recorded month are written
                      to the output at the months asked for (int32, checked for overflow).

Names: ``relocated`` always means fighters who moved to a third theatre abroad; people let
out of prison or monitored at home are ``released``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ffcast.engine import clock as profile
from ffcast.engine import layout as L
from ffcast.engine.hazards import (
    HZ_DETAINED,
    HZ_DETECTED,
    HZ_DISENGAGED,
    HZ_DISPATCHED,
    HZ_INCARCERATED,
    HZ_INSURGENT,
    HZ_JOINED_OTHER,
    HZ_PROSECUTED,
    HZ_RADICALISED,
    HZ_REENGAGED,
    HZ_REHABILITATION,
    HZ_RELEASED,
    HZ_RELOCATED,
    HZ_UNDETECTED,
    compete7,
    divide7,
    moves,
    row,
)
from ffcast.engine.rng import STREAMS, at, cell
from ffcast.engine.sampling import binomial, poisson, power_law_severity
from ffcast.scenario.priors import PARAM_INDEX as PI

STEP_ORDER: tuple[str, ...] = ("arrivals", "theatre", "home_pipeline", "plots_attacks", "record")
N_STEPS = len(STEP_ORDER)

# Parameter positions as plain ints so numba folds them into constants (the stocks with
# constant hazards read theirs from the hazard table instead).
_DEATH_BASE = PI["death_base"]
_DEATH_COLLAPSE = PI["death_collapse"]
_CAPTURE = PI["capture_collapse"]
_EARLY_RETURN = PI["early_return"]
_EXIT_DECISION = PI["exit_decision"]
_DETECTION = PI["detection"]
_PRISON_RADICALISATION = PI["prison_radicalisation"]
_PLOT_DISPATCHED = PI["plot_rate_dispatched"]
_PLOT_REENGAGED = PI["plot_rate_reengaged"]
_PLOT_UNDETECTED = PI["plot_rate_undetected"]
_PLOT_RELOCATED = PI["plot_rate_relocated"]
_PLOT_RADICALISED = PI["plot_rate_radicalised"]
_DISPATCHED_HOME_TARGET = PI["dispatched_home_target"]
_INTERDICTION = (PI["interdiction_home"], PI["interdiction_abroad"], PI["interdiction_third"])
_ATTACK_LAG = PI["attack_lag"]
_ZERO_DEATHS = PI["attack_zero_deaths"]
_TAIL = PI["attack_tail"]
_SEVERITY_ALPHA = PI["severity_alpha"]

_S_ARRIVALS = STREAMS["arrivals"]
_S_THEATRE_EXITS = STREAMS["theatre_exits"]
_S_RELOCATION_THEATRE = STREAMS["relocation_theatre"]
_S_INSURGENT = STREAMS["insurgent"]
_S_DETAINED = STREAMS["detained"]
_S_JOINED_OTHER = STREAMS["joined_other"]
_S_RELOCATED = STREAMS["relocated"]
_S_DISPATCHED = STREAMS["dispatched"]
_S_HOME_ARRIVALS = STREAMS["home_arrivals"]
_S_HOME = STREAMS["home_pipeline"]
_S_PLOTS = STREAMS["plots"]
_S_INTERDICTION = STREAMS["interdiction"]
_S_ATTACK_LAG = STREAMS["attack_lag"]
_S_SEVERITY = STREAMS["severity"]
_S_PRISON = STREAMS["prison_radicalisation"]

_N_THEATRES = len(L.THEATRES)
_N_TARGETS = len(L.TARGETS)
assert _N_THEATRES == 7 and len(L.PATHWAYS) == 5  # the theatre step unrolls these
_X_MIN = float(L.MASS_CASUALTY_DEATHS)  # CSN2009: the power-law tail starts at 12 deaths
_SEVERITY_CAP = 3000.0  # judgement: no single attack above 9/11 scale
_SMALL_ATTACK_MAX = _X_MIN - 1.0  # attacks outside the tail kill 1..11 people, uniformly
_INT32_MAX = 2**31 - 1
MAX_TAIL_ATTACKS = 100_000  # per country, month and target: beyond it the inputs are absurd

# --- Slots: where each decision reads its uniforms -----------------------------------------
# Every decision reads a fixed block of slots of its own stream, whatever happened to the
# other stocks. That is what keeps common random numbers aligned: a policy that fills or
# empties one stock changes how many draws *that* stock makes, never which uniforms another
# stock sees, so paired scenarios differ only where the policy acts. Never pack slots by
# "next free slot"; give a new decision a new block (or a new stream).
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
LAG_BLOCK = L.MAX_LAG  # attack lag: target g reads slots g*24 + lag (one per lag month)
SEVERITY_BLOCK = 1 << 32  # severity: target g's block; tail attack j at 16 + j
SEVERITY_SLOT_ZERO = 0
SEVERITY_SLOT_TAIL = 1
SEVERITY_SLOT_SMALL = 2  # + k - 1 for the attacks killing k people (k = 1..10)
SEVERITY_SLOT_EACH_TAIL = 16

# Status codes of a draw (0 = fine): overflow of stock k is 1 + k, of flow f is
# OVERFLOW_FLOW + f; absurd numbers of mass-casualty attacks TOO_MANY_ATTACKS + target.
OVERFLOW_STOCK = 1
OVERFLOW_FLOW = 1 + L.N_STOCKS
TOO_MANY_ATTACKS = OVERFLOW_FLOW + L.N_FLOWS


# --- 1. arrivals ----------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def step_arrivals(state: np.ndarray, flows: np.ndarray, travellers: np.ndarray,
                  drive: np.ndarray, keys: np.ndarray, t: int, codes: np.ndarray) -> None:
    """Arrivals ~ Poisson(travellers x drive[t]) into ``in_theatre``, per country."""
    key = keys[_S_ARRIVALS]
    for c in range(codes.shape[0]):
        expected = travellers[c] * drive[t, c]
        if expected > 0.0:
            a = poisson(expected, at(cell(key, t, codes[c]), 0))
            state[c, L.IN_THEATRE] += a
            flows[c, L.ARRIVALS] += a


# --- 2. theatre: one function per stock abroad ----------------------------------------------


@njit(cache=True, error_model="numpy")
def leave_theatre(n: int, death: float, capture: float, early_return: float, decide: float,
                  props: tuple, key: np.uint64, t: int, code: int) -> tuple:  # type: ignore[type-arg]
    """``in_theatre``: (killed, detained, returned, insurgent, joined, relocated, dispatched).

    Deaths, captures, early returns, and exit decisions (hazard ``decide``) split by the
    pathway propensities ``props`` (return, stay, join, relocate, dispatch).
    """
    if n <= 0:
        return 0, 0, 0, 0, 0, 0, 0
    rates = (death, capture, early_return + decide * props[0], decide * props[1],
             decide * props[2], decide * props[3], decide * props[4])
    return compete7(n, rates, cell(key, t, code), THEATRE_EXIT_SLOTS)


@njit(cache=True, error_model="numpy")
def stock_moves(n: int, hazards: tuple, key: np.uint64, t: int, code: int,  # type: ignore[type-arg]
                slot: int) -> tuple[int, int, int]:
    """The three exits of one stock with constant ``hazards`` (no hash at all when empty)."""
    if n <= 0:
        return 0, 0, 0
    return moves(n, hazards, cell(key, t, code), slot)


@njit(cache=True, error_model="numpy")
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
            x_killed, x_returned, _ = moves(n, relocated, cl, k * RELOCATED_BLOCK)
            n -= x_killed + x_returned
            killed += x_killed
            returned += x_returned
        state[c, L.RELOCATED0 + k] = n + arriving[k]
    return killed, returned


@njit(cache=True, error_model="numpy")
def step_theatre(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                 hazards: np.ndarray, paths: np.ndarray, shares: np.ndarray, pressure: float,
                 ease: float, keys: np.ndarray, t: int, codes: np.ndarray,
                 home_bound: np.ndarray) -> None:
    """Deaths, captures and exits by pathway in theatre; flows out of the other stocks abroad.

    Every outflow is drawn on the stocks as they stood at the start of the step.
    ``home_bound[c]`` receives (returnees, repatriated detainees) for the home pipeline;
    dispatched operatives who are arrested or drop out go straight to prison or
    disengagement at home.
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
            home_bound[c, 0] = 0  # nobody abroad: no work (no hash, no draw)
            home_bound[c, 1] = 0
            continue
        x_killed, x_detained, x_return, x_insurgent, x_join, x_relocate, x_dispatch = \
            leave_theatre(n_theatre,
                          params[c, _DEATH_BASE] + params[c, _DEATH_COLLAPSE] * pressure,
                          params[c, _CAPTURE] * squeeze, params[c, _EARLY_RETURN] * ease,
                          params[c, _EXIT_DECISION] * squeeze,
                          (paths[c, 0], paths[c, 1], paths[c, 2], paths[c, 3], paths[c, 4]),
                          keys[_S_THEATRE_EXITS], t, code)
        relocations = (0, 0, 0, 0, 0, 0, 0)
        if x_relocate > 0:
            relocations = divide7(x_relocate, (shares[c, 0], shares[c, 1], shares[c, 2],
                                               shares[c, 3], shares[c, 4], shares[c, 5],
                                               shares[c, 6]),
                                  cell(keys[_S_RELOCATION_THEATRE], t, code), 0)
        i_killed, i_captured, i_return = stock_moves(n_insurgent, row(hazards, c, HZ_INSURGENT),
                                                     keys[_S_INSURGENT], t, code, 0)
        d_repatriated, d_died, d_escaped = stock_moves(n_detained, row(hazards, c, HZ_DETAINED),
                                                       keys[_S_DETAINED], t, code, 0)
        g_killed, g_return, _ = stock_moves(n_other, row(hazards, c, HZ_JOINED_OTHER),
                                            keys[_S_JOINED_OTHER], t, code, 0)
        r_killed, r_return = third_theatres(state, hazards, c, relocations,
                                            keys[_S_RELOCATED], t, code)
        a_arrested, a_killed, a_dropped = stock_moves(n_dispatched, row(hazards, c, HZ_DISPATCHED),
                                                      keys[_S_DISPATCHED], t, code, 0)
        state[c, L.IN_THEATRE] = n_theatre - (x_killed + x_detained + x_return + x_insurgent
                                              + x_join + x_relocate + x_dispatch)
        state[c, L.INSURGENT] = (n_insurgent - i_killed - i_captured - i_return + x_insurgent
                                 + d_escaped)
        state[c, L.DETAINED] = (n_detained - d_repatriated - d_died - d_escaped + x_detained
                                + i_captured)
        state[c, L.JOINED_OTHER] = n_other - g_killed - g_return + x_join
        state[c, L.DISPATCHED] = n_dispatched - a_arrested - a_killed - a_dropped + x_dispatch
        state[c, L.KILLED] += x_killed + i_killed + d_died + g_killed + r_killed + a_killed
        state[c, L.INCARCERATED] += a_arrested
        state[c, L.DISENGAGED] += a_dropped
        returnees = x_return + i_return + g_return + r_return
        flows[c, L.RETURNS] += returnees + d_repatriated + a_arrested + a_dropped
        flows[c, L.REPATRIATED] += d_repatriated
        home_bound[c, 0] = returnees
        home_bound[c, 1] = d_repatriated


# --- 3. home pipeline -----------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def home_cases(state: np.ndarray, hazards: np.ndarray, c: int, key: np.uint64, t: int,
               code: int) -> None:
    """Existing cases of country ``c`` at home move, each stock on its start-of-step size,
    from its own block of slots of the home-pipeline stream (one cell for them all)."""
    cl = cell(key, t, code)
    und, det, pros = state[c, L.UNDETECTED], state[c, L.DETECTED], state[c, L.PROSECUTED]
    inc, rel = state[c, L.INCARCERATED], state[c, L.RELEASED]
    reh, dis, ree = state[c, L.IN_REHABILITATION], state[c, L.DISENGAGED], state[c, L.REENGAGED]
    # undetected -> detected | disengaged | reengaged
    u_det, u_dis, u_ree = moves(und, row(hazards, c, HZ_UNDETECTED), cl, HOME_SLOT_UNDETECTED)
    # detected -> case decided -> prosecuted | rehabilitation | released (monitored)
    c_pros, c_reh, c_rel = moves(det, row(hazards, c, HZ_DETECTED), cl, HOME_SLOT_DETECTED)
    # prosecuted -> verdict -> incarcerated | released (acquitted)
    v_inc, v_rel, _ = moves(pros, row(hazards, c, HZ_PROSECUTED), cl, HOME_SLOT_PROSECUTED)
    # incarcerated -> released
    i_rel, _, _ = moves(inc, row(hazards, c, HZ_INCARCERATED), cl, HOME_SLOT_INCARCERATED)
    # released -> reengaged | disengaged
    l_ree, l_dis, _ = moves(rel, row(hazards, c, HZ_RELEASED), cl, HOME_SLOT_RELEASED)
    # rehabilitation -> disengaged (success) | released (failure)
    h_dis, h_rel, _ = moves(reh, row(hazards, c, HZ_REHABILITATION), cl, HOME_SLOT_REHABILITATION)
    # disengaged -> reengaged
    e_ree, _, _ = moves(dis, row(hazards, c, HZ_DISENGAGED), cl, HOME_SLOT_DISENGAGED)
    # reengaged -> incarcerated | disengaged
    g_inc, g_dis, _ = moves(ree, row(hazards, c, HZ_REENGAGED), cl, HOME_SLOT_REENGAGED)
    state[c, L.UNDETECTED] = und - u_det - u_dis - u_ree
    state[c, L.DETECTED] = det - c_pros - c_reh - c_rel + u_det
    state[c, L.PROSECUTED] = pros - v_inc - v_rel + c_pros
    state[c, L.INCARCERATED] = inc - i_rel + v_inc + g_inc
    state[c, L.RELEASED] = rel - l_ree - l_dis + c_rel + v_rel + i_rel + h_rel
    state[c, L.IN_REHABILITATION] = reh - h_dis - h_rel + c_reh
    state[c, L.DISENGAGED] = dis - e_ree + u_dis + l_dis + h_dis + g_dis
    state[c, L.REENGAGED] = ree - g_inc - g_dis + u_ree + l_ree + e_ree


@njit(cache=True, error_model="numpy")
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
    new = poisson(expected, at(cl, PRISON_SLOT_NEW))
    gone = 0
    if pool > 0:
        gone, _, _ = moves(pool, row(hazards, c, HZ_RADICALISED), cl, PRISON_SLOT_EXITS)
    state[c, L.RADICALISED_INMATES] = pool + new - gone
    return new


@njit(cache=True, error_model="numpy")
def step_home_pipeline(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                       hazards: np.ndarray, home_bound: np.ndarray, keys: np.ndarray, t: int,
                       codes: np.ndarray) -> None:
    """Screening, prosecution, prison, release, rehabilitation and recidivism at home.

    Existing cases move first (on their start-of-step stocks), prison radicalisation works
    on the start-of-step inmates; this month's returnees (``home_bound[c, 0]``) then enter
    as detected or undetected, repatriated detainees (``home_bound[c, 1]``) as detected.
    """
    for c in range(codes.shape[0]):
        code = codes[c]
        inmates = state[c, L.INCARCERATED]
        at_home = 0
        for k in range(L.UNDETECTED, L.N_STOCKS):
            at_home += state[c, k]
        if at_home > 0:
            home_cases(state, hazards, c, keys[_S_HOME], t, code)
        flows[c, L.RADICALISED] += prison_radicalisation(
            state, hazards, c, params[c, _PRISON_RADICALISATION], inmates, keys[_S_PRISON], t,
            code)
        returnees, repatriated = home_bound[c, 0], home_bound[c, 1]
        detected = 0
        if returnees > 0:  # screened at the border: detected or not
            detected = binomial(returnees, params[c, _DETECTION],
                                at(cell(keys[_S_HOME_ARRIVALS], t, code), 0))
        state[c, L.DETECTED] += detected + repatriated
        state[c, L.UNDETECTED] += returnees - detected


# --- 4. plots and attacks -------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def schedule_attacks(state: np.ndarray, c: int, target: int, executed: int, mean_lag: float,
                     key: np.uint64, t: int, code: int) -> None:
    """Spread the plots that will be executed over the coming months (a multinomial).

    The lag is 1 + geometric with mean ``mean_lag`` months, capped at MAX_LAG - 1; given a
    lag of at least k months, it is exactly k with the constant probability 1 / mean_lag,
    so the multinomial is a run of binomials with that probability (at most MAX_LAG - 2
    draws, however many plots).
    """
    q = 1.0 / max(mean_lag, 1.0)
    cl = cell(key, t, code)
    base = L.SCHEDULED0 + target * L.MAX_LAG
    left = executed
    for lag in range(1, L.MAX_LAG - 1):
        x = binomial(left, q, at(cl, target * LAG_BLOCK + lag))
        state[c, base + (t + lag) % L.MAX_LAG] += x
        left -= x
        if left == 0:
            return
    state[c, base + (t + L.MAX_LAG - 1) % L.MAX_LAG] += left


@njit(cache=True, error_model="numpy")
def attack_deaths(n: int, zero: float, tail: float, alpha: float, target: int,
                  key: np.uint64, t: int, code: int) -> tuple[int, int, int]:
    """Deaths in ``n`` attacks executed this month: (deaths, mass-casualty attacks, status).

    Each attack kills nobody with probability ``zero``; otherwise, with probability
    ``tail``, a power-law number >= 12 (exponent ``alpha``, CSN2009, capped), else 1-11
    people uniformly. How many attacks fall in each class and each of 1..11 is one
    multinomial; each tail attack gets its own draw. More than MAX_TAIL_ATTACKS tail attacks
    in one country-month is reported (status), not simulated.
    """
    c = cell(key, t, code)
    base = target * SEVERITY_BLOCK
    n_zero = binomial(n, zero, at(c, base + SEVERITY_SLOT_ZERO))
    n_tail = binomial(n - n_zero, tail, at(c, base + SEVERITY_SLOT_TAIL))
    if n_tail > MAX_TAIL_ATTACKS:
        return 0, 0, TOO_MANY_ATTACKS + target
    left = n - n_zero - n_tail
    deaths = 0
    k = 1
    while left > 0 and k < _SMALL_ATTACK_MAX:
        x = binomial(left, 1.0 / (_SMALL_ATTACK_MAX + 1.0 - k),
                     at(c, base + SEVERITY_SLOT_SMALL + k - 1))
        deaths += k * x
        left -= x
        k += 1
    deaths += int(_SMALL_ATTACK_MAX) * left
    mass = 0
    for j in range(n_tail):
        x = power_law_severity(alpha, _X_MIN, _SEVERITY_CAP,
                               at(c, base + SEVERITY_SLOT_EACH_TAIL + j))
        deaths += x
        if x >= L.MASS_CASUALTY_DEATHS:
            mass += 1
    return deaths, mass, 0


@njit(cache=True, error_model="numpy")
def new_plots(dispatched: float, home: float, third: float, home_target: float,
              key: np.uint64, t: int, code: int) -> tuple[int, int, int]:
    """Plots started this month by target (home, western_abroad, third_theatre), from the
    expected numbers by source: dispatched operatives (some against their home country),
    home sources, and relocated fighters."""
    c = cell(key, t, code)
    n_disp = poisson(dispatched, at(c, PLOT_SLOT_DISPATCHED))
    n_home = poisson(home, at(c, PLOT_SLOT_HOME))
    n_third = poisson(third, at(c, PLOT_SLOT_THIRD))
    disp_home = binomial(n_disp, home_target, at(c, PLOT_SLOT_DISPATCHED_HOME))
    return n_home + disp_home, n_disp - disp_home, n_third


@njit(cache=True, error_model="numpy")
def step_plots_attacks(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                       keys: np.ndarray, t: int, codes: np.ndarray) -> int:
    """Plots, interdiction, plot-to-attack lag, executed attacks and their deaths.

    Plots are counted in the month they start, attacks and deaths in the month they are
    executed. Returns a status code (0, or TOO_MANY_ATTACKS + target).
    """
    due0 = L.SCHEDULED0 + t % L.MAX_LAG
    for c in range(codes.shape[0]):
        code = codes[c]
        relocated = 0
        for k in range(_N_THEATRES):
            relocated += state[c, L.RELOCATED0 + k]
        from_dispatched = params[c, _PLOT_DISPATCHED] * state[c, L.DISPATCHED]
        from_home = (params[c, _PLOT_REENGAGED] * state[c, L.REENGAGED]
                     + params[c, _PLOT_UNDETECTED] * state[c, L.UNDETECTED]
                     + params[c, _PLOT_RADICALISED] * state[c, L.RADICALISED_INMATES])
        from_third = params[c, _PLOT_RELOCATED] * relocated
        if from_dispatched > 0.0 or from_home > 0.0 or from_third > 0.0:
            plotted = new_plots(from_dispatched, from_home, from_third,
                                params[c, _DISPATCHED_HOME_TARGET], keys[_S_PLOTS], t, code)
            c_int = np.uint64(0)
            for g in range(_N_TARGETS):
                n = plotted[g]
                if n <= 0:
                    continue
                if c_int == 0:
                    c_int = cell(keys[_S_INTERDICTION], t, code)
                stopped = binomial(n, params[c, _INTERDICTION[g]], at(c_int, g))
                flows[c, L.PLOTS0 + g] += n
                flows[c, L.INTERDICTED0 + g] += stopped
                if n > stopped:
                    schedule_attacks(state, c, g, n - stopped, params[c, _ATTACK_LAG],
                                     keys[_S_ATTACK_LAG], t, code)
        for g in range(_N_TARGETS):
            due = due0 + g * L.MAX_LAG
            n = state[c, due]
            if n <= 0:
                continue
            state[c, due] = 0
            deaths, mass, status = attack_deaths(n, params[c, _ZERO_DEATHS], params[c, _TAIL],
                                                 params[c, _SEVERITY_ALPHA], g,
                                                 keys[_S_SEVERITY], t, code)
            if status:
                return status
            flows[c, L.ATTACKS0 + g] += n
            flows[c, L.ATTACK_DEATHS0 + g] += deaths
            flows[c, L.ATTACKS_MASS0 + g] += mass
    return 0


# --- 5. record ------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def step_record(state: np.ndarray, flows: np.ndarray, stocks_out: np.ndarray,
                flows_out: np.ndarray, recording: bool, before_window: bool) -> int:
    """Write end-of-month stocks and the flows summed since the last record (int32).

    ``stocks_out`` (C, N_STOCKS) and ``flows_out`` (C, N_FLOWS) are this month's rows of the
    output. Flows of months before the first recorded interval are dropped. Returns a
    status code: 0, or which count would not fit in int32 (nothing is ever wrapped).
    """
    if recording:
        for c in range(state.shape[0]):
            for k in range(L.N_STOCKS):
                v = state[c, k]
                if v > _INT32_MAX:
                    return OVERFLOW_STOCK + k
                stocks_out[c, k] = v
            for f in range(L.N_FLOWS):
                v = flows[c, f]
                if v > _INT32_MAX:
                    return OVERFLOW_FLOW + f
                flows_out[c, f] = v
                flows[c, f] = 0
    elif before_window:
        flows[:] = 0
    return 0


# --- The plan -------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def month(state: np.ndarray, flows: np.ndarray, params: np.ndarray, hazards: np.ndarray,
          paths: np.ndarray, shares: np.ndarray, travellers: np.ndarray, drive: np.ndarray,
          pressure: float, ease: float, keys: np.ndarray, t: int, codes: np.ndarray,
          theatre_only: bool, stocks_out: np.ndarray, flows_out: np.ndarray, recording: bool,
          before_window: bool, home_bound: np.ndarray, clock: np.ndarray) -> int:
    """One month of one draw: the steps of STEP_ORDER, in that order, each over every country.

    ``state`` (C, N_STATE) and ``flows`` (C, N_FLOWS, summed since the last record) are the
    draw's; ``params`` / ``hazards`` / ``paths`` / ``shares`` its parameters, stock hazards,
    pathway propensities and relocation shares in force this month. ``theatre_only`` stops
    after the theatre (calibration). Returns a status code (0 = fine).
    """
    since = profile.start(clock)
    step_arrivals(state, flows, travellers, drive, keys, t, codes)
    since = profile.tick(clock, 0, since)
    step_theatre(state, flows, params, hazards, paths, shares, pressure, ease, keys, t, codes,
                 home_bound)
    since = profile.tick(clock, 1, since)
    status = 0
    if not theatre_only:
        step_home_pipeline(state, flows, params, hazards, home_bound, keys, t, codes)
        since = profile.tick(clock, 2, since)
        status = step_plots_attacks(state, flows, params, keys, t, codes)
        since = profile.tick(clock, 3, since)
    if status == 0:
        status = step_record(state, flows, stocks_out, flows_out, recording, before_window)
        profile.tick(clock, 4, since)
    return status
