"""`ffcast calibrate` says when it stops short of temperature 1 (its posterior is then a
tempered one, wider than the data allow); it used to write it without a word (review,
2026-12-07)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ffcast.calibrate
from ffcast.cli import app


def test_a_calibration_that_stops_short_says_so(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffcast.calibrate, "calibrate",
                        functools.partial(ffcast.calibrate.calibrate, max_stages=1))
    out = tmp_path / "p.nc"
    args = ["calibrate", "--cutoff", "2014-12", "--particles", "50", "--seed", "1",
            "--out", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "stopped after 1 stages at temperature" in res.output and "short of 1" in res.output
    out.unlink()
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["temperature_reached"] < 1.0
