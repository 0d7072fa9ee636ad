"""`ffcast report --posterior --before`: bad input is one line at the door, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.cli import app
from ffcast.plots.export import find_chromium

runner = CliRunner()


@pytest.fixture(scope="module")
def results_nc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ffcast.runner import run

    out = tmp_path_factory.mktemp("results") / "run.nc"
    run("baseline", draws=2, seed=1, end="2017-06", out=out)
    return out


def _cases(before: Path, after: Path, results: Path, tmp: Path) -> dict[str, tuple[list[str],
                                                                                str]]:
    garbage = tmp / "garbage.nc"
    garbage.write_text("not a posterior", encoding="utf-8")
    copy = tmp / "copy.nc"
    shutil.copy(after, copy)
    return {
        "results-file": ([str(results), "--before", str(before)],
                         "--before: a results file holds draws simulated already"),
        "results-file-posterior": ([str(results), "--posterior", str(after)],
                                   "--posterior: a results file holds draws"),
        "same-as-default": (["--before", "2016-12"],
                            "--before: '2016-12' is the posterior the run uses already"),
        "same-file": (["--posterior", str(after), "--before", str(after)],
                      "is the posterior the run uses already"),
        "same-content": (["--posterior", str(after), "--before", str(copy)],
                         "is the posterior the run uses already"),
        "other-cutoff": (["--posterior", str(after), "--before", "2016-06"],
                         "--before: fitted at cut-off 2016-06, but --posterior at 2016-12"),
        "unreadable-before": (["--posterior", str(after), "--before", str(garbage)],
                              "--before: " + str(garbage) + ": not a readable ffcast "
                              "posterior"),
        "missing-before": (["--posterior", str(after), "--before", str(tmp / "no.nc")],
                           "--before: no posterior file"),
        "results-as-before": (["--posterior", str(after), "--before", str(results)],
                              "--before: " + str(results) + ": not an ffcast posterior"),
        "unreadable-posterior": (["--posterior", str(garbage), "--before", str(before)],
                                 "--posterior: " + str(garbage)),
        "posterior-of-other-cutoff": (["--posterior", "2016-06"],
                                      "--posterior: fitted at cut-off 2016-06, but the "
                                      "scenario's cut-off is 2016-12"),
        "swapped": (["--posterior", str(before), "--before", str(after)],
                    "--before: its history reaches 2017-06, not earlier than --posterior's "
                    "2016-12"),
        "end-by-the-origin": (["--posterior", str(after), "--before", str(before), "--end",
                               "2017-06"], "--end: 2017-06 is not after --posterior's origin"),
    }


CASES = ("results-file", "results-file-posterior", "same-as-default", "same-file",
         "same-content", "other-cutoff", "unreadable-before", "missing-before",
         "results-as-before", "unreadable-posterior", "posterior-of-other-cutoff", "swapped",
         "end-by-the-origin")


@pytest.mark.parametrize("case", CASES)
def test_bad_before_or_posterior_is_one_line_and_writes_nothing(
        case: str, updated_posterior: tuple[Path, Path], results_nc: Path,
        tmp_path: Path) -> None:
    before, after = updated_posterior
    args, message = _cases(before, after, results_nc, tmp_path)[case]
    out = tmp_path / "made" / "deeper" / "moved.html"
    pngs = tmp_path / "pngs"  # made by the checks of the outputs, removed on failure
    pictures = ["--png-dir", str(pngs)] if find_chromium() is not None else []
    res = runner.invoke(app, ["report", *args, "--out", str(out), *pictures, "-q"])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert message in lines[0], lines[0]
    assert "fix:" in lines[0]
    assert not (tmp_path / "made").exists() and not pngs.exists()


def test_the_help_names_both_options() -> None:
    res = runner.invoke(app, ["report", "--help"])
    assert res.exit_code == 0
    assert "--posterior" in res.output and "--before" in res.output


@pytest.mark.parametrize("value", ["a" * 5000 + ".nc", "x\x00y.nc", "/proc", ""])
@pytest.mark.parametrize("flag", ["--posterior", "--before"])
def test_hostile_posterior_paths_are_one_line(flag: str, value: str, tmp_path: Path) -> None:
    out = tmp_path / "made" / "r.html"
    extra = ["--before", "2016-12"] if flag == "--posterior" else []
    res = runner.invoke(app, ["report", flag, value, *extra, "--out", str(out), "-q"])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: no posterior file")
    assert "Traceback" not in res.output and not (tmp_path / "made").exists()
