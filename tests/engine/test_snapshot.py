"""A run from a stored state gives the same numbers as one that simulates the months before.

Class of defect: a forecast that starts where the data stop (issue 21) silently differs
from the model it claims to continue (a state not carried, a stream read twice, a record
at the start month taken from the wrong counter).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.engine import Recording, Snapshot, prepare, run_chunk, snapshot
from ffcast.engine.rng import stream_keys
from ffcast.errors import FFCastError

COUNTRIES = ["FRA", "BEL", "TUN", "RUS", "JOR", "GBR"]


@pytest.fixture(scope="module")
def prep():
    return prepare("baseline", end="2019-12", countries=COUNTRIES)


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.stocks, b.stocks)
    np.testing.assert_array_equal(a.flows, b.flows)
    np.testing.assert_array_equal(a.expected, b.expected)
    np.testing.assert_array_equal(a.months, b.months)
    if a.groups is not None or b.groups is not None:
        np.testing.assert_array_equal(a.groups, b.groups)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31), month=st.integers(40, 100), whole=st.booleans(),
       later=st.integers(0, 20))
def test_resume_equals_uninterrupted_run(prep, seed, month, whole, later):
    draws = np.array([3, 11, 12])
    last = len(prep.months) - 1
    snap = snapshot(prep, seed, draws, month)
    first = month if later == 0 else min(month + later, last)
    months = np.unique(np.r_[first, np.arange(first, last + 1, 7), last])
    rec = Recording(months, flows_from=(0 if whole else first) if later == 0 else first,
                    groups=months)  # men, women and minors too, the state's month included
    full = run_chunk(prep, seed, draws, record=rec, expected=True)
    resumed = run_chunk(prep, seed, draws, record=rec, expected=True, start=snap)
    _same(full, resumed)


def test_history_keys_switch_streams_at_the_month(prep):
    """Months up to ``history_until`` read the particle's streams, later ones the draw's:
    the same as a snapshot taken with the particle's streams and resumed with the draw's."""
    month, last = 71, len(prep.months) - 1
    particles, draws = np.array([1_000_000_007, 1_000_000_009]), np.array([0, 1])
    rec = Recording(np.array([month, 83, 95, last]), flows_from=month)
    from ffcast.engine import Latent

    lat = Latent.from_streams(prep, 5, particles)
    mixed = run_chunk(prep, 9, draws, latent=lat, record=rec, expected=True,
                      history_keys=stream_keys(5, particles), history_until=month)
    snap = snapshot(prep, 5, particles, month, latent=lat)
    resumed = run_chunk(prep, 9, draws, latent=lat, record=rec, expected=True, start=snap)
    _same(mixed, resumed)
    # ... and the switch matters: the draw's own streams throughout give other numbers.
    own = run_chunk(prep, 9, draws, latent=lat, record=rec, expected=True)
    assert not np.array_equal(own.stocks, mixed.stocks)


def test_snapshot_conserves_people_and_counts_flows(prep):
    snap = snapshot(prep, 2, np.arange(4), 71)
    from ffcast.engine import layout as L

    rows = snap.state[..., :L.N_STOCKS].sum(-1)  # one row per origin and group
    travelled = rows.reshape(rows.shape[0], -1, L.N_GROUPS).sum(-1)
    np.testing.assert_array_equal(travelled, snap.total_flows[..., L.ARRIVALS]
                                  + snap.total_flows[..., L.BIRTHS])
    assert (snap.month_flows <= snap.total_flows).all()


def test_a_subset_of_countries_resumes_like_its_own_run(prep):
    sub = prepare("baseline", end="2019-12", countries=["TUN", "FRA"])
    snap = snapshot(prep, 4, np.arange(3), 60).for_countries(list(sub.countries["iso3"]))
    rec = Recording(np.arange(60, len(sub.months)), flows_from=60)
    _same(run_chunk(sub, 4, np.arange(3), record=rec), run_chunk(sub, 4, np.arange(3),
                                                                   record=rec, start=snap))
    # The expected West attacks scheduled before the snapshot sum over the countries captured:
    # NaN while they fall due, never a wrong number; then those of the subset's own run.
    from ffcast.engine import layout as L

    asked = run_chunk(sub, 4, np.arange(3), record=rec, start=snap, expected=True)
    own = run_chunk(sub, 4, np.arange(3), record=rec, expected=True)
    assert np.isnan(asked.expected[:, :2]).all()
    later = rec.months > 60 + L.MAX_LAG
    np.testing.assert_array_equal(asked.expected[:, later], own.expected[:, later])


def test_refuses_what_a_snapshot_cannot_give(prep):
    snap = snapshot(prep, 1, np.arange(2), 60)
    with pytest.raises(FFCastError, match="record"):
        run_chunk(prep, 1, np.arange(2), start=snap)  # records every month from 2011
    with pytest.raises(FFCastError, match="record"):
        run_chunk(prep, 1, np.arange(2), start=snap,
                  record=Recording(np.array([61, 70]), flows_from=50))
    with pytest.raises(FFCastError, match="draws"):
        run_chunk(prep, 1, np.arange(3), start=snap, record=Recording(np.array([61])))
    with pytest.raises(FFCastError, match="no stored state"):
        snap.for_countries(["FRA", "USA"])
    assert isinstance(snap.take(np.array([1, 1])), Snapshot)
