"""ffcast.history derives its risk table from the data and the model, and docs/model.md shows
exactly what it prints."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ffcast.calibrate.risk import record_years
from ffcast.history import risk_markdown, risk_record

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return risk_record(draws=1000, seed=0)  # the command docs/model.md names


def test_the_docs_risk_table_is_what_history_prints(table: pd.DataFrame) -> None:
    card = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- risk-record: begin -->\n(.*?)\n<!-- risk-record: end -->", card,
                      flags=re.S)
    assert shown is not None, "docs/model.md lost its risk table"
    assert shown.group(1).strip() == risk_markdown(table)


def test_the_record_column_is_the_calibration_record(table: pd.DataFrame) -> None:
    months = pd.date_range("2011-01-01", "2016-12-01", freq="MS")
    recs = record_years(months, "2016-12")
    assert table["year"].tolist() == [r.year for r in recs] == list(range(2011, 2017))
    assert table["record_attacks"].tolist() == [r.attacks for r in recs]
    assert table["record_deaths"].tolist() == [r.deaths for r in recs]
    assert table.attrs["parameters"] == "posterior (cut-off 2016-12)"


def test_intervals_are_ordered_and_inside_means_inside(table: pd.DataFrame) -> None:
    assert (table["model_p5"] <= table["model_median"]).all()
    assert (table["model_median"] <= table["model_p95"]).all()
    inside = (table["model_p5"] <= table["record_attacks"]) & (
        table["record_attacks"] <= table["model_p95"])
    assert (table["inside"] == inside).all()
    assert table["p_at_least_one"].between(0, 1).all()
