"""Benchmark of the living forecast (issue 21): start where the data stop, fold in statements.

Warning first: this machine is shared, so every figure is printed next to the reference
workload (2e7 NumPy binomial draws, ``benchmarks/run.py``) timed in the same process and
the load average; compare ratios, not seconds. Nothing asserts a time. Each workload runs
in a fresh subprocess (its own peak RSS), after a warm-up call outside the clock.

    .venv/bin/python benchmarks/living.py            # all five (~3 min on an idle 2-core)
    .venv/bin/python benchmarks/living.py --only run update

Workloads (baseline, shipped 2016-12 posterior, 1,000 draws, seed 0, horizon 2026-12):
- ``forecast``: the draws a headline needs (the cut-off, each December, the end), started
  from the particles' stored states, against the same draws re-simulating each particle's
  history from 2011 (what every forecast did before: the same numbers, checked); the
  goal is <= 40% of the time.
- ``compare``: ``ffcast.compare("baseline", "repatriate-camps")`` against one
  ``ffcast.run("baseline")``; goal <= 1.3x.
- ``dashboard``: the dashboard's full 1,000-draw answer (reduction and figures) for a
  scenario not in its cache; goal <= 2 s with a core free.
- ``run``: the command a user types, ``ffcast run baseline --draws 1000``, as a whole
  process: wall time and peak RSS (median of 3); goals <= 3 s and <= 500 MB.
- ``update``: ``ffcast.update`` of the 1,000-particle posterior with 20 statements
  published after the cut-off (figures drawn from the model itself: a benchmark input,
  never a datum); goal <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import fmt, reference_seconds, timed

ROOT = Path(__file__).resolve().parents[1]
DRAWS = 1000
GOALS = {"forecast": "<= 0.40 of re-simulating the history", "compare": "<= 1.3x one run",
         "dashboard": "<= 2 s with a core free", "run": "<= 3 s and <= 500 MB",
         "update": "<= 30 s"}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_forecast() -> dict[str, Any]:
    import numpy as np

    from ffcast import runner
    from ffcast.calibrate.posterior import Posterior, load

    post = load("2016-12")
    bare = Posterior(post.cutoff, post.z, post.names, post.attrs, post.noise)  # no states

    def go(p: Posterior) -> np.ndarray:
        job = runner.prepare_run("baseline", draws=DRAWS, seed=0, posterior=p)
        out: list[np.ndarray] = []
        job.chunks(lambda c: out.append(c.stocks[:, -1].sum(1)), record=job.summary_record())
        return np.concatenate(out)

    go(post)
    go(bare)
    fast, slow = timed(lambda: go(post)), timed(lambda: go(bare))
    same = bool(np.array_equal(fast.pop("value"), slow.pop("value")))
    return {"from_states": fast, "from_2011": slow, "same_numbers": same,
            "share": fast["ratio"] / slow["ratio"]}


def worker_compare() -> dict[str, Any]:
    from ffcast import runner

    runner.run("baseline", draws=50)
    one = timed(lambda: runner.run("baseline", draws=DRAWS, seed=0))
    two = timed(lambda: runner.compare("baseline", "repatriate-camps", draws=DRAWS, seed=0))
    one.pop("value")
    two.pop("value")
    return {"run": one, "compare": two, "x_run": two["ratio"] / one["ratio"]}


def worker_dashboard() -> dict[str, Any]:
    from ffcast.dashboard import controls as C
    from ffcast.dashboard.app import Runner
    from ffcast.scenario import load_scenario

    runner = Runner()
    scen = load_scenario("baseline")
    warm = C.RunSpec(scen, 50, 1, "2026-12", "FRA")
    runner.view(warm)
    spec = C.RunSpec(scen, DRAWS, 0, "2026-12", "FRA")
    r = timed(lambda: runner.view(spec))
    r.pop("value")
    return {"full_answer": r}


def worker_update() -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from ffcast import runner
    from ffcast.backtest.observations import validate_observations

    ds = runner.simulate("baseline", draws=1, seed=99, start="2017-01", end="2017-06")
    ret = ds["cumulative_returned"].isel(draw=0, month=-1)
    top = ret.to_series().sort_values(ascending=False).index[:20]
    frame = pd.DataFrame({"iso3": list(top), "quantity": "cumulative_returned",
                          "value": [float(ret.sel(country=c)) for c in top],
                          "as_of": "2017-05", "published": "2017-06",
                          "source": "benchmark input drawn from the model"})
    obs = validate_observations(frame, "benchmark")
    from ffcast.living import update

    r = timed(lambda: update("2016-12", obs, "2017-06"))
    res = r.pop("value")
    return {"update": r, "statements": len(res.statements), "ess": res.ess,
            "particles": len(res.posterior.z), "peak_rss_mib": _peak_mib(),
            "moved_rows": int(np.isfinite(res.statements["after_median"]).sum())}


def run_cli(repeats: int = 3) -> dict[str, Any]:
    """``ffcast run baseline --draws 1000`` as a whole process (after one warm-up); its peak
    RSS is measured by a fresh parent per repeat (``RUSAGE_CHILDREN`` of a long-lived parent
    would be the largest of every child it ever waited for)."""
    exe = str(Path(sys.executable).with_name("ffcast"))
    cmd = [exe, "run", "baseline", "--draws", str(DRAWS), "--quiet"]
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], capture_output=True, check=True); "
             "print(time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    subprocess.run(cmd, capture_output=True, check=True)
    walls, rss, refs, loads = [], [], [], []
    for _ in range(repeats):
        refs.append(reference_seconds())
        loads.append(os.getloadavg()[0])
        done = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True,
                              text=True, check=True)
        wall, peak = (float(x) for x in done.stdout.split())
        walls.append(wall)
        rss.append(peak)
    wall, ref = statistics.median(walls), statistics.median(refs)
    return {"seconds": wall, "reference_s": ref, "ratio": wall / ref,
            "load": statistics.median(loads), "peak_rss_mib": max(rss), "walls": walls}


def _spawn(kind: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", kind],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark worker {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=list(GOALS), default=list(GOALS))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    workers = {"forecast": worker_forecast, "compare": worker_compare,
               "dashboard": worker_dashboard, "update": worker_update}
    if a.worker:
        print(json.dumps(workers[a.worker]()))
        return 0
    print(f"# ffcast living-forecast benchmark (baseline, posterior 2016-12, {DRAWS:,} draws)\n")
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs\n", flush=True)
    out: dict[str, Any] = {}
    for kind in a.only:
        print(f"{kind} ...", flush=True)
        out[kind] = run_cli() if kind == "run" else _spawn(kind)
    print("\n| workload | measured | goal |\n|---|---|---|")
    if "forecast" in out:
        f = out["forecast"]
        print(f"| forecast from the stored states | {fmt(f['from_states'])}; from 2011: "
              f"{fmt(f['from_2011'])}; share **{f['share']:.2f}** (same numbers: "
              f"{f['same_numbers']}) | {GOALS['forecast']} |")
    if "compare" in out:
        c = out["compare"]
        print(f"| compare two presets | {fmt(c['compare'])}; one run {fmt(c['run'])}; "
              f"**{c['x_run']:.2f}x** | {GOALS['compare']} |")
    if "dashboard" in out:
        print(f"| dashboard full answer | **{fmt(out['dashboard']['full_answer'])}** | "
              f"{GOALS['dashboard']} |")
    if "run" in out:
        r = out["run"]
        print(f"| `ffcast run baseline --draws 1000` | **{fmt(r)}**, peak RSS "
              f"**{r['peak_rss_mib']:,.0f} MiB** | {GOALS['run']} |")
    if "update" in out:
        u = out["update"]
        print(f"| `ffcast.update`, {u['statements']} statements, {u['particles']:,} particles "
              f"| **{fmt(u['update'])}**, ESS {u['ess']:,.0f}, peak RSS "
              f"{u['peak_rss_mib']:,.0f} MiB | {GOALS['update']} |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
