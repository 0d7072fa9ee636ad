"""The validation gate: corrupted files fail with file, row and rule, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import ffcast.data as data
from ffcast.cli import app
from ffcast.data.validate import parse_csv_text
from ffcast.errors import DataValidationError

Corrupt = Callable[[str, Callable[[list[str]], list[str]]], Path]
MESSAGE = re.compile(r"^(?P<file>.+?): row (?P<row>\d+)( \(header\))?: (?P<rule>[a-z_0-9]+): "
                     r".+; fix: .+$")


def _replace_first(needle: str, replacement: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        for i, line in enumerate(lines):
            if i and needle in line:
                lines[i] = line.replace(needle, replacement, 1)
                return lines
        raise AssertionError(f"{needle!r} not found")

    return edit


def _line(n: int, new: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        lines[n] = new
        return lines

    return edit


FF, FFC = "foreign_fighters", "foreign_fighters.csv"
ROW = ("{id},{iso3},{name},{measure},{covers},{low},{high},{as_of},{published},{post_cutoff},"
       "{source},{repeats},{flag},,")


def _ff(n: int, **cells: str) -> Callable[[list[str]], list[str]]:
    values = {"id": f"TEST:{n}", "iso3": "ALB", "name": "Albania", "measure": "travelled",
              "covers": "", "low": "90", "high": "90", "as_of": "2014", "published": "2015-01-26",
              "post_cutoff": "", "source": "ICSR2015_T", "repeats": "", "flag": ""} | cells
    return _line(n, ROW.format(**values))


AW, AWC = "attacks_west", "attacks_west.csv"
EVENT = ("EV_TEST,2015-11-13,2015-11-13,2015-11-16,,FRA,Paris,test event,{deaths},1,false,"
         "{ff_link},directed,{executed},BFMTV_2015_11_16,,a test")
TC, TCC = "terror_counts", "terror_counts.csv"
COUNT = ("T:{n},west,2014-07,2015-08,{measure},1,1,plots,2015-08,2015-09,,HJS2015,{repeats},,"
         "quote,")


CASES: list[tuple[str, str, Callable[[list[str]], list[str]], str, int]] = [
    # (dataset, file, edit, expected rule, expected data row)
    (FF, FFC, _replace_first("AFG,Afghanistan", "AFX,Afghanistan"), "unknown_iso3", 1),
    (FF, FFC, _ff(2, iso3="R-MAG"), "remainder_code", 2),
    (FF, FFC, _ff(2, iso3="ROW"), "remainder_code", 2),
    (FF, FFC, _replace_first(",ICSR2015_T,", ",ICSR2051_T,"), "unknown_source", 1),
    (FF, FFC, _ff(3, iso3="DZA", name="Algeria", low="300", high="200"), "low_gt_high", 3),
    (FF, FFC, _ff(2, low="ninety"), "not_integer", 2),
    (FF, FFC, _ff(2, low="1,500"), "field_count", 2),
    (FF, FFC, _ff(2, source=""), "value_without_source", 2),
    (FF, FFC, _ff(2, source="ICSR2015_T;"), "value_without_source", 2),
    (FF, FFC, _ff(2, name=""), "required", 2),
    (FF, FFC, _ff(2, id=""), "required", 2),
    (FF, FFC, _ff(2, low="", high=""), "no_value", 2),
    (FF, FFC, _ff(2, low="-5"), "negative_value", 2),
    (FF, FFC, _ff(2, measure="fled"), "vocabulary", 2),
    (FF, FFC, _ff(2, flag="dubious"), "vocabulary", 2),
    (FF, FFC, _ff(2, covers="children"), "vocabulary", 2),
    (FF, FFC, _ff(2, as_of="sometime"), "bad_date_wording", 2),
    # two dates on every row: published is required, starts with its year, and bounds as_of
    (FF, FFC, _ff(2, published=""), "required", 2),
    (FF, FFC, _ff(2, published="mid-2017"), "bad_published", 2),
    (FF, FFC, _ff(2, as_of="2015-12", published="2015-10"), "as_of_after_published", 2),
    # post_cutoff follows from published, whatever as_of says
    (FF, FFC, _ff(2, as_of="2016-06", published="2017-02"), "post_cutoff_mismatch", 2),
    (FF, FFC, _ff(2, post_cutoff="true"), "post_cutoff_mismatch", 2),
    # one vote per estimate: repeats must resolve to an original about the same quantity
    (FF, FFC, _ff(2, repeats="NOPE:ALB:travelled"), "unknown_repeat", 2),
    (FF, FFC, _ff(2, repeats="TEST:2"), "unknown_repeat", 2),
    (FF, FFC, _ff(2, repeats="ICSR2015_T:AFG:travelled"), "repeat_mismatch", 2),
    (FF, FFC, _ff(2, repeats="TELEGRAPH2015_MWN:TUN:travelled", iso3="TUN", name="Tunisia"),
     "repeat_chain", 2),
    (FF, FFC, _ff(2, repeats="CUTA2016_WIKI:BEL:travelled", iso3="BEL", name="Belgium"),
     "repeat_of_flagged", 2),
    (FF, FFC, _ff(3, id="ICSR2015_T:AFG:travelled"), "duplicate_key", 3),
    (FF, FFC, _line(0, "iso3,country,measure,high,as_of,source,flag,notes"), "missing_column", 0),
    (FF, FFC, lambda lines: [*lines[:10], lines[10][:17]], "field_count", 10),
    ("aggregates", "aggregates.csv", _replace_first(",persons,", ",people,"), "vocabulary", 1),
    ("aggregates", "aggregates.csv", _replace_first(",1000,persons", ",1e400,persons"),
     "not_number", 1),
    ("aggregates", "aggregates.csv", _replace_first(",world,", ",galaxy,"), "vocabulary", 1),
    ("aggregates", "aggregates.csv", _replace_first(",2011,2015-10,", ",2011,,"), "required", 1),
    ("territory", "territory.csv", _replace_first("2015-12-14,2015", "2015-13-14,2015"),
     "not_date", 2),
    ("territory", "territory.csv", _replace_first("2017-01-18,true", "2017-01-18,"),
     "post_cutoff_mismatch", 6),
    ("deaths_gtd", "deaths_gtd.csv",
     _line(2, "2000,GTD_ECDAT,World,1,1,2000,2016-06,,GTD_ECDAT"), "duplicate_key", 2),
    ("deaths_gti", "deaths_gti.csv", _replace_first(",2017-11-15,true,", ",2017-11-15,,"),
     "post_cutoff_mismatch", 3),
    ("parameters", "parameters.csv",
     _replace_first("csn2009_alpha,2.4,2.2,2.6", "csn2009_alpha,2.4,2.6,2.2"), "low_gt_high", 5),
    ("validation_returnees", "validation_returnees.csv", _replace_first("RUS,", "RUX,"),
     "unknown_iso3", 1),
    ("sources", "sources.csv", _replace_first(",primary,", ",tertiary,"), "vocabulary", 1),
    # the terrorism record goes through the same gate
    (AW, AWC, _line(1, EVENT.format(deaths="130", ff_link="sent_home", executed="true")),
     "vocabulary", 1),
    (AW, AWC, _line(1, EVENT.format(deaths="", ff_link="dispatched", executed="true")),
     "required", 1),
    (AW, AWC, _line(1, EVENT.format(deaths="130", ff_link="dispatched", executed="yes")),
     "not_bool", 1),
    (AW, AWC, _line(2, EVENT.format(deaths="130", ff_link="dispatched", executed="true")
                    .replace("2015-11-16", "2017-02-01")), "post_cutoff_mismatch", 2),
    (AW, AWC, _replace_first(",FRA,Toulouse", ",ROW,Toulouse"), "remainder_code", 2),
    (TC, TCC, _line(1, COUNT.format(n=1, measure="vibes", repeats="")), "vocabulary", 1),
    (TC, TCC, _line(1, COUNT.format(n=1, measure="plots_is_linked", repeats="T:9")),
     "unknown_repeat", 1),
]


@pytest.mark.parametrize(("name", "file", "edit", "rule", "row"), CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_corrupted_copy_fails_with_file_row_rule(
    corrupt: Corrupt, name: str, file: str, edit: Callable[[list[str]], list[str]],
    rule: str, row: int,
) -> None:
    path = corrupt(file, edit)
    for attempt in (lambda: data.validate_file(name, path), lambda: data.load(name)):
        with pytest.raises(DataValidationError) as err:
            attempt()
        match = MESSAGE.match(str(err.value))
        assert match, str(err.value)
        assert match["file"] == str(path)
        assert (match["rule"], int(match["row"])) == (rule, row)


def test_flagged_low_gt_high_passes(corrupt: Corrupt) -> None:
    corrupt("foreign_fighters.csv", _ff(3, iso3="DZA", name="Algeria", low="300", high="200",
                                        flag="low_gt_high"))
    assert len(data.load("foreign_fighters")) > 200


def test_a_flagged_repeat_of_a_flagged_row_passes(corrupt: Corrupt) -> None:
    corrupt("foreign_fighters.csv", _ff(2, repeats="CUTA2016_WIKI:BEL:travelled", iso3="BEL",
                                        name="Belgium", flag="wrong_measure"))
    assert len(data.load("foreign_fighters")) > 200


def test_unknown_source_id_in_a_combined_cell_fails(corrupt: Corrupt) -> None:
    corrupt("territory.csv", _replace_first("IHS2015;IHS2016b", "IHS2015;IHS2099"))
    with pytest.raises(DataValidationError, match=r"row 1: unknown_source: .*IHS2099"):
        data.load("territory")


def test_a_source_removed_from_the_registry_breaks_every_citing_dataset(
    corrupt: Corrupt,
) -> None:
    corrupt("sources.csv", lambda lines: [ln for ln in lines if not ln.startswith("ESSAY2017,")])
    with pytest.raises(DataValidationError, match="ESSAY2017"):
        data.load("foreign_fighters")


@pytest.mark.parametrize(
    ("content", "rule"),
    [(b"", "empty_file"), (b"iso3,low\x00\x00binary", "binary_content"),
     (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not_utf8"),
     (b"\xff\xfe\xfa garbage", "not_utf8"),
     (b'iso3,country\n"FRA,France\n', "malformed_csv")],
)
def test_garbage_files_fail_cleanly(override_dir: Path, content: bytes, rule: str) -> None:
    (override_dir / "foreign_fighters.csv").write_bytes(content)
    with pytest.raises(DataValidationError, match=rf"row 0 \(header\): {rule}: "):
        data.load("foreign_fighters")


def test_override_dir_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(data.UnknownDatasetError.__mro__[1], match="not a directory"):
        data.load("territory")


def test_override_dir_without_the_file_falls_back_to_embedded(override_dir: Path) -> None:
    assert len(data.load("territory")) == 6


@pytest.mark.parametrize(
    ("file", "edit", "rule"),
    [(FFC, _replace_first("AFG,Afghanistan", "AFX,Afghanistan"), "unknown_iso3"),
     (FFC, lambda lines: [*lines[:5], lines[5][:9]], "field_count")],
)
def test_cli_reports_corruption_in_one_line_without_traceback(
    corrupt: Corrupt, override_dir: Path, file: str,
    edit: Callable[[list[str]], list[str]], rule: str,
) -> None:
    corrupt(file, edit)
    runner = CliRunner()
    for args in (["data", "show", "foreign_fighters"], ["data", "best", "--json"],
                 ["data", "list"]):
        result = runner.invoke(app, args, env={data.DATA_DIR_ENV: str(override_dir)})
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and f": {rule}: " in lines[0]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=400))
def test_any_bytes_either_validate_or_raise_the_gate_error(blob: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(blob)
    try:
        data.validate_file("territory", path)
    except DataValidationError as err:
        assert MESSAGE.match(str(err)), str(err)


@given(st.text(max_size=300))
def test_any_text_either_parses_or_raises_the_gate_error(text: str) -> None:
    try:
        parse_csv_text(text, "fuzz.csv")
    except DataValidationError as err:
        assert MESSAGE.match(str(err)), str(err)
