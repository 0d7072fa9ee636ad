"""Shared, session-built report inputs: small (20 draws to 2019-12) to keep tests fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from ffcast.report.build import ReportRequest, build_report
from ffcast.report.reduce import Reduction, reduce_run

DRAWS = 20
SEED = 5
END = "2019-12"


@pytest.fixture(scope="session")
def reduction() -> Reduction:
    """The baseline reduced in uneven chunks (7 draws)."""
    return reduce_run("baseline", DRAWS, SEED, end=END, chunk_size=7)


@pytest.fixture(scope="session")
def report_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full report with a scenario comparison."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    return build_report(ReportRequest(out=out, draws=DRAWS, seed=SEED, end=END,
                                      compare="prosecute-all"))


@pytest.fixture(scope="session")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report `ffcast report` writes with no scenario options (baseline, no comparison)."""
    from typer.testing import CliRunner

    from ffcast.cli import app

    out = tmp_path_factory.mktemp("default") / "report.html"
    res = CliRunner().invoke(app, ["report", "--draws", str(DRAWS), "--seed", str(SEED),
                                   "--end", END, "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def results_report(tmp_path_factory: pytest.TempPathFactory, results_file: Path) -> Path:
    """`ffcast report runs/x.nc`: the report of a results file."""
    from typer.testing import CliRunner

    from ffcast.cli import app

    out = tmp_path_factory.mktemp("from-results") / "report.html"
    res = CliRunner().invoke(app, ["report", str(results_file), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def dashboard_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard's report download of the current view (no comparison)."""
    from ffcast.dashboard.controls import RunSpec
    from ffcast.dashboard.downloads import report_file
    from ffcast.scenario import load_scenario

    spec = RunSpec(load_scenario("repatriate-camps"), draws=DRAWS, seed=SEED, end=END,
                   focus="DEU")
    content, name = report_file(spec, compare_baseline=False)
    out = tmp_path_factory.mktemp("dashboard") / name
    out.write_bytes(content)
    return out


@pytest.fixture(scope="session")
def before_report(tmp_path_factory: pytest.TempPathFactory,
                  updated_posterior: tuple[Path, Path]) -> Path:
    """`ffcast report --posterior after.nc --before before.nc`: what an update moved."""
    from typer.testing import CliRunner

    from ffcast.cli import app

    before, after = updated_posterior
    out = tmp_path_factory.mktemp("before") / "moved.html"
    res = CliRunner().invoke(app, ["report", "--posterior", str(after), "--before",
                                   str(before), "--draws", str(DRAWS), "--seed", str(SEED),
                                   "--end", END, "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="session")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file written by the runner (same seed, draws and months as above)."""
    from ffcast.runner import run

    out = tmp_path_factory.mktemp("results") / "baseline.nc"
    run("baseline", draws=DRAWS, seed=SEED, end=END, out=out, chunk_size=8)
    return out
