"""The ten failures the issue's fuzzing found, one test each (named by its number).

Each is now impossible at the door (cut-off minimum, month and seed ranges, YAML depth,
name length, output pre-flight, observation gate, scheduler check, parameter ceilings).
Two tests also run the engine *past* the door (a scenario built with ``model_construct``,
as no user can) to check the engine's own guard; they wait for the engine branch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffcast
from ffcast.backtest import read_observations
from ffcast.cli import app
from ffcast.errors import FFCastError, ObservationError, ScenarioError
from ffcast.results import check_dataset
from ffcast.scenario import Scenario, load_scenario
from ffcast.scenario.fields import CUTOFF_MIN

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[2] / "src")


def one_line(args: list[str], needle: str) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, (args, res.output[-1000:], res.exception)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.stderr
    assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# 1. Cut-offs between 2013-12 and 2014-10 crashed (IndexError in recruitment_shape), earlier
#    ones said "restore the per-country estimates".
@pytest.mark.parametrize("cutoff", ["2013-11", "2013-12", "2014-01", "2014-06", "2014-10"])
def test_1_cutoffs_the_data_cannot_support_are_refused_with_the_reason(cutoff: str) -> None:
    Path("s.yaml").write_text(f'cutoff: "{cutoff}"\n')
    one_line(["run", "s.yaml", "--draws", "2", "--end", "2017-06"], CUTOFF_MIN)
    one_line(["backtest", "--observations", "validation_returnees", "--draws", "2",
              "--cutoff", cutoff], CUTOFF_MIN)
    one_line(["calibrate", "--particles", "50", "--cutoff", cutoff], CUTOFF_MIN)
    one_line(["forecast", "--draws", "2", "--cutoff", cutoff], CUTOFF_MIN)


def test_1_the_earliest_supported_cutoff_runs() -> None:
    ds = ffcast.simulate(Scenario(cutoff=CUTOFF_MIN), draws=2, end="2015-06",
                         countries=["FRA", "TUN"], posterior="prior")
    check_dataset(ds)
    assert int(ds["cumulative_travelled"].isel(month=-1).sum()) > 0


# 2. Month 0000-01 passed the format check, then "year 0 is out of range" in 7 commands.
@pytest.mark.parametrize("args", [
    ["run", "--draws", "2", "--end"], ["compare", "baseline", "baseline", "--end"],
    ["forecast", "--draws", "2", "--until"], ["forecast", "--draws", "2", "--cutoff"],
    ["backtest", "--observations", "validation_returnees", "--cutoff"],
    ["calibrate", "--cutoff"], ["report", "--draws", "2", "--end"],
    ["sensitivity", "--outcome", "attacks_total", "--end"],
    ["discover", "--outcome", "attacks_total", "--threshold", "1", "--end"],
])
def test_2_month_zero_is_refused_by_every_command(args: list[str]) -> None:
    one_line([*args, "0000-01"], "0000-01")


# 3. Seeds >= 2**63 crashed numba; in Python, 2**63 after a smaller seed -> OverflowError.
def test_3_seeds_beyond_the_generator_are_refused_and_the_largest_runs() -> None:
    one_line(["run", "--draws", "2", "--seed", "18446744073709551616"], "--seed")
    ffcast.simulate("baseline", draws=1, seed=1, end="2017-02", countries=["FRA"])
    with pytest.raises(FFCastError, match="seed"):
        ffcast.simulate("baseline", draws=1, seed=2**63, end="2017-02", countries=["FRA"])
    top = ffcast.simulate("baseline", draws=2, seed=2**63 - 1, end="2017-02",
                          countries=["FRA"])
    check_dataset(top)


# 4. YAML nested 1,000 levels -> RecursionError.
@pytest.mark.parametrize("depth", [1000, 5000])
def test_4_deeply_nested_yaml_is_one_line(depth: int) -> None:
    Path("deep.yaml").write_text("policy: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario("deep.yaml")
    one_line(["run", "deep.yaml", "--draws", "1"], "nested too deeply")


@pytest.mark.parametrize("where", ["cutoff", "description", "policy:\n  countries"])
def test_4_a_yaml_alias_bomb_is_refused_at_once(where: str) -> None:
    """A 1 kB file whose aliases make 9**10 items: the echo of the input must not expand it."""
    import time

    from fuzz_strategies import alias_bomb

    Path("bomb.yaml").write_text(alias_bomb(where, 10))
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError):
        load_scenario("bomb.yaml")
    assert time.perf_counter() - t0 < 5


# 5. A scenario name or path over 255 bytes -> OSError: File name too long.
@pytest.mark.parametrize("name", ["x" * 256, "x" * 300 + ".yaml", "é" * 200 + ".yaml",
                                  "d/" + "x" * 300 + ".yaml"])
def test_5_overlong_names_are_one_line(name: str) -> None:
    with pytest.raises(ScenarioError, match="too long"):
        load_scenario(name)
    one_line(["run", name, "--draws", "1"], "too long")
    one_line(["run", "--draws", "1", "--out", name.replace(".yaml", "") + ".nc"], "--out")


# 6. --out that is a folder or lies under a file failed only after the work.
@pytest.mark.parametrize(("args", "out"), [
    (["run", "--draws", "2", "--end", "2017-06"], "{}"),
    (["backtest", "--observations", "validation_returnees", "--draws", "2"], "{}.csv"),
    (["data", "plot", "territory"], "{}.png"),
    (["report", "--draws", "2"], "{}.html"),
])
def test_6_bad_output_paths_fail_before_the_work(args: list[str], out: str) -> None:
    Path("folder.nc").mkdir()
    Path("afile").write_text("x")
    for target in ("folder.nc" if out == "{}" else out.format("folder"),
                   out.format("afile/x") if out != "{}" else "afile/x.nc"):
        if target.endswith((".csv", ".png", ".html")) and target.startswith("folder"):
            Path(target).mkdir()
        one_line([*args, "--out", target], "--out")


# 7. An observation of 1e308 passed the gate, then failed in scoring ("NaN or inf").
def test_7_absurd_observations_are_refused_at_the_gate() -> None:
    Path("obs.csv").write_text("iso3,quantity,value,as_of,source\nFRA,returned,1e308,"
                               "2017-10,x\n")
    with pytest.raises(ObservationError, match="value"):
        read_observations("obs.csv")
    one_line(["backtest", "--observations", "obs.csv", "--draws", "2"], "obs.csv")


# 8. --scheduler notaurl: the right error, then ~20 s later a Client.__del__ traceback.
def test_8_a_bad_scheduler_is_one_line_and_a_clean_exit() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", "from ffcast.cli import main; main()", "run",
                           "--draws", "2", "--scheduler", "notaurl"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


# 9. Valid scenarios gave negative counts: attack deaths wrapped at the int32 limit.
ISSUE_9 = {"plot_rate_reengaged": {"mean": 1e5}, "attack_tail": {"mean": 1.0},
           "severity_alpha": {"mean": 1.51}}
# Every knob that makes attacks at its bound: all exits dispatched, no arrests or deaths,
# every plot rate at its ceiling, no interdiction, every lethal attack in the power-law tail.
WORST_VALID = (Path(__file__).resolve().parents[1] / "worst_valid.yaml").read_text()


def test_9_the_issue_s_overflowing_scenario_is_refused_at_the_door() -> None:
    with pytest.raises(ScenarioError, match="ceiling"):
        Scenario().replace(parameters=ISSUE_9)
    Path("s.yaml").write_text("parameters:\n" + "".join(
        f"  {k}: {{mean: {v['mean']}}}\n" for k, v in ISSUE_9.items()))
    one_line(["run", "s.yaml", "--draws", "2"], "ceiling")


def test_9_10_the_worst_valid_corner_finishes_with_int32_counts() -> None:
    """Every attack knob at its bound, the largest origin (ROW): counts stay in int32 and
    non-negative, and a draw takes seconds, not minutes."""
    import time

    Path("worst.yaml").write_text(WORST_VALID)
    t0 = time.perf_counter()
    ds = ffcast.simulate("worst.yaml", draws=1, end="2024-12", countries=["ROW"],
                         posterior="prior")
    assert time.perf_counter() - t0 < 60
    check_dataset(ds)
    assert int(ds["attack_deaths"].max()) < 2**31 // 10  # a tenfold margin


def _past_the_door(**overrides: float) -> Scenario:
    """A scenario no user can write: overrides set without validation (model_construct)."""
    from ffcast.scenario.model import PriorOverride

    params = {k: PriorOverride.model_construct(mean=v, spread=0.0) for k, v in overrides.items()}
    return Scenario(cutoff="2014-12").model_copy(update={"parameters": params})


PAST_THE_DOOR = {"plot_rate_reengaged": 2e4, "attack_tail": 1.0, "severity_alpha": 1.51,
                 "undetected_reengage": 10.0, "detection": 0.0, "early_return": 10.0,
                 "interdiction_home": 0.0, "attack_zero_deaths": 0.0, "attack_lag": 1.0}


def test_9_past_the_door_the_engine_reports_overflow_instead_of_wrapping() -> None:
    from ffcast.engine import prepare, run_chunk

    prep = prepare(_past_the_door(**PAST_THE_DOOR), end="2015-01", countries=["TUN"])
    try:
        chunk = run_chunk(prep, 0, np.arange(1))
    except FFCastError:
        return  # the engine refused the absurd numbers: what the fix promises
    assert chunk.flows.min() >= 0 and chunk.stocks.min() >= 0, "a count wrapped"


# 10. Valid scenarios never finished: plot-rate or radicalisation means of ~5e5.
@pytest.mark.parametrize("name", ["plot_rate_dispatched", "plot_rate_reengaged",
                                  "plot_rate_undetected", "plot_rate_relocated",
                                  "plot_rate_radicalised", "prison_radicalisation"])
def test_10_the_issue_s_never_ending_means_are_refused_at_the_door(name: str) -> None:
    with pytest.raises(ScenarioError, match="ceiling"):
        Scenario().replace(parameters={name: {"mean": 5e5}})
    with pytest.raises(ScenarioError, match="ceiling"):
        Scenario().replace(parameters={name: {"mean": 1e6, "spread": 0}})


def test_10_past_the_door_the_engine_finishes_fast() -> None:
    code = textwrap.dedent(f"""
        import numpy as np
        from ffcast.errors import FFCastError
        from ffcast.engine import prepare, run_chunk
        from ffcast.scenario import Scenario
        from ffcast.scenario.model import PriorOverride
        params = {{k: PriorOverride.model_construct(mean=v, spread=0.0)
                   for k, v in {dict(PAST_THE_DOOR, plot_rate_reengaged=5e5)!r}.items()}}
        scen = Scenario(cutoff="2014-12").model_copy(update={{"parameters": params}})
        prep = prepare(scen, end="2015-03", countries=["TUN"])
        try:
            run_chunk(prep, 0, np.arange(2))
        except FFCastError:
            pass
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=300, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the engine hung (300 s) on absurd plot rates")
    assert done.returncode == 0, done.stderr[-1000:]
