"""`ffcast run`, `compare` and `scenarios`: headline output, JSON, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.cli import app

runner = CliRunner()
FAST = ["--draws", "8", "--seed", "3", "--end", "2018-12"]


def test_run_json_headline_has_every_pathway_and_interval() -> None:
    res = runner.invoke(app, ["run", "baseline", *FAST, "--json"])
    assert res.exit_code == 0, res.output
    h = json.loads(res.stdout)
    assert h["draws"] == 8 and h["end_month"] == "2018-12"
    assert set(h["pathways"]) == {"returned", "stayed", "joined_other", "relocated",
                                  "dispatched", "detained_in_theatre", "killed"}
    for q in h["pathways"].values():
        assert q["p5"] <= q["median"] <= q["p95"]
    total = sum(q["mean"] for q in h["pathways"].values())
    assert total == pytest.approx(h["travelled"]["mean"])  # people conserved
    assert set(h["attacks"]) == {"home", "western_abroad", "third_theatre"}
    assert len(h["returned_by_country"]) == 10


def test_run_table_output_is_readable() -> None:
    res = runner.invoke(app, ["run", "mass-return", *FAST])
    assert res.exit_code == 0, res.output
    assert "Returned home" in res.stdout and "Returnees by origin country" in res.stdout


def test_same_seed_same_headline() -> None:
    a = runner.invoke(app, ["run", *FAST, "--json"]).stdout
    b = runner.invoke(app, ["run", *FAST, "--json", "--chunk-size", "3"]).stdout
    assert a == b


def test_misspelled_key_is_one_line_with_suggestion_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npolicy:\n  prosecuton_rate: 0.5\n")
    out = tmp_path / "out.nc"
    res = runner.invoke(app, ["run", str(bad), *FAST, "--out", str(out)])
    assert res.exit_code == 2
    assert "policy.prosecuton_rate" in res.stderr and "prosecution_rate" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "basline", *FAST], "did you mean 'baseline'"),
        (["run", *FAST, "--out", "x.xlsx"], "--out"),
        (["run", "--draws", "2", "--end", "2016-13"], "--end"),
        (["run", "--draws", "2", "--end", "2015-06"], "cut-off"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], needle: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert needle in res.stderr


def test_shares_not_summing_to_one(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("pathways:\n  all: {return: 0.5, stay: 0.2, join_other: 0.1, relocate: 0.1,"
                   " dispatch: 0.05}\n")
    res = runner.invoke(app, ["run", str(bad), *FAST])
    assert res.exit_code == 2
    assert "pathways.all" in res.stderr and "sum to" in res.stderr


def test_compare_paired_differences() -> None:
    res = runner.invoke(app, ["compare", "baseline", "prosecute-all", "--draws", "8",
                              "--seed", "1", "--end", "2018-12", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["a"] == "baseline" and d["b"] == "prosecute-all"
    # A policy from 2017 cannot change how many travelled or died before; CRN keeps the
    # theatre identical, so "stayed" and "killed" differ by nothing in every draw.
    assert d["pathways"]["stayed"]["p5"] == d["pathways"]["stayed"]["p95"] == 0
    assert d["pathways"]["killed"]["p5"] == d["pathways"]["killed"]["p95"] == 0


def test_scenarios_list_and_show() -> None:
    res = runner.invoke(app, ["scenarios", "list", "--json"])
    names = {r["name"] for r in json.loads(res.stdout)}
    assert {"baseline", "mass-return", "insurgency", "merger", "diaspora",
            "expeditionary"} <= names
    res = runner.invoke(app, ["scenarios", "show", "expeditionary", "--json"])
    assert json.loads(res.stdout)["policy"]["dispatch_capacity"] == 1.5


def test_compare_takes_run_s_options_and_gives_the_library_s_numbers() -> None:
    """`ffcast compare` has `ffcast run`'s simulation options, meaning the same thing."""
    import ffcast

    res = runner.invoke(app, ["compare", "baseline", "prosecute-all", *FAST, "--json",
                              "--start", "2016-01", "--prior", "--chunk-size", "3"])
    assert res.exit_code == 0, res.output
    lib = ffcast.compare("baseline", "prosecute-all", draws=8, seed=3, end="2018-12",
                         start="2016-01", posterior="prior", chunk_size=5)
    assert json.loads(res.stdout) == json.loads(json.dumps(lib))
    bad = runner.invoke(app, ["compare", "baseline", "baseline", *FAST, "--posterior",
                              "no-such.nc"])
    assert bad.exit_code == 2 and "--posterior" in bad.stderr
