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
ROW = "{iso3},{name},travelled,{low},{high},{as_of},{source},,"


def _ff(n: int, **cells: str) -> Callable[[list[str]], list[str]]:
    values = {"iso3": "ALB", "name": "Albania", "low": "90", "high": "90",
              "as_of": "2015-01-26", "source": "ICSR2015_T"} | cells
    return _line(n, ROW.format(**values))


CASES: list[tuple[str, str, Callable[[list[str]], list[str]], str, int]] = [
    # (dataset, file, edit, expected rule, expected data row)
    (FF, FFC, _replace_first("AFG,Afghanistan", "AFX,Afghanistan"), "unknown_iso3", 1),
    (FF, FFC, _replace_first(",ICSR2015_T,", ",ICSR2051_T,"), "unknown_source", 1),
    (FF, FFC, _ff(3, iso3="DZA", name="Algeria", low="300", high="200"), "low_gt_high", 3),
    (FF, FFC, _ff(2, low="ninety"), "not_integer", 2),
    (FF, FFC, _ff(2, low="1,500"), "field_count", 2),
    (FF, FFC, _ff(2, source=""), "value_without_source", 2),
    (FF, FFC, _ff(2, source="ICSR2015_T;"), "value_without_source", 2),
    (FF, FFC, _ff(2, name=""), "required", 2),
    (FF, FFC, _ff(2, low="", high=""), "no_value", 2),
    (FF, FFC, _ff(2, low="-5"), "negative_value", 2),
    (FF, FFC, _replace_first(",travelled,", ",fled,"), "vocabulary", 1),
    (FF, FFC, _ff(2, as_of="sometime"), "bad_date_wording", 2),
    (FF, FFC, _line(0, "iso3,country,measure,high,as_of,source,flag,notes"), "missing_column", 0),
    (FF, FFC, lambda lines: [*lines[:10], lines[10][:17]], "field_count", 10),
    ("aggregates", "aggregates.csv", _replace_first(",persons,", ",people,"), "vocabulary", 1),
    ("aggregates", "aggregates.csv", _replace_first(",1000,persons", ",1e400,persons"),
     "not_number", 1),
    ("territory", "territory.csv", _replace_first("2015-12-14,2015", "2015-13-14,2015"),
     "not_date", 2),
    ("deaths_gtd", "deaths_gtd.csv", _line(2, "2000,GTD_ECDAT,World,1,1,GTD_ECDAT"),
     "duplicate_key", 2),
    ("parameters", "parameters.csv",
     _replace_first("csn2009_alpha,2.4,2.2,2.6", "csn2009_alpha,2.4,2.6,2.2"), "low_gt_high", 5),
    ("validation_returnees", "validation_returnees.csv", _replace_first("RUS,", "RUX,"),
     "unknown_iso3", 1),
    ("sources", "sources.csv", _replace_first(",primary,", ",tertiary,"), "vocabulary", 1),
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
    corrupt("foreign_fighters.csv",
            _line(3, "DZA,Algeria,travelled,300,200,2015-01-26,ICSR2015_T,low_gt_high,typo"))
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
