"""The monthly steps of the engine, one numba function each (pure numerics, no I/O).

Warning first: every step draws its outflows from the stocks *as they stood when the step
began* (a person moves at most once per step), competing hazards are turned into one
multinomial per stock (so a stock can never go negative), and each step uses its own named
random stream (see :mod:`ffcast.engine.rng`). The order of the steps is fixed in
:data:`ffcast.engine.simulate.STEP_ORDER` and reads like the model description:

1. ``arrivals``       Poisson arrivals into ``in_theatre``.
2. ``theatre``        deaths, captures, exits split by pathway (return, stay as insurgent,
                      join other groups, relocate to a third theatre, be dispatched), and the
                      flows out of the other stocks abroad.
3. ``home_pipeline``  screening, prosecution, prison, release, rehabilitation, recidivism and
                      prison radicalisation; new returnees enter after existing cases moved.
4. ``plots_attacks``  plots, interdiction, the plot-to-attack lag, executed attacks, deaths.
5. ``record``         (in Python) copy of stocks and flows into the results arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ffcast.engine import layout as L
from ffcast.engine.rng import STREAMS, uniform
from ffcast.engine.sampling import binomial, poisson, power_law_severity
from ffcast.scenario.priors import PARAM_INDEX as PI

# Parameter positions as plain ints so numba folds them into constants.
_DEATH_BASE = PI["death_base"]
_DEATH_COLLAPSE = PI["death_collapse"]
_CAPTURE = PI["capture_collapse"]
_EARLY_RETURN = PI["early_return"]
_EXIT_DECISION = PI["exit_decision"]
_INS_DEATH = PI["insurgent_death"]
_INS_CAPTURE = PI["insurgent_capture"]
_INS_RETURN = PI["insurgent_return"]
_CAMP_REPAT = PI["camp_repatriation"]
_DET_DEATH = PI["detained_death"]
_DET_ESCAPE = PI["detained_escape"]
_OG_DEATH = PI["other_group_death"]
_OG_RETURN = PI["other_group_return"]
_REL_DEATH = PI["relocated_death"]
_REL_RETURN = PI["relocated_return"]
_DISP_ARREST = PI["dispatched_arrest"]
_DISP_DEATH = PI["dispatched_death"]
_DISP_DISENGAGE = PI["dispatched_disengage"]
_DETECTION = PI["detection"]
_LATE_DETECTION = PI["late_detection"]
_UND_DISENGAGE = PI["undetected_disengage"]
_UND_REENGAGE = PI["undetected_reengage"]
_CASE_DECISION = PI["case_decision"]
_PROSECUTION = PI["prosecution"]
_REHAB_UPTAKE = PI["rehabilitation_uptake"]
_TRIAL = PI["trial_decision"]
_CONVICTION = PI["conviction"]
_RELEASE = PI["prison_release"]
_PRISON_RAD = PI["prison_radicalisation"]
_REL_REENGAGE = PI["released_reengage"]
_REL_DISENGAGE = PI["released_disengage"]
_REHAB_COMPLETE = PI["rehabilitation_completion"]
_REHAB_SUCCESS = PI["rehabilitation_success"]
_DIS_REENGAGE = PI["disengaged_reengage"]
_REENG_ARREST = PI["reengaged_arrest"]
_REENG_DISENGAGE = PI["reengaged_disengage"]
_PLOT_DISP = PI["plot_rate_dispatched"]
_PLOT_REENG = PI["plot_rate_reengaged"]
_PLOT_UND = PI["plot_rate_undetected"]
_PLOT_REL = PI["plot_rate_relocated"]
_PLOT_RAD = PI["plot_rate_radicalised"]
_DISP_HOME = PI["dispatched_home_target"]
_INTERDICT_HOME = PI["interdiction_home"]
_INTERDICT_ABROAD = PI["interdiction_abroad"]
_INTERDICT_THIRD = PI["interdiction_third"]
_ATTACK_LAG = PI["attack_lag"]
_ZERO_DEATHS = PI["attack_zero_deaths"]
_TAIL = PI["attack_tail"]
_ALPHA = PI["severity_alpha"]

_S_ARRIVALS = STREAMS["arrivals"]
_S_EXITS = STREAMS["theatre_exits"]
_S_THEATRE = STREAMS["relocation_theatre"]
_S_INSURGENT = STREAMS["insurgent"]
_S_DETAINED = STREAMS["detained"]
_S_JOINED = STREAMS["joined_other"]
_S_RELOCATED = STREAMS["relocated"]
_S_DISPATCHED = STREAMS["dispatched"]
_S_HOME_ARR = STREAMS["home_arrivals"]
_S_HOME = STREAMS["home_pipeline"]
_S_PLOTS = STREAMS["plots"]
_S_INTERDICT = STREAMS["interdiction"]
_S_LAG = STREAMS["attack_lag"]
_S_SEVERITY = STREAMS["severity"]
_S_PRISON = STREAMS["prison_radicalisation"]

_N_THEATRES = len(L.THEATRES)
_N_TARGETS = len(L.TARGETS)
_X_MIN = 12.0  # CSN2009: x_min = 12 for terrorist-attack deaths
_SEVERITY_CAP = 3000.0  # judgement: no single attack above 9/11 scale


@njit(cache=True)
def competing(
    n: int, rates: np.ndarray, out: np.ndarray, key: np.uint64, t: int, c: int, slot0: int
) -> int:
    """Split ``n`` people among competing monthly hazards ``rates``; the rest stay.

    Exact multinomial in two stages: how many leave ~ Binomial(n, 1 - exp(-sum(rates))),
    then the leavers are split in proportion to the rates (sequential conditional
    binomials). Usually nobody leaves a small stock in a month, so one draw suffices.
    Uses slots ``slot0 .. slot0 + len(rates)``. Returns how many left.
    """
    out[:] = 0
    total = rates.sum()
    if n <= 0 or total <= 0.0:
        return 0
    moved = binomial(n, -math.expm1(-total), uniform(key, t, c, slot0))
    if moved == 0:
        return 0
    left = moved
    mass = total
    last = rates.shape[0] - 1
    while last > 0 and rates[last] <= 0.0:
        last -= 1
    for k in range(last):
        if left <= 0:
            break
        if rates[k] <= 0.0:
            continue
        x = binomial(left, min(rates[k] / mass, 1.0), uniform(key, t, c, slot0 + 1 + k))
        out[k] = x
        left -= x
        mass -= rates[k]
    out[last] += left
    return moved


@njit(cache=True)
def split(
    n: int, shares: np.ndarray, out: np.ndarray, key: np.uint64, t: int, c: int, slot0: int
) -> None:
    """Split ``n`` exactly among categories with ``shares`` (summing to 1): a multinomial."""
    out[:] = 0
    left = n
    mass = 1.0
    last = shares.shape[0] - 1
    for k in range(last):
        if left <= 0:
            return
        q = shares[k] / mass if mass > 0 else 0.0
        x = binomial(left, min(max(q, 0.0), 1.0), uniform(key, t, c, slot0 + k))
        out[k] = x
        left -= x
        mass -= shares[k]
    out[last] = left


@njit(cache=True, parallel=True)
def step_arrivals(
    state: np.ndarray,
    flows: np.ndarray,
    lam: np.ndarray,
    keys: np.ndarray,
    t: int,
    codes: np.ndarray,
) -> None:
    """Arrivals ~ Poisson(lam[d, c]) into ``in_theatre``."""
    for d in prange(state.shape[0]):
        key = keys[d, _S_ARRIVALS]
        for c in range(state.shape[1]):
            a = poisson(lam[d, c], uniform(key, t, codes[c], 0))
            state[d, c, L.IN_THEATRE] += a
            flows[d, c, L.ARRIVALS] = a


@njit(cache=True, parallel=True)
def step_theatre(
    state: np.ndarray,
    flows: np.ndarray,
    P: np.ndarray,
    props: np.ndarray,
    theatre_shares: np.ndarray,
    pressure: np.ndarray,
    ease: float,
    keys: np.ndarray,
    t: int,
    codes: np.ndarray,
    home_new: np.ndarray,
) -> None:
    """Deaths, captures and exits by pathway in theatre; flows out of the other stocks abroad.

    ``props[d, c, 5]`` are the pathway propensities (return, stay, join, relocate, dispatch),
    ``theatre_shares[d, c, 7]`` the relocation destinations, ``pressure[d]`` the collapse
    pressure this month and ``ease`` the ease of leaving (border) multiplier on early return.
    ``home_new[d, c, 0]`` collects returnees, ``[.., 1]`` repatriated detainees.
    """
    for d in prange(state.shape[0]):
        rates = np.empty(7)
        out = np.empty(7)
        rel = np.empty(_N_THEATRES, dtype=np.int64)
        r3 = np.empty(3)
        o3 = np.empty(3)
        k_exit = keys[d, _S_EXITS]
        k_th = keys[d, _S_THEATRE]
        k_ins = keys[d, _S_INSURGENT]
        k_det = keys[d, _S_DETAINED]
        k_og = keys[d, _S_JOINED]
        k_rel = keys[d, _S_RELOCATED]
        k_disp = keys[d, _S_DISPATCHED]
        pr = pressure[d]
        for c in range(state.shape[1]):
            s = state[d, c]
            p = P[d, c]
            cc = codes[c]
            home_new[d, c, 0] = 0
            home_new[d, c, 1] = 0
            # Snapshot of the stocks abroad: every outflow below is drawn on these.
            n_theatre = s[L.IN_THEATRE]
            n_ins = s[L.INSURGENT]
            n_det = s[L.DETAINED]
            n_og = s[L.JOINED_OTHER]
            n_disp = s[L.DISPATCHED]
            # 1) in theatre: killed, detained, return, stay, join, relocate, dispatch.
            dec = p[_EXIT_DECISION] * pr * pr
            rates[0] = p[_DEATH_BASE] + p[_DEATH_COLLAPSE] * pr
            rates[1] = p[_CAPTURE] * pr * pr
            rates[2] = p[_EARLY_RETURN] * ease + dec * props[d, c, 0]
            rates[3] = dec * props[d, c, 1]
            rates[4] = dec * props[d, c, 2]
            rates[5] = dec * props[d, c, 3]
            rates[6] = dec * props[d, c, 4]
            competing(n_theatre, rates, out, k_exit, t, cc, 0)
            x_killed = int(out[0])
            x_detained = int(out[1])
            x_return = int(out[2])
            x_insurgent = int(out[3])
            x_join = int(out[4])
            x_reloc = int(out[5])
            x_disp = int(out[6])
            split(x_reloc, theatre_shares[d, c], rel, k_th, t, cc, 0)
            # 2) insurgents: killed, captured, return.
            r3[0] = p[_INS_DEATH]
            r3[1] = p[_INS_CAPTURE]
            r3[2] = p[_INS_RETURN]
            competing(n_ins, r3, o3, k_ins, t, cc, 0)
            i_killed, i_capt, i_ret = int(o3[0]), int(o3[1]), int(o3[2])
            # 3) detained: repatriated, died, escaped to the insurgency.
            r3[0] = p[_CAMP_REPAT]
            r3[1] = p[_DET_DEATH]
            r3[2] = p[_DET_ESCAPE]
            competing(n_det, r3, o3, k_det, t, cc, 0)
            d_repat, d_died, d_escaped = int(o3[0]), int(o3[1]), int(o3[2])
            # 4) other groups: killed, return.
            r3[0] = p[_OG_DEATH]
            r3[1] = p[_OG_RETURN]
            r3[2] = 0.0
            competing(n_og, r3, o3, k_og, t, cc, 0)
            g_killed, g_ret = int(o3[0]), int(o3[1])
            # 5) third theatres: killed, return (each theatre its own slots).
            r_killed = 0
            r_ret = 0
            r3[0] = p[_REL_DEATH]
            r3[1] = p[_REL_RETURN]
            r3[2] = 0.0
            for k in range(_N_THEATRES):
                n_k = s[L.RELOCATED0 + k]
                competing(n_k, r3, o3, k_rel, t, cc, 4 * k)
                s[L.RELOCATED0 + k] = n_k - int(o3[0]) - int(o3[1]) + rel[k]
                r_killed += int(o3[0])
                r_ret += int(o3[1])
            # 6) dispatched: arrested (prison), killed, drop out (disengaged).
            r3[0] = p[_DISP_ARREST]
            r3[1] = p[_DISP_DEATH]
            r3[2] = p[_DISP_DISENGAGE]
            competing(n_disp, r3, o3, k_disp, t, cc, 0)
            p_arrest, p_killed, p_drop = int(o3[0]), int(o3[1]), int(o3[2])
            # Apply all moves at once.
            s[L.IN_THEATRE] = n_theatre - (
                x_killed + x_detained + x_return + x_insurgent + x_join + x_reloc + x_disp
            )
            s[L.INSURGENT] = n_ins - i_killed - i_capt - i_ret + x_insurgent + d_escaped
            s[L.DETAINED] = n_det - d_repat - d_died - d_escaped + x_detained + i_capt
            s[L.JOINED_OTHER] = n_og - g_killed - g_ret + x_join
            s[L.DISPATCHED] = n_disp - p_arrest - p_killed - p_drop + x_disp
            s[L.KILLED] += x_killed + i_killed + d_died + g_killed + r_killed + p_killed
            # Dispatched operatives who are arrested or drop out end in the home pipeline.
            s[L.INCARCERATED] += p_arrest
            s[L.DISENGAGED] += p_drop
            home_new[d, c, 0] = x_return + i_ret + g_ret + r_ret
            home_new[d, c, 1] = d_repat
            flows[d, c, L.RETURNS] = x_return + i_ret + g_ret + r_ret + d_repat + p_arrest + p_drop
            flows[d, c, L.REPATRIATED] = d_repat


@njit(cache=True, parallel=True)
def step_home(
    state: np.ndarray,
    flows: np.ndarray,
    P: np.ndarray,
    radical: np.ndarray,
    keys: np.ndarray,
    t: int,
    codes: np.ndarray,
    home_new: np.ndarray,
) -> None:
    """Screening, prosecution, prison, release, rehabilitation and recidivism at home.

    Existing cases move first (on their start-of-step stocks); this month's returnees then
    enter as detected or undetected, repatriated detainees as detected. ``radical[d, c]`` is
    the (non-traveller) stock of inmates radicalised in prison.
    """
    for d in prange(state.shape[0]):
        r = np.empty(3)
        o = np.empty(3)
        two = np.empty(2, dtype=np.int64)
        sh = np.empty(2)
        key = keys[d, _S_HOME]
        k_arr = keys[d, _S_HOME_ARR]
        k_pr = keys[d, _S_PRISON]
        for c in range(state.shape[1]):
            s = state[d, c]
            p = P[d, c]
            cc = codes[c]
            und, det, pros = s[L.UNDETECTED], s[L.DETECTED], s[L.PROSECUTED]
            inc, rel, reh = s[L.INCARCERATED], s[L.RELEASED], s[L.IN_REHABILITATION]
            dis, ree = s[L.DISENGAGED], s[L.REENGAGED]
            # undetected -> detected | disengaged | reengaged
            r[0], r[1], r[2] = p[_LATE_DETECTION], p[_UND_DISENGAGE], p[_UND_REENGAGE]
            competing(und, r, o, key, t, cc, 0)
            u_det, u_dis, u_ree = int(o[0]), int(o[1]), int(o[2])
            # detected -> case decided -> prosecuted | rehabilitation | released (monitored)
            pros_share = p[_PROSECUTION]
            reh_share = (1.0 - pros_share) * p[_REHAB_UPTAKE]
            r[0] = p[_CASE_DECISION] * pros_share
            r[1] = p[_CASE_DECISION] * reh_share
            r[2] = p[_CASE_DECISION] * (1.0 - pros_share - reh_share)
            competing(det, r, o, key, t, cc, 4)
            c_pros, c_reh, c_rel = int(o[0]), int(o[1]), int(o[2])
            # prosecuted -> verdict -> incarcerated | released (acquitted)
            r[0] = p[_TRIAL] * p[_CONVICTION]
            r[1] = p[_TRIAL] * (1.0 - p[_CONVICTION])
            r[2] = 0.0
            competing(pros, r, o, key, t, cc, 8)
            v_inc, v_rel = int(o[0]), int(o[1])
            # incarcerated -> released
            r[0], r[1], r[2] = p[_RELEASE], 0.0, 0.0
            competing(inc, r, o, key, t, cc, 12)
            i_rel = int(o[0])
            # released -> reengaged | disengaged
            r[0], r[1], r[2] = p[_REL_REENGAGE], p[_REL_DISENGAGE], 0.0
            competing(rel, r, o, key, t, cc, 16)
            l_ree, l_dis = int(o[0]), int(o[1])
            # rehabilitation -> disengaged (success) | released (failure)
            r[0] = p[_REHAB_COMPLETE] * p[_REHAB_SUCCESS]
            r[1] = p[_REHAB_COMPLETE] * (1.0 - p[_REHAB_SUCCESS])
            r[2] = 0.0
            competing(reh, r, o, key, t, cc, 20)
            h_dis, h_rel = int(o[0]), int(o[1])
            # disengaged -> reengaged
            r[0], r[1], r[2] = p[_DIS_REENGAGE], 0.0, 0.0
            competing(dis, r, o, key, t, cc, 24)
            e_ree = int(o[0])
            # reengaged -> incarcerated | disengaged
            r[0], r[1], r[2] = p[_REENG_ARREST], p[_REENG_DISENGAGE], 0.0
            competing(ree, r, o, key, t, cc, 28)
            g_inc, g_dis = int(o[0]), int(o[1])
            # prison radicalisation of other inmates (not travellers: a separate stock)
            new_rad = poisson(p[_PRISON_RAD] * inc, uniform(k_pr, t, cc, 0))
            r[0], r[1], r[2] = p[_REL_DISENGAGE], 0.0, 0.0
            competing(radical[d, c], r, o, k_pr, t, cc, 1)
            radical[d, c] += new_rad - int(o[0])
            flows[d, c, L.RADICALISED] = new_rad
            # Apply moves.
            s[L.UNDETECTED] = und - u_det - u_dis - u_ree
            s[L.DETECTED] = det - c_pros - c_reh - c_rel + u_det
            s[L.PROSECUTED] = pros - v_inc - v_rel + c_pros
            s[L.INCARCERATED] = inc - i_rel + v_inc + g_inc
            s[L.RELEASED] = rel - l_ree - l_dis + c_rel + v_rel + i_rel + h_rel
            s[L.IN_REHABILITATION] = reh - h_dis - h_rel + c_reh
            s[L.DISENGAGED] = dis - e_ree + u_dis + l_dis + h_dis + g_dis
            s[L.REENGAGED] = ree - g_inc - g_dis + u_ree + l_ree + e_ree
            # New arrivals: screened at the border (detected) or not.
            sh[0] = p[_DETECTION]
            sh[1] = 1.0 - sh[0]
            split(home_new[d, c, 0], sh, two, k_arr, t, cc, 0)
            s[L.DETECTED] += two[0] + home_new[d, c, 1]
            s[L.UNDETECTED] += two[1]


@njit(cache=True, parallel=True)
def step_plots(
    state: np.ndarray,
    flows: np.ndarray,
    P: np.ndarray,
    radical: np.ndarray,
    queue: np.ndarray,
    keys: np.ndarray,
    t: int,
    codes: np.ndarray,
) -> None:
    """Plots, interdiction, plot-to-attack lag, executed attacks and their deaths.

    ``queue[d, c, target, t % MAX_LAG]`` holds attacks scheduled for month t. Plots are
    recorded in the month they start, attacks and deaths in the month they are executed.
    """
    max_lag = queue.shape[3]
    for d in prange(state.shape[0]):
        plots = np.zeros(_N_TARGETS, dtype=np.int64)
        k_pl = keys[d, _S_PLOTS]
        k_in = keys[d, _S_INTERDICT]
        k_lag = keys[d, _S_LAG]
        k_sev = keys[d, _S_SEVERITY]
        for c in range(state.shape[1]):
            s = state[d, c]
            p = P[d, c]
            cc = codes[c]
            relocated = 0
            for k in range(_N_THEATRES):
                relocated += s[L.RELOCATED0 + k]
            n_disp = poisson(p[_PLOT_DISP] * s[L.DISPATCHED], uniform(k_pl, t, cc, 0))
            n_home = poisson(
                p[_PLOT_REENG] * s[L.REENGAGED]
                + p[_PLOT_UND] * s[L.UNDETECTED]
                + p[_PLOT_RAD] * radical[d, c],
                uniform(k_pl, t, cc, 1),
            )
            n_third = poisson(p[_PLOT_REL] * relocated, uniform(k_pl, t, cc, 2))
            disp_home = binomial(n_disp, p[_DISP_HOME], uniform(k_pl, t, cc, 3))
            plots[0] = n_home + disp_home
            plots[1] = n_disp - disp_home
            plots[2] = n_third
            lag_q = 1.0 / max(p[_ATTACK_LAG], 1.0)
            slot = 0
            for g in range(_N_TARGETS):
                if g == 0:
                    pi = p[_INTERDICT_HOME]
                elif g == 1:
                    pi = p[_INTERDICT_ABROAD]
                else:
                    pi = p[_INTERDICT_THIRD]
                stopped = binomial(plots[g], pi, uniform(k_in, t, cc, g))
                flows[d, c, L.PLOTS0 + g] = plots[g]
                flows[d, c, L.INTERDICTED0 + g] = stopped
                for _ in range(plots[g] - stopped):
                    u = uniform(k_lag, t, cc, slot)
                    slot += 1
                    lag = 1 + int(math.log(u) / math.log(1.0 - lag_q)) if lag_q < 1.0 else 1
                    if lag > max_lag - 1:
                        lag = max_lag - 1
                    queue[d, c, g, (t + lag) % max_lag] += 1
            # Execute the attacks scheduled for this month.
            sev_slot = 0
            for g in range(_N_TARGETS):
                n_att = queue[d, c, g, t % max_lag]
                queue[d, c, g, t % max_lag] = 0
                deaths = 0
                for _ in range(n_att):
                    u1 = uniform(k_sev, t, cc, sev_slot)
                    u2 = uniform(k_sev, t, cc, sev_slot + 1)
                    sev_slot += 2
                    if u1 < p[_ZERO_DEATHS]:
                        continue
                    if u2 < p[_TAIL]:
                        deaths += power_law_severity(
                            p[_ALPHA], _X_MIN, _SEVERITY_CAP, u2 / p[_TAIL]
                        )
                    else:
                        deaths += 1 + int(11.0 * (u2 - p[_TAIL]) / (1.0 - p[_TAIL]))
                flows[d, c, L.ATTACKS0 + g] = n_att
                flows[d, c, L.ATTACK_DEATHS0 + g] = deaths
