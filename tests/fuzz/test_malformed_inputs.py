"""Malformed scenarios, command lines and observation files: one line, exit code 2, no
traceback, nothing written, whatever the input (every generated input is wrong by
construction; an input the CLI accepted would fail the test)."""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from fuzz_strategies import (
    BAD_MONTHS,
    EARLY_CUTOFFS,
    LETTERS,
    bad_ints,
    malformed_scenarios,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ffcast.cli import app
from ffcast.errors import ECHO_LIMIT

runner = CliRunner()
SCENARIO_RUN = ["--draws", "1", "--end", "2100-12", "--out", "out.nc"]


def refused(args: list[str], folder: Path) -> str:
    """Run ``ffcast args`` in ``folder``: exit 2, one line, no traceback, no new file."""
    before = {p for p in folder.rglob("*")}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        res = runner.invoke(app, args)
    finally:
        os.chdir(cwd)
    assert res.exit_code == 2, (args[:8], res.exit_code, res.output[-1500:], res.exception)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (args[:8], res.stderr[-800:])
    assert "Traceback" not in res.output and len(lines[0]) <= 400, lines[0][:500]
    new = {p for p in folder.rglob("*")} - before
    assert not new, f"{args[:8]} wrote {sorted(map(str, new))[:5]}"
    return lines[0]


@settings(settings.get_profile("ffcast-fuzz-malformed_scenarios"))
@given(case=malformed_scenarios())
def test_a_malformed_scenario_is_refused_in_one_line(case: tuple[str, str],
                                                    tally: Counter[str]) -> None:
    _kind, text = case
    tally["malformed_scenarios"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.yaml").write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        line = refused(["run", "s.yaml", *SCENARIO_RUN], folder)
        assert time.perf_counter() - t0 < 20, "refusing took too long"
    assert len(line) < 2 * ECHO_LIMIT + 300, line  # echoes stay short, whatever came in


def _cli_cases() -> st.SearchStrategy[list[str]]:
    """A command line with exactly one bad value (the rest valid and cheap)."""
    small = ["--draws", "1", "--end", "2017-03"]
    existing_dir, under_file = "adir", "afile/x"
    bad_out = st.one_of(st.sampled_from(["/proc/x", existing_dir, f"{existing_dir}/",
                                         under_file, "x" * 300]),
                        LETTERS.map(lambda s: f"{existing_dir}/{s}/"))
    return st.one_of(
        bad_ints(1, 1_000_000).map(lambda v: ["run", "--draws", v, "--end", "2017-03"]),
        bad_ints(0, 2**63 - 1).map(lambda v: ["run", *small, "--seed", v]),
        bad_ints(1, 100_000).map(lambda v: ["run", *small, "--chunk-size", v]),
        BAD_MONTHS.map(lambda v: ["run", "--draws", "1", "--end", v]),
        BAD_MONTHS.map(lambda v: ["run", *small, "--start", v]),
        BAD_MONTHS.map(lambda v: ["compare", "baseline", "baseline", "--draws", "1",
                                  "--end", v]),
        BAD_MONTHS.map(lambda v: ["forecast", "--draws", "1", "--until", v]),
        st.one_of(BAD_MONTHS, EARLY_CUTOFFS).map(
            lambda v: ["forecast", "--draws", "1", "--cutoff", v]),
        st.one_of(BAD_MONTHS, EARLY_CUTOFFS).map(
            lambda v: ["backtest", "--observations", "validation_returnees", "--draws", "1",
                       "--cutoff", v]),
        st.one_of(BAD_MONTHS, EARLY_CUTOFFS).map(
            lambda v: ["calibrate", "--particles", "50", "--cutoff", v]),
        bad_ints(50, 100_000).map(lambda v: ["calibrate", "--particles", v]),
        BAD_MONTHS.map(lambda v: ["report", "--draws", "1", "--end", v]),
        BAD_MONTHS.map(lambda v: ["sensitivity", "--outcome", "attacks_total", "--samples",
                                  "2", "--end", v]),
        bad_ints(0, 2**63 - 1).map(lambda v: ["discover", "--outcome", "attacks_total",
                                              "--threshold", "1", "--seed", v]),
        st.sampled_from(["nan", "inf", "-inf", "x"]).map(
            lambda v: ["discover", "--outcome", "attacks_total", "--threshold", v]),
        bad_out.map(lambda v: ["run", *small, "--out", v + ".nc"]),
        bad_out.map(lambda v: ["forecast", "--draws", "1", "--out", v + ".csv"]),
        bad_out.map(lambda v: ["backtest", "--observations", "validation_returnees",
                               "--draws", "1", "--out", v + ".csv"]),
        bad_out.map(lambda v: ["report", "--draws", "1", "--out", v + ".html"]),
        bad_out.filter(lambda v: not v.startswith(existing_dir)).map(
            lambda v: ["report", "--draws", "1", "--out", "r.html", "--png-dir", v]),
        bad_out.map(lambda v: ["data", "plot", "territory", "--out", v + ".png"]),
        bad_out.map(lambda v: ["calibrate", "--out", v + ".nc"]),
        LETTERS.map(lambda v: ["run", *small, "--out", f"x.{v}"]),
        bad_out.map(lambda v: ["run", *small, "--posterior", v + ".nc"]),
        bad_out.map(lambda v: ["forecast", "--draws", "1", "--posterior", v + ".nc"]),
        bad_out.map(lambda v: ["report", v + ".nc"]),
        LETTERS.map(lambda v: ["run", "zz_" + v, *small]),
        LETTERS.map(lambda v: ["run", *small, "--scheduler", v]),
        LETTERS.map(lambda v: ["run", *small, "--no-" + v]),
        LETTERS.map(lambda v: ["zz" + v]),
        LETTERS.map(lambda v: ["backtest", "--observations", f"zz_{v}.csv", "--draws", "1"]),
        LETTERS.map(lambda v: ["sensitivity", "--outcome", "zz" + v, "--samples", "2"]),
        st.text(st.sampled_from("QXZJ"), min_size=3, max_size=3).map(
            lambda v: ["discover", "--outcome", "attacks_total", "--threshold", "1",
                       "--countries", f"FRA,{v}"]),
    )


@settings(settings.get_profile("ffcast-fuzz-malformed_arguments"))
@given(args=_cli_cases())
def test_a_malformed_command_line_is_refused_in_one_line(args: list[str],
                                                        tally: Counter[str]) -> None:
    tally["malformed_arguments"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("adir", "adir.nc", "adir.csv", "adir.html", "adir.png"):
            (folder / name).mkdir()  # an existing folder where a file should go
        (folder / "afile").write_text("x")
        refused(args, folder)


GOOD_ROW = {"iso3": "FRA", "quantity": "returned", "value": "271", "as_of": "2017-10",
            "source": "Soufan Center 2017"}


@st.composite
def malformed_observations(draw: st.DrawFn) -> bytes:
    """An observations file with one broken row, header or encoding (and good rows)."""
    header = list(GOOD_ROW)
    rows = [dict(GOOD_ROW) for _ in range(draw(st.integers(1, 4)))]
    bad = draw(st.sampled_from(rows))
    kind = draw(st.sampled_from(["iso3", "quantity", "value", "as_of", "source", "header",
                                 "fields", "binary", "encoding", "empty", "delimiter"]))
    if kind == "iso3":
        bad["iso3"] = draw(st.one_of(st.sampled_from(["FR", "France", "", "XQZ", "123"]),
                                     st.text(st.sampled_from("QXZJ"), min_size=3,
                                             max_size=3)))
    elif kind == "quantity":
        bad["quantity"] = "zz" + draw(LETTERS)
    elif kind == "value":
        bad["value"] = draw(st.one_of(
            st.sampled_from(["-1", "nan", "inf", "1e308", "1,000", "lots", "", "1e7x"]),
            st.floats(10_000_001, 1e308).map(repr), st.floats(max_value=-1e-9).map(repr)))
    elif kind == "as_of":
        bad["as_of"] = draw(st.one_of(BAD_MONTHS.filter(lambda m: m[:4] > "1899"),
                                      st.sampled_from(["9999-12", "2017-02-30", ""])))
    elif kind == "source":
        bad["source"] = draw(st.sampled_from(["", "  "]))
    elif kind == "header":
        header[draw(st.integers(0, 4))] = "zz" + draw(LETTERS)
    lines = [",".join(header)] + [",".join(f'"{r[k]}"' if "," in r[k] else r[k]
                                           for k in GOOD_ROW) for r in rows]
    text = "\n".join(lines) + "\n"
    if kind == "fields":
        text += "FRA,returned,1\n"
    elif kind == "binary":
        return text.encode() + b"\x00\x01"
    elif kind == "encoding":
        return text.encode() + b"\xff\xfe bad\n"
    elif kind == "empty":
        return draw(st.sampled_from([b"", b"\n\n", (",".join(header) + "\n").encode()]))
    elif kind == "delimiter":
        return text.replace(",", draw(st.sampled_from([";", "\t", "|"]))).encode()
    return text.encode("utf-8")


@settings(settings.get_profile("ffcast-fuzz-malformed_observations"))
@given(content=malformed_observations())
def test_a_malformed_observations_file_is_refused_in_one_line(content: bytes,
                                                             tally: Counter[str]) -> None:
    tally["malformed_observations"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "obs.csv").write_bytes(content)
        line = refused(["backtest", "--observations", "obs.csv", "--draws", "1", "--out",
                        "scores.csv"], folder)
    assert "obs.csv" in line
