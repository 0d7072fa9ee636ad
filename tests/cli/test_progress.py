"""Long commands, output piped to a file, leave one progress line per stage (start and end,
with the elapsed time); ``--quiet`` leaves none; a failure leaves only its error line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.cli import app
from ffcast.cli.common import Stages

runner = CliRunner()
FAST = ["--draws", "3", "--end", "2017-06"]


def stage_lines(stderr: str) -> list[tuple[str, str]]:
    """``(stage, 'started' | 'done')`` for each progress line, in order."""
    out = []
    for line in stderr.splitlines():
        m = re.match(r"ffcast: (.+?): (started|done)\b", line)
        if m:
            out.append((m.group(1), m.group(2)))
            if m.group(2) == "done":
                assert re.search(r" in \d+\.\d s$", line), line
    return out


def assert_stages(stderr: str, *expected: str) -> None:
    lines = stage_lines(stderr)
    labels = [label for label, _ in lines]
    want = []
    for label in expected:
        want += [label, label]
    assert labels == want, stderr
    assert [kind for _, kind in lines] == ["started", "done"] * len(expected), stderr


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("args", "stages"), [
    (["run", "baseline", *FAST], ["simulating baseline"]),
    (["run", "baseline", *FAST, "--out", "r/x.csv"],
     ["simulating baseline", "writing r/x.csv"]),
    (["compare", "baseline", "prosecute-all", *FAST],
     ["simulating A: baseline", "simulating B: prosecute-all"]),
    (["forecast", "--draws", "3", "--until", "2017-03"], ["forecasting from 2016-12"]),
    (["backtest", "--observations", "validation_returnees", "--draws", "3"],
     ["backtest from 2016-12"]),
    (["report", *FAST, "--out", "r.html"],
     ["simulating for the report", "drawing the figures and writing the report"]),
    (["sensitivity", "--outcome", "attacks_total", "--samples", "2", "--draws-per-point",
      "1", "--end", "2017-06", "--countries", "FRA"], ["sobol sensitivity"]),
    # From the priors (--prior), so a recalibration cannot move the sample: 800 sits inside
    # its outcomes (756 to 829 French returnees by 2018-12, 40% above 800). With the shipped
    # posteriors one draw per point is one particle, whose range moved with each one.
    (["discover", "--outcome", "returned", "--threshold", "800", "--samples", "10",
      "--draws-per-point", "1", "--end", "2018-12", "--countries", "FRA", "--prior"],
     ["PRIM discovery"]),
])
def test_each_stage_leaves_a_start_and_an_end_line(args: list[str], stages: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output[-2000:]
    assert_stages(res.stderr, *stages)
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0 and stage_lines(quiet.stderr) == []


def test_a_report_of_a_results_file_shows_reading_then_drawing() -> None:
    assert runner.invoke(app, ["run", *FAST, "--out", "x.nc", "-q"]).exit_code == 0
    res = runner.invoke(app, ["report", "x.nc", "--out", "r.html"])
    assert res.exit_code == 0, res.output[-2000:]
    assert_stages(res.stderr, "reading x.nc", "drawing the figures and writing the report")


def test_rolling_backtest_has_one_stage_per_origin() -> None:
    res = runner.invoke(app, ["backtest", "--observations", "validation_returnees",
                              "--draws", "3", "--rolling"])
    assert res.exit_code == 0, res.output[-2000:]
    from ffcast.backtest.statements import ROLLING_ORIGINS

    assert_stages(res.stderr, *(f"backtest from {c}" for c in ROLLING_ORIGINS))


def test_calibration_reports_each_smc_stage() -> None:
    res = runner.invoke(app, ["calibrate", "--particles", "50", "--cutoff", "2015-12",
                              "--out", "p.nc"])
    assert res.exit_code == 0, res.output[-2000:]
    assert_stages(res.stderr, "calibrating at 2015-12 (50 particles)", "writing p.nc")
    assert re.search(r"ffcast: calibrating: temperature \d", res.stderr)


def test_an_error_after_checks_leaves_no_progress_line() -> None:
    res = runner.invoke(app, ["run", "basline", *FAST])
    assert res.exit_code == 2 and stage_lines(res.stderr) == []
    assert len(res.stderr.strip().splitlines()) == 1


def test_stages_show_when_work_starts(capsys: pytest.CaptureFixture[str]) -> None:
    st = Stages()
    st.start("waiting", 0)  # never advanced: no line at all
    st.start("thinking", 0, now=True)
    st.note("halfway")
    st.start("counting", 2, "things")
    st.advance(0)
    st.advance(2)
    st.finish()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "ffcast: thinking: started" and err[1] == "halfway"
    assert err[2].startswith("ffcast: thinking: done, in ")
    assert err[3] == "ffcast: counting: started (2 things)"
    assert err[4].startswith("ffcast: counting: done, 2/2 things in ")
