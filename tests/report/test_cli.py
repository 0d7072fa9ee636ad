"""`ffcast report`: prints the path; bad input is one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner, Result

from ffcast.cli import app

from .conftest import DRAWS, END


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, ["report", *args])


def test_prints_the_path(tmp_path: Path, results_file: Path) -> None:
    out = tmp_path / "r.html"
    res = _run(str(results_file), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    assert out.stat().st_size > 4_000_000  # plotly.js inlined


def _foreign_nc(tmp_path: Path) -> Path:
    path = tmp_path / "random.nc"
    xr.Dataset({"x": ("t", np.arange(3))}).to_netcdf(path, engine="h5netcdf")
    return path


@pytest.mark.parametrize("case", ["unknown-scenario", "unknown-compare", "missing-file",
                                  "foreign-nc", "garbage-nc", "bad-out", "file-and-draws",
                                  "bad-end", "bad-focus"])
def test_bad_input(tmp_path: Path, case: str) -> None:
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not netcdf")
    args = {
        "unknown-scenario": ["--scenario", "no-such", "--draws", "2"],
        "unknown-compare": ["--compare", "no-such", "--draws", "2"],
        "missing-file": [str(tmp_path / "missing.nc")],
        "foreign-nc": [str(_foreign_nc(tmp_path))],
        "garbage-nc": [str(garbage)],
        "bad-out": ["--draws", "2"],
        "file-and-draws": [str(garbage), "--draws", str(DRAWS)],
        "bad-end": ["--end", "2019-13"],
        "bad-focus": ["--focus", "FRX", "--end", END],
    }[case]
    target = out.with_suffix(".txt") if case == "bad-out" else out
    res = _run(*args, "--out", str(target))
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert list(out.parent.iterdir()) == []
