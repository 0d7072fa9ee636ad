"""Attacks by inmates radicalised in prison are counted apart from the travellers' (ADR 0036).

Classes of defect: an inmate's plot counted among the travellers' (the headline, fitted to
the record of attacks whose perpetrators had been in Syria/Iraq, would then hold a channel
that only a prior sets); a plot lost or counted twice between the two kinds; the channel
calibration fits (the expected attacks in the West) moving with the inmates' plot rate.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.engine import Recording, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.engine.simulate import snapshot
from ffcast.scenario import Scenario

COUNTRIES = ["FRA", "BEL", "GBR", "DEU", "TUN"]
SEED, DRAWS = 5, np.arange(40)
INMATE_QUEUE = L.INMATE * len(L.TARGETS) + L.TARGETS.index("home")


def _prep(inmate_rate: float):
    """Many radicalised inmates plotting (so every check has plots of both kinds), or none."""
    scen = Scenario.model_validate({
        "name": f"inmates-{inmate_rate:g}",
        "parameters": {"prison_radicalisation": {"mean": 0.02},
                       "plot_rate_radicalised": {"mean": inmate_rate}}})
    return prepare(scen, end="2022-12", countries=COUNTRIES)


@pytest.fixture(scope="module")
def busy():
    return _prep(0.02)


def test_every_plot_is_interdicted_executed_or_still_due_in_its_own_kind(busy) -> None:
    """At the end of a month: plots started since 2011-01 = interdicted + executed + those
    still scheduled in the queue, for the inmates' plots and for the travellers' at home."""
    month = len(busy.months) - 1
    snap = snapshot(busy, SEED, DRAWS, month)
    flows = snap.total_flows.astype(np.int64)  # (D, origins, N_FLOWS)
    per_row = snap.state.reshape(len(DRAWS), len(COUNTRIES), L.N_GROUPS, L.N_STATE)
    due = per_row.sum(axis=2)  # (D, origins, N_STATE)

    def queue(kind: int, target: str) -> np.ndarray:
        q = kind * len(L.TARGETS) + L.TARGETS.index(target)
        return due[..., L.SCHEDULED0 + q * L.MAX_LAG:L.SCHEDULED0 + (q + 1) * L.MAX_LAG].sum(-1)

    inmates = flows[..., L.INMATE_PLOTS]
    assert inmates.sum() > 50 and flows[..., L.INMATE_ATTACKS].sum() > 10  # the check bites
    np.testing.assert_array_equal(
        inmates, flows[..., L.INMATE_INTERDICTED] + flows[..., L.INMATE_ATTACKS]
        + queue(L.INMATE, "home"))
    home = L.TARGETS.index("home")
    np.testing.assert_array_equal(
        flows[..., L.PLOTS0 + home],
        flows[..., L.INTERDICTED0 + home] + flows[..., L.ATTACKS0 + home]
        + queue(L.DIRECTED, "home") + queue(L.OTHER, "home"))
    # The inmates' queue exists only at home: the last of the state's queues.
    assert due.shape[-1] == L.SCHEDULED0 + (INMATE_QUEUE + 1) * L.MAX_LAG == L.N_STATE
    # Deaths and mass-casualty attacks of each kind stay with their attacks.
    assert (flows[..., L.INMATE_ATTACKS_MASS] <= flows[..., L.INMATE_ATTACKS]).all()
    assert (flows[..., L.INMATE_ATTACK_DEATHS][flows[..., L.INMATE_ATTACKS] == 0] == 0).all()


def test_without_the_inmates_plot_rate_nothing_of_theirs_and_the_fitted_channel_unmoved(
        busy) -> None:
    """With no plots by radicalised inmates their flows are all zero; the expected attacks
    in the West (what calibration compares with the record) and every person stock are the
    same whatever the inmates' plot rate, draw for draw."""
    quiet = _prep(0.0)
    rec = Recording(np.arange(len(busy.months)), flows_from=0)
    a = run_chunk(busy, SEED, DRAWS, record=rec, expected=True)
    b = run_chunk(quiet, SEED, DRAWS, record=rec, expected=True)
    for slot in (L.INMATE_PLOTS, L.INMATE_INTERDICTED, L.INMATE_ATTACKS,
                 L.INMATE_ATTACK_DEATHS, L.INMATE_ATTACKS_MASS):
        assert not b.flows[..., slot].any()
    assert a.flows[..., L.INMATE_ATTACKS].sum() > 10
    np.testing.assert_array_equal(a.expected, b.expected)
    np.testing.assert_array_equal(a.stocks, b.stocks)
