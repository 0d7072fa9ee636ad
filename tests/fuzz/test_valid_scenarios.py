"""Any scenario the schema accepts runs, and the numbers keep the model's promises.

For each generated scenario and run options: the run finishes (no crash, no hang, no
overflow: every count is a non-negative int32), people are conserved (the person stocks
sum to the cumulative arrivals, month by month and country by country), cumulative counts
never fall, and the same seed gives the same numbers whatever the chunking.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from fuzz_strategies import LONG, dead_ends, run_options, scenarios
from hypothesis import given, settings
from hypothesis import strategies as st

import ffcast
from ffcast.errors import FFCastError
from ffcast.results import check_dataset, people_total
from ffcast.scenario import Scenario

EXTENSIONS = (".nc", ".zarr", ".csv", ".parquet")

MAX_SECONDS = 60.0  # one case; the slowest corner of the bounds takes a few seconds
# The one refusal a valid scenario may meet: a corner of the bounds (every plot knob at its
# ceiling, decades on) whose counts the engine cannot record. It must say so in one line.
IMPLAUSIBLE = "the inputs are implausible"
# The other: a region whose pathway means leave open only pathways a lever set to 0 closes
# (see fuzz_strategies.dead_ends): exits there have nowhere to go.
NOWHERE = "nowhere to go"


@settings(settings.get_profile("ffcast-fuzz-valid_scenarios"))
@given(data=st.data())
def test_every_valid_scenario_runs_and_keeps_the_model_s_promises(
        data: st.DataObject, tally: Counter[str]) -> None:
    raw: dict[str, Any] = data.draw(scenarios(), label="scenario")
    scen = Scenario.model_validate(raw)  # the strategy stays inside the schema
    opts = data.draw(run_options(scen.cutoff, LONG), label="options")
    tally["valid_scenarios"] += 1
    t0 = time.perf_counter()
    try:
        ds = ffcast.simulate(scen, lazy=False, chunk_size=1, **opts)
    except FFCastError as exc:  # the engine refuses numbers it cannot record: never a wrap
        assert "\n" not in str(exc), exc
        if NOWHERE in str(exc):
            assert dead_ends(scen), exc
            tally["valid_scenarios_refused_nowhere_to_go"] += 1
            return
        assert IMPLAUSIBLE in str(exc), exc
        tally["valid_scenarios_refused_as_implausible"] += 1
        return
    assert time.perf_counter() - t0 < MAX_SECONDS, "a valid scenario ran too long"
    check_dataset(ds)  # int32, non-negative, every variable, stocks sum to travelled
    travelled = ds["cumulative_travelled"].astype(np.int64)
    arrived = (ds["arrivals"].astype(np.int64) + ds["births"]).cumsum("month")
    np.testing.assert_array_equal(people_total(ds).values, arrived.values)
    np.testing.assert_array_equal(travelled.values, arrived.values)
    for name in ("cumulative_travelled", "cumulative_returned", "killed"):
        assert (ds[name].diff("month") >= 0).all(), f"{name} fell"
    again = ffcast.simulate(scen, lazy=False, chunk_size=2, **opts)
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, again[name].values, err_msg=name)


@settings(settings.get_profile("ffcast-fuzz-valid_cli"))
@given(data=st.data())
def test_every_valid_scenario_runs_through_the_cli(data: st.DataObject,
                                                   tally: Counter[str]) -> None:
    """The same scenarios as a YAML file on the command line: exit 0, the tables print
    (names are text, not markup) and the output file appears, in any format."""
    import yaml
    from typer.testing import CliRunner

    from ffcast.cli import app

    raw: dict[str, Any] = data.draw(scenarios(), label="scenario")
    scen = Scenario.model_validate(raw)
    opts = data.draw(run_options(scen.cutoff, long=False), label="options")
    ext = data.draw(st.sampled_from(EXTENSIONS), label="format")
    tally["valid_cli"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        out = Path(tmp) / "out" / f"run{ext}"
        args = ["run", str(path), "--draws", str(opts["draws"]), "--seed", str(opts["seed"]),
                "--end", opts["end"], "--out", str(out), "-q"]
        if opts["posterior"] == "prior":
            args.append("--prior")
        res = CliRunner().invoke(app, args)
        if res.exit_code == 2 and (IMPLAUSIBLE in res.stderr or NOWHERE in res.stderr):
            assert len(res.stderr.strip().splitlines()) == 1 and not out.exists()
            assert IMPLAUSIBLE in res.stderr or dead_ends(scen), res.stderr
            tally["valid_cli_refused"] += 1
            return
        assert res.exit_code == 0, res.output[-2000:]
        assert out.exists() and "Returned home" in res.stdout
