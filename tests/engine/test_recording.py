"""Falsify the Recording contract (engine/simulate.py): recording fewer months changes no
number, stocks are the end-of-month stocks of the full run, flows are sums over the recorded
intervals, and with ``flows_from=0`` their running sum is the count since 2011-01."""

from __future__ import annotations

from collections.abc import Iterator

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.engine import Recording, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.errors import FFCastError

COUNTRIES = ["FRA", "TUN", "BEL", "RUS"]
END = "2019-12"
SEED = 31


@pytest.fixture(autouse=True)
def _one_numba_thread() -> Iterator[None]:
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


@pytest.fixture(scope="module")
def prep():  # type: ignore[no-untyped-def]
    return prepare("baseline", end=END, countries=COUNTRIES)


@pytest.fixture(scope="module")
def full(prep):  # type: ignore[no-untyped-def]
    return run_chunk(prep, SEED, np.arange(5))


def _interval_sums(monthly: np.ndarray, months: np.ndarray, start: int) -> np.ndarray:
    edges = [start, *(months[:-1] + 1)]
    return np.stack([monthly[:, a:b + 1].sum(axis=1) for a, b in zip(edges, months,
                                                                      strict=True)], axis=1)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_recorded_months_are_the_full_run_at_those_months(prep, full, data) -> None:  # type: ignore[no-untyped-def]
    n_t = len(prep.months)
    months = np.array(sorted(data.draw(st.sets(st.integers(0, n_t - 1), min_size=1,
                                               max_size=12))))
    flows_from = data.draw(st.integers(0, int(months[0])))
    ch = run_chunk(prep, SEED, np.arange(5), record=Recording(months, flows_from=flows_from))
    assert ch.stocks.shape == (5, len(months), len(COUNTRIES), L.N_STOCKS)
    np.testing.assert_array_equal(ch.months, months)
    np.testing.assert_array_equal(ch.stocks, full.stocks[:, months])
    np.testing.assert_array_equal(ch.flows, _interval_sums(full.flows, months, flows_from))
    np.testing.assert_array_equal(ch.territory, full.territory[:, months])


def test_flows_from_zero_give_cumulative_counts(prep, full) -> None:  # type: ignore[no-untyped-def]
    months = np.array([23, 47, 71, 95, len(prep.months) - 1])
    ch = run_chunk(prep, SEED, np.arange(5), record=Recording(months, flows_from=0))
    arrived = np.cumsum(ch.flows[..., L.ARRIVALS] + ch.flows[..., L.BIRTHS], axis=1,
                        dtype=np.int64)
    # people are conserved: everyone who arrived is in exactly one stock
    np.testing.assert_array_equal(arrived, ch.stocks.sum(-1, dtype=np.int64))


def test_default_recording_is_every_month_from_start(prep, full) -> None:  # type: ignore[no-untyped-def]
    late = prepare("baseline", start="2016-01", end=END, countries=COUNTRIES)
    ch = run_chunk(late, SEED, np.arange(5))
    np.testing.assert_array_equal(ch.months, np.arange(late.record_from, len(late.months)))
    np.testing.assert_array_equal(ch.flows, full.flows[:, late.record_from:])
    assert ch.flows_from == late.record_from


def test_until_stops_the_simulation_and_the_recording(prep, full) -> None:  # type: ignore[no-untyped-def]
    ch = run_chunk(prep, SEED, np.arange(5), until=40)
    np.testing.assert_array_equal(ch.stocks, full.stocks[:, :41])
    with pytest.raises(FFCastError, match="after the last simulated month"):
        run_chunk(prep, SEED, np.arange(5), until=40, record=Recording([41]))


@pytest.mark.parametrize(("months", "flows_from", "match"), [
    ([5, 3], None, "sorted"), ([3, 3], None, "sorted"), ([-1, 4], None, ">= 0"),
    ([4, 9], 5, "flows_from"), ([4], -1, "flows_from"), ([[1, 2]], None, "1-D"),
])
def test_a_bad_recording_is_refused_naming_the_field(months, flows_from, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FFCastError, match=match):
        Recording(np.array(months), flows_from=flows_from)


def test_an_empty_recording_simulates_and_returns_nothing(prep) -> None:  # type: ignore[no-untyped-def]
    ch = run_chunk(prep, SEED, np.arange(3), record=Recording(np.array([], dtype=np.int64)))
    assert ch.stocks.shape == (3, 0, len(COUNTRIES), L.N_STOCKS)
    assert ch.flows.shape == (3, 0, len(COUNTRIES), L.N_FLOWS)


def test_theatre_only_gives_the_same_stocks_abroad_as_the_full_run(prep, full) -> None:  # type: ignore[no-untyped-def]
    """The theatre-only run leaves every non-theatre parameter NaN: if the theatre read one,
    its numbers would differ from the full run's."""
    ch = run_chunk(prep, SEED, np.arange(5), theatre_only=True)
    abroad = slice(L.IN_THEATRE, L.DISPATCHED + 1)
    np.testing.assert_array_equal(ch.stocks[..., abroad], full.stocks[..., abroad])
    for flow in (L.ARRIVALS, L.RETURNS, L.REPATRIATED):
        np.testing.assert_array_equal(ch.flows[..., flow], full.flows[..., flow])
    assert ch.stocks[..., [L.UNDETECTED, L.DETECTED]].sum() == 0  # nobody was screened


def test_timings_name_the_parameters_and_every_step(prep) -> None:  # type: ignore[no-untyped-def]
    from ffcast.engine import STEP_ORDER

    timings: dict[str, float] = {}
    a = run_chunk(prep, SEED, np.arange(3), timings=timings)
    assert set(timings) == {"parameters", *STEP_ORDER}
    assert all(v >= 0 for v in timings.values())
    b = run_chunk(prep, SEED, np.arange(3))  # profiling changes no number
    np.testing.assert_array_equal(a.stocks, b.stocks)


def test_the_summary_recording_gives_the_same_headline_as_every_month(prep, full) -> None:  # type: ignore[no-untyped-def]
    """Recording.summary (the cut-off, each December after it, the end) is all ffcast run's
    headline needs."""
    from ffcast.runner import Headline

    summary = run_chunk(prep, SEED, np.arange(5), record=Recording.summary(prep))
    after = prep.months[prep.cutoff_index + 1:-1]
    assert summary.stocks.shape[1] == 2 + int((after.month == 12).sum())
    heads = []
    for ch, months in ((full, None), (summary, summary.months)):
        head = Headline(scenario="b", seed=SEED, draws=np.arange(5), end_month=prep.months[-1],
                        forecast_from=prep.months[prep.cutoff_index + 1], countries=COUNTRIES)
        head.extend(prep, ch.stocks, ch.flows, months, ch.flows_from)
        heads.append(head.to_dict())
    assert heads[0] == heads[1]


def test_a_headline_refuses_flows_that_straddle_the_cutoff(prep) -> None:  # type: ignore[no-untyped-def]
    from ffcast.runner import Headline

    ch = run_chunk(prep, SEED, np.arange(2), record=Recording([len(prep.months) - 1],
                                                              flows_from=0))
    head = Headline(scenario="b", seed=SEED, draws=np.arange(2), end_month=prep.months[-1],
                    forecast_from=prep.months[prep.cutoff_index + 1], countries=COUNTRIES)
    with pytest.raises(FFCastError, match="cut-off"):
        head.extend(prep, ch.stocks, ch.flows, ch.months, ch.flows_from)
