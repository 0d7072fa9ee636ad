"""Every dataset loads, passes the gate and holds what docs/data.md says it holds."""

from __future__ import annotations

from importlib.resources import as_file, files

import pandas as pd
import pytest

import ffcast.data as data
from ffcast.data.schema import FF_LINKS, KNOWLEDGE_CUTOFF, MEASURES, METRICS, SPECS

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
    for col in ("id", "iso3", "country", "measure", "low", "high", "as_of", "as_of_date",
                "published", "published_date", "post_cutoff", "source", "repeats", "flag",
                "notes"):
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
        ("TUR", "travelled", "TR21YYTE_TSG2015", 2000, 2200),  # TSG Dec 2015 table
        ("TUR", "returned", "TR21YYTE_TSG2015", 600, 600),
        ("RUS", "travelled", "SYROMOLOTOV2015_11", 2719, 2719),
        ("MAR", "travelled", "BCIJ_KHIAM2016_10", 1622, 1622),
        ("GBR", "travelled", "UK_PQ_2016_06_27", 850, 850),
        ("TJK", "travelled", "TJK_MVD2015_07", None, 500),  # "до 500" = up to 500
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
        "2015-10-end": "2015-10-31",
        "2016-01": "2016-01-31",
        "2013-12-17": "2013-12-17",
        "2016-12": "2016-12-31",
        "2014 (data from the second half of 2014)": "2014-12-31",
        "early 2017": "2017-04-30",
    }
    for wording, day in expected.items():
        dates = set(ff.loc[ff["as_of"] == wording, "as_of_date"])
        assert dates == {pd.Timestamp(day)}, wording
    agg = data.load("aggregates")
    assert set(agg.loc[agg["as_of"] == "2015-10-end", "as_of_date"]) == {
        pd.Timestamp("2015-10-31")
    }


@pytest.mark.parametrize("name", [n for n, spec in SPECS.items() if spec.dated])
def test_every_dated_row_has_both_dates_and_describes_nothing_after_publication(
    name: str,
) -> None:
    frame = data.load(name)
    assert frame["as_of_date"].notna().all() and frame["published_date"].notna().all()
    months = lambda d: d.dt.year * 12 + d.dt.month  # noqa: E731
    assert (months(frame["as_of_date"]) <= months(frame["published_date"])).all()
    assert (frame["post_cutoff"] == (frame["published_date"] > KNOWLEDGE_CUTOFF)).all()


@pytest.mark.parametrize(
    ("row_id", "as_of", "published", "post_cutoff"),
    [  # the misdated rows of the audit, now carrying both dates
        ("ICCT2016:FRA:travelled", "2015-10-31", "2016-04-01", False),
        ("SAPO_2017:SWE:travelled", "2017-06-30", "2017-06-27", True),
        ("IRISH_EXAMINER:IRL:travelled", "2014-06-30", "2014-06-30", False),
        ("ICCT2016:DNK:travelled", "2015-10-31", "2016-04-01", False),
        ("TELEGRAPH2015_MWN:TUN:travelled", "2015-09-30", "2015-12-31", False),
        ("HEINKE2017:DEU:travelled", "2017-04-30", "2017-04-30", True),
    ],
)
def test_misdated_rows_carry_their_vintage_and_publication(
    row_id: str, as_of: str, published: str, post_cutoff: bool
) -> None:
    row = data.load("foreign_fighters").set_index("id").loc[row_id]
    assert row["as_of_date"] == pd.Timestamp(as_of)
    assert row["published_date"] == pd.Timestamp(published)
    assert bool(row["post_cutoff"]) is post_cutoff


@pytest.mark.parametrize(
    ("row_id", "flag", "repeats"),
    [
        ("CUTA2016_WIKI:BEL:travelled", "wrong_measure", ""),  # the threat agency's list
        ("GTI2015:FRA:returned", "wrong_measure", "CAZENEUVE_JDD2014_09:FRA:returned"),
        ("TELEGRAPH2015_MWN:TUN:travelled", "", "HSC2015:TUN:travelled"),
        ("TELEGRAPH2015_AJ:TUN:travelled", "", "TSG2015:TUN:travelled"),
        ("DW2016:DEU:travelled", "", "ICCT2016:DEU:travelled"),
        ("FRA2016:BEL:travelled", "", "ICSR2015:BEL:travelled"),
        ("MESBAR:NLD:travelled", "", "ICSR2015:NLD:travelled"),
        ("ICCT2016:DNK:travelled", "", "PET2015:DNK:travelled"),
        ("ESSAY2017:TUN:travelled", "unverifiable", ""),
        ("OCAM2016_07:BEL:travelled", "wrong_measure", ""),  # incl. would-be travellers
        ("MAJDOUB2016_12:TUN:returned", "wider_scope", ""),  # incl. Libya, since 2007
        ("KGZ_MVD2016_01:KGZ:returned", "annual", ""),
        ("BCIJ_KHIAM2016_10:MAR:dead", "suspect", ""),
    ],
)
def test_repeats_and_flags_of_the_audit(row_id: str, flag: str, repeats: str) -> None:
    row = data.load("foreign_fighters").set_index("id").loc[row_id]
    assert (row["flag"], row["repeats"]) == (flag, repeats)


def test_exact_duplicates_are_gone() -> None:
    ff = data.load("foreign_fighters")
    key = ["iso3", "measure", "low", "high", "as_of", "source"]
    assert not ff.duplicated(subset=key).any()


def test_more_evidence_per_country_than_before_issue_10() -> None:
    usable = data.calibration_data("foreign_fighters")
    per_measure = usable.groupby("measure")["iso3"].nunique()
    assert per_measure["returned"] >= 20 and per_measure["dead"] >= 20  # were 11 and 6
    assert per_measure["in_theatre"] >= 12  # was 5


def test_aggregates_vocabulary_and_essay_statements() -> None:
    agg = data.load("aggregates")
    assert set(agg["metric"]) <= METRICS
    clapper = agg.set_index("id").loc["CLAPPER2016_02:world:cumulative_travelled"]
    assert (clapper["low"], clapper["published"]) == (36_500, "2016-02-09")
    assert agg.set_index("id").loc["SIBERELL2016:world:cumulative_travelled", "flag"] == \
        "unverifiable"
    assert agg["metric_original"].str.len().gt(0).all()
    essay = agg[agg["source"] == "ESSAY2017"]
    in_zone = essay[essay["metric"] == "in_theatre"].iloc[0]
    assert (in_zone["low"], in_zone["high"]) == (10_000, 30_000)
    assert 40_000 in set(essay.loc[essay["metric"] == "cumulative_travelled", "low"])
    assert set(essay.loc[essay["metric"] == "monthly_inflow", "high"]) == {1500, 200}
    assert pd.api.types.is_float_dtype(agg["low"])


def test_territory_series() -> None:
    terr = data.load("territory")
    late = terr[terr["post_cutoff"]]
    assert list(late["source"]) == ["IHS2017a"]  # 2016-12-31 figure, published 18 Jan 2017
    assert late["published_date"].iloc[0] == pd.Timestamp("2017-01-18")
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
    assert gti.loc[gti["source"] == "GTI2017", "post_cutoff"].all()
    assert gtd.loc[gtd["source"] == "GTD_OWID", "post_cutoff"].all()
    assert not gtd.loc[gtd["source"] == "GTD_ECDAT", "post_cutoff"].any()
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
    assert (params["published_date"] <= KNOWLEDGE_CUTOFF).sum() == len(params) - len(late)
    assert params.loc["blowback_rate_max", "as_of"] == "1990-2010"


def test_attacks_west_holds_the_record_known_by_2016() -> None:
    attacks = data.load("attacks_west").set_index("event_id")
    assert not attacks["post_cutoff"].any()
    assert set(attacks["ff_link"]) <= FF_LINKS
    assert attacks.loc["EV2015_PARIS_NOV13", ["deaths", "ff_link", "is_link"]].tolist() == [
        130, "dispatched", "directed"]
    assert attacks.loc["EV2016_BRUSSELS_MAR22", "deaths"] == 32
    assert attacks.loc["EV2016_NICE", ["deaths", "ff_link"]].tolist() == [86, "none"]
    executed = attacks[attacks["executed"]]
    assert len(executed) == 40 and executed["deaths"].sum() == 375
    # "linked to foreign fighters" (travelled to Syria/Iraq) is kept apart from the rest
    linked = executed[executed["ff_linked"]]
    assert set(linked["ff_link"]) == {"dispatched", "returnee"}
    assert (len(linked), int(linked["deaths"].sum())) == (5, 167)
    assert set(executed["year"]) == set(range(2011, 2017))


def test_the_terrorism_record_names_events_not_people() -> None:
    attacks = data.load("attacks_west")
    assert "perpetrators" not in attacks.columns
    texts = [attacks[["name", "notes", "city"]], data.load("terror_counts")[["wording", "notes"]],
             data.sources()[["publisher", "title", "notes"]]]  # URLs are left as published
    text = " ".join(" ".join(t.astype(str).to_numpy().ravel()) for t in texts)
    for person in ("Merah", "Nemmouche", "Abaaoud", "Kouachi", "Coulibaly", "Amri", "Rigby",
                   "Mateen", "Tsarnaev", "Hamel", "Laachraoui", "Bakraoui", "Arid Uka",
                   "Rahami", "Daleel", "Kermiche", "Ghlam", "El-Hussein", "Couture-Rouleau"):
        assert person not in text


def test_terror_counts_hold_the_pre_cutoff_headline_numbers() -> None:
    counts = data.load("terror_counts").set_index("id")
    assert not counts["post_cutoff"].any()
    assert counts.loc["NSO2016:western_europe:deaths_jihadist", "low"] == 273
    assert counts.loc["TESAT2016:eu:attacks_jihadist", "low"] == 17
    hjs = data.calibration_data("terror_counts").set_index("id")
    # one HJS count of executed attacks, read as 13 (PA) and 9 (Telegraph): one vote, 9-13
    assert hjs.loc["HJS2015:west:attacks_is_linked", ["low", "high"]].tolist() == [9, 13]
