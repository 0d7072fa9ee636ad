"""The notebook API: ffcast.simulate / forecast / compare / run, and their door.

The README and docs/guide.md show these calls; the example below is the one they print.
Every public call must answer malformed arguments with an FFCastError (one line, naming
the argument), never with a library exception (pandas, numpy, pydantic, numba, h5py).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ffcast
from ffcast import results, runner
from ffcast.errors import FFCastError

SMALL = {"draws": 4, "seed": 3, "end": "2017-06"}


def test_notebook_example_returns_a_dataset_that_passes_the_contract() -> None:
    ds = ffcast.simulate("baseline", draws=6, seed=1, end="2017-06")
    assert isinstance(ds, xr.Dataset)
    results.check_dataset(ds)
    assert ds.sizes["draw"] == 6 and str(ds["month"].values[-1])[:7] == "2017-06"
    assert ds.attrs["parameters"].startswith("posterior")
    fra = ds["cumulative_returned"].sel(country="FRA").isel(month=-1)
    assert int(fra.median()) > 0


def test_simulate_gives_the_numbers_run_writes(tmp_path: Path) -> None:
    ds = ffcast.simulate("baseline", chunk_size=3, **SMALL)
    out = tmp_path / "run.nc"
    ffcast.run("baseline", out=out, chunk_size=2, **SMALL)
    written = results.read(out)
    for var in ("cumulative_returned", "attack_deaths", "relocated"):
        np.testing.assert_array_equal(ds[var].values, written[var].values)


def test_lazy_simulate_is_dask_backed_and_identical() -> None:
    eager = ffcast.simulate("baseline", chunk_size=2, lazy=False, **SMALL)
    lazy = ffcast.simulate("baseline", chunk_size=3, lazy=True, **SMALL)
    assert lazy["killed"].chunks is not None  # dask arrays, computed on demand
    results.check_dataset(lazy)
    xr.testing.assert_equal(eager.drop_attrs(), lazy.load().drop_attrs())


def test_forecast_runs_the_shipped_posterior_forward() -> None:
    fc = ffcast.forecast(cutoff="2016-12", until="2017-03", draws=3, seed=2)
    results.check_dataset(fc)
    assert str(fc["month"].values[-1])[:7] == "2017-03"
    assert "2016-12" in fc.attrs["parameters"]


def test_compare_takes_run_s_arguments() -> None:
    """One door, one shape: compare takes every argument run takes except the ones that write
    results (docs/guide.md says why), with the same defaults."""
    import inspect

    run_args = inspect.signature(runner.run).parameters
    compare_args = inspect.signature(runner.compare).parameters
    writes = {"out", "all_draws", "force"}
    assert set(run_args) - {"scenario"} - writes <= set(compare_args)
    for name in set(run_args) - {"scenario"} - writes:
        assert compare_args[name].default == run_args[name].default, name


def test_compare_simulates_the_countries_and_months_asked_for() -> None:
    """compare(countries=, start=) is the paired difference of the two runs with the same
    arguments, draw by draw."""
    policy = Path(__file__).parents[1] / "examples" / "france-prosecutes.yaml"
    kwargs = {**SMALL, "countries": ["FRA", "BEL"], "start": "2016-01", "posterior": "prior"}
    res = ffcast.compare("baseline", policy, **kwargs)
    ha, hb = runner.run("baseline", **kwargs), runner.run(policy, **kwargs)
    for k in ha.pathways:
        assert res["pathways"][k] == runner._diff(ha.pathways[k], hb.pathways[k]), k
    assert list(res["countries"]) == ["FRA"]
    assert ha.countries == ["FRA", "BEL"]


def test_compare_is_paired() -> None:
    same = ffcast.compare("baseline", "baseline", **SMALL)
    assert all(d["median"] == 0 and d["p5"] == 0 and d["p95"] == 0
               for d in same["pathways"].values())


BAD = {
    "draws": [0, -5, 2.5, "ten", 10**9, None, True],
    "seed": [-1, 2**63, 2**64 + 1, 1.5, "x"],
    "end": ["2019-13", "0000-01", "19-12", 201912, "", "9999-12", "2010-12"],
    "start": ["2011-00", "2030-01"],
    "chunk_size": [0, -1, 0.5],
    "countries": [["FRX"], [], "NOTACOUNTRY", [1, 2]],
    "posterior": [3.5, "no-such-file.nc", ["a"]],
    "workers": [0, -2, 1.5],
    "scheduler": ["notaurl", "", 5],
}


@pytest.mark.parametrize(("name", "value"), [(k, v) for k, vs in BAD.items() for v in vs])
@pytest.mark.parametrize("call", ["run", "simulate", "compare", "prepare_run"])
def test_every_bad_argument_is_an_ffcast_error(call: str, name: str, value: object) -> None:
    kwargs = {**SMALL, name: value}
    fn = getattr(runner, call)
    args = ("baseline", "baseline") if call == "compare" else ("baseline",)
    with pytest.raises(FFCastError) as err:
        fn(*args, **kwargs)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("scenario", ["no-such-preset", "x" * 300, "missing.yaml", 42,
                                      Path("/proc/nonexistent.yaml")])
def test_bad_scenarios_are_ffcast_errors(scenario: object) -> None:
    with pytest.raises(FFCastError):
        runner.run(scenario, **SMALL)  # type: ignore[arg-type]


@pytest.mark.parametrize("out", ["/proc/x.nc", "x.txt", "."])
def test_bad_output_fails_before_any_work(out: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(runner.Run, "chunks", lambda self, f: calls.append(1))
    with pytest.raises(FFCastError):
        runner.run("baseline", out=out, **SMALL)
    assert calls == []


def test_forecast_bad_cutoff_is_an_ffcast_error() -> None:
    with pytest.raises(FFCastError, match="cutoff"):
        ffcast.forecast(cutoff="2016-13", draws=2)
    with pytest.raises(FFCastError, match="no shipped posterior"):
        ffcast.forecast(cutoff="2016-03", draws=2)


junk = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                 st.lists(st.integers(), max_size=3), st.binary(max_size=8))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BAD)), value=junk)
def test_arbitrary_values_never_leak_a_library_exception(name: str, value: object) -> None:
    with contextlib.suppress(FFCastError):  # any other exception fails the test
        runner.prepare_run("baseline", **{**SMALL, name: value})
