"""Group composition: the dataset's arithmetic holds, and its priors obey the cut-off.

Each test states the claim it tries to break: a late row changes nothing, every share is a
fraction, a Beta gives back the mean and spread it was built from, a count never exceeds its
total, every number carries its rows or the word judgement.
"""

from __future__ import annotations

import csv
import io
import math
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

import ffcast.data as data
from ffcast.data import groups
from ffcast.data.regions import REGIONS
from ffcast.data.schema import SPECS
from ffcast.errors import DataValidationError, FFCastError

FILE = "group_composition.csv"
COLUMNS = [c.name for c in SPECS["group_composition"].columns]
CUTOFFS = ("2014-08", "2014-12", "2015-06", "2015-12", "2016-06", "2016-12")


def embedded_text(file: str) -> str:
    """Text of an embedded dataset file."""
    return files("ffcast.data").joinpath("files", file).read_text(encoding="utf-8")


def _row(**cells: object) -> str:
    """One CSV line of group_composition with ``cells`` set and the rest empty."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cells.get(c, "") for c in COLUMNS])
    return out.getvalue()


def _women(id_: str, iso3: str, low: int, total: int, published: str,
           as_of: str | None = None, post_cutoff: str = "") -> str:
    return _row(id=id_, iso3=iso3, group="women", measure="travelled", low=low, high=low,
                total_low=total, total_high=total, as_of=as_of or published,
                published=published, post_cutoff=post_cutoff, source="ICCT2016",
                notes="constructed for a test")


def _write(directory: Path, lines: list[str], keep_embedded: bool = True) -> None:
    embedded = embedded_text(FILE).splitlines()
    body = embedded if keep_embedded else embedded[:1]
    (directory / FILE).write_text("\n".join(body + lines) + "\n", encoding="utf-8")


# --- the cut-off ---------------------------------------------------------------------------

def test_a_row_published_after_the_cutoff_never_reaches_a_prior(override_dir: Path) -> None:
    before = data.group_priors("2016-10")
    late = [  # Nigeria has no row: a late one would turn its region from pooled to rows
        _women("LATE:NGA:women", "NGA", 30, 100, published="2016-11-15", as_of="2016-10"),
        _row(id="LATE:FRA:births", iso3="FRA", group="minors_born_in_theatre",
             measure="in_theatre", low=500, high=500, as_of="2016-10",
             published="2016-11-02", source="ICCT2016", notes="constructed for a test"),
        _women("AFTER2016:KEN:women", "KEN", 50, 100, published="2017-02-01",
               as_of="2016-12", post_cutoff="true"),
    ]
    _write(override_dir, late)
    assert data.group_priors("2016-10").equals(before)  # published in November: not yet
    november = data.group_priors("2016-11")
    africa = november.set_index(["region", "group"]).loc[("sub_saharan_africa", "women")]
    assert africa["basis"] == "rows" and africa["rows"] == "LATE:NGA:women"
    assert "LATE:FRA:births" in november.set_index("group").loc["births", "rows"]
    for cutoff in (None, "2016-12", "2019-06"):  # published in 2017: never, whatever asked
        cited = ";".join(data.group_priors(cutoff)["rows"])
        assert "AFTER2016" not in cited


def test_cutoff_is_checked_at_the_door() -> None:
    with pytest.raises(FFCastError, match=r"^cutoff: .*2016-13.*fix: write YYYY-MM"):
        data.group_priors("2016-13")


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_priors_cite_only_rows_published_by_the_cutoff(cutoff: str) -> None:
    rows = data.load("group_composition").set_index("id")
    end = data.cutoff_end(cutoff)
    for cell in data.group_priors(cutoff)["rows"]:
        for row_id in filter(None, cell.split(";")):
            assert rows.loc[row_id, "published_date"] <= end, (cutoff, row_id)


# --- what a prior is -----------------------------------------------------------------------

@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_every_region_has_women_minors_men_and_one_births_prior(cutoff: str) -> None:
    priors = data.group_priors(cutoff)
    shares = priors[priors["region"] != "all"]
    assert list(shares["region"].unique()) == list(REGIONS)
    assert (shares.groupby("region")["group"].apply(list) == [["women", "minors", "men"]]
            * len(REGIONS)).all()
    assert priors.iloc[-1][["region", "group"]].tolist() == ["all", "births"]


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_shares_are_fractions_and_each_beta_is_its_mean_and_concentration(cutoff: str) -> None:
    priors = data.group_priors(cutoff)
    for column in ("mean", "median", "p5", "p95"):
        assert priors[column].between(0, 1).all(), column
    assert (priors["p5"] < priors["median"]).all() and (priors["median"] < priors["p95"]).all()
    assert (priors["concentration"] >= groups.MIN_CONCENTRATION).all()
    shapes = priors["alpha"] + priors["beta"]
    assert ((priors["alpha"] / shapes - priors["mean"]).abs() < 1e-12).all()
    assert ((shapes - priors["concentration"]).abs() < 1e-9).all()
    for row in priors.itertuples():  # quantiles against an independent implementation
        dist = stats.beta(row.alpha, row.beta)
        assert dist.ppf([0.05, 0.5, 0.95]) == pytest.approx([row.p5, row.median, row.p95],
                                                            abs=1e-9)


def test_the_beta_reproduces_the_mean_and_spread_it_was_built_from(override_dir: Path) -> None:
    # Two countries of one region, 30% and 10% women: mean 0.2, variance between them 0.02,
    # so a + b = 0.2 x 0.8 / 0.02 - 1 = 7 (below the cap of 10 per unit x 2 units).
    _write(override_dir, [_women("T:NGA", "NGA", 30, 100, "2016-05"),
                          _women("T:KEN", "KEN", 10, 100, "2016-05")], keep_embedded=False)
    prior = data.group_priors().set_index(["region", "group"]).loc[
        ("sub_saharan_africa", "women")]
    dist = stats.beta(prior["alpha"], prior["beta"])
    assert dist.mean() == pytest.approx(0.2, abs=1e-12)
    assert dist.var() == pytest.approx(0.02, abs=1e-12)
    assert prior["concentration"] == pytest.approx(7.0)
    assert prior["rows"] == "T:NGA;T:KEN" and prior["basis"] == "rows"


def test_one_country_is_worth_ten_observations_however_many_rows(override_dir: Path) -> None:
    same = [_women(f"T:NGA:{i}", "NGA", 25, 100, f"2016-0{i}") for i in range(1, 6)]
    _write(override_dir, same, keep_embedded=False)
    prior = data.group_priors().set_index(["region", "group"]).loc[
        ("sub_saharan_africa", "women")]
    assert prior["mean"] == pytest.approx(0.25) and prior["concentration"] == groups.PER_UNIT


def test_a_share_of_adults_leaves_out_the_minors_of_the_same_statement(
    override_dir: Path,
) -> None:
    row = _row(id="T:NGA", iso3="NGA", group="women", measure="in_theatre", low=30, high=30,
               total_low=120, total_high=120, minors_in_total=20, as_of="2016-05",
               published="2016-05", source="ICCT2016", notes="constructed for a test")
    _write(override_dir, [row], keep_embedded=False)
    prior = data.group_priors().set_index(["region", "group"]).loc[
        ("sub_saharan_africa", "women")]
    assert prior["mean"] == pytest.approx(30 / 100)  # of the 100 adults, not of all 120


def test_births_are_births_over_women_years(override_dir: Path) -> None:
    # 100 women in theatre on 2014-01-01 and on 2016-01-01, 40 births by then: about 200
    # women-years from 2014, 250 if they arrived through 2013 (from none on 2013-01-01);
    # a year is 365.25 days.
    lines = [
        _row(id=f"T:NGA:women:{day}", iso3="NGA", group="women", measure="in_theatre",
             low=100, high=100, as_of=day, published=day, source="ICCT2016", notes="test")
        for day in ("2014-01-01", "2016-01-01")
    ] + [_row(id="T:NGA:births", iso3="NGA", group="minors_born_in_theatre",
              measure="in_theatre", low=40, high=40, as_of="2016-01-01",
              published="2016-01-01", source="ICCT2016", notes="test")]
    _write(override_dir, lines, keep_embedded=False)
    births = data.group_priors().set_index("group").loc["births"]
    year = pd.Timedelta(days=365.25)
    held = 100 * ((pd.Timestamp("2016-01-01") - pd.Timestamp("2014-01-01")) / year)
    arriving = 100 / 2 * ((pd.Timestamp("2014-01-01") - pd.Timestamp("2013-01-01")) / year)
    assert births["mean"] == pytest.approx((40 / (held + arriving) + 40 / held) / 2)
    assert births["concentration"] == groups.PER_UNIT  # one country
    assert births["rows"].split(";")[0] == "T:NGA:births" and births["basis"] == "rows"


def test_silent_data_give_labelled_judgements(override_dir: Path) -> None:
    _write(override_dir, [], keep_embedded=False)
    priors = data.group_priors()
    judged = priors[priors["group"] != "men"]
    assert (judged["basis"] == "judgement").all() and (judged["rows"] == "").all()
    for group, judgement in groups.JUDGEMENTS.items():
        picked = priors[priors["group"] == group]
        assert (picked["mean"] == judgement.mean).all()
        assert picked["reason"].str.startswith("judgement: ").all()


def test_a_region_without_rows_falls_back_to_the_cross_national_rows() -> None:
    priors = data.group_priors().set_index(["region", "group"])
    maghreb = priors.loc[("maghreb", "women")]
    rows = data.load("group_composition").set_index("id")
    cited = maghreb["rows"].split(";")
    assert maghreb["basis"] == "pooled" and (rows.loc[cited, "scope"] != "").all()
    assert maghreb["concentration"] <= groups.TRANSFER_CONCENTRATION


# --- every number carries its rows ---------------------------------------------------------

@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_every_number_carries_its_rows_or_the_word_judgement(cutoff: str) -> None:
    priors = data.group_priors(cutoff)
    usable = set(data.calibration_data("group_composition", cutoff)["id"])
    for row in priors.itertuples():
        ids = [i for i in row.rows.split(";") if i]
        if row.basis == "judgement":
            assert not ids and row.reason.startswith("judgement: ") and len(row.reason) > 40
        elif row.basis == "derived":  # men: from the women and minors priors
            assert (ids or "judgement: " in row.reason) and set(ids) <= usable
        else:
            assert ids and set(ids) <= usable, (row.region, row.group)


def test_flagged_and_returnee_rows_never_reach_a_share_prior() -> None:
    frame = data.load("group_composition")
    flagged = set(frame.loc[frame["flag"] != "", "id"])
    returned = set(frame.loc[frame["measure"] == "returned", "id"])
    assert flagged and returned
    cited = {i for cell in data.group_priors()["rows"] for i in cell.split(";")}
    assert not cited & flagged and not cited & returned


# --- the dataset ---------------------------------------------------------------------------

def test_counts_fit_their_totals_and_agree_with_stated_shares() -> None:
    frame = data.load("group_composition")
    for row in frame.itertuples():
        count = row.high if not pd.isna(row.high) else row.low
        total = row.total_high
        if pd.isna(count) or pd.isna(total):
            continue
        minors = 0 if pd.isna(row.minors_in_total) else row.minors_in_total
        assert count + minors <= total, row.id
        if not pd.isna(row.share_low):  # "about one fifth (170)" of 840, "7% ... (56)"
            assert abs(count / total - row.share_low) <= 0.02, row.id


@pytest.mark.parametrize(
    ("row_id", "low", "total", "share"),
    [  # the research file's arithmetic, re-done: 137 women of 457 = 30%, ...
        ("LE360_2015_05:FRA:women:in_theatre", 137, 457, 0.30),
        ("CAZENEUVE_JDD2014_09:FRA:women:in_theatre", 60, 350, 0.17),
        ("REUTERS_FR2014_12:FRA:women:in_theatre", 88, 376, 0.23),
        ("CCMM_FIGARO2015:FRA:women:in_theatre", 119, 413, 0.29),
        ("RMC2016_09:FRA:women:in_theatre", 275, 689, 0.40),
        ("BAKKER_DEBONT2016:NLD:women:travelled", 70, 220, 0.32),
        ("KNACK2016_08_31:BEL:women:returned", 18, 114, 0.16),
        ("KNACK2016_08_31:BEL:women:travelled", 104, 614, 0.17),
        ("AI_AZINOVIC2016_06:BIH:minors:in_theatre", 60, 200, 0.30),
        ("SECINSIGHTS2015_02:western:women:travelled", None, 3000, 0.18),
    ],
)
def test_the_research_files_arithmetic(row_id: str, low: int | None, total: int,
                                       share: float) -> None:
    row = data.load("group_composition").set_index("id").loc[row_id]
    count = row["low"] if low is not None else row["high"]
    assert (None if low is None else int(row["low"])) == low and row["total_high"] == total
    assert round(count / total, 2) == pytest.approx(share, abs=0.005)


@pytest.mark.parametrize(
    ("row_id", "flag"),
    [
        ("ZEIT2015_03:DEU:women:travelled", "narrow_definition"),  # wives not counted
        ("DLF2015:DEU:women:travelled", "narrow_definition"),
        ("RMC2016_09:FRA:minors:in_theatre", "narrow_definition"),  # only minors who went
        ("KNACK2016_08_31:BEL:minors:travelled", "narrow_definition"),  # under-12s off list
        ("LE360_2015_05:FRA:minors:in_theatre", "suspect"),  # 80 against 8 and 18
        ("KNACK2016_08_31:BEL:women:travelled", "wrong_measure"),  # would-be travellers
        ("BISHOP2015_05:AUS:women:travelled", "wrong_measure"),  # supporters at home
        ("LCI2016_01:FRA:women:travelled", "annual"),
        ("ITV2016_01:GBR:women:travelled", "annual"),
        ("VALLS2016_03:FRA:women:in_theatre", ""),
    ],
)
def test_definitions_that_are_not_comparable_are_flagged(row_id: str, flag: str) -> None:
    assert data.load("group_composition").set_index("id").loc[row_id, "flag"] == flag


def test_every_row_cites_registered_sources_and_nothing_after_2016() -> None:
    frame = data.load("group_composition")
    registry = data.sources().set_index("id")
    for cell in frame["source"]:
        assert set(cell.split(";")) <= set(registry.index), cell
    assert not frame["post_cutoff"].any()
    assert (frame["published_date"] <= data.KNOWLEDGE_CUTOFF).all()
    assert frame["notes"].str.len().gt(20).all()
    assert ((frame["iso3"] != "") != (frame["scope"] != "")).all()


@pytest.mark.parametrize(
    ("cells", "rule"),
    [
        ({"low": "700", "high": "700"}, "part_exceeds_whole"),  # more women than the total
        ({"minors_in_total": "900"}, "part_exceeds_whole"),
        ({"share_low": "17", "share_high": "17"}, "share_above_one"),
        ({"total_low": "700", "total_high": "600"}, "low_gt_high"),
        ({"scope": "western"}, "place"),  # a country and a scope
        ({"iso3": ""}, "place"),  # neither
        ({"group": "children"}, "vocabulary"),
        ({"published": "2014-08"}, "as_of_after_published"),
    ],
)
def test_the_gate_rejects_broken_group_rows(
    override_dir: Path, cells: dict[str, str], rule: str
) -> None:
    lines = embedded_text(FILE).splitlines()
    header = next(csv.reader([lines[0]]))
    target = next(i for i, line in enumerate(lines) if line.startswith(
        "CAZENEUVE_JDD2014_09:FRA:women:in_theatre"))
    row = dict(zip(header, next(csv.reader([lines[target]])), strict=True))
    row.update(cells)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([row[c] for c in header])
    lines[target] = out.getvalue()
    (override_dir / FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=rf"row {target}: {rule}:"):
        data.load("group_composition")


def test_no_statement_counts_minors_across_countries_by_2016() -> None:
    # docs/data.md: no official or cross-national total of minors was published by 2016
    frame = data.load("group_composition")
    assert frame.loc[frame["group"].str.startswith("minors"), "scope"].eq("").all()
    assert math.isclose(data.group_priors().set_index(["region", "group"]).loc[
        ("maghreb", "minors"), "mean"], groups.JUDGEMENTS["minors"].mean)


def test_the_2016_table_in_docs_is_what_the_function_gives() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "data.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Men, women and minors"):doc.index("## Regions")]
    priors = data.group_priors("2016-12").set_index(["region", "group"])

    def shown(region: str, group: str, births: bool = False) -> str:
        row = priors.loc[(region, group)]
        fmt = "{:.3f}" if births else "{:.1%}"
        return " ".join([fmt.format(row["median"]), "[" + fmt.format(row["p5"]) + ",",
                         fmt.format(row["p95"]) + "]"])

    for region in ("western_europe", "balkans", "north_america_oceania", "maghreb"):
        for group in ("women", "minors", "men"):
            assert shown(region, group) in section, (region, group)
    assert shown("all", "births", births=True) in section
