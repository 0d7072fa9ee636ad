"""Tests for ffcast.backtest.observations: the validation set parses, every rule names its row."""

from __future__ import annotations

import re
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ffcast.backtest.observations import (
    COLUMNS,
    QUANTITIES,
    QUANTITY_ALIASES,
    read_observations,
    validate_observations,
)
from ffcast.errors import FFCastError, ObservationError

SOURCE = (
    '"Soufan Center, R. Barrett, Beyond the Caliphate: Foreign Fighters and the Threat of '
    'Returnees (October 2017), as reported in the press"'
)
# A copy of /work/shared/data/validation_returnees_2017.csv, so the tests do not depend on it.
VALIDATION_2017 = "iso3,quantity,value,as_of,source\n" + "".join(
    f"{iso3},returned,{value},2017-10,{SOURCE}\n"
    for iso3, value in [
        ("RUS", 400),
        ("SAU", 760),
        ("JOR", 250),
        ("TUN", 800),
        ("FRA", 271),
        ("DEU", 300),
        ("GBR", 425),
        ("TUR", 900),
    ]
)
try:  # the real data layer, captured before any test swaps in the stand-in
    import ffcast.data as REAL_DATA
except ImportError:  # pragma: no cover - another engineer is writing it
    REAL_DATA = None
SHARED_VALIDATION_FILE = Path("/work/shared/data/validation_returnees_2017.csv")

# Stand-in for ffcast.data.is_known_iso3 (written by another engineer): a fixed list of real
# ISO 3166-1 alpha-3 codes, enough for these tests, plus ICSR's combined "ISR;PSE" row, which
# the data layer also knows.
KNOWN_ISO3 = frozenset(
    ["RUS", "SAU", "JOR", "TUN", "FRA", "DEU", "GBR", "TUR", "BEL", "NLD", "MAR", "ISR;PSE"]
)
HEADER = "iso3,quantity,value,as_of,source,low,high\n"
GOOD_ROW = "FRA,returned,271,2017-10,Soufan 2017,200,300\n"
MESSAGE = re.compile(
    r"^.+: (row \d+ \(line \d+\)|header \(line \d+\)|columns): [^:]+: .+; fix: .+$"
)


@pytest.fixture(autouse=True)
def known_iso3(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Install a stand-in ``ffcast.data`` module; return the codes it was asked about."""
    asked: list[str] = []

    def is_known_iso3(code: str) -> bool:
        asked.append(code)
        return code in KNOWN_ISO3

    module = types.ModuleType("ffcast.data")
    module.is_known_iso3 = is_known_iso3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ffcast.data", module)
    return asked


def write(tmp_path: Path, text: str | bytes, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def error_for(tmp_path: Path, text: str | bytes) -> str:
    """Message of the ObservationError raised when reading ``text``, checked to be one line."""
    path = write(tmp_path, text)
    with pytest.raises(ObservationError) as caught:
        read_observations(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    assert "; fix: " in message
    assert caught.value.__cause__ is None  # no chained traceback for the CLI to show
    return message


# --------------------------------------------------------------------------------------------
# Good files
# --------------------------------------------------------------------------------------------


def test_validation_set_parses(tmp_path: Path):
    frame = read_observations(write(tmp_path, VALIDATION_2017))
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 8
    assert frame["iso3"].tolist() == ["RUS", "SAU", "JOR", "TUN", "FRA", "DEU", "GBR", "TUR"]
    assert set(frame["quantity"]) == {"cumulative_returned"}
    assert frame["value"].tolist() == [400, 760, 250, 800, 271, 300, 425, 900]
    assert frame["value"].dtype == np.float64
    assert frame[["low", "high"]].isna().all().all()
    assert set(frame["as_of"]) == {"2017-10"}
    assert frame["month"].dtype == "datetime64[ns]"
    assert set(frame["month"]) == {pd.Timestamp("2017-10-01")}
    assert frame["source"].iloc[0] == SOURCE.strip('"')
    assert frame.index.tolist() == list(range(8))


def test_shared_validation_file_parses(tmp_path: Path):
    if not SHARED_VALIDATION_FILE.exists():
        pytest.skip("shared/ validation file not present")
    copy = tmp_path / SHARED_VALIDATION_FILE.name
    shutil.copy(SHARED_VALIDATION_FILE, copy)
    assert read_observations(copy).equals(read_observations(write(tmp_path, VALIDATION_2017)))


def test_validation_set_parses_with_real_country_list(tmp_path: Path, monkeypatch):
    if not hasattr(REAL_DATA, "is_known_iso3"):
        pytest.skip("ffcast.data.is_known_iso3 not written yet")
    monkeypatch.setitem(sys.modules, "ffcast.data", REAL_DATA)
    assert len(read_observations(write(tmp_path, VALIDATION_2017))) == 8


def test_optional_bounds_iso3_case_and_full_dates(tmp_path: Path, known_iso3: list[str]):
    text = HEADER + "fra,Returned,271,2017-10-15,Soufan 2017,200,300\ndeu,dead,5,2018-01,X,,\n"
    frame = read_observations(write(tmp_path, text))
    assert frame["iso3"].tolist() == ["FRA", "DEU"]
    assert known_iso3 == ["FRA", "DEU"]  # the data layer is asked, in upper case
    assert frame["quantity"].tolist() == ["cumulative_returned", "killed"]
    assert frame["low"].tolist()[0] == 200 and np.isnan(frame["low"].iloc[1])
    assert frame["high"].tolist()[0] == 300 and np.isnan(frame["high"].iloc[1])
    assert frame["as_of"].tolist() == ["2017-10-15", "2018-01"]
    assert frame["month"].tolist() == [pd.Timestamp("2017-10-01"), pd.Timestamp("2018-01-01")]


@pytest.mark.parametrize(
    ("written", "canonical"), [*QUANTITY_ALIASES.items(), *[(q, q) for q in QUANTITIES]]
)
def test_quantities_and_aliases_normalise(tmp_path: Path, written: str, canonical: str):
    frame = read_observations(write(tmp_path, f"{HEADER}FRA,{written},1,2017-10,S,,\n"))
    assert frame["quantity"].tolist() == [canonical]


def test_codes_the_data_layer_knows_are_accepted_even_if_not_three_letters(tmp_path: Path):
    frame = read_observations(write(tmp_path, f'{HEADER}"isr;pse",returned,1,2017-10,S,,\n'))
    assert frame["iso3"].tolist() == ["ISR;PSE"]


def test_notes_column_is_kept(tmp_path: Path):
    # The layout of ffcast's embedded data/files/validation_returnees.csv: a key in source.
    text = (
        f"iso3,quantity,value,as_of,source,notes\nRUS,returned,400,2017-10,BARRETT2017,{SOURCE}\n"
    )
    frame = read_observations(write(tmp_path, text))
    assert frame["notes"].tolist() == [SOURCE.strip('"')]
    assert frame["source"].tolist() == ["BARRETT2017"]
    assert read_observations(write(tmp_path, VALIDATION_2017))["notes"].tolist() == [""] * 8


def test_bom_blank_lines_crlf_and_header_case_are_fine(tmp_path: Path):
    text = "\ufeffISO3, Quantity ,value,as_of,source\r\n\r\nFRA,returned,1,2017-10,S\r\n"
    assert len(read_observations(write(tmp_path, text))) == 1


def test_bounds_equal_to_value_are_fine(tmp_path: Path):
    frame = read_observations(write(tmp_path, f"{HEADER}FRA,killed,0,2017-10,S,0,0\n"))
    assert frame["value"].tolist() == [0.0]


# --------------------------------------------------------------------------------------------
# Bad rows: each rule names the row, line and column
# --------------------------------------------------------------------------------------------

BAD_ROWS = [
    # (row 2 as written, column named, fragment of the message)
    ("XYZ,returned,1,2017-10,S,,", "iso3", "'XYZ' is not a known ISO 3166-1 alpha-3 code"),
    ("FR,returned,1,2017-10,S,,", "iso3", "not a 3-letter code"),
    ("France,returned,1,2017-10,S,,", "iso3", "not a 3-letter code"),
    (",returned,1,2017-10,S,,", "iso3", "missing"),
    ("FRA,retuned,1,2017-10,S,,", "quantity", "did you mean 'cumulative_returned'"),
    ("FRA,traveled,1,2017-10,S,,", "quantity", "did you mean 'cumulative_travelled'"),
    ("FRA,in theater,1,2017-10,S,,", "quantity", "did you mean 'in_theatre'"),
    ("FRA,zzzz,1,2017-10,S,,", "quantity", "use one of cumulative_returned"),
    ("FRA,,1,2017-10,S,,", "quantity", "missing"),
    ("FRA,returned,-3,2017-10,S,,", "value", "-3 is negative"),
    ("FRA,returned,abc,2017-10,S,,", "value", "'abc' is not a number"),
    ("FRA,returned,1 200,2017-10,S,,", "value", "'1 200' is not a number"),
    ("FRA,returned,nan,2017-10,S,,", "value", "'nan' is not finite"),
    ("FRA,returned,inf,2017-10,S,,", "value", "'inf' is not finite"),
    ("FRA,returned,,2017-10,S,,", "value", "missing"),
    ("FRA,returned,10,2017-10,S,20,30", "low", "low 20 > value 10"),
    ("FRA,returned,40,2017-10,S,20,30", "high", "value 40 > high 30"),
    ("FRA,returned,10,2017-10,S,about 5,30", "low", "not a number"),
    ("FRA,returned,10,2017-10,S,5,-1", "high", "negative"),
    ("FRA,returned,10,10/2017,S,,", "as_of", "'10/2017' is not a date"),
    ("FRA,returned,10,2017-13,S,,", "as_of", "'2017-13' is not a valid calendar date"),
    ("FRA,returned,10,2017-02-30,S,,", "as_of", "not a valid calendar date"),
    ("FRA,returned,10,2017,S,,", "as_of", "'2017' is not a date"),
    ("FRA,returned,10,,S,,", "as_of", "missing"),
    ("FRA,returned,10,2017-10,  ,,", "source", "missing"),
    ("FRA,returned,10,2017-10,S", "fields", "expected 7 comma-separated fields, found 5"),
    ("FRA,returned,10,2017-10,Soufan, 2017,,", "fields", "found 8"),
]


@pytest.mark.parametrize(("row", "column", "fragment"), BAD_ROWS)
def test_bad_row_names_row_line_column_and_rule(tmp_path: Path, row: str, column: str, fragment):
    message = error_for(tmp_path, HEADER + GOOD_ROW + row + "\n")
    assert f": row 2 (line 3): {column}: " in message
    assert fragment in message
    assert MESSAGE.match(message), message


def test_line_number_counts_multiline_quotes_and_blank_lines(tmp_path: Path):
    text = (
        HEADER
        + 'FRA,returned,1,2017-10,"a source\nspanning two lines",,\n'
        + "\n"
        + "DEU,returned,-1,2017-10,S,,\n"
    )
    assert ": row 2 (line 5): value: " in error_for(tmp_path, text)


def test_first_bad_row_is_reported(tmp_path: Path):
    text = HEADER + GOOD_ROW + GOOD_ROW + "FRA,returned,x,2017-10,S,,\nFRA,nope,1,2017-10,S,,\n"
    assert ": row 3 (line 4): value: " in error_for(tmp_path, text)


# --------------------------------------------------------------------------------------------
# Bad headers and bad files
# --------------------------------------------------------------------------------------------


def test_missing_column_is_named_with_nearest_suggestion(tmp_path: Path):
    message = error_for(tmp_path, "iso,quantity,value,as_of,source\nFRA,returned,1,2017-10,S\n")
    assert ": header (line 1): iso3: required column missing" in message
    assert "rename column 'iso' to 'iso3'" in message


def test_missing_column_without_near_name_lists_required(tmp_path: Path):
    message = error_for(tmp_path, "iso3,quantity,value,source\nFRA,returned,1,S\n")
    assert ": header (line 1): as_of: required column missing" in message
    assert "add a 'as_of' column" in message


def test_unknown_column_suggests_nearest(tmp_path: Path):
    message = error_for(tmp_path, HEADER.replace("high", "hgih") + GOOD_ROW)
    assert ": header (line 1): hgih: unknown column" in message
    assert "did you mean 'high'?" in message


def test_repeated_column_is_an_error(tmp_path: Path):
    message = error_for(tmp_path, "iso3,quantity,value,as_of,source,low,low\n" + GOOD_ROW)
    assert ": header (line 1): low: column appears more than once" in message


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_empty_file_is_an_error(tmp_path: Path, text: str):
    assert "file is empty" in error_for(tmp_path, text)


def test_header_only_file_is_an_error(tmp_path: Path):
    assert "no observations (only a header)" in error_for(tmp_path, HEADER)


@pytest.mark.parametrize(("delimiter", "shown"), [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_other_delimiter_is_named(tmp_path: Path, delimiter: str, shown: str):
    text = VALIDATION_2017.replace(",", delimiter)
    message = error_for(tmp_path, text)
    assert f"header (line 1): columns: fields are separated by {shown}, not commas" in message


def test_binary_file_is_an_error(tmp_path: Path):
    message = error_for(tmp_path, b"PK\x03\x04\x00\x00binary zip-like junk\x00\xff")
    assert "binary data, not a CSV text file" in message


def test_non_utf8_file_is_an_error(tmp_path: Path):
    text = HEADER + "FRA,returned,1,2017-10,Ministère de l'Intérieur,,\n"
    message = error_for(tmp_path, text.encode("latin-1"))
    assert "not UTF-8 text" in message


def test_broken_quoting_is_an_error(tmp_path: Path):
    message = error_for(tmp_path, HEADER + 'FRA,returned,1,2017-10,"Soufan" 2017,,\n')
    assert "not valid CSV" in message
    assert "line 2" in message


def test_missing_file_and_directory_are_errors(tmp_path: Path):
    with pytest.raises(ObservationError, match=r"obs\.csv: file not found; fix: check the path"):
        read_observations(tmp_path / "obs.csv")
    with pytest.raises(ObservationError, match=re.escape(f"{tmp_path}: cannot read file")):
        read_observations(tmp_path)


def test_observation_error_is_the_users_error_type():
    assert issubclass(ObservationError, FFCastError)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300))
def test_garbage_bytes_never_escape_as_a_traceback(tmp_path: Path, data: bytes):
    path = write(tmp_path, data)
    try:
        read_observations(path)
    except ObservationError as error:
        assert str(error).startswith(f"{path}: ")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet='iso3,quantity,value,as_of,source,low,high"\n-0123456789FRAreturned ', max_size=200
    )
)
def test_csv_like_garbage_never_escapes_as_a_traceback(tmp_path: Path, text: str):
    path = write(tmp_path, text)
    try:
        read_observations(path)
    except ObservationError as error:
        assert str(error).startswith(f"{path}: ")


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(KNOWN_ISO3)),
            st.sampled_from([*QUANTITIES, *QUANTITY_ALIASES]),
            st.integers(0, 100_000),
            st.integers(1990, 2030),
            st.integers(1, 12),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_valid_rows_round_trip(tmp_path: Path, rows):
    text = "iso3,quantity,value,as_of,source\n" + "".join(
        f"{iso3.lower()},{quantity},{value},{year}-{month:02d},S\n"
        for iso3, quantity, value, year, month in rows
    )
    frame = read_observations(write(tmp_path, text))
    assert frame["iso3"].tolist() == [row[0] for row in rows]
    assert frame["quantity"].tolist() == [QUANTITY_ALIASES.get(row[1], row[1]) for row in rows]
    assert frame["value"].tolist() == [float(row[2]) for row in rows]
    assert frame["month"].tolist() == [pd.Timestamp(row[3], row[4], 1) for row in rows]


# --------------------------------------------------------------------------------------------
# DataFrames
# --------------------------------------------------------------------------------------------


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": ["fra", "DEU"],
            "quantity": ["returned", "killed"],
            "value": [271, 12.5],
            "as_of": ["2017-10", pd.Timestamp("2018-03-20")],
            "source": ["Soufan 2017", "Press"],
        }
    )


def test_validate_observations_normalises_a_frame():
    frame = validate_observations(good_frame(), "table")
    assert list(frame.columns) == list(COLUMNS)
    assert frame["iso3"].tolist() == ["FRA", "DEU"]
    assert frame["quantity"].tolist() == ["cumulative_returned", "killed"]
    assert frame["value"].tolist() == [271.0, 12.5]
    assert frame["as_of"].tolist() == ["2017-10", "2018-03-20"]
    assert frame["month"].tolist() == [pd.Timestamp("2017-10-01"), pd.Timestamp("2018-03-01")]


def test_validate_observations_matches_read_observations(tmp_path: Path):
    from_file = read_observations(write(tmp_path, VALIDATION_2017))
    raw = pd.read_csv(write(tmp_path, VALIDATION_2017, "again.csv"))
    assert validate_observations(raw, "again.csv").equals(from_file)


@pytest.mark.parametrize(
    ("column", "bad", "fragment"),
    [
        ("value", np.nan, "missing"),
        ("value", -1, "-1 is negative"),
        ("value", np.inf, "not finite"),
        ("value", True, "not a number"),
        ("iso3", "ZZZ", "not a known ISO"),
        ("quantity", "returnd", "did you mean 'cumulative_returned'"),
        ("as_of", "Oct 2017", "not a date"),
        ("source", None, "missing"),
    ],
)
def test_validate_observations_names_row_and_column(column: str, bad: object, fragment: str):
    frame = good_frame().astype(object)
    frame.loc[1, column] = bad
    with pytest.raises(ObservationError) as caught:
        validate_observations(frame, "table")
    message = str(caught.value)
    assert message.startswith(f"table: row 2 (line 3): {column}: ")
    assert fragment in message


def test_validate_observations_rejects_missing_columns_empty_frames_and_non_frames():
    with pytest.raises(ObservationError, match="table: columns: source: required column missing"):
        validate_observations(good_frame().drop(columns="source"), "table")
    with pytest.raises(ObservationError, match="table: no observations"):
        validate_observations(good_frame().iloc[:0], "table")
    with pytest.raises(ObservationError, match="expected a pandas DataFrame"):
        validate_observations([{"iso3": "FRA"}], "table")  # type: ignore[arg-type]
