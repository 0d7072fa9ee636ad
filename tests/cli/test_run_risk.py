"""`ffcast run --json` and the tables carry the per-year terrorism risk, well formed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ffcast.calibrate.risk import record_years
from ffcast.cli import app
from ffcast.results import quantities as Q
from ffcast.runner import run

runner = CliRunner()
ARGS = ["--draws", "40", "--seed", "13", "--end", "2019-06"]


@pytest.fixture(scope="module")
def risk() -> dict:
    res = runner.invoke(app, ["run", "baseline", *ARGS, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["risk"]


def test_every_year_after_the_cutoff_has_every_region(risk: dict) -> None:
    assert list(risk["years"]) == ["2017", "2018", "2019"]
    assert [row["months"] for row in risk["years"].values()] == [12, 12, 6]
    assert set(risk["regions"]) == set(Q.RISK_REGIONS)
    assert "linked to foreign fighters" in risk["linked_to"]
    assert "home-grown" in risk["linked_to"]
    for row in risk["years"].values():
        assert set(row) == {"months", *Q.RISK_REGIONS}


def test_numbers_are_counts_and_probabilities(risk: dict) -> None:
    for row in risk["years"].values():
        for region in Q.RISK_REGIONS:
            r = row[region]
            for q in (r["attacks"], r["deaths"]):
                assert set(q) == {"mean", "median", "p5", "p95"}
                assert 0 <= q["p5"] <= q["median"] <= q["p95"]
                assert q["mean"] >= 0
            assert 0 <= r["p_mass_casualty"] <= r["p_at_least_one"] <= 1


def test_the_cutoff_years_record_is_what_calibration_counts(risk: dict) -> None:
    rec = record_years(pd.date_range("2011-01-01", "2016-12-01", freq="MS"), "2016-12")[-1]
    got = risk["record"]
    assert (got["year"], got["known_by"], got["region"]) == (2016, "2016-12", "west")
    assert (got["attacks"], got["deaths"], got["mass_casualty_attacks"]) == (
        rec.attacks, rec.deaths, rec.mass)
    assert got["events"] == list(rec.events) and got["attacks"] == len(got["events"])


def test_years_add_up_to_the_attacks_after_the_cutoff() -> None:
    """The per-year regions split exactly the attacks and deaths the headline counts."""
    head = run("baseline", draws=12, seed=4, end="2018-12", countries=["FRA", "TUN", "RUS"])
    assert head.risk is not None and head.attacks is not None
    attacks = head.risk[..., Q.RISK_COUNTS.index("attacks")].sum((1, 2))
    deaths = head.risk[..., Q.RISK_COUNTS.index("attack_deaths")].sum((1, 2))
    np.testing.assert_array_equal(attacks, head.attacks.sum(1))
    np.testing.assert_array_equal(deaths, head.attack_deaths.sum(1))


def test_the_table_output_names_what_the_risk_is_linked_to() -> None:
    res = runner.invoke(app, ["run", "baseline", *ARGS], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())  # a long title may wrap
    for region, label in Q.RISK_REGION_LABELS.items():
        subject = Q.RISK_REGION_SUBJECTS.get(region, "Attacks linked to foreign fighters")
        assert f"{subject}: {label}, per year" in text
    # Radicalised inmates' attacks are said not to be foreign fighters' (ADR 0036).
    assert "Attacks not linked to foreign fighters: the West, by inmates" in text
    assert "2016 record" in res.stdout and "home-grown" in res.stdout
