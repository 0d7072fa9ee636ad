"""The rolling-origin backtest never looks past its origin, and scores what it claims to.

Claims tried here: every scored row is published after its origin and by 2016-12 (the 2017
validation set apart, at 2016-12 only); what an origin uses (baselines' statements, the
posterior) is published by it; a fake statement published later changes nothing at an
origin before it; the forecast of an official returnee figure is ``reported_returned`` of a
full run with the same seed; the scoring helpers give the known answers; the CLI options
work and fail in one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ffcast
from ffcast import data
from ffcast.backtest import baselines, metrics, statements
from ffcast.backtest.forecast import forecast_rows
from ffcast.backtest.run import skill
from ffcast.cli import app
from ffcast.scenario import Scenario

runner = CliRunner()
END_2016 = pd.Timestamp("2016-12-31")


@pytest.mark.parametrize("origin", statements.ROLLING_ORIGINS)
def test_scored_rows_are_published_after_the_origin_and_by_2016(origin: str) -> None:
    rows = statements.scored(origin)
    end = pd.Period(origin, "M").end_time
    found = rows[rows["set"] == "statements"]
    assert (found["published"] > end).all()
    assert (found["published"] <= END_2016).all()
    late = rows[rows["published"] > END_2016]
    assert (late["set"] == "validation").all()
    assert len(late) == (8 if origin == "2016-12" else 0)
    assert set(rows["kind"]) <= {"official", "research", "press"}


def test_there_are_at_least_forty_scored_rows_and_several_measures() -> None:
    rows = pd.concat([statements.scored(o) for o in statements.ROLLING_ORIGINS])
    assert len(rows) >= 40
    assert set(rows["quantity"]) == {"cumulative_returned", "killed", "in_theatre"}


@pytest.mark.parametrize("origin", statements.ROLLING_ORIGINS)
def test_what_an_origin_knows_is_published_by_it(origin: str) -> None:
    known = statements.known(origin)
    assert len(known) > 0
    assert (known["published"] <= pd.Period(origin, "M").end_time).all()


def test_a_late_statement_is_scored_only_after_its_origin_and_never_after_2016(
        data_copy: Callable[[str, list[str]], None]) -> None:
    mid = ("FAKE:FRA:returned:mid,FRA,France,returned,,7777,7777,2016-04,2016-04-15,,"
           "VALLS2016_07,,,a fake statement,test")
    late = ("FAKE:FRA:returned:late,FRA,France,returned,,9999,9999,2016-05,2017-02-01,true,"
            "VALLS2016_07,,,a fake statement published in 2017,test")
    data_copy("foreign_fighters.csv", [mid, late])
    assert (data.load("foreign_fighters")["low"] == 9999).any()  # the fake rows are read
    for origin in statements.ROLLING_ORIGINS:
        assert not (statements.scored(origin)["value"] == 9999).any()
        assert not (statements.known(origin)["value"] == 9999).any()
    assert (statements.scored("2015-12")["value"] == 7777).any()
    assert not (statements.known("2015-12")["value"] == 7777).any()
    # the baseline at 2015-12 cannot see it; at 2016-06 it is the latest French figure
    for origin, seen in (("2015-12", False), ("2016-06", True)):
        rows = statements.scored(origin)
        fra = rows[(rows["iso3"] == "FRA") & (rows["quantity"] == "cumulative_returned")
                   & (rows["value"] != 7777)].reset_index(drop=True)
        assert len(fra)
        locf = baselines.last_observation(fra, statements.known(origin), 3)
        assert bool((locf == 7777).all()) is seen


def test_each_origin_forecasts_from_its_own_posterior_or_says_prior() -> None:
    row = pd.DataFrame({"iso3": ["FRA"], "quantity": ["cumulative_returned"],
                        "month": [pd.Timestamp("2016-12-01")], "kind": ["official"]})
    assert forecast_rows(row, "2016-03", 4, 0).parameters == "prior"  # none ships for 2016-03
    assert forecast_rows(row, "2015-06", 4, 0).parameters == "posterior (cut-off 2015-06)"
    assert forecast_rows(row, "2015-12", 4, 0).parameters == "posterior (cut-off 2015-12)"


def test_an_official_returnee_forecast_is_reported_returned_of_a_full_run() -> None:
    rows = pd.DataFrame({"iso3": ["FRA", "DEU"], "quantity": ["cumulative_returned"] * 2,
                         "month": [pd.Timestamp("2017-06-01")] * 2,
                         "kind": ["official"] * 2})
    fc = forecast_rows(rows, "2016-12", 12, 5, chunk_size=5)
    ds = ffcast.simulate(Scenario(name="x", cutoff="2016-12"), draws=12, seed=5,
                         end="2017-06", countries=["DEU", "FRA", "BEL"])
    at = ds.sel(month="2017-06-01")
    for k, iso in enumerate(("FRA", "DEU")):
        np.testing.assert_array_equal(fc.reported[k], at["reported_returned"].sel(country=iso))
        np.testing.assert_array_equal(fc.latent[k], at["cumulative_returned"].sel(country=iso))


def test_a_range_is_scored_at_its_geometric_midpoint_and_a_bound_at_itself() -> None:
    rows = statements.known("2016-12")
    both = rows[rows["bound"] == ""].iloc[0]
    assert both["value"] == pytest.approx(np.sqrt((both["low"] + 1) * (both["high"] + 1)) - 1)
    floor = rows[rows["bound"] == "at least"].iloc[0]
    assert floor["value"] == floor["low"]


def test_skill_against_the_hardest_baseline_on_its_own_rows() -> None:
    table = pd.DataFrame({
        "ffcast_crps": [1.0, 2.0, 3.0], "ffcast_crps_log1p": [0.1, 0.2, 0.3],
        "a_crps": [2.0, 4.0, 6.0], "a_crps_log1p": [0.2, 0.4, 0.6],
        "b_crps": [np.nan, 2.0, 3.0], "b_crps_log1p": [np.nan, 0.25, 0.25]})
    s = skill(table, ["a", "b"])
    assert s["vs_a"] == pytest.approx(0.5) and s["vs_a_log1p"] == pytest.approx(0.5)
    assert s["vs_b_rows"] == 2 and s["vs_b"] == pytest.approx(0.0)
    assert s["vs_b_log1p"] == pytest.approx(0.0)
    assert s["best_baseline"] == "b"


def test_pit_bounds_of_a_count_are_the_cdf_below_and_at_the_observation() -> None:
    lo, hi = metrics.pit_bounds([2.0, 0.0, 9.0], [[1, 2, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4]])
    np.testing.assert_allclose(lo, [0.25, 0.0, 1.0])
    np.testing.assert_allclose(hi, [0.75, 0.0, 1.0])


def test_the_median_published_share_comes_from_figures_known_by_the_origin() -> None:
    share = baselines.shares(statements.known("2016-12"), "2016-12")
    assert set(share.index) == {"cumulative_returned", "killed", "in_theatre"}
    assert ((share > 0) & (share < 1)).all()


def test_rolling_cli_scores_many_rows_plots_and_writes_the_table(tmp_path: Path) -> None:
    plot, out = tmp_path / "bt.html", tmp_path / "rows.csv"
    res = runner.invoke(app, ["backtest", "--rolling", "--draws", "20", "--json",
                              "--plot", str(plot), "--out", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["scored_rows"] >= 40 and s["scored_rows"] == len(s["observations"])
    assert [o["cutoff"] for o in s["origins"]] == list(statements.ROLLING_ORIGINS)
    assert s["origins"][0]["parameters"] == "posterior (cut-off 2014-12)"
    assert s["origins"][-1]["parameters"] == "posterior (cut-off 2016-12)"
    assert len(s["goals"]) == 3 and all(isinstance(g["met"], bool) for g in s["goals"])
    # issue 19: the naive forecasters lead, and ffcast is judged against persistence
    assert list(s["origins"][0]["forecasters"])[:2] == ["persistence", "last_observation"]
    assert s["pooled"]["versus"]["reference"] == "persistence"
    assert 0 < s["pooled"]["versus"]["rows"] < s["scored_rows"]
    assert len(s["persistence_goals"]) == 4
    assert all(isinstance(g["met"], bool) for g in s["persistence_goals"])
    assert sum(s["pit_ffcast"]) == pytest.approx(1.0)
    assert plot.stat().st_size > 100_000  # plotly inlined: works offline
    table = pd.read_csv(out)
    assert len(table) == s["scored_rows"] and {"origin", "ffcast_crps"} <= set(table)
    # coverage on the rows with one figure or a range: "at least X" rows left out
    single = table["bound"].isna()
    assert 0 < s["single_figure_rows"] == int(single.sum()) < len(table)
    one = s["reliability_ffcast_single"]
    assert one["level"] == s["reliability_ffcast"]["level"]
    assert one["coverage"][1] == pytest.approx(table.loc[single, "ffcast_covered_80"].mean())


def test_backtest_without_observations_or_rolling_is_one_line() -> None:
    res = runner.invoke(app, ["backtest", "--draws", "5"])
    assert res.exit_code == 2
    assert "--rolling" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_plot_of_another_kind_is_refused_before_any_work(tmp_path: Path) -> None:
    res = runner.invoke(app, ["backtest", "--rolling", "--plot", str(tmp_path / "x.pdf")])
    assert res.exit_code == 2 and "--plot" in res.stderr and ".png" in res.stderr
    assert "backtest from" not in res.stderr
