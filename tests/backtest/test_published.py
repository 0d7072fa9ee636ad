"""``ffcast forecast --published``: the returnee counts official authorities will publish,
from the forecaster the backtest scores, beside each country's latest statement."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ffcast.backtest import statements
from ffcast.backtest.forecast import forecast_rows
from ffcast.backtest.published import default_countries, published_forecast
from ffcast.cli import app
from ffcast.errors import OptionsError

DRAWS, SEED = 20, 3


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return published_forecast("2016-12", "2018-06", DRAWS, SEED, ["fra", "BEL", "FRA"])


def test_one_row_per_country_and_december_after_the_cutoff(table: pd.DataFrame) -> None:
    assert list(table["iso3"]) == ["FRA", "BEL"]  # de-duplicated, upper-cased, in order
    assert {f"{m:%Y-%m}" for m in table["month"]} == {"2017-12"}  # Decembers to 2018-06
    assert (table["p5"] <= table["median"]).all() and (table["median"] <= table["p95"]).all()
    longer = published_forecast("2016-12", "2019-12", 4, SEED, ["BEL"])
    assert [f"{m:%Y-%m}" for m in longer["month"]] == ["2017-12", "2018-12", "2019-12"]


def test_the_latest_statement_is_the_countrys_last_returnee_figure(table: pd.DataFrame) -> None:
    known = statements.known("2016-12")
    fra = known[(known["iso3"] == "FRA") & (known["quantity"] == "cumulative_returned")
                & (known["bound"] == "")].sort_values("month", kind="stable")
    row = table[table["iso3"] == "FRA"].iloc[0]
    assert row["latest_statement"] == pytest.approx(fra["value"].iloc[-1])
    assert row["latest_month"] == fra["month"].iloc[-1]
    assert row["anchors"] >= 3


def test_the_numbers_are_the_anchored_forecaster(table: pd.DataFrame) -> None:
    """The same rows through forecast_rows with the statements known by the cut-off give
    the same quantiles; without them (no anchoring) France's figure is another one."""
    rows = pd.DataFrame({"iso3": ["FRA", "BEL"], "quantity": "cumulative_returned",
                         "month": pd.Timestamp("2017-12-01"), "kind": "official"})
    anchored = forecast_rows(rows, "2016-12", DRAWS, SEED, anchors=statements.known("2016-12"))
    free = forecast_rows(rows, "2016-12", DRAWS, SEED)
    assert table["median"].tolist() == pytest.approx(np.median(anchored.reported, axis=1))
    assert table["p95"].tolist() == pytest.approx(np.percentile(anchored.reported, 95, axis=1))
    assert not np.array_equal(anchored.reported[0], free.reported[0])


def test_default_countries_have_a_statement_to_anchor_on() -> None:
    chosen = default_countries("2016-12")
    assert len(chosen) == 10 and "FRA" in chosen
    known = statements.known("2016-12")
    ret = set(known[known["quantity"] == "cumulative_returned"]["iso3"])
    assert set(chosen) <= ret


@pytest.mark.parametrize(("countries", "until", "needle"), [
    (["XYZ"], "2018-12", "unknown country"),
    (["FRA"], "2016-12", "not after the cut-off"),
])
def test_bad_input_is_one_clear_error(countries: list[str], until: str, needle: str) -> None:
    with pytest.raises(OptionsError, match=needle):
        published_forecast("2016-12", until, DRAWS, SEED, countries)


def test_the_cli_prints_the_same_numbers_as_json() -> None:
    res = CliRunner().invoke(app, ["forecast", "--draws", str(DRAWS), "--seed", str(SEED),
                                   "--until", "2018-06", "--published", "--countries",
                                   "FRA,BEL", "--json"])
    assert res.exit_code == 0, res.output
    got = pd.DataFrame(json.loads(res.output)["published"])
    want = published_forecast("2016-12", "2018-06", DRAWS, SEED, ["FRA", "BEL"])
    assert got["iso3"].tolist() == want["iso3"].tolist()
    assert got["median"].tolist() == pytest.approx(want["median"].tolist())


def test_countries_without_published_is_refused() -> None:
    res = CliRunner().invoke(app, ["forecast", "--draws", "4", "--countries", "FRA"])
    assert res.exit_code == 2
    assert "--published" in res.output


def test_the_latest_statement_counts_everyone_like_the_forecast() -> None:
    """Morocco's 198 of October 2016 counts men only; beside a forecast of everyone it read
    as the latest figure (review, 2026-12-07). The everyone count before it stands."""
    row = published_forecast("2016-12", "2017-12", 4, SEED, ["MAR"]).iloc[0]
    assert row["latest_statement"] != 198.0
    assert pd.isna(row["latest_month"]) or f"{row['latest_month']:%Y-%m}" < "2016-10"


def test_a_remainder_row_is_not_a_country_that_publishes() -> None:
    with pytest.raises(OptionsError, match=r"R-WEU pools the travellers"):
        published_forecast("2016-12", "2017-12", 4, SEED, ["FRA", "R-WEU"])


def test_an_updated_posterior_anchors_on_the_statements_it_folded_in(
        updated_posterior: tuple[Path, Path]) -> None:
    """After ``ffcast update`` the forecast starts from the updated origin (2017-06) and
    anchors on the statements the update folded in: France's latest is TEST-A's 250 of
    2017-02, one anchor more than at the cut-off. It used to be refused (and, before that,
    anchored on the cut-off's statements only: Germany's "latest" 274 of Nov 2016 beside a
    posterior holding 300)."""
    from ffcast.calibrate import posterior as posteriors

    post = posteriors.load(updated_posterior[1])
    table = published_forecast("2016-12", "2018-12", 8, SEED, ["FRA", "BEL", "DEU"],
                               posterior=post)
    assert [f"{m:%Y-%m}" for m in table["month"].unique()] == ["2017-12", "2018-12"]
    first = table.groupby("iso3", sort=False).first()
    assert first.loc["FRA", "latest_statement"] == 250.0
    assert f"{first.loc['FRA', 'latest_month']:%Y-%m}" == "2017-02"
    assert first.loc["FRA", "latest_source"] == "TEST-A"
    assert (first.loc["BEL", "latest_statement"], first.loc["BEL", "latest_source"]) == (
        125.0, "TEST-B")
    # TEST-OLD (public by the cut-off) was not folded in: Germany's latest is its own.
    assert first.loc["DEU", "latest_source"] != "TEST-OLD"
    known = statements.known("2016-12")
    before = published_forecast("2016-12", "2017-12", 4, SEED, ["FRA"],
                                posterior=posteriors.load(updated_posterior[0]))
    assert first.loc["FRA", "anchors"] == before["anchors"].iloc[0] + 1
    # The anchoring reads the new statement: without it France's figure is another one.
    rows = pd.DataFrame({"iso3": ["FRA"], "quantity": "cumulative_returned",
                         "month": pd.Timestamp("2017-12-01"), "kind": "official"})
    old = forecast_rows(rows, "2016-12", 8, SEED, anchors=known, posterior=post,
                        anchor_until="2017-06")
    assert not np.allclose(np.median(old.reported[0]), first.loc["FRA", "median"])


def test_an_updated_posterior_forecasts_after_its_origin(
        updated_posterior: tuple[Path, Path]) -> None:
    from ffcast.calibrate import posterior as posteriors

    post = posteriors.load(updated_posterior[1])
    with pytest.raises(OptionsError, match=r"2017-06 is not after the updated posterior's "
                                           r"origin 2017-06"):
        published_forecast("2016-12", "2017-06", 4, SEED, ["FRA"], posterior=post)


def test_the_cli_forecasts_what_an_updated_posterior_expects_published(
        updated_posterior: tuple[Path, Path]) -> None:
    res = CliRunner().invoke(app, ["forecast", "--posterior", str(updated_posterior[1]),
                                   "--draws", "6", "--seed", str(SEED), "--until", "2017-12",
                                   "--published", "--countries", "BEL", "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)["published"]
    assert [(r["iso3"], r["latest_statement"], r["month"][:7]) for r in got] == [
        ("BEL", 125.0, "2017-12")]
