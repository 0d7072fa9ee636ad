"""`ffcast backtest` / `forecast` / `calibrate` end to end on small ensembles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ffcast import data
from ffcast.backtest import read_observations, statements
from ffcast.backtest.baselines import all_baselines
from ffcast.backtest.run import backtest
from ffcast.cli import app

runner = CliRunner()


@pytest.fixture
def validation_csv(tmp_path: Path) -> Path:
    path = tmp_path / "validation.csv"
    data.load("validation_returnees")[["iso3", "quantity", "value", "as_of", "source"]].to_csv(
        path, index=False)
    return path


def test_backtest_json_scores_model_and_baselines(validation_csv: Path) -> None:
    res = runner.invoke(app, ["backtest", "--observations", str(validation_csv),
                              "--cutoff", "2016-12", "--draws", "40", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    s = out["origins"][0]
    assert s["observations"] == 8 and s["cutoff"] == "2016-12"
    assert {"ffcast", "ffcast_latent", "icct_share", "last_observation",
            "published_share"} <= set(s["forecasters"])
    for name in ("ffcast", "icct_share"):
        m = s["forecasters"][name]
        assert m["observations_scored"] == 8 and m["crps"] >= 0
        assert 0 <= m["coverage_95"] <= 1
    assert "vs_icct_share" in s["skill"]
    assert len(out["observations"]) == 8


def test_observations_before_the_cutoff_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "early.csv"
    path.write_text("iso3,quantity,value,as_of,source\nFRA,returned,200,2016-06,x\n")
    res = runner.invoke(app, ["backtest", "--observations", str(path), "--draws", "10"])
    assert res.exit_code == 2
    assert "row 1" in res.stderr and "cut-off" in res.stderr


def test_bad_observation_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("iso3,quantity,value,as_of,source\nFRA,returnd,200,2017-06,x\n")
    res = runner.invoke(app, ["backtest", "--observations", str(path), "--draws", "10"])
    assert res.exit_code == 2 and "quantity" in res.stderr and "Traceback" not in res.output


def test_same_seed_same_scores(validation_csv: Path) -> None:
    obs = read_observations(validation_csv)
    a = backtest(obs, cutoff="2016-12", draws=30, seed=4)
    b = backtest(obs, cutoff="2016-12", draws=30, seed=4)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_baselines_use_only_pre_cutoff_figures(validation_csv: Path) -> None:
    obs = read_observations(validation_csv)
    base = all_baselines(obs, statements.known("2016-12"), "2016-12", 50, 0)
    fra = obs.index[obs["iso3"] == "FRA"][0]
    # France's last published returnee figure before 2017 is the PM's 203 (Jul 2016); GTI2015's
    # 180 counted people who had left Syria and is flagged wrong_measure.
    assert np.all(base["last_observation"][fra] == 203)
    # Russia's: 'at least 73 returned and convicted' (Nov 2015)
    assert np.all(base["last_observation"][obs.index[obs["iso3"] == "RUS"][0]] == 73)
    icct = base["icct_share"][fra]
    best = data.best_estimates("2016-12").set_index("iso3").loc["FRA"]
    assert 0.3 * best["low"] * 0.5 <= np.median(icct) <= 0.3 * best["high"] * 1.5


def test_forecast_writes_results_contract(tmp_path: Path) -> None:
    out = tmp_path / "f.nc"
    res = runner.invoke(app, ["forecast", "--cutoff", "2016-12", "--until", "2017-12",
                              "--draws", "12", "--seed", "2", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    from ffcast import results

    ds = results.read(out)
    assert ds.sizes["draw"] == 12
    assert str(ds["month"].values[-1])[:7] == "2017-12"
    assert "cumulative_returned" in ds
    assert json.loads(res.stdout)["parameters"].startswith("posterior")


def test_forecast_without_posterior_for_cutoff_is_an_error() -> None:
    res = runner.invoke(app, ["forecast", "--cutoff", "2016-03", "--draws", "5"])
    assert res.exit_code == 2 and "ffcast calibrate" in res.stderr


def test_calibrate_cli_writes_a_posterior(tmp_path: Path) -> None:
    out = tmp_path / "p.nc"
    res = runner.invoke(app, ["calibrate", "--cutoff", "2015-12", "--particles", "60",
                              "--seed", "1", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    diag = json.loads(res.stdout)
    assert diag["particles"] == 60 and diag["stages"][-1]["temperature"] == 1.0
    assert 0 <= diag["targets_inside_90"] <= 1
    from ffcast.calibrate import load

    post = load(out)
    assert post.cutoff == "2015-12" and post.z.shape[0] == 60
