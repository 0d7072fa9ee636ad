"""Inputs that used to finish with a number (or a traceback) and are now refused in one
line naming the field and the fix, exit 2, nothing written (review of bad input,
2026-12-07): an edited results file, a posterior whose particles are not normal scores,
levers that reach no month or no row, statements calibration cannot fit, a disk too small.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

import ffcast.calibrate.posterior
import ffcast.runner
from ffcast.cli import app
from ffcast.results import writers

runner = CliRunner()
FAST = ["--draws", "4", "--end", "2017-06", "-q"]


@pytest.fixture(scope="module")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("damaged") / "good.nc"
    res = runner.invoke(app, ["run", "baseline", *FAST, "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _edited(good: Path, tmp: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    with xr.open_dataset(good, engine="h5netcdf") as ds:
        ds.load()
    ds = edit(ds)
    path = tmp / f"{name}.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def _negative(ds: xr.Dataset) -> xr.Dataset:
    ds["cumulative_returned"][:] = -5
    return ds


def _wrapped(ds: xr.Dataset) -> xr.Dataset:
    ds["in_theatre"][:] = np.iinfo(np.int32).max
    return ds


def _country(ds: xr.Dataset) -> xr.Dataset:
    return ds.assign_coords(country=["ZZZ", *ds["country"].values[1:]])


def _scenario(ds: xr.Dataset) -> xr.Dataset:
    ds.attrs["scenario"] = "{not json"
    return ds


def _lever(ds: xr.Dataset) -> xr.Dataset:
    scen = json.loads(ds.attrs["scenario"])
    scen["policy"]["prosecution_rate"] = 7
    ds.attrs["scenario"] = json.dumps(scen)
    return ds


def _territory(ds: xr.Dataset) -> xr.Dataset:
    ds["territory"][:] = np.nan
    return ds


def _months(ds: xr.Dataset) -> xr.Dataset:
    return ds.isel(month=slice(None, None, -1))


EDITS = {"negative": (_negative, "cumulative_returned has a negative count"),
         "wrapped": (_wrapped, "do not sum"),
         "country": (_country, "unknown country 'ZZZ'"),
         "scenario": (_scenario, "its scenario attribute is not a valid ffcast scenario"),
         "lever": (_lever, "its scenario attribute is not a valid ffcast scenario"),
         "territory": (_territory, "territory is not a share in [0, 1]"),
         "months": (_months, "its months are not consecutive and in order"),
         "no-country": (lambda ds: ds.isel(country=[]), "no country in the file")}


@pytest.mark.parametrize("name", list(EDITS))
def test_an_edited_results_file_is_refused_not_reported(results_file: Path, tmp_path: Path,
                                                        name: str) -> None:
    """Negative returnees were reported as -5, wrapped int32 stocks as a smaller 'Stayed',
    a renamed country and an out-of-range lever were reported on; broken JSON and an empty
    country axis gave tracebacks."""
    edit, said = EDITS[name]
    path = _edited(results_file, tmp_path, name, edit)
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(path), "--out", str(out), "-q"])
    assert res.exit_code == 2, res.output
    assert said in res.output and "fix: pass a file written by `ffcast run --out`" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_the_unedited_file_is_reported(results_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(results_file), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert out.exists()


@pytest.mark.parametrize("value", [np.inf, np.nan, 1e30])
def test_a_posterior_whose_particles_are_not_normal_scores_is_refused(tmp_path: Path,
                                                                      value: float) -> None:
    """z = inf gave 77 attacks a year in the West (the real particles: 3); NaN blamed the
    scenario's death_base."""
    path = tmp_path / "p.nc"
    shipped = Path(ffcast.calibrate.posterior.__file__).parent / "posteriors"
    shutil.copy(shipped / "posterior_2016-12.nc", path)
    with h5py.File(path, "a") as f:
        f["z"][0, 0] = value
    res = runner.invoke(app, ["run", "baseline", *FAST, "--posterior", str(path)])
    assert res.exit_code == 2, res.output
    assert "its particles ('z') are not normal scores" in res.output


def test_an_empty_list_of_policy_countries_is_refused(tmp_path: Path) -> None:
    """`countries: []` reached nobody and ran as the baseline."""
    scen = tmp_path / "s.yaml"
    scen.write_text("policy:\n  countries: []\n  prosecution_rate: 0.99\n")
    res = runner.invoke(app, ["run", str(scen), *FAST])
    assert res.exit_code == 2, res.output
    assert "policy.countries: an empty list reaches nobody; fix:" in res.output


def test_levers_that_reach_no_month_are_said(tmp_path: Path) -> None:
    """A start after the run's end ran and equalled the baseline without a word. It is a
    warning, not an error (a run that stops before a policy starts is a fair check that
    nothing moves before it: the library's properties do exactly that)."""
    scen = tmp_path / "s.yaml"
    scen.write_text("policy:\n  prosecution_rate: 0.99\n  start: '2090-01'\n")
    res = runner.invoke(app, ["run", str(scen), *FAST])
    assert res.exit_code == 0, res.output
    assert "warning: policy.start: 2090-01 is after the run's last month 2017-06, so the " \
        "levers change nothing in this run; fix:" in res.stderr
    res = runner.invoke(app, ["compare", "baseline", str(scen), *FAST])
    assert res.exit_code == 0 and "warning: policy.start: 2090-01" in res.stderr
    scen.write_text("policy:\n  start: '2090-01'\n")  # no lever set: nothing to say
    res = runner.invoke(app, ["run", str(scen), *FAST])
    assert res.exit_code == 0 and "warning" not in res.stderr


def test_levers_for_countries_the_run_does_not_hold_are_said(tmp_path: Path) -> None:
    """`sensitivity --countries DEU` on a French policy ran the baseline at every point."""
    scen = tmp_path / "fra.yaml"
    scen.write_text("policy:\n  countries: [FRA]\n  prosecution_rate: 0.99\n")
    res = runner.invoke(app, ["sensitivity", "--outcome", "returned", "--samples", "2",
                              "--draws-per-point", "1", "--countries", "DEU", "--end",
                              "2017-06", "--scenario", str(scen), "-q"])
    assert res.exit_code == 0, res.output
    assert "warning: policy.countries: none of FRA is among this run's countries (DEU), so " \
        "the levers reach nobody; fix:" in res.stderr


def test_calibrate_refuses_statements_it_cannot_fit(tmp_path: Path) -> None:
    """A statement of Israel alone (pooled in ISR;PSE) was dropped without a word and the
    calibration ran on the embedded record only."""
    obs = tmp_path / "o.csv"
    obs.write_text("iso3,quantity,value,as_of,published,source\n"
                   "ISR,returned,250,2016-02,2016-03,x\n")
    out = tmp_path / "p.nc"
    res = runner.invoke(app, ["calibrate", "--cutoff", "2016-12", "--particles", "50",
                              "--observations", str(obs), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "none of its 1 statements can be fitted at 2016-12" in res.output
    assert "ISR" in res.output and not out.exists()


@pytest.mark.parametrize("until, said", [("2016-12", "--until: 2016-12 must be after the "
                                          "cut-off 2016-12; fix:"),
                                         ("2101-01", "--until: 2101-01 is outside")])
def test_forecast_names_its_own_option(until: str, said: str) -> None:
    res = runner.invoke(app, ["forecast", "--until", until])
    assert res.exit_code == 2 and said in res.output, res.output
    assert "--end" not in res.output


def test_a_file_the_disk_cannot_hold_is_refused_before_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk gave a traceback (.csv, .parquet, .zarr, and a leftover .tmp- folder)
    or a segfault inside HDF5 (.nc)."""
    real = shutil.disk_usage

    def tiny(path):  # type: ignore[no-untyped-def]
        return real(path)._replace(free=100_000)

    monkeypatch.setattr(shutil, "disk_usage", tiny)
    for name in ("x.nc", "x.zarr", "x.csv"):
        out = tmp_path / name
        res = runner.invoke(app, ["run", "baseline", *FAST, "--out", str(out)])
        assert res.exit_code == 2, res.output
        assert "its disk has 100.0 kB free; fix:" in res.output
        assert list(tmp_path.iterdir()) == []


def test_a_disk_that_fills_while_writing_is_one_line(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate is a lower bound: a write can still fill the disk. One line, exit 2,
    nothing left behind."""
    def full(self, chunk):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(self.tmp))

    monkeypatch.setattr(writers.ResultsWriter, "append", full)
    out = tmp_path / "x.csv"
    res = runner.invoke(app, ["run", "baseline", *FAST, "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "no space left on the disk" in res.output and "Traceback" not in res.output
    assert not out.exists()
    assert ffcast.runner.LEAST_SHARE_OF_ESTIMATE <= 0.34  # a 20-draw .nc was 0.336 of it
