"""The report's official-count forecast of the focus countries is the forecaster the backtest
scores (``ffcast.backtest.forecast.forecast_rows``, anchored on the statements published by
the cut-off), draw for draw; a report from a results file does not pretend to have it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ffcast import runner
from ffcast.backtest import statements
from ffcast.backtest.forecast import forecast_rows
from ffcast.report.figures import focus_fans
from ffcast.report.reduce import reduce_chunks, reduce_run

DRAWS, SEED = 24, 5
MONTHS = ("2014-12", "2016-07", "2017-06", "2019-12")


@pytest.fixture(scope="module")
def red():  # type: ignore[no-untyped-def]
    return reduce_run("baseline", DRAWS, SEED, end="2019-12", focus=["FRA"], chunk_size=10)


def test_france_is_anchored_on_its_own_statements(red) -> None:  # type: ignore[no-untyped-def]
    a = red.anchors
    fra = a[a["iso3"] == "FRA"]
    assert {"cumulative_returned", "killed", "in_theatre"} <= set(fra["quantity"])
    assert (pd.to_datetime(a["month"]) <= pd.Timestamp("2016-12-31")).all()
    # every country's statements estimate how much of the error persists, not the focus
    # countries' alone (ADR 0032): the focus chosen does not change France's forecast
    assert len(set(a["iso3"])) > 20 and set(a["iso3"]) <= set(red.meta.countries)


def test_the_figure_is_the_scored_forecaster_draw_for_draw(red) -> None:  # type: ignore[no-untyped-def]
    rows = pd.DataFrame({"iso3": "FRA", "quantity": "cumulative_returned",
                         "month": [pd.Period(m, "M").start_time for m in MONTHS],
                         "kind": "official"})
    fc = forecast_rows(rows, "2016-12", DRAWS, SEED, anchors=statements.known("2016-12"))
    assert fc.anchors == len(red.anchors)
    idx = red.meta.months.get_indexer(rows["month"])
    assert np.array_equal(fc.latent, red.focus_returned[:, idx, 0].T)
    assert np.array_equal(fc.reported, red.focus_published[:, idx, 0].T.astype(float))
    # ... and the anchoring moved it: France's figure is not the unconditional one.
    assert not np.array_equal(fc.reported, fc.latent)


def test_the_figure_draws_the_official_count_only_when_it_was_computed(red) -> None:  # type: ignore[no-untyped-def]
    names = {"FRA": "France"}
    traces = {t.name for t in focus_fans(red, _no_observed(), names).data}
    assert "Official count (forecast): median" in traces
    # A report from a results file: the draws' reporting values are not in it.
    ds = runner.simulate("baseline", draws=4, seed=1, end="2017-06")
    from_file = reduce_chunks(iter([ds.load()]), 4, ["FRA"], "results.nc")
    assert np.isnan(from_file.focus_published).all()
    traces = {t.name for t in focus_fans(from_file, _no_observed(), names).data}
    assert not any(str(t).startswith("Official count") for t in traces)


def _no_observed() -> pd.DataFrame:
    return pd.DataFrame(columns=["key", "date", "low", "high"])
