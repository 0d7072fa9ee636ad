"""Every number has a source that resolves; backtest data never leaks into calibration."""

from __future__ import annotations

import pandas as pd
import pytest

import ffcast.data as data
from ffcast.data.schema import SPECS
from ffcast.errors import FFCastError

SOURCED = [name for name, spec in SPECS.items() if spec.source_column]


def _ids(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";")]


@pytest.mark.parametrize("name", SOURCED)
def test_no_number_without_a_resolvable_source(name: str) -> None:
    spec = SPECS[name]
    frame = data.load(name)
    registry = set(data.sources()["id"])
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    assert numeric, f"{name} has no numeric column"
    has_number = frame[numeric].notna().any(axis=1)
    for _, row in frame[has_number].iterrows():
        ids = _ids(str(row[spec.source_column]))
        assert all(ids), f"{name}: a row with numbers has an empty source"
        assert set(ids) <= registry, f"{name}: {ids} not all in the registry"


def test_every_used_source_resolves_and_registry_is_well_formed() -> None:
    registry = data.sources()
    assert registry["id"].is_unique
    assert data.used_source_ids() <= set(registry["id"])
    assert set(registry["grade"]) <= {"primary", "secondary", "transcription"}
    no_url = registry[registry["url"] == ""]
    assert (no_url["notes"].str.len() > 0).all(), "a source without URL must say why"
    assert not registry["url"].str.contains(r"/\.\.\.|\.\.\./", regex=True).any()  # none elided
    used = registry[registry["id"].isin(data.used_source_ids())]
    assert (used["url"] != "").mean() > 0.95


@pytest.mark.parametrize(
    "source_id",
    ["ICSR2013", "TSG2014", "WAPO/US_INTEL", "CIA2014", "ICSR2015_SPEECH", "TSG2015_WIKI",
     "CUTA2016_WIKI", "PRESSTV2016", "SAPO_2017", "IRISH_EXAMINER", "STATE2016_WIKI",
     "NIE2016", "AJ2016", "LOCALDK2016", "CPH2016", "WARREN2016", "GERSTEN2016", "DW2016",
     "WAPO2016", "HODWITZ2019", "HODWITZ2021", "ESSAY2017", "BARRETT2017", "CLAPPER2016_02"],
)
def test_registry_holds_split_and_csv_only_ids(source_id: str) -> None:
    assert source_id in set(data.sources()["id"])


@pytest.mark.parametrize(
    ("gone", "kept"),
    [("WAPO2016a", "GERSTEN2016"), ("US_INTEL_via_WAPO2016", "GERSTEN2016"),
     ("WH_AIDE2016", "WARREN2016"), ("WAPO2016b", "WAPO2016"), ("ICCT2016_DW", "DW2016"),
     ("MEDIABOSS", "ICSR2015_SPEECH"), ("US_INTEL_via_TSG2015", "TSG2015")],
)
def test_one_registry_entry_per_article(gone: str, kept: str) -> None:
    registry = data.sources().set_index("id")
    assert gone not in registry.index and gone in registry.loc[kept, "notes"]
    assert gone not in data.used_source_ids()


def test_two_articles_that_shared_an_entry_now_have_their_own() -> None:
    registry = data.sources().set_index("id")
    for first, second in (("NIE2016", "AJ2016"), ("LOCALDK2016", "CPH2016"),
                          ("HODWITZ2019", "HODWITZ2021")):
        assert registry.loc[first, "url"] != registry.loc[second, "url"]
        assert registry.loc[first, "date"] != registry.loc[second, "date"]


def test_essay_source_does_not_invent_a_title() -> None:
    essay = data.sources().set_index("id").loc["ESSAY2017"]
    assert "Caliphate's Collapse" not in essay["title"]
    assert "seed" in essay["title"].lower()
    # the essay credits US intelligence with the 40,000 only, not with its country list
    assert "only" in essay["notes"] and "40,000" in essay["notes"]
    ff = data.load("foreign_fighters")
    notes = ff.loc[ff["source"] == "ESSAY2017", "notes"]
    assert notes.str.contains("no source or date").all()


def test_validation_source_only_in_validation_dataset() -> None:
    for name in data.names():
        spec = SPECS[name]
        if not spec.source_column or name == "validation_returnees":
            continue
        cited = {i for cell in data.load(name)[spec.source_column] for i in _ids(str(cell))}
        assert "BARRETT2017" not in cited, name
    assert set(data.load("validation_returnees")["source"]) == {"BARRETT2017"}


DATED = [name for name, spec in SPECS.items() if spec.dated and spec.calibration]


@pytest.mark.parametrize("name", DATED)
@pytest.mark.parametrize("cutoff", ["2015-06", "2015-12", "2016-06", None])
def test_calibration_data_holds_nothing_published_after_the_cutoff(
    name: str, cutoff: str | None
) -> None:
    end = data.cutoff_end(cutoff)
    calib = data.calibration_data(name, cutoff)
    assert (calib["published_date"] <= end).all()
    assert not calib["post_cutoff"].any()
    if SPECS[name].flag_column:
        assert (calib[SPECS[name].flag_column] == "").all()
    if SPECS[name].repeats_column:  # one row per estimate: no re-report is left
        assert (calib["repeats"] == "").all() or calib["members"].str.contains(";").any()
        assert calib["id"].is_unique


def test_post_cutoff_rows_are_exactly_the_late_publications() -> None:
    late = {name: set(data.load(name).loc[lambda f: f["post_cutoff"], "source"])
            for name in ("foreign_fighters", "territory", "deaths_gti", "deaths_gtd")}
    assert late == {"foreign_fighters": {"HEINKE2017", "SAPO_2017"},
                    "territory": {"IHS2017a"}, "deaths_gti": {"GTI2017"},
                    "deaths_gtd": {"GTD_OWID"}}


def test_validation_returnees_refuses_calibration_use() -> None:
    with pytest.raises(FFCastError, match="backtests only"):
        data.calibration_data("validation_returnees")
    assert data.load("validation_returnees")["post_cutoff"].all()


def test_best_estimates_use_no_post_cutoff_source() -> None:
    best = data.best_estimates()
    cited = {i for cell in best["sources"] for i in _ids(cell)}
    assert not cited & {"HEINKE2017", "BARRETT2017", "SAPO_2017", "SIBERELL2016"}
