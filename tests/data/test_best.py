"""Best estimates of travellers by end 2016 and the rest-of-world remainder."""

from __future__ import annotations

import os
import tempfile
from importlib.resources import files
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import ffcast.data as data
from ffcast.errors import FFCastError


def test_covers_at_least_60_countries_plus_one_row() -> None:
    best = data.best_estimates()
    countries = best[best["iso3"] != "ROW"]
    assert len(countries) >= 60
    assert best["iso3"].is_unique
    assert list(best["iso3"]).count("ROW") == 1 and best["iso3"].iloc[-1] == "ROW"


def test_integers_and_ordered_bounds() -> None:
    best = data.best_estimates()
    for col in ("low", "central", "high"):
        assert str(best[col].dtype) == "int64"
    assert (best["low"] >= 0).all()
    assert (best["low"] <= best["central"]).all() and (best["central"] <= best["high"]).all()


def test_total_incl_rest_of_world_is_about_40000() -> None:
    best = data.best_estimates()
    assert 38_000 <= best["central"].sum() <= 43_000
    low, central, high = data.total_travellers_2016()
    assert low <= central <= high and central == 40_000
    row = best.set_index("iso3").loc["ROW"]
    assert row["central"] == max(0, central - best.loc[best["iso3"] != "ROW", "central"].sum())


def test_total_sources_are_the_2016_statements() -> None:
    sources = set(data.total_travellers_2016().sources)
    assert {"WH_AIDE2016", "STATE2016_WIKI", "ESSAY2017"} <= sources
    assert sources <= set(data.sources()["id"])


def test_columns_sources_and_regions() -> None:
    best = data.best_estimates()
    assert list(best.columns[:9]) == [
        "iso3", "name", "region", "low", "central", "high", "n_estimates", "sources", "rule"
    ]
    registry = set(data.sources()["id"])
    for cell in best["sources"]:
        assert set(cell.split(";")) <= registry
    assert set(best["region"]) <= set(data.REGIONS)
    assert (best["rule"].str.len() > 0).all()


def test_combined_israel_palestine_is_not_double_counted() -> None:
    codes = set(data.best_estimates()["iso3"])
    assert "ISR;PSE" in codes and not {"ISR", "PSE"} & codes


def test_single_bound_and_fallback_cases() -> None:
    best = data.best_estimates().set_index("iso3")
    # Germany's "over 850" (Nov 2016, German authorities) is a recent floor for the central
    assert best.loc["DEU", "central"] >= 850
    # Iraq has only the ICSR Dec 2013 range: older vintage used, and said so
    assert best.loc["IRQ", "vintage"] == "pre2015_only"
    assert "older vintage" in best.loc["IRQ", "rule"]


def test_returns_copies() -> None:
    first = data.best_estimates()
    first.loc[:, "central"] = -1
    assert (data.best_estimates()["central"] >= 0).all()


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_invariants_hold_for_any_subset_of_the_estimates(draw: st.DataObject) -> None:
    """Falsification: drop arbitrary rows; the rule must still give ordered, non-negative ints."""
    text = files("ffcast.data").joinpath("files", "foreign_fighters.csv").read_text("utf-8")
    lines = text.splitlines()
    keep = draw.draw(st.lists(st.booleans(), min_size=len(lines) - 1, max_size=len(lines) - 1))
    kept = [line for line, k in zip(lines[1:], keep, strict=True) if k]
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "foreign_fighters.csv").write_text(
            "\n".join([lines[0], *kept]) + "\n", encoding="utf-8"
        )
        previous = os.environ.get(data.DATA_DIR_ENV)
        os.environ[data.DATA_DIR_ENV] = directory
        try:
            best = data.best_estimates()
        except FFCastError as err:
            assert "no usable travelled row" in str(err)
            return
        finally:
            if previous is None:
                del os.environ[data.DATA_DIR_ENV]
            else:
                os.environ[data.DATA_DIR_ENV] = previous
    assert (best["low"] >= 0).all()
    assert (best["low"] <= best["central"]).all() and (best["central"] <= best["high"]).all()
    assert best["central"].sum() >= data.total_travellers_2016().central
