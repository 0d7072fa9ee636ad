"""Tables that answer the question: ``compare`` shows every pathway, every home-pipeline
stock and the risks by target with the labels of ``ffcast.results.quantities``, then the
countries a policy names; the backtest table fits 80 columns with its legend."""

from __future__ import annotations

import json
import re
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
    flat = " ".join(out.split())  # a long label may wrap inside its cell
    for label in [q.label for q in Q.PATHWAYS] + list(Q.HOME_LABELS.values()):
        assert label in out, label
    for region in Q.RISK_REGIONS:  # attacks and deaths by where, the scenarios labelled
        words = Q.RISK_REGION_ROW_LABELS[region].split()
        assert all(w in flat for w in words), region
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


# --- Huge values: whole numbers, never cut (issue 20) -------------------------------------

def _huge_headline() -> tuple[dict, list[str]]:
    """A headline dict as ``Headline.to_dict`` shapes it, from draws of huge counts (made by
    the same summary functions), and the numbers its tables must print in full."""
    import numpy as np

    from ffcast.results import risk
    from ffcast.results.stats import draw_summary

    rng = np.random.default_rng(20)

    def draws(scale: float) -> np.ndarray:
        return rng.integers(int(scale), int(scale * 1.3), size=40).astype(np.int64)

    summary = {q.name: draw_summary(draws(1.2578e9)) for q in Q.PATHWAYS}
    counts = np.stack([np.stack([draws(3.7e5), draws(1.25e9), draws(3e5)], axis=-1)
                       for _ in Q.RISK_REGIONS], axis=1)  # (D, regions, RISK_COUNTS)
    h = {"scenario": "huge", "draws": 40, "seed": 1, "parameters": "prior",
         "end_month": "2019-12", "attacks_counted_from": "2017-01",
         "travelled": draw_summary(draws(4e9)), "pathways": summary,
         "returned_by_country": {"FRA": draw_summary(draws(9.87e8))},
         "attacks": {t: draw_summary(draws(4.8e6)) for t in Q.TARGETS},
         "attack_deaths": {t: draw_summary(draws(1.98e8)) for t in Q.TARGETS},
         "attacks_by_region": {r: draw_summary(draws(4.8e6)) for r in Q.RISK_REGIONS},
         "attack_deaths_by_region": {r: draw_summary(draws(1.98e8)) for r in Q.RISK_REGIONS},
         "risk": {"linked_to": Q.LINKED_TO_FOREIGN_FIGHTERS,
                  "mass_casualty_deaths": Q.MASS_CASUALTY_DEATHS,
                  "record": {"year": 2016, "attacks": 1_234_567, "deaths": 7_654_321,
                             "mass_casualty_attacks": 1},
                  "years": {"2017": {"months": 12, **risk.year_summary(counts)}}}}
    numbers = [h["travelled"]["p95"], h["pathways"]["returned"]["median"],
               h["attack_deaths_by_region"]["west"]["p5"], h["risk"]["years"]["2017"]["west"]
               ["attacks"]["mean"], h["risk"]["years"]["2017"]["west"]["deaths"]["mean"],
               h["risk"]["years"]["2017"]["west"]["deaths"]["p95"], 1_234_567, 7_654_321]
    return h, [f"{x:,.0f}" for x in numbers]


def test_huge_counts_print_whole_and_uncut_at_80_columns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'1,257,80…' and '373,082.0' were in the run tables: numbers are whole and never cut,
    however narrow the terminal (the table gets wider than the terminal rather)."""
    from types import SimpleNamespace

    h, numbers = _huge_headline()
    console = Console(width=80, force_terminal=False, record=True)
    monkeypatch.setattr(run_cmd, "console", console)
    run_cmd.emit_headline(SimpleNamespace(to_dict=lambda: h), None, False, "results")
    text = console.export_text()
    assert "…" not in text
    for number in numbers:
        assert number in text, number
    assert not re.search(r"\d{3}\.\d\b", text), "a large mean with a decimal"


def test_huge_differences_print_whole_and_uncut_at_80_columns() -> None:
    import numpy as np

    from ffcast.results.stats import draw_summary

    d = {**draw_summary(np.arange(-2_000_000_000, 1_500_000_000, 100_000_007)),
         "share_of_draws_lower": 0.5}
    res = {"a": "a", "b": "b", "draws": 35, "seed": 1, "end_month": "2019-12",
           "attacks_counted_from": "2017-01", "pathways": {q.name: d for q in Q.PATHWAYS},
           "home": dict.fromkeys(Q.HOME_LABELS, d), "attacks": dict.fromkeys(Q.TARGETS, d),
           "attack_deaths": dict.fromkeys(Q.TARGETS, d), "attacks_total": d,
           "attack_deaths_total": d, "attacks_by_region": dict.fromkeys(Q.RISK_REGIONS, d),
           "attack_deaths_by_region": dict.fromkeys(Q.RISK_REGIONS, d), "countries": {}}
    console = Console(width=80, force_terminal=False, record=True)
    for table in run_cmd.compare_tables(res):
        run_cmd.print_table(console, table)
    text = console.export_text()
    assert "…" not in text
    for x in (d["median"], d["p5"], d["p95"]):
        assert f"{x:+,.0f}" in text, x


def test_small_means_keep_their_decimal_and_large_ones_are_whole() -> None:
    from ffcast.results.risk import mean_text

    assert [mean_text(x) for x in (0.42, 7.84, 9.96, 373_082.04, 1_257_803.6)] == \
        ["0.4", "7.8", "10", "373,082", "1,257,804"]


def test_a_difference_halfway_between_whole_numbers_keeps_its_half() -> None:
    """The median of an even number of paired draws can lie halfway; rounding to even
    showed +2.5 as +2 and -23.5 as -24 while --json said 2.5 and -23.5 (review,
    2026-12-07). Whole numbers stay whole; 0 stays unsigned."""
    from ffcast.cli.run_cmd import fmt_diff

    assert fmt_diff({"median": 2.5, "p5": -23.5, "p95": 22.5}) == "+2.5  [-23.5 – +22.5]"
    assert fmt_diff({"median": 0.5, "p5": 0.0, "p95": 6.0}) == "+0.5  [0 – +6]"
    assert fmt_diff({"median": 3.0, "p5": -0.2, "p95": 1234.4}) == "+3  [0 – +1,234]"
    assert fmt_diff({"median": 2.45, "p5": -2.55, "p95": 7.6}) == "+2  [-3 – +8]"
