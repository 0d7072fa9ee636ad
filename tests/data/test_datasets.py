"""Every dataset loads, passes the gate and holds what docs/data.md says it holds."""

from __future__ import annotations

from importlib.resources import as_file, files

import pandas as pd
import pytest

import ffcast.data as data
from ffcast.data.schema import KNOWLEDGE_CUTOFF, MEASURES, METRICS, SPECS

FILE_DATASETS = [name for name, spec in SPECS.items() if spec.file]


@pytest.mark.parametrize("name", data.names())
def test_every_dataset_loads_and_is_not_empty(name: str) -> None:
    frame = data.load(name)
    assert len(frame) > 0
    assert all(c.name in frame.columns for c in SPECS[name].columns)


@pytest.mark.parametrize("name", FILE_DATASETS)
def test_embedded_file_passes_validate_file(name: str) -> None:
    with as_file(files("ffcast.data").joinpath("files", SPECS[name].file or "")) as path:
        frame = data.validate_file(name, path)
    assert len(frame) == len(data.load(name))


def test_load_returns_copies() -> None:
    first = data.load("foreign_fighters")
    first.loc[:, "low"] = pd.NA
    first.loc[0, "iso3"] = "XXX"
    again = data.load("foreign_fighters")
    assert again["low"].notna().any() and again.loc[0, "iso3"] != "XXX"


def test_unknown_dataset_suggests_nearest_and_lists_names() -> None:
    with pytest.raises(data.UnknownDatasetError) as err:
        data.load("foreign_fighter")
    message = str(err.value)
    assert "'foreign_fighters'" in message and "validation_returnees" in message


def test_foreign_fighters_schema_and_dtypes() -> None:
    ff = data.load("foreign_fighters")
    for col in ("iso3", "country", "measure", "low", "high", "as_of", "as_of_date", "source",
                "flag", "notes"):
        assert col in ff.columns
    assert str(ff["low"].dtype) == "Int64" and str(ff["high"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(ff["as_of_date"])
    assert set(ff["measure"]) == MEASURES
    assert (ff["flag"].astype(str) != "nan").all()


def test_foreign_fighters_keeps_the_qatar_typo_flagged_not_fixed() -> None:
    ff = data.load("foreign_fighters")
    qatar = ff[(ff["iso3"] == "QAT") & (ff["source"] == "ICSR2013_T")].iloc[0]
    assert (qatar["low"], qatar["high"], qatar["flag"]) == (15, 14, "low_gt_high")
    rest = ff[ff["flag"] == ""]
    both = rest["low"].notna() & rest["high"].notna()
    assert (rest.loc[both, "low"] <= rest.loc[both, "high"]).all()


@pytest.mark.parametrize(
    ("iso3", "measure", "source", "low", "high"),
    [
        ("AUT", "in_theatre", "ICCT2016", 130, 130),
        ("FIN", "in_theatre", "ICCT2016", 35, 35),
        ("DNK", "in_theatre", "LOCALDK2016;CPH2016", 31, 31),
        ("DNK", "returned", "ICCT2016", 62, 62),
        ("AUT", "returned", "ICCT2016", 70, None),  # "may exceed 70" -> at least
        ("XKX", "travelled", "BIRN2016", 300, 300),
        ("XKX", "returned", "BIRN2016", 130, 130),
        ("MNE", "travelled", "BIRN2016", 13, 13),
        ("ISR;PSE", "travelled", "ICSR2015_T", 120, 120),
        ("TUN", "travelled", "ESSAY2017", 3000, 3000),
        ("BEL", "travelled", "ESSAY2017", 450, 450),
        ("DNK", "travelled", "ICCT2016", 125, None),  # "at least 125"
        ("TUN", "travelled", "GTI2015", None, 5000),  # "up to" -> high only
    ],
)
def test_foreign_fighters_holds_sourced_rows(
    iso3: str, measure: str, source: str, low: int | None, high: int | None
) -> None:
    ff = data.load("foreign_fighters")
    rows = ff[(ff["iso3"] == iso3) & (ff["measure"] == measure) & (ff["source"] == source)]
    assert len(rows) >= 1
    row = rows.iloc[0]
    assert (None if pd.isna(row["low"]) else row["low"]) == low
    assert (None if pd.isna(row["high"]) else row["high"]) == high


def test_as_of_date_is_end_of_stated_period() -> None:
    ff = data.load("foreign_fighters")
    expected = {
        "2015": "2015-12-31",
        "2015-09": "2015-09-30",
        "2015/2016": "2016-12-31",
        "2012-2016": "2016-12-31",
        "2016-01": "2016-01-31",
        "2013-12-17": "2013-12-17",
        "2016-12": "2016-12-31",
    }
    for wording, day in expected.items():
        dates = set(ff.loc[ff["as_of"] == wording, "as_of_date"])
        assert dates == {pd.Timestamp(day)}, wording
    agg = data.load("aggregates")
    assert set(agg.loc[agg["as_of"] == "2015-10-end", "as_of_date"]) == {
        pd.Timestamp("2015-10-31")
    }


def test_aggregates_vocabulary_and_essay_statements() -> None:
    agg = data.load("aggregates")
    assert set(agg["metric"]) <= METRICS
    assert agg["metric_original"].str.len().gt(0).all()
    essay = agg[agg["source"] == "ESSAY2017"]
    in_zone = essay[essay["metric"] == "in_theatre"].iloc[0]
    assert (in_zone["low"], in_zone["high"]) == (10_000, 30_000)
    assert 40_000 in set(essay.loc[essay["metric"] == "cumulative_travelled", "low"])
    assert set(essay.loc[essay["metric"] == "monthly_inflow", "high"]) == {1500, 200}
    assert pd.api.types.is_float_dtype(agg["low"])


def test_territory_series() -> None:
    terr = data.load("territory")
    assert pd.api.types.is_datetime64_any_dtype(terr["date"])
    assert terr["date"].is_monotonic_increasing
    assert terr["share_of_jan2015"].iloc[0] == 1.0
    assert terr["area_km2"].isna().sum() == 1  # the Q1 2016 row gives only a % change
    assert terr["area_km2"].dropna().is_monotonic_decreasing


def test_deaths_gti_and_gtd_never_mix() -> None:
    gti, gtd = data.load("deaths_gti"), data.load("deaths_gtd")
    assert set(gtd["source"]) == {"GTD_ECDAT", "GTD_OWID"}
    assert not set(gti["source"]) & set(gtd["source"])
    assert (gtd["release"] == gtd["source"]).all()
    newsblaze = gti[gti["source"] == "NEWSBLAZE2016"]
    assert list(newsblaze["flag"]) == ["conflicting_unverified"]
    world_2015 = gtd[(gtd["year"] == 2015) & (gtd["region"] == "World")]
    assert set(world_2015["nkill"]) == {38422, 38993}


def test_parameters_post_cutoff_marks_later_publications() -> None:
    params = data.load("parameters").set_index("name")
    late = set(params.index[params["post_cutoff"]])
    assert {s for s in params.loc[sorted(late), "source"]} == {
        "RENARD2020", "HODWITZ2019", "HODWITZ2021"
    }
    assert params.loc["csn2009_alpha", ["value", "low", "high"]].tolist() == [2.4, 2.2, 2.6]
    assert params.loc["blowback_rate_max", "high"] == pytest.approx(1 / 9, abs=1e-4)
    assert (params["published"] <= KNOWLEDGE_CUTOFF).sum() == len(params) - len(late)
