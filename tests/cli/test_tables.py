"""Tables that answer the question: ``compare`` shows every pathway, every home-pipeline
stock and the risks by target with the labels of ``ffcast.results.quantities``, then the
countries a policy names; the backtest table fits 80 columns with its legend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from ffcast.cli import app, calibrate_cmd, run_cmd
from ffcast.results import quantities as Q

runner = CliRunner()


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (run_cmd, calibrate_cmd):
        monkeypatch.setattr(module, "console", Console(width=80, force_terminal=False))


def _france(tmp_path: Path) -> str:
    path = tmp_path / "fr.yaml"
    path.write_text("name: fr\npolicy:\n  countries: [FRA, BEL]\n  prosecution_rate: 0.9\n")
    return str(path)


def test_compare_shows_every_stock_and_risk_with_the_shared_labels(tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", "baseline", _france(tmp_path), "--draws", "6",
                              "--end", "2019-12", "-q"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    for label in [q.label for q in Q.PATHWAYS] + list(Q.HOME_LABELS.values()) + \
            list(Q.TARGET_LABELS.values()):
        assert label in out, label
    assert "France (FRA)" in out and "Belgium (BEL)" in out
    assert "In prison" in out.split("France (FRA)")[1]  # the guide's row, per country
    assert max(len(line) for line in out.splitlines()) <= 80


def test_compare_json_has_home_stocks_and_policy_countries(tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", "baseline", _france(tmp_path), "--draws", "6",
                              "--end", "2019-12", "--json"])
    d = json.loads(res.stdout)
    assert set(d["home"]) == set(Q.HOME_STOCKS)
    assert list(d["countries"]) == ["FRA", "BEL"]
    fra = d["countries"]["FRA"]
    assert fra["name"] == "France" and set(Q.HOME_STOCKS) <= set(fra)
    assert fra["incarcerated"]["median"] > 0  # prosecuting more puts more people in prison
    # the world's home stocks add up to the returned pathway, in the difference too
    assert sum(v["mean"] for v in d["home"].values()) == pytest.approx(
        d["pathways"]["returned"]["mean"])


def test_compare_of_an_all_country_policy_has_no_country_rows() -> None:
    res = runner.invoke(app, ["compare", "baseline", "prosecute-all", "--draws", "4",
                              "--end", "2018-12", "--json"])
    assert json.loads(res.stdout)["countries"] == {}


def test_backtest_table_fits_80_columns_and_tells_forecasters_apart() -> None:
    res = runner.invoke(app, ["backtest", "--observations", "validation_returnees",
                              "--draws", "5", "-q"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, res.stdout
    rows = [line for line in lines if line.startswith("│")]
    names = [row.split("│")[1].strip() for row in rows]
    # the naive forecasters lead, persistence first (issue 19)
    assert names == ["persist", "last obs", "ICCT 30%", "share", "ffcast", "latent"], names
    legend = " ".join(res.stdout.split())
    for word in ("latent: the model count itself", "ICCT 30%: 30% of travellers return",
                 "last obs:", "persist: the last figure", "-log p:"):
        assert word in legend


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                    min_size=1, max_size=80).filter(lambda s: s.strip())
       | st.sampled_from(["a[/b]", "[red]x", "[/]", "[link=x]y", "[bold]"]))
def test_any_scenario_name_prints_in_the_tables(name: str) -> None:
    """Names and paths are text, never markup (``[/b]`` once crashed the table title)."""
    import tempfile

    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(yaml.safe_dump({"name": name}), encoding="utf-8")
        for args in (["run", str(path)], ["compare", str(path), "baseline"]):
            res = runner.invoke(app, [*args, "--draws", "1", "--end", "2017-02", "-q"])
            assert res.exit_code == 0, res.output[-1000:]
