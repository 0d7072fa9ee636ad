"""Every number has a source that resolves; backtest data never leaks into calibration."""

from __future__ import annotations

import pandas as pd
import pytest

import ffcast.data as data
from ffcast.data.schema import KNOWLEDGE_CUTOFF, SPECS
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


@pytest.mark.parametrize(
    "source_id",
    ["ICSR2013", "TSG2014", "WAPO/US_INTEL", "CIA2014", "ICSR2015_SPEECH",
     "US_INTEL_via_TSG2015", "US_INTEL_via_WAPO2016", "TSG2015_WIKI", "CUTA2016_WIKI",
     "PRESSTV2016", "SAPO_2017", "IRISH_EXAMINER", "ICCT2016_DW", "WH_AIDE2016",
     "STATE2016_WIKI", "NIE2016", "AJ2016", "LOCALDK2016", "CPH2016", "WARREN2016",
     "GERSTEN2016", "HODWITZ2019", "HODWITZ2021", "ESSAY2017", "BARRETT2017"],
)
def test_registry_holds_split_and_csv_only_ids(source_id: str) -> None:
    assert source_id in set(data.sources()["id"])


def test_essay_source_does_not_invent_a_title() -> None:
    essay = data.sources().set_index("id").loc["ESSAY2017"]
    assert "Caliphate's Collapse" not in essay["title"]
    assert "seed" in essay["title"].lower()


def test_validation_source_only_in_validation_dataset() -> None:
    for name in data.names():
        spec = SPECS[name]
        if not spec.source_column or name == "validation_returnees":
            continue
        cited = {i for cell in data.load(name)[spec.source_column] for i in _ids(str(cell))}
        assert "BARRETT2017" not in cited, name
    assert set(data.load("validation_returnees")["source"]) == {"BARRETT2017"}


@pytest.mark.parametrize("name", ["foreign_fighters", "aggregates", "parameters"])
def test_calibration_data_holds_nothing_after_the_cutoff(name: str) -> None:
    spec = SPECS[name]
    full, calib = data.load(name), data.calibration_data(name)
    assert (calib[spec.cutoff_column] <= KNOWLEDGE_CUTOFF).all()
    assert not calib["post_cutoff"].any()
    assert len(full) - len(calib) == int(full["post_cutoff"].sum())


def test_post_cutoff_flag_matches_dates() -> None:
    ff = data.load("foreign_fighters")
    assert (ff["post_cutoff"] == (ff["as_of_date"] > KNOWLEDGE_CUTOFF)).all()
    assert set(ff.loc[ff["post_cutoff"], "source"]) == {"HEINKE2017"}


def test_validation_returnees_refuses_calibration_use() -> None:
    with pytest.raises(FFCastError, match="backtests only"):
        data.calibration_data("validation_returnees")
    assert data.load("validation_returnees")["post_cutoff"].all()


def test_best_estimates_use_no_post_cutoff_source() -> None:
    best = data.best_estimates()
    cited = {i for cell in best["sources"] for i in _ids(cell)}
    assert "HEINKE2017" not in cited and "BARRETT2017" not in cited
