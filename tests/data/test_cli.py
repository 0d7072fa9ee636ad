"""`ffcast data ...` through Typer's CliRunner."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ffcast.data as data
from ffcast.cli import app
from ffcast.cli.common import echo_json

runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_json_names_every_dataset_with_row_counts() -> None:
    listed = _json(["data", "list", "--json"])
    assert [d["name"] for d in listed] == data.names()
    for entry in listed:
        assert entry["rows"] == len(data.load(entry["name"])) and entry["description"]


def test_show_france_lists_every_french_estimate_with_sources() -> None:
    rows = _json(["data", "show", "foreign_fighters", "--country", "FRA", "--json"])
    ff = data.load("foreign_fighters")
    french = ff[ff["iso3"] == "FRA"]
    assert len(rows) == len(french) >= 8
    registry = set(data.sources()["id"])
    assert {r["source"] for r in rows} == set(french["source"])
    for r in rows:
        assert r["iso3"] == "FRA" and set(r["source"].split(";")) <= registry
        assert r["low"] is not None or r["high"] is not None
    icct = next(r for r in rows if r["source"] == "ICCT2016")
    assert icct["low"] == 900 and icct["high"] is None  # NA -> null, not NaN
    assert all(len(r["as_of_date"]) == 10 for r in rows)  # YYYY-MM-DD


def test_show_country_is_case_insensitive() -> None:
    lower = _json(["data", "show", "foreign_fighters", "--country", "fra", "--json"])
    upper = _json(["data", "show", "foreign_fighters", "--country", "FRA", "--json"])
    assert lower == upper


def test_show_unknown_country_is_one_line_naming_the_field() -> None:
    result = runner.invoke(app, ["data", "show", "foreign_fighters", "--country", "FRX"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--country" in lines[0] and "FRA" in lines[0]


def test_show_unknown_dataset_suggests() -> None:
    result = runner.invoke(app, ["data", "show", "teritory"])
    assert result.exit_code == 2 and "'territory'" in result.stderr


def test_show_country_on_a_dataset_without_countries_is_an_error() -> None:
    result = runner.invoke(app, ["data", "show", "territory", "--country", "FRA"])
    assert result.exit_code == 2 and "--country" in result.stderr


def test_show_table_renders() -> None:
    result = runner.invoke(app, ["data", "show", "territory"])
    assert result.exit_code == 0 and "90800" in result.stdout


def test_sources_json_resolves_every_source_id_used_anywhere() -> None:
    registry = {s["id"] for s in _json(["data", "sources", "--json"])}
    assert data.used_source_ids() <= registry
    used = {s["id"] for s in _json(["data", "sources", "--used", "--json"])}
    assert used == data.used_source_ids()
    assert len(used) < len(registry)


def test_best_json_and_table() -> None:
    best = _json(["data", "best", "--json"])
    assert best[-1]["iso3"] == "ROW" and len(best) >= 61
    assert sum(r["central"] for r in best) == data.total_travellers_2016().central
    table = runner.invoke(app, ["data", "best"])
    assert table.exit_code == 0 and "TUN" in table.stdout


def test_plot_calls_the_essay_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, Path]] = []
    fake = types.ModuleType("ffcast.plots.essay")
    fake.render = lambda kind, out: calls.append((kind, out))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ffcast.plots", types.ModuleType("ffcast.plots"))
    monkeypatch.setitem(sys.modules, "ffcast.plots.essay", fake)
    out = tmp_path / "t.png"
    result = runner.invoke(app, ["data", "plot", "territory", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert calls == [("territory", out)]


@pytest.mark.parametrize(
    ("args", "field"),
    [(["data", "plot", "casualties", "--out", "x.png"], "kind"),
     (["data", "plot", "deaths", "--out", "x.pdf"], "--out")],
)
def test_plot_rejects_bad_kind_and_suffix(args: list[str], field: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {field}:")


def test_echo_json_turns_missing_values_into_null(capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np
    import pandas as pd

    echo_json({"nan": float("nan"), "na": pd.NA, "nat": pd.NaT, "np": np.float64("nan"),
               "int": np.int64(3), "when": pd.Timestamp("2016-12-31"), "inf": float("inf"),
               "frame": pd.DataFrame({"x": pd.array([1, None], dtype="Int64")})})
    out = json.loads(capsys.readouterr().out)
    assert out["nan"] is None and out["na"] is None and out["nat"] is None
    assert out["np"] is None and out["inf"] is None and out["int"] == 3
    assert out["when"].startswith("2016-12-31") and out["frame"] == [{"x": 1}, {"x": None}]


def test_best_at_a_cutoff_shows_the_published_estimate_beside_the_engines_prior() -> None:
    """ADR 0025: an estimate of an earlier month is moved to the cut-off; the table shows
    both, and its engine columns are exactly what a run at that cut-off reads."""
    from ffcast.engine import prepare
    from ffcast.scenario import Scenario

    rows = _json(["data", "best", "--cutoff", "2014-12", "--json"])
    prior = prepare(Scenario(name="t", cutoff="2014-12"), end="2015-01").countries
    assert [r["iso3"] for r in rows] == list(prior["iso3"])
    assert [r["central"] for r in rows] == prior["central"].tolist()
    assert sum(r["published_central"] for r in rows) == 17_418  # docs/data.md, ADR 0025
    assert sum(r["central"] for r in rows) == 21_147  # with the travel paces (ADR 0028, 0029)
    for r in rows:
        if r["kind"] != "country":
            continue
        if r["newest_as_of"].startswith("2014-12"):  # an estimate of the cut-off month
            assert r["moved"] == 1.0 and r["central"] == r["published_central"], r["iso3"]
        else:
            assert r["moved"] > 1.0 and r["central"] >= r["published_central"], r["iso3"]
        assert r["low"] == min(r["published_low"], r["central"])  # the floor is kept
    pak = next(r for r in rows if r["iso3"] == "PAK")  # ICSR's count of December 2013
    assert pak["newest_as_of"].startswith("2013-12") and pak["moved"] > 3
    table = runner.invoke(app, ["data", "best", "--cutoff", "2014-12"])
    assert table.exit_code == 0 and "x moved" in table.stdout and "21,147" in table.stdout
    bad = runner.invoke(app, ["data", "best", "--cutoff", "2014-13"])
    assert bad.exit_code != 0 and "--cutoff" in bad.output
