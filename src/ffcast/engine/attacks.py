"""Plots and attacks: plots by source and target, interdiction, the lag, deaths.

Warning first: the work a country-month costs is bounded whatever the inputs: plot lags are
one multinomial over the lag months (at most MAX_LAG - 2 binomials a target), attack deaths
one multinomial over the severity classes plus one draw per mass-casualty attack, and more
than MAX_TAIL_ATTACKS such attacks in one country-month is reported as an error. Attacks
count the *origin country's* fighters; "home" is the origin country. The per-target counts
are the travellers' (dispatched operatives, returnees, relocated fighters); plots and attacks
by the other inmates returnees radicalised in prison are counted apart (``INMATE_*`` flows,
ADR 0036): they are not foreign fighters, and the record of attacks linked to foreign
fighters does not count them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ffcast.engine import layout as L
from ffcast.engine import slots as S
from ffcast.engine.rng import at, cell
from ffcast.engine.sampling import binomial, poisson, power_law_severity
from ffcast.scenario.priors import PARAM_INDEX as PI

# Parameter positions as plain ints so numba folds them into constants.
_ATTACK_LAG = PI["attack_lag"]
_DISPATCHED_HOME_TARGET = PI["dispatched_home_target"]
_INTERDICTION = (PI["interdiction_home"], PI["interdiction_abroad"], PI["interdiction_third"])
_PLOT_DISPATCHED = PI["plot_rate_dispatched"]
_PLOT_RADICALISED = PI["plot_rate_radicalised"]
_PLOT_REENGAGED = PI["plot_rate_reengaged"]
_PLOT_RELOCATED = PI["plot_rate_relocated"]
_PLOT_UNDETECTED = PI["plot_rate_undetected"]
_SEVERITY_ALPHA = PI["severity_alpha"]
_TAIL = PI["attack_tail"]
_TAIL_DIRECTED = PI["attack_tail_directed"]
_ZERO_DEATHS = PI["attack_zero_deaths"]
_N_THEATRES = len(L.THEATRES)
_N_TARGETS = len(L.TARGETS)
_N_QUEUES = L.N_QUEUES  # directed and other by target, then the inmates' at home
# Each queue's flow slots (constant tuples numba folds in).
_QUEUE_PLOTS, _QUEUE_INTERDICTED = L.QUEUE_PLOTS, L.QUEUE_INTERDICTED
_QUEUE_ATTACKS, _QUEUE_DEATHS, _QUEUE_MASS = L.QUEUE_ATTACKS, L.QUEUE_DEATHS, L.QUEUE_MASS
_HOME, _ABROAD, _THIRD = 0, 1, 2
assert L.TARGETS == ("home", "western_abroad", "third_theatre")
_X_MIN = float(L.MASS_CASUALTY_DEATHS)  # CSN2009: the power-law tail starts at 12 deaths
_SEVERITY_CAP = 3000.0  # judgement: no single attack above 9/11 scale
_SMALL_ATTACK_MAX = _X_MIN - 1.0  # attacks outside the tail kill 1..11 people, uniformly
MAX_TAIL_ATTACKS = 100_000  # per country, month and target: beyond it the inputs are absurd
# Status of a draw when the inputs are absurd (see ffcast.engine.kernel for the others).
TOO_MANY_ATTACKS = 1 + L.N_STOCKS + L.N_FLOWS  # + target


# --- 4. plots and attacks -------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def schedule_attacks(state: np.ndarray, c: int, queue: int, executed: int, mean_lag: float,
                     key: np.uint64, t: int, code: int) -> None:
    """Spread the plots that will be executed over the coming months (a multinomial).

    The lag is 1 + geometric with mean ``mean_lag`` months, capped at MAX_LAG - 1; given a
    lag of at least k months, it is exactly k with the constant probability 1 / mean_lag,
    so the multinomial is a run of binomials with that probability (at most MAX_LAG - 2
    draws, however many plots). ``queue`` is ``kind * 3 + target``.
    """
    q = 1.0 / max(mean_lag, 1.0)
    cl = cell(key, t, code)
    base = L.SCHEDULED0 + queue * L.MAX_LAG
    left = executed
    for lag in range(1, L.MAX_LAG - 1):
        x = binomial(left, q, at(cl, queue * S.LAG_BLOCK + lag))
        state[c, base + (t + lag) % L.MAX_LAG] += x
        left -= x
        if left == 0:
            return
    state[c, base + (t + L.MAX_LAG - 1) % L.MAX_LAG] += left


@njit(cache=True, error_model="numpy")
def attack_deaths(n: int, zero: float, tail: float, alpha: float, queue: int,
                  key: np.uint64, t: int, code: int) -> tuple[int, int, int]:
    """Deaths in ``n`` attacks executed this month: (deaths, mass-casualty attacks, status).

    Each attack kills nobody with probability ``zero``; otherwise, with probability
    ``tail``, a power-law number >= 12 (exponent ``alpha``, CSN2009, capped), else 1-11
    people uniformly. How many attacks fall in each class and each of 1..11 is one
    multinomial; each tail attack gets its own draw. More than MAX_TAIL_ATTACKS tail attacks
    in one country-month is reported (status), not simulated.
    """
    c = cell(key, t, code)
    base = queue * S.SEVERITY_BLOCK
    n_zero = binomial(n, zero, at(c, base + S.SEVERITY_SLOT_ZERO))
    n_tail = binomial(n - n_zero, tail, at(c, base + S.SEVERITY_SLOT_TAIL))
    if n_tail > MAX_TAIL_ATTACKS:
        return 0, 0, TOO_MANY_ATTACKS + queue % _N_TARGETS
    left = n - n_zero - n_tail
    deaths = 0
    k = 1
    while left > 0 and k < _SMALL_ATTACK_MAX:
        x = binomial(left, 1.0 / (_SMALL_ATTACK_MAX + 1.0 - k),
                     at(c, base + S.SEVERITY_SLOT_SMALL + k - 1))
        deaths += k * x
        left -= x
        k += 1
    deaths += int(_SMALL_ATTACK_MAX) * left
    mass = 0
    for j in range(n_tail):
        x = power_law_severity(alpha, _X_MIN, _SEVERITY_CAP,
                               at(c, base + S.SEVERITY_SLOT_EACH_TAIL + j))
        deaths += x
        if x >= L.MASS_CASUALTY_DEATHS:
            mass += 1
    return deaths, mass, 0


@njit(cache=True, inline="always", error_model="numpy")
def new_plots(dispatched: float, returnees: float, inmates: float, third: float,
              home_target: float, key: np.uint64, t: int,
              code: int) -> tuple[int, int, int, int, int]:
    """Plots started this month, from the expected numbers by source: (directed at home,
    directed at another Western country, returnees' own at home, relocated fighters' in
    third theatres, radicalised inmates' at home).

    Dispatched operatives' plots are directed, some against their home country; re-engaged
    and undetected returnees and the inmates they radicalised in prison plot at home (one
    Poisson draw for both, then each plot's source: ADR 0036), relocated fighters in their
    third theatre.
    """
    c = cell(key, t, code)
    n_disp = poisson(dispatched, at(c, S.PLOT_SLOT_DISPATCHED))
    n_home = poisson(returnees + inmates, at(c, S.PLOT_SLOT_HOME))
    n_third = poisson(third, at(c, S.PLOT_SLOT_THIRD))
    disp_home = binomial(n_disp, home_target, at(c, S.PLOT_SLOT_DISPATCHED_HOME))
    n_inmate = 0
    if n_home > 0 and inmates > 0.0:  # n_home > 0: returnees + inmates > 0
        n_inmate = binomial(n_home, inmates / (returnees + inmates), at(c, S.PLOT_SLOT_INMATE))
    return disp_home, n_disp - disp_home, n_home - n_inmate, n_third, n_inmate


@njit(cache=True, error_model="numpy")
def expect_west(ring: np.ndarray, t: int, attacks: float, mass: float, directed: float,
                directed_mass: float, mean_lag: float) -> None:
    """Add plots started this month that will be executed in the West (expected numbers,
    after interdiction) to ``ring`` (N_EXPECTED, MAX_LAG) over the months they will be
    executed, with the lag distribution :func:`schedule_attacks` draws from: all of them
    (``attacks``, ``mass`` in the tail) and the directed ones among them (``directed``,
    ``directed_mass``)."""
    if attacks <= 0.0:
        return
    q = 1.0 / max(mean_lag, 1.0)
    stay = 1.0
    for lag in range(1, L.MAX_LAG):
        # the last slot takes what is left (the lag is capped at MAX_LAG - 1)
        w = stay * q if lag < L.MAX_LAG - 1 else stay
        slot = (t + lag) % L.MAX_LAG
        ring[L.EXPECTED_WEST_ATTACKS, slot] += attacks * w
        ring[L.EXPECTED_WEST_MASS, slot] += mass * w
        ring[L.EXPECTED_WEST_DIRECTED, slot] += directed * w
        ring[L.EXPECTED_WEST_DIRECTED_MASS, slot] += directed_mass * w
        stay -= w


@njit(cache=True, error_model="numpy")
def step_plots_attacks(state: np.ndarray, flows: np.ndarray, params: np.ndarray,
                       keys: np.ndarray, t: int, codes: np.ndarray, west: np.ndarray,
                       ring: np.ndarray, expected: np.ndarray, expect: bool,
                       network: float = 1.0) -> int:
    """Plots, interdiction, plot-to-attack lag, executed attacks and their deaths.

    Plots are counted in the month they start, attacks and deaths in the month they are
    executed. With ``expect``, also the *expected* number of attacks linked to foreign
    fighters (dispatched operatives and returnees; radicalised inmates and relocated
    fighters are not travellers to Syria/Iraq of the record's kind) executed this month in
    Western countries (``west[c]``: the origin is Western, so its "home" is too), and of
    those in the tail, added to ``expected`` (N_EXPECTED,): given the stocks, the executed
    count is Poisson with that mean, which is what calibration compares with the record.
    Dispatched operatives plot at their rate times ``network``, what is left of the
    organisation's external-operations network (directed plots need it).
    Returns a status code (0, or TOO_MANY_ATTACKS + target).
    """
    due0 = L.SCHEDULED0 + t % L.MAX_LAG
    for c in range(codes.shape[0]):
        code = codes[c]
        relocated = 0
        for k in range(_N_THEATRES):
            relocated += state[c, L.RELOCATED0 + k]
        from_dispatched = params[c, _PLOT_DISPATCHED] * network * state[c, L.DISPATCHED]
        from_returnees = (params[c, _PLOT_REENGAGED] * state[c, L.REENGAGED]
                          + params[c, _PLOT_UNDETECTED] * state[c, L.UNDETECTED])
        from_inmates = params[c, _PLOT_RADICALISED] * state[c, L.RADICALISED_INMATES]
        from_third = params[c, _PLOT_RELOCATED] * relocated
        if expect and (from_dispatched > 0.0 or from_returnees > 0.0):
            h = params[c, _DISPATCHED_HOME_TARGET]
            kept_home = 1.0 - params[c, _INTERDICTION[_HOME]]
            kept_abroad = 1.0 - params[c, _INTERDICTION[_ABROAD]]
            lethal = 1.0 - params[c, _ZERO_DEATHS]
            mass_directed = lethal * params[c, _TAIL_DIRECTED]
            mass_other = lethal * params[c, _TAIL]
            at_home = 1.0 if west[c] else 0.0
            directed_home = from_dispatched * h * kept_home * at_home
            other_home = from_returnees * kept_home * at_home
            directed_abroad = from_dispatched * (1.0 - h) * kept_abroad
            directed = directed_home + directed_abroad
            expect_west(ring, t, directed + other_home,
                        directed * mass_directed + other_home * mass_other,
                        directed, directed * mass_directed, params[c, _ATTACK_LAG])
        if (from_dispatched > 0.0 or from_returnees > 0.0 or from_inmates > 0.0
                or from_third > 0.0):
            plotted = new_plots(from_dispatched, from_returnees, from_inmates, from_third,
                                params[c, _DISPATCHED_HOME_TARGET], keys[S.PLOTS], t, code)
            c_int = np.uint64(0)
            # (directed, home), (directed, abroad), (other, home), (other, third),
            # (inmate, home)
            for j in range(5):
                n = plotted[j]
                if n <= 0:
                    continue
                kind = (L.DIRECTED, L.DIRECTED, L.OTHER, L.OTHER, L.INMATE)[j]
                g = (_HOME, _ABROAD, _HOME, _THIRD, _HOME)[j]
                queue = kind * _N_TARGETS + g
                if c_int == 0:
                    c_int = cell(keys[S.INTERDICTION], t, code)
                stopped = binomial(n, params[c, _INTERDICTION[g]],
                                   at(c_int, kind * S.INTERDICTION_BLOCK + g))
                flows[c, _QUEUE_PLOTS[queue]] += n
                flows[c, _QUEUE_INTERDICTED[queue]] += stopped
                if n > stopped:
                    schedule_attacks(state, c, queue, n - stopped, params[c, _ATTACK_LAG],
                                     keys[S.ATTACK_LAG], t, code)
        for queue in range(_N_QUEUES):
            due = due0 + queue * L.MAX_LAG
            n = state[c, due]
            if n <= 0:
                continue
            state[c, due] = 0
            tail = params[c, _TAIL_DIRECTED] if queue < _N_TARGETS else params[c, _TAIL]
            deaths, mass, status = attack_deaths(n, params[c, _ZERO_DEATHS], tail,
                                                 params[c, _SEVERITY_ALPHA], queue,
                                                 keys[S.SEVERITY], t, code)
            if status:
                return status
            flows[c, _QUEUE_ATTACKS[queue]] += n  # the inmates' apart (ADR 0036)
            flows[c, _QUEUE_DEATHS[queue]] += deaths
            flows[c, _QUEUE_MASS[queue]] += mass
    if expect:
        slot = t % L.MAX_LAG
        for k in range(L.N_EXPECTED):
            expected[k] += ring[k, slot]
            ring[k, slot] = 0.0
    return 0
