"""Peer benchmark: the same tiny model as a Mesa agent model and as ffcast-style binomials.

Warning first: wall times on a shared machine are noisy; each implementation runs
``--repeats`` times (after one untimed warm-up that also compiles numba) and the best time is
reported with the CPU seconds of this process next to it. Mesa is an optional dependency
(``pip install -e ".[bench]"``); without it that row is skipped. Nothing asserts a time.

    .venv/bin/python benchmarks/peers/run.py                  # 2,000 people, 72 months, 20 draws
    .venv/bin/python benchmarks/peers/run.py --people 20000   # scale the population
    .venv/bin/python benchmarks/peers/run.py --json peers.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models


def _time(fn: Callable[..., np.ndarray], repeats: int, *args: int) -> tuple[float, float,
                                                                          np.ndarray]:
    out = fn(*args)  # warm-up (numba compile or cache load, Mesa imports)
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(*args)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--months", type=int, default=72)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    size = (args.people, args.months, args.draws)
    impls: dict[str, Callable[..., np.ndarray]] = {
        "numpy binomial (stock-and-flow)": models.run_numpy,
        "numba, ffcast samplers": models.run_numba,
    }
    try:
        import mesa

        impls[f"mesa {mesa.__version__} (agent per person)"] = models.run_mesa
    except ImportError:
        print("mesa not installed (pip install -e '.[bench]'): skipping the agent model")
    expected = models.expected_stocks(args.people, args.months)[-1]
    rows = []
    for name, fn in impls.items():
        wall, cpu, out = _time(fn, args.repeats, *size)
        mean_end = out[:, -1].mean(axis=0)
        rows.append({"implementation": name, "wall_s": wall, "cpu_s": cpu,
                     "mean_end": mean_end.tolist()})
        assert out[:, -1].sum(axis=1).tolist() == [args.people] * args.draws  # conserved
    slowest = max(r["wall_s"] for r in rows)
    load = os.getloadavg()
    print(f"{args.people:,} people x {args.months} months x {args.draws} draws; "
          f"load average {load[0]:.2f}; expected end stocks {np.round(expected, 1).tolist()}")
    print(f"{'implementation':40s} {'wall (s)':>10s} {'cpu (s)':>9s} {'x faster than slowest':>22s}"
          "  mean end (in_theatre, killed, returned)")
    for r in rows:
        print(f"{r['implementation']:40s} {r['wall_s']:10.4f} {r['cpu_s']:9.4f} "
              f"{slowest / r['wall_s']:22.1f}  {np.round(r['mean_end'], 1).tolist()}")
    result = {"people": args.people, "months": args.months, "draws": args.draws,
              "repeats": args.repeats, "loadavg": load, "python": platform.python_version(),
              "expected_end": expected.tolist(), "rows": rows}
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
