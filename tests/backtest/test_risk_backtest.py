"""The terrorism-risk backtest scores what it claims, on the record it claims, and never looks
past its origin for its baselines.

Claims tried here: each origin's periods are the rest of its year then whole years to 2016;
the record of a period is ``record_years``'s count as published by 2016-12; an attack
published after an origin moves that origin's observation but not its baselines or its
forecast, and one published after 2016-12 changes nothing; the Poisson scores agree with
brute force; the CLI prints a row per origin and fails in one line.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from ffcast import data
from ffcast.backtest import metrics
from ffcast.backtest.risk import (
    ORIGINS,
    baseline_rates,
    check_origin,
    observed,
    risk_backtest,
    score_origin,
    scoring_periods,
)
from ffcast.calibrate.risk import record_years
from ffcast.cli import app
from ffcast.errors import OptionsError

runner = CliRunner()
MONTHS = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
DRAWS = 8
# A fake dispatched operative's attack (2 deaths) in Sept 2015, published in October 2015:
# after the origin 2015-06, before 2015-12.
AFTER_ORIGIN = ("FAKE2015_SEPT,2015-09-10,2015-09-10,2015-10-01,,DEU,Berlin,A fake attack,"
                "2,1,false,dispatched,directed,true,SPOKESMAN_AP_2011_03_03,,a test row")
# A fake attack in October 2016 first published in February 2017: after the knowledge cut-off.
AFTER_2016 = ("FAKE2016_LATE,2016-10-10,2016-10-10,2017-02-01,true,DEU,Berlin,A fake late "
              "attack,40,10,false,returnee,directed,true,SPOKESMAN_AP_2011_03_03,,a test row")


@pytest.fixture
def add_attack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Copy the embedded files to an override dir; the returned function appends an attack."""
    src = Path(str(resources.files("ffcast.data") / "files"))
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))

    def append(line: str) -> None:
        path = tmp_path / "attacks_west.csv"
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + line + "\n",
                        encoding="utf-8")

    return append


def test_periods_are_the_rest_of_the_origin_year_then_whole_years_to_2016() -> None:
    labels = {o: [(p.label, p.months) for p in scoring_periods(o)] for o in ORIGINS}
    assert labels == {"2015-06": [("2015-07–12", 6), ("2016", 12)],
                      "2015-12": [("2016", 12)],
                      "2016-06": [("2016-07–12", 6)]}
    for bad in ("2016-12", "2017-03", "2011-06", "2010-12", "2015-13"):
        with pytest.raises(OptionsError, match="origin"):
            check_origin(bad)


@pytest.mark.parametrize("origin", ORIGINS)
def test_the_record_scored_is_record_years_as_published_by_2016(origin: str) -> None:
    known_2016 = data.calibration_data("attacks_west", "2016-12")
    by_year = {r.year: r for r in record_years(MONTHS, "2016-12")}
    to_origin = record_years(MONTHS, origin, known_2016)[-1]
    for p, row in zip(scoring_periods(origin), observed(origin).itertuples(), strict=True):
        whole = by_year[p.first.year]
        part = to_origin if p.months < 12 else None
        assert row.attacks == whole.attacks - (part.attacks if part else 0)
        assert row.deaths == whole.deaths - (part.deaths if part else 0)


def test_baselines_use_the_record_published_by_the_origin() -> None:
    rates = baseline_rates("2015-12")
    record = record_years(MONTHS, "2015-12")
    assert rates["last_year"] == record[-1].attacks  # 2015 is the last full year
    assert rates["mean_rate"] == pytest.approx(sum(r.attacks for r in record) / 5.0)


def test_an_attack_published_after_the_origin_moves_the_observation_not_the_baseline(
        add_attack: Callable[[str], None]) -> None:
    before = score_origin("2015-06", draws=DRAWS, seed=1).table
    rates_later = baseline_rates("2015-12")
    add_attack(AFTER_ORIGIN)
    after = score_origin("2015-06", draws=DRAWS, seed=1).table
    assert after["attacks"].tolist() == [before["attacks"][0] + 1, before["attacks"][1]]
    assert after["deaths"][0] == before["deaths"][0] + 2
    assert "A fake attack" in after["events"][0]
    forecast = [c for c in before.columns if c.startswith(("model_", "last_year_mean",
                                                           "mean_rate_mean"))]
    pd.testing.assert_frame_equal(after[forecast], before[forecast])
    assert after["last_year_crps"][0] > before["last_year_crps"][0]  # the score moved
    # The check above can fail: by December 2015 the attack is known to the baselines.
    assert baseline_rates("2015-12")["last_year"] == rates_later["last_year"] + 1


def test_an_attack_published_after_2016_changes_nothing(
        add_attack: Callable[[str], None]) -> None:
    before = risk_backtest(draws=DRAWS, seed=2)
    add_attack(AFTER_2016)
    assert (data.load("attacks_west")["event_id"] == "FAKE2016_LATE").any()  # it is loaded
    after = risk_backtest(draws=DRAWS, seed=2)
    pd.testing.assert_frame_equal(after.table(), before.table())
    pd.testing.assert_frame_equal(after.scores(), before.scores())


@pytest.mark.parametrize("mu", [0.0, 0.05, 0.5, 1.5, 4.0, 30.0])
def test_poisson_crps_matches_the_sum_over_counts(mu: float) -> None:
    y = np.arange(0, 12, dtype=float)
    k = np.arange(0, 400)
    brute = [((stats.poisson.cdf(k, mu) - (obs <= k)) ** 2).sum() for obs in y]
    np.testing.assert_allclose(metrics.crps_poisson(y, mu), brute, rtol=1e-9, atol=1e-12)


def test_poisson_crps_matches_a_large_sample() -> None:
    rng = np.random.default_rng(0)
    mu, obs = np.array([0.4, 2.5]), np.array([2.0, 0.0])
    sample = rng.poisson(mu[:, None], size=(2, 200_000))
    np.testing.assert_allclose(metrics.crps_poisson(obs, mu),
                               metrics.crps_ensemble(obs, sample), rtol=0.02)


def test_count_scores_give_the_known_answers() -> None:
    np.testing.assert_allclose(metrics.log_score_poisson([0, 2], [1.0, 1.0]),
                               [1.0, 1.0 + np.log(2.0)])
    assert metrics.log_score_poisson([1], [0.0])[0] == np.inf
    draws = np.array([[0, 0, 1, 3]])
    np.testing.assert_allclose(metrics.log_score([1], draws), [np.log(4.0)])
    np.testing.assert_allclose(metrics.log_score([2], draws), [np.log(8.0)])  # half a draw
    np.testing.assert_array_equal(metrics.poisson_interval_coverage([0, 1, 3], 1.0, 0.5),
                                  [True, True, False])  # Poisson(1): 25%..75% is 0..1
    np.testing.assert_allclose(metrics.brier_score([0.9, 0.9, 0.5], [True, False, False]),
                               [0.01, 0.81, 0.25])
    with pytest.raises(ValueError, match="probability"):
        metrics.brier_score([1.5], [True])
    with pytest.raises(ValueError, match="mu"):
        metrics.crps_poisson([1], [-1.0])


def test_cli_risk_prints_a_row_per_origin_and_fails_in_one_line() -> None:
    res = runner.invoke(app, ["backtest", "--risk", "--draws", "20"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    for origin in ORIGINS:
        assert any(line.startswith(f"│ {origin}") for line in lines), res.stdout
        assert f"risk backtest from {origin}" in res.stderr
    assert "pooled" in res.stdout and "posterior" in res.stdout
    as_json = runner.invoke(app, ["backtest", "--risk", "--draws", "20", "--json"])
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert [p["origin"] for p in payload["periods"]] == ["2015-06", "2015-06", "2015-12",
                                                          "2016-06"]
    bad = runner.invoke(app, ["backtest", "--risk", "--draws", "20", "--rolling"])
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1 and "--rolling" in bad.stderr
