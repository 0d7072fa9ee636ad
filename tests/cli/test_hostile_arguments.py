"""Every class of bad argument, fed to the CLI: one line, exit code 2, no traceback, nothing
written, and before any work (the issue's list of hostile inputs, command by command)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.cli import app

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[2] / "src")
LONG = "x" * 300
SMALL = ["--draws", "2", "--end", "2017-06"]


def one_line_error(args: list[str], cwd: Path) -> str:
    """Run ``ffcast args`` in ``cwd``; assert the failure contract; return the message."""
    before = sorted(p.relative_to(cwd) for p in cwd.rglob("*") if p.is_file())
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (args, res.output[-1500:], res.exception)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, (args, res.stderr)
    assert lines[0].startswith("error: ") and "fix" in lines[0], lines
    assert "Traceback" not in res.output and len(lines[0]) <= 400, lines[0]
    after = sorted(p.relative_to(cwd) for p in cwd.rglob("*") if p.is_file())
    assert after == before, f"{args} wrote {set(after) - set(before)}"
    return lines[0]


@pytest.fixture()
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    (tmp_path / "early.yaml").write_text('cutoff: "2014-06"\n')
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    (tmp_path / "huge.csv").write_text("iso3,quantity,value,as_of,source\n"
                                       "FRA,returned,1e308,2017-10,x\n")
    (tmp_path / "far.csv").write_text("iso3,quantity,value,as_of,source\n"
                                      "FRA,returned,100,9999-12,x\n")
    (tmp_path / "obs.csv").write_text("iso3,quantity,value,as_of,source\n"
                                      "FRA,returned,100,2017-10,x\n")
    return tmp_path


# (arguments, a word the one line must contain)
CASES: list[tuple[list[str], str]] = [
    # Typer/Click errors: one line, not a usage box
    (["run", "--draws", "-5"], "--draws"),
    (["run", "--draws", "2.5"], "--draws"),
    (["run", "--draws", "ten"], "--draws"),
    (["run", "--seed", "1e3"], "--seed"),
    (["run", "--no-such-flag"], "--no-such-flag"),
    (["nosuchcommand"], "nosuchcommand"),
    (["run", "a", "b"], "unexpected"),
    (["backtest"], "--observations"),
    (["sensitivity", "--samples", "2"], "--outcome"),
    (["dashboard", "--port", "0"], "--port"),
    # months the engine cannot represent, in every command that takes one
    (["run", "--draws", "2", "--end", "0000-01"], "--end"),
    (["run", "--draws", "2", "--start", "0000-01"], "--start"),
    (["compare", "baseline", "baseline", "--draws", "2", "--end", "0000-01"], "--end"),
    (["forecast", "--draws", "2", "--until", "0000-01"], "0000-01"),
    (["forecast", "--draws", "2", "--cutoff", "0000-01"], "--cutoff"),
    (["backtest", "--observations", "obs.csv", "--draws", "2", "--cutoff", "0000-01"],
     "--cutoff"),
    (["calibrate", "--particles", "50", "--cutoff", "0000-01"], "--cutoff"),
    (["data", "best", "--cutoff", "0000-01"], "--cutoff"),
    (["report", "--draws", "2", "--end", "0000-01"], "--end"),
    (["report", "--draws", "0"], "--draws"),  # an explicit 0 is not "the default"
    (["report", "--draws", "2", "--end", ""], "--end"),
    (["sensitivity", "--outcome", "attacks_total", "--samples", "2", "--end", "0000-01"],
     "--end"),
    (["discover", "--outcome", "attacks_total", "--threshold", "1", "--end", "0000-01"],
     "--end"),
    (["run", "--draws", "2", "--end", "9999-12"], "--end"),
    # cut-offs the data do not support (failure 1)
    (["run", "early.yaml", *SMALL], "2014-11"),
    (["forecast", "--draws", "2", "--cutoff", "2014-01"], "2014-11"),
    (["backtest", "--observations", "obs.csv", "--draws", "2", "--cutoff", "2014-01"],
     "2014-11"),
    (["calibrate", "--particles", "50", "--cutoff", "2014-01"], "2014-11"),
    (["data", "best", "--cutoff", "2014-01"], "2014-11"),
    # seeds the generator cannot hash (failure 3)
    (["run", "--draws", "2", "--seed", "18446744073709551616"], "--seed"),
    (["run", "--draws", "2", "--seed", "9223372036854775808"], "--seed"),
    (["compare", "baseline", "baseline", "--draws", "2", "--seed", "-1"], "--seed"),
    (["sensitivity", "--outcome", "attacks_total", "--samples", "2", "--seed",
      "18446744073709551616"], "--seed"),
    (["discover", "--outcome", "attacks_total", "--threshold", "1", "--seed",
      "18446744073709551616"], "--seed"),
    (["calibrate", "--particles", "50", "--seed", "18446744073709551616"], "--seed"),
    # deep YAML and long names (failures 4, 5)
    (["run", "deep.yaml", *SMALL], "nested too deeply"),
    (["run", LONG, *SMALL], "too long"),
    (["run", f"{LONG}.yaml", *SMALL], "too long"),
    (["backtest", "--observations", f"{LONG}.csv", "--draws", "2"], "too long"),
    (["run", *SMALL, "--out", f"{LONG}.nc"], "--out"),
    # output paths that cannot be written (failure 6): before any work
    (["run", *SMALL, "--out", "/proc/x.nc"], "--out"),
    (["run", *SMALL, "--out", "adir"], "--out"),
    (["run", *SMALL, "--out", "adir/"], "--out"),
    (["run", *SMALL, "--out", "afile/x.nc"], "--out"),
    (["run", *SMALL, "--out", "x.xlsx"], "--out"),
    (["forecast", "--draws", "2", "--out", "afile/x.nc"], "--out"),
    (["backtest", "--observations", "obs.csv", "--draws", "2", "--out", "adir"], "--out"),
    (["backtest", "--observations", "obs.csv", "--draws", "2", "--out", "afile/s.csv"],
     "--out"),
    (["calibrate", "--particles", "50", "--out", "/proc/p.nc"], "--out"),
    (["report", "--draws", "2", "--out", "adir"], "--out"),
    (["report", "--draws", "2", "--out", "r.html", "--png-dir", "afile"], "--png-dir"),
    (["report", "--draws", "2", "--out", "r.html", "--png-dir", "/proc/figs"], "--png-dir"),
    (["data", "plot", "territory", "--out", "adir"], "--out"),
    (["data", "plot", "territory", "--out", "/proc/t.png"], "--out"),
    (["data", "plot", "territory", "--out", "afile/t.png"], "--out"),
    (["sensitivity", "--outcome", "attacks_total", "--samples", "2", "--out", "afile/s.csv"],
     "--out"),
    (["run", *SMALL, "--posterior", f"{LONG}.nc"], "--posterior"),
    (["run", *SMALL, "--posterior", "nofile.nc"], "--posterior"),
    (["forecast", "--draws", "2", "--posterior", "adir"], "--posterior"),
    (["report", f"{LONG}.nc"], "fix"),
    # observation files (failure 7, and dates beyond what ffcast forecasts)
    (["backtest", "--observations", "huge.csv", "--draws", "2"], "value"),
    (["backtest", "--observations", "far.csv", "--draws", "2"], "as_of"),
    (["backtest", "--observations", "returnees_2017.csv", "--draws", "2"], "not found"),
    (["report", "huge.csv"], "huge.csv"),
    (["report", "obs.csv"], "obs.csv"),
    # the scheduler (failure 8)
    (["run", *SMALL, "--scheduler", "notaurl"], "--scheduler"),
    # parameters a modeller could not defend (failures 9, 10)
    (["run", "absurd.yaml", *SMALL], "ceiling"),
    # work a run should refuse
    (["run", "--draws", "1000000", "--end", "2100-12"], "hours"),
    (["run", "--draws", "100", "--out", "x.csv", "--all-draws"], "--force"),
]


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_argument_is_one_line_exit_2_nothing_written(cwd: Path, args: list[str],
                                                         needle: str) -> None:
    (cwd / "absurd.yaml").write_text("parameters:\n  plot_rate_reengaged: {mean: 1.0e+5}\n"
                                     "  attack_tail: {mean: 1}\n"
                                     "  severity_alpha: {mean: 1.51}\n")
    t0 = time.perf_counter()
    line = one_line_error(args, cwd)
    assert needle in line, line
    assert time.perf_counter() - t0 < 5  # refused before the work, never after it


def test_input_is_echoed_at_most_80_characters(cwd: Path) -> None:
    key = "k" * 200_000
    (cwd / "long.yaml").write_text(f"{key}: 1\n")
    line = one_line_error(["run", "long.yaml", *SMALL], cwd)
    assert len(line) < 300 and "k" * 81 not in line
    line = one_line_error(["run", "--draws", "2", "--end", "2" * 10_000], cwd)
    assert len(line) < 300


def test_nine_bad_countries_are_one_line(cwd: Path) -> None:
    codes = ", ".join(f"X{i}Q" for i in range(9))
    (cwd / "c.yaml").write_text(f"policy:\n  countries: [{codes}]\n")
    line = one_line_error(["run", "c.yaml", *SMALL], cwd)
    assert "X0Q" in line


def ffcast_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``ffcast args`` in a fresh interpreter (this checkout's sources first)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-c", "from ffcast.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("out", ["/proc/x.nc", "."])
def test_an_unwritable_out_fails_in_under_two_seconds_in_a_fresh_process(
        cwd: Path, out: str) -> None:
    t0 = time.perf_counter()
    done = ffcast_process("run", "--out", out)
    elapsed = time.perf_counter() - t0
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert elapsed < 2.0, elapsed


def test_a_bad_scheduler_leaves_no_traceback_at_exit(cwd: Path) -> None:
    """Failure 8: the right error, then (20 s later) a ``Client.__del__`` traceback."""
    done = ffcast_process("run", *SMALL, "--scheduler", "notaurl")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_running_out_of_memory_is_one_line_with_the_fix(capsys: pytest.CaptureFixture[str],
                                                        ) -> None:
    """``--chunk-size 100000`` on a small machine: numpy's MemoryError, not a traceback."""
    import typer

    from ffcast.cli.common import user_errors

    @user_errors
    def huge() -> None:
        raise MemoryError("Unable to allocate 71.6 GiB for an array with shape (78, 100000)")

    with pytest.raises(typer.Exit) as done:
        huge()
    assert done.value.exit_code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "out of memory" in err[0] and "--chunk-size" in err[0]
