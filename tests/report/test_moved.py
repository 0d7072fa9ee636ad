"""What an update moved (issue 21): the report's section, the runs behind it, its helpers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ffcast.calibrate import load
from ffcast.errors import FFCastError
from ffcast.report import moved
from ffcast.report.reduce import quantiles, reduce_run

from .conftest import DRAWS, END


def _section(path: Path, anchor: str) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(f'<section id="{anchor}">')
    return text[start:text.index("</section>", start)]


def _rows(section: str, table_id: str) -> list[str]:
    body = section[section.index(f'id="{table_id}"'):]
    body = body[:body.index("</table>")]
    return [re.sub(r"<[^>]+>", "", row) for row in re.findall(r"<tr>(.*?)</tr>", body)[1:]]


def test_the_section_comes_after_the_headline_and_names_what_was_folded_in(
        before_report: Path) -> None:
    text = before_report.read_text(encoding="utf-8")
    anchors = re.findall(r'<section id="([^"]+)">', text)
    assert anchors[:3] == ["headline", "moved", "risk"]
    section = _section(before_report, "moved")
    statements = _rows(section, "moved-statements")
    assert len(statements) == 3  # the statement public by the cut-off was not folded in
    for source, figure, published in (("TEST-A", "250", "2017-03-31"),
                                      ("TEST-B", "125", "2017-05-31"),
                                      ("TEST-C", "400", "2017-06-30")):
        row = next(r for r in statements if source in r)
        assert figure in row and published in row
    assert "TEST-OLD" not in section
    assert "not paired differences" in section and "different particles" in section
    assert "to 2017-06 with 3 statements" in section  # the update, from the attrs
    assert "history to Dec 2016" in section and "history to Jun 2017" in section


def test_the_tables_hold_pathways_returnees_and_attack_years(before_report: Path) -> None:
    section = _section(before_report, "moved")
    people = _rows(section, "moved-table-people")
    assert len(people) == 8 and people[0].startswith("Travelled or born there")
    returned = _rows(section, "moved-table-returned")
    assert any(r.startswith("France") for r in returned)
    assert any("Belgium" in r and "named by a new statement" in r for r in returned)
    years = [r[:4] for r in _rows(section, "moved-table-attacks")]
    assert years == ["2017", "2018", "2019"]
    assert _rows(section, "moved-table-attacks")[0].startswith("2017 ‡")
    assert "‡ The updated posterior has Jan–Jun 2017 behind it" in section
    assert "Mean: before → after" in section


def test_an_updated_posterior_says_so_in_the_header_status_and_risk_table(
        before_report: Path) -> None:
    text = before_report.read_text(encoding="utf-8")
    assert "statements to Jun 2017 (updated posterior)" in text
    status = re.sub(r"\s+", " ", text[text.index("<strong>Status of the numbers.</strong>"):])
    assert "updated (<code>ffcast update</code>) with statements published up to 2017-06" \
        in status
    risk = _section(before_report, "risk")
    # A year's label may carry the screen's mark (†, or ? for undetermined: ADR 0040).
    assert "<td>2017 (history to Jun)" in risk and re.search(r"<td>2018( [†?])?</td>", risk)


def test_the_two_runs_are_the_scenario_under_each_posterior(
        updated_posterior: tuple[Path, Path]) -> None:
    before, after = (load(p) for p in updated_posterior)
    params = moved.resolve_posteriors(str(updated_posterior[1]), str(updated_posterior[0]),
                                      "2016-12")
    runs = [reduce_run("baseline", 12, 3, end="2018-12", posterior=p, focus=("FRA",))
            for p in (before, after)]
    update = moved.Moved(*runs, params)
    rows = moved.headline_rows(update)
    travelled = rows[0]
    np.testing.assert_array_equal(travelled.before, quantiles(runs[0].travelled[:, -1]))
    np.testing.assert_array_equal(travelled.after, quantiles(runs[1].travelled[:, -1]))
    assert runs[1].meta.updated_to == "2017-06" and runs[0].meta.updated_to is None
    assert not np.array_equal(runs[0].pathways, runs[1].pathways)  # the update moved them
    assert [r.label for r in rows if r.group == "returned"][:1] == ["France"]
    other = reduce_run("baseline", 12, 4, end="2018-12", posterior=before, focus=("FRA",))
    with pytest.raises(FFCastError, match="share seed, draws"):
        moved.Moved(other, runs[1], params)
    fig = moved.moved_figure(update, rows)
    assert {t.name for t in fig.data if t.showlegend} == {
        "Before: history to Dec 2016", "After: history to Jun 2017"}
    assert len(fig.layout.annotations) >= 3  # one title per panel


def test_a_chain_of_updates_shows_only_what_came_after_before(
        updated_posterior: tuple[Path, Path], tmp_path: Path) -> None:
    from ffcast.backtest import read_observations
    from ffcast.calibrate.update import update

    first = load(updated_posterior[1])
    csv = tmp_path / "later.csv"
    csv.write_text("iso3,quantity,value,as_of,published,source\n"
                   "DEU,cumulative_returned,300,2017-07,2017-08,TEST-D\n", encoding="utf-8")
    second = update(first, read_observations(csv), "2017-08").posterior
    new = moved.folded_in(first, second)
    assert list(new["source"]) == ["TEST-D"]
    assert len(moved.folded_in(load(updated_posterior[0]), second)) == 4
    assert [u["until"] for u in moved.updates_since(first, second)] == ["2017-08"]
    assert moved.descends(first, second) and not moved.descends(second, first)


@pytest.mark.parametrize(("year", "origin", "note"), [
    (2017, "2017-06", "Jan–Jun 2017"), (2016, "2017-06", "the whole year"),
    (2017, "2017-12", "the whole year"), (2018, "2017-06", ""), (2017, "2016-12", ""),
    (2017, "2017-01", "Jan 2017")])
def test_year_note(year: int, origin: str, note: str) -> None:
    assert moved.year_note(year, origin) == note


def test_change_in_the_median_is_signed_with_its_share() -> None:
    def row(b: float, a: float) -> moved.Row:
        return moved.Row("people", "x", np.array([0, 0, b, 0, 0.0]),
                         np.array([0, 0, a, 0, 0.0]))

    assert moved.change_text(row(1000, 950))[0] == "-50 (-5.0%)"
    assert moved.change_text(row(100, 150))[0] == "+50 (+50%)"
    assert moved.change_text(row(0, 3))[0] == "+3"
    assert moved.change_text(row(7, 7))[0] == "+0"
    assert moved.change_text(row(39_116, 39_114))[0] == "-2"  # not "-2 (-0.0%)"
    mean = moved.Row("attacks", "2018", np.zeros(5), np.zeros(5), means=(2.26, 2.21))
    assert moved.mean_text(mean)[0] == "2.26 → 2.21 (-0.05)"


def test_the_report_draws_and_months_match_under_both(before_report: Path) -> None:
    section = _section(before_report, "moved")
    assert f"{DRAWS:,} draws, seed" in section and f"– Dec {END[:4]}" in section


def test_a_year_with_no_history_month_in_the_file_is_not_marked_history() -> None:
    """A results file recorded from 2017-11 under a posterior updated to 2017-10 holds no
    history month of 2017; its row said "2017 (2 months) (history to Oct)" (review,
    2026-12-07)."""
    from types import SimpleNamespace

    import pandas as pd

    from ffcast.report.risk import history_note

    def red(first: str) -> object:
        months = pd.date_range(first, "2018-12-01", freq="MS")
        return SimpleNamespace(meta=SimpleNamespace(updated_to="2017-10", months=months))

    assert history_note(red("2017-11-01"), 2017) == ""
    assert history_note(red("2017-01-01"), 2017) == " (history to Oct)"
    assert history_note(red("2016-01-01"), 2016) == " (history)"
    assert history_note(red("2017-01-01"), 2018) == ""


def test_a_mid_year_cut_off_says_which_months_the_tables_leave_out() -> None:
    """From a 2016-06 cut-off the report's tables start in 2017 while `ffcast run` counts
    from 2016-07; nothing said so (review, 2026-12-07)."""
    from types import SimpleNamespace

    import pandas as pd

    from ffcast.report.risk import mid_year_note

    said = mid_year_note(SimpleNamespace(cutoff=pd.Timestamp("2016-06-01")))
    assert "July-December 2016 are in none of them" in said and "from 2016-07" in said
    assert mid_year_note(SimpleNamespace(cutoff=pd.Timestamp("2016-12-01"))) == ""
