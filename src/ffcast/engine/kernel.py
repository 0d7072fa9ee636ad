"""The plan: one month of one draw, the steps of STEP_ORDER in that order (numba).

Warning first: every step draws its outflows from the stocks *as they stood when the step
began* (a person moves at most once per step), competing hazards become one exact
multinomial per stock (so a stock can never go negative; see :mod:`ffcast.engine.hazards`),
and each decision reads its own named random stream at fixed slots
(:mod:`ffcast.engine.slots`). :func:`month` runs exactly these steps in this order, each
over every origin country (a test reads :func:`month` and fails if they differ); the steps
live one module per concept:

1. ``arrivals``       Poisson arrivals into ``in_theatre``, and minors born to the women in
                      theatre and in the camps (:mod:`ffcast.engine.theatre`).
2. ``theatre``        deaths, captures, exits split by pathway (return, stay as insurgent,
                      join other groups, relocate to a third theatre, be dispatched), and the
                      flows out of the other stocks abroad (:mod:`ffcast.engine.theatre`).
3. ``home_pipeline``  screening, prosecution, prison, release, rehabilitation, recidivism and
                      prison radicalisation; new returnees enter after existing cases moved
                      (:mod:`ffcast.engine.home`).
4. ``plots_attacks``  plots, interdiction, the plot-to-attack lag, executed attacks, deaths
                      (:mod:`ffcast.engine.attacks`).
5. ``record``         stocks and the flows summed since the last recorded month are written
                      to the output at the months asked for, the groups of each origin
                      summed, and each group's quantities when asked (int32, checked).

Rows: every step runs over engine rows, one per origin and group (men, women, minors; row =
origin x N_GROUPS + group, :data:`ffcast.engine.layout.GROUPS`); the groups differ only in
their parameters, so each step is the same code for all of them.

Names: ``relocated`` always means fighters who moved to a third theatre abroad; people let
out of prison or monitored at home are ``released``.

Speed: the functions a step calls once per stock or country (``leave_theatre``,
``stock_moves``, ``third_theatres``, ``compete7``, ``divide7``, ``_split3``, ``home_cases``,
``prison_radicalisation``, ``new_plots``) are compiled into it (``inline="always"``): a call
costs more than the common "nobody moves" case itself (engine time -15%, same numbers).
The samplers' slow paths and ``part`` / ``_take`` stay calls: inlining them too doubles
the cold compile for no measurable gain.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ffcast.engine import clock as profile
from ffcast.engine import layout as L
from ffcast.engine.attacks import TOO_MANY_ATTACKS, step_plots_attacks
from ffcast.engine.home import enter_custody, step_home_pipeline
from ffcast.engine.theatre import step_arrivals, step_theatre

STEP_ORDER: tuple[str, ...] = ("arrivals", "theatre", "home_pipeline", "plots_attacks", "record")
N_STEPS = len(STEP_ORDER)
_INT32_MAX = 2**31 - 1

# Status codes of a draw (0 = fine): overflow of stock k is OVERFLOW_STOCK + k, of flow f
# OVERFLOW_FLOW + f; absurd numbers of mass-casualty attacks TOO_MANY_ATTACKS + target.
OVERFLOW_STOCK = 1
OVERFLOW_FLOW = 1 + L.N_STOCKS
assert TOO_MANY_ATTACKS == OVERFLOW_FLOW + L.N_FLOWS
__all__ = ["STEP_ORDER", "TOO_MANY_ATTACKS", "month", "step_arrivals", "step_home_pipeline",
           "step_plots_attacks", "step_record", "step_theatre"]


# --- 5. record ------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def step_record(state: np.ndarray, flows: np.ndarray, stocks_out: np.ndarray,
                flows_out: np.ndarray, expected: np.ndarray, expected_out: np.ndarray,
                recording: bool, before_window: bool, groups_out: np.ndarray,
                west: np.ndarray) -> int:
    """Write end-of-month stocks and the flows summed since the last record (int32).

    ``state`` and ``flows`` have one row per origin and group (origin x N_GROUPS + group);
    ``stocks_out`` (C, N_STOCKS) and ``flows_out`` (C, N_FLOWS) are this month's rows of the
    output, per origin (the groups summed); ``groups_out`` (C, N_GROUPS,
    N_GROUP_QUANTITIES) receives the quantities of each group when it has rows (else it is
    (0, 0, 0) and skipped; ``west`` (rows,) says whose home is in the West, where each
    group's attacks land); ``expected_out`` (N_EXPECTED,) receives the expected numbers
    summed since the last record (floats, when they are computed). Flows of months before
    the first recorded interval are dropped. Returns a status code: 0, or which count would
    not fit in int32 (nothing is ever wrapped).
    """
    if recording:
        for k in range(expected.shape[0]):
            expected_out[k] = expected[k]
            expected[k] = 0.0
        if groups_out.shape[0] > 0:
            status = _record_groups(state, flows, groups_out, west)
            if status:
                return status
        for c in range(stocks_out.shape[0]):
            r0 = c * L.N_GROUPS
            for k in range(L.N_STOCKS):
                v = state[r0, k] + state[r0 + 1, k] + state[r0 + 2, k]
                if v > _INT32_MAX:
                    return OVERFLOW_STOCK + k
                stocks_out[c, k] = v
            for f in range(L.N_FLOWS):
                v = flows[r0, f] + flows[r0 + 1, f] + flows[r0 + 2, f]
                if v > _INT32_MAX:
                    return OVERFLOW_FLOW + f
                flows_out[c, f] = v
                flows[r0, f] = 0
                flows[r0 + 1, f] = 0
                flows[r0 + 2, f] = 0
    elif before_window:
        flows[:] = 0
        expected[:] = 0.0
    return 0


@njit(cache=True, error_model="numpy")
def _record_groups(state: np.ndarray, flows: np.ndarray, out: np.ndarray,
                   west: np.ndarray) -> int:
    """Each group's :data:`ffcast.engine.layout.GROUP_QUANTITIES` (before the flows reset).

    Attacks by where they land: at home for a Western origin (``west[r]``) and against
    other Western countries from any origin are ``attacks_west``; at home for a
    non-Western origin ``attacks_home_elsewhere``; third theatres in neither. Both are the
    travellers' own: attacks by inmates they radicalised in prison are not (ADR 0036)."""
    for r in range(state.shape[0]):
        c, g = r // L.N_GROUPS, r % L.N_GROUPS
        s = state[r]
        f = flows[r]
        elsewhere = s[L.DISPATCHED]
        for k in range(L.N_THEATRES):
            elsewhere += s[L.RELOCATED0 + k]
        home = 0
        for k in range(L.UNDETECTED, L.N_STOCKS):
            home += s[k]
        at_home = f[L.ATTACKS0]  # the origin's own country (TARGETS[0])
        west_home = at_home if west[r] else 0
        values = (s[L.IN_THEATRE] + s[L.INSURGENT], s[L.JOINED_OTHER], s[L.DETAINED],
                  s[L.KILLED], elsewhere, home, s[L.INCARCERATED], f[L.ARRIVALS],
                  f[L.BIRTHS], f[L.RETURNS], f[L.REPATRIATED],
                  west_home + f[L.ATTACKS0 + 1], at_home - west_home)
        for q in range(L.N_GROUP_QUANTITIES):
            v = values[q]
            if v > _INT32_MAX:
                return OVERFLOW_STOCK  # a group's count would overflow: so would its origin's
            out[c, g, q] = v
    return 0


# --- The plan -------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def month(state: np.ndarray, flows: np.ndarray, params: np.ndarray, hazards: np.ndarray,
          paths: np.ndarray, shares: np.ndarray, travellers: np.ndarray, drive: np.ndarray,
          pressure: float, capacity: float, ease: float, closure: float, network: float,
          response: float, review: float, keys: np.ndarray, t: int,
          codes: np.ndarray, theatre_only: bool, stocks_out: np.ndarray, flows_out: np.ndarray,
          recording: bool, before_window: bool, home_bound: np.ndarray, west: np.ndarray,
          ring: np.ndarray, expected: np.ndarray, expected_out: np.ndarray, expect: bool,
          clock: np.ndarray, births: float, groups_out: np.ndarray) -> int:
    """One month of one draw: the steps of STEP_ORDER, in that order, each over every country.

    ``state`` (C, N_STATE) and ``flows`` (C, N_FLOWS, summed since the last record) are the
    draw's; ``params`` / ``hazards`` / ``paths`` / ``shares`` its parameters, stock hazards,
    pathway propensities and relocation shares in force this month; ``pressure`` and
    ``capacity`` the collapse pressure and the organisation's external-operations capacity;
    ``ease``, ``closure`` and ``network`` the post-collapse regime of the month (the early-
    return multiplier, the share of would-be returners who cannot get out, what is left of
    the external-operations network, the security response at home and its review of the
    returnees already home:
    :func:`ffcast.engine.parameters.routes`).
    ``theatre_only`` stops after the theatre (calibration); ``expect`` also computes the
    expected attacks in the West (``west``, ``ring``, ``expected``: see
    :func:`ffcast.engine.attacks.step_plots_attacks`). Returns a status code (0 = fine).
    """
    since = profile.start(clock)
    step_arrivals(state, flows, travellers, drive, keys, t, codes, births)
    since = profile.tick(clock, 0, since)
    step_theatre(state, flows, params, hazards, paths, shares, pressure, capacity, ease,
                 closure, keys, t, codes, home_bound)
    since = profile.tick(clock, 1, since)
    status = 0
    if theatre_only:  # no home step: the arrested and dropped operatives still arrive
        for c in range(codes.shape[0]):
            enter_custody(state, home_bound, c)
    else:
        step_home_pipeline(state, flows, params, hazards, home_bound, keys, t, codes, west,
                           response, review)
        since = profile.tick(clock, 2, since)
        status = step_plots_attacks(state, flows, params, keys, t, codes, west, ring,
                                    expected, expect, network)
        since = profile.tick(clock, 3, since)
    if status == 0:
        status = step_record(state, flows, stocks_out, flows_out, expected, expected_out,
                             recording, before_window, groups_out, west)
        profile.tick(clock, 4, since)
    return status
