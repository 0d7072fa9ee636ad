"""Dispatched operatives arrested abroad or who drop out arrive at home after the month's
moves there: nobody moves twice in one month (review of the engine, 2026-12-07: they were
added to prison and disengagement in the theatre step, so about 1.8% of them were released
or re-engaged in the month they arrived)."""

from __future__ import annotations

import numpy as np

from ffcast.engine import layout as L
from ffcast.engine.hazards import N_HAZARD_COLUMNS, N_HAZARD_ROWS, stock_hazards
from ffcast.engine.home import step_home_pipeline
from ffcast.engine.rng import stream_keys
from ffcast.engine.theatre import step_theatre
from ffcast.scenario.priors import PARAM_INDEX, PARAMS

OPERATIVES = 10_000


def _month(rate: dict[str, float], theatre_only: bool = False) -> np.ndarray:
    """One month of one country holding only dispatched operatives; returns the state."""
    params = np.zeros((1, len(PARAMS)))
    for name, value in rate.items():
        params[0, PARAM_INDEX[name]] = value
    table = np.zeros((1, N_HAZARD_ROWS, N_HAZARD_COLUMNS))
    stock_hazards(params, table)
    state = np.zeros((1, L.N_STATE), dtype=np.int64)
    state[0, L.DISPATCHED] = OPERATIVES
    flows = np.zeros((1, L.N_FLOWS), dtype=np.int64)
    home_bound = np.zeros((1, 4), dtype=np.int64)
    keys = stream_keys(7, np.array([0]))[0]
    codes = np.array([3], dtype=np.int64)
    step_theatre(state, flows, params, table, np.full((1, 5), 0.2), np.full((1, 7), 1 / 7),
                 0.0, 0.0, 1.0, 0.0, keys, 5, codes, home_bound)
    if not theatre_only:
        step_home_pipeline(state, flows, params, table, home_bound, keys, 5, codes,
                           np.array([True]))
    return state


def test_arrested_operatives_are_not_released_in_the_month_they_arrive() -> None:
    """Every operative is arrested (hazard 50 a month) and prison releases everyone it holds
    at the start of a month (hazard 50): the arrested are all still inside at the end."""
    state = _month({"dispatched_arrest": 50.0, "prison_release": 50.0})
    assert state[0, L.DISPATCHED] == 0
    assert state[0, L.INCARCERATED] == OPERATIVES
    assert state[0, L.RELEASED] == 0


def test_dropped_operatives_do_not_re_engage_in_the_month_they_arrive() -> None:
    state = _month({"dispatched_disengage": 50.0, "disengaged_reengage": 50.0})
    assert state[0, L.DISENGAGED] == OPERATIVES
    assert state[0, L.REENGAGED] == 0


def test_the_next_month_they_move() -> None:
    """The same hazards act on them from the next month: they are in the stocks."""
    state = _month({"dispatched_arrest": 50.0, "prison_release": 50.0})
    params = np.zeros((1, len(PARAMS)))
    params[0, PARAM_INDEX["prison_release"]] = 50.0
    table = np.zeros((1, N_HAZARD_ROWS, N_HAZARD_COLUMNS))
    stock_hazards(params, table)
    flows = np.zeros((1, L.N_FLOWS), dtype=np.int64)
    step_home_pipeline(state, flows, params, table, np.zeros((1, 4), dtype=np.int64),
                       stream_keys(7, np.array([0]))[0], 6, np.array([3], dtype=np.int64),
                       np.array([True]))
    assert state[0, L.INCARCERATED] == 0
    assert state[0, L.RELEASED] == OPERATIVES
