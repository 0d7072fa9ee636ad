"""Where the time of a headline run goes: ``ffcast.runner.run("baseline", draws=N)`` in a
fresh process, split into imports, prepare(), the posterior, the chunks, reliance and JSON.

Warning first: this machine is shared; every repeat prints the load average, and the
medians of ``--repeats`` fresh processes are what to compare. The pieces are timed by
wrapping the calls ``run()`` makes (nothing of the run is re-implemented here), so the
script follows the runner as it changes. Nothing asserts a time.

    .venv/bin/python benchmarks/headline.py                  # 1000 draws, 3 repeats
    .venv/bin/python benchmarks/headline.py --draws 200 --repeats 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

PIECES = ("import_runner", "prepare", "posterior", "chunks", "reliance", "to_dict", "run",
          "total")


def worker(draws: int, seed: int) -> dict[str, float]:
    """One headline run in this process; seconds per piece (``run`` is all of run())."""
    t0 = time.perf_counter()
    from ffcast import runner
    from ffcast.calibrate import posterior

    seconds = {"import_runner": time.perf_counter() - t0}

    def clock(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
        return timed

    runner.prepare = clock("prepare", runner.prepare)  # type: ignore[assignment]
    posterior.resolve = clock("posterior", posterior.resolve)  # type: ignore[assignment]
    runner.Run.chunks = clock("chunks", runner.Run.chunks)  # type: ignore[method-assign]
    runner.Run.reliance = clock("reliance", runner.Run.reliance)  # type: ignore[method-assign]
    start = time.perf_counter()
    head = runner.run("baseline", draws=draws, seed=seed)
    seconds["run"] = time.perf_counter() - start
    start = time.perf_counter()
    json.dumps(head.to_dict())
    seconds["to_dict"] = time.perf_counter() - start
    seconds["total"] = time.perf_counter() - t0
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the repeats and medians here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.draws, args.seed)))
        return
    runs = []
    for _ in range(args.repeats):
        load = os.getloadavg()[0]
        out = subprocess.run([sys.executable, __file__, "--worker", "--draws", str(args.draws),
                              "--seed", str(args.seed)], check=True, capture_output=True,
                             text=True).stdout
        runs.append({**json.loads(out.splitlines()[-1]), "load": load})
        print(" ".join(f"{k} {runs[-1].get(k, 0.0):.3f}" for k in (*PIECES, "load")))
    medians = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in (*PIECES, "load")}
    print("median " + " ".join(f"{k} {v:.3f}" for k, v in medians.items()))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"draws": args.draws, "runs": runs, "median": medians}, f, indent=2)


if __name__ == "__main__":
    main()
