"""Engine benchmark: throughput, memory, JIT cache, calibration, and speed-up by revision.

Warning first: this machine is shared, so a wall time alone means little. Every figure is
printed next to the time of a fixed reference workload (2e7 NumPy binomial draws, one
thread) measured in the same process just before and after, as ``ratio = time / reference``,
and next to the load average. Compare ratios across runs, not seconds. Every configuration
runs in a fresh subprocess, so its peak RSS (``ru_maxrss``) is its own. Nothing asserts a
time.

    .venv/bin/python benchmarks/run.py              # engine, JIT, calibration (~5 min)
    .venv/bin/python benchmarks/run.py --quick      # 100 draws (CI smoke)
    .venv/bin/python benchmarks/run.py --history 8068525 HEAD   # same workload, by revision
    .venv/bin/python benchmarks/run.py --json bench.json

Workloads: the baseline scenario, all 62 origin rows, 2011-01..2026-12 (192 months), seed
2016. ``summary`` records what ``ffcast run`` reduces to (stocks at the cut-off and the last
month, flows between them), so memory does not grow with months; ``full`` records every
month of every variable (what a results file holds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

SEED = 2016
SCENARIO = "baseline"
START, END = "2011-01", "2026-12"
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# The reference workload (also imported by benchmarks/dashboard_load.py)
# --------------------------------------------------------------------------------------------


def reference_seconds() -> float:
    """Seconds for 2e7 NumPy binomial draws (n=1000, p=0.3), one thread: the yardstick."""
    import numpy as np

    t0 = time.perf_counter()
    np.random.default_rng(0).binomial(1000, 0.3, 20_000_000)
    return time.perf_counter() - t0


def timed(fn: Any) -> dict[str, Any]:
    """Run ``fn()`` between two reference workloads; seconds, ratio and load average."""
    before = reference_seconds()
    t0 = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - t0
    after = reference_seconds()
    ref = 0.5 * (before + after)
    return {"seconds": seconds, "reference_s": ref, "ratio": seconds / ref,
            "load": os.getloadavg()[0], "value": value}


def fmt(r: dict[str, Any]) -> str:
    """``12.3 s (4.56 x ref, load 1.2)``."""
    return f"{r['seconds']:.2f} s ({r['ratio']:.2f} x ref, load {r['load']:.1f})"


# --------------------------------------------------------------------------------------------
# Workers (each runs in its own process and prints one JSON line)
# --------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker_engine(draws: int, chunk: int, recording: str) -> dict[str, Any]:
    """``draws`` of the baseline in chunks; ``recording`` is ``summary`` or ``full``."""
    import numba
    import numpy as np

    from ffcast.engine import Recording, prepare, run_chunk
    from ffcast.engine import layout as L

    prep = prepare(SCENARIO, start=START, end=END)
    last = len(prep.months) - 1
    record = (Recording(np.array([prep.cutoff_index, last]), flows_from=prep.cutoff_index)
              if recording == "summary" else None)
    run_chunk(prep, SEED, np.arange(2), record=record)  # JIT cache load outside the clock
    finals: list[np.ndarray] = []

    def run() -> None:
        for lo in range(0, draws, chunk):
            ch = run_chunk(prep, SEED, np.arange(lo, min(lo + chunk, draws)), record=record)
            finals.append(ch.stocks[:, -1].sum(axis=1, dtype=np.int64))

    r = timed(run)
    timings: dict[str, float] = {}
    run_chunk(prep, SEED, np.arange(min(draws, 200)), record=record, timings=timings)
    final = np.concatenate(finals)
    n_c, n_t = len(prep.countries), len(prep.months)
    return {**{k: v for k, v in r.items() if k != "value"},
            "draws": draws, "chunk": chunk, "recording": recording,
            "threads": numba.get_num_threads(), "country_months_per_s": draws * n_c * n_t
            / r["seconds"], "peak_rss_mib": _peak_rss_mib(),
            "step_share": {k: v / sum(timings.values()) for k, v in timings.items()},
            "checksum": {"mean_final_killed": float(final[:, L.KILLED].mean()),
                         "mean_final_travelled": float(final.sum(axis=1).mean())}}


def worker_jit() -> dict[str, Any]:
    """First engine call of a fresh process (a cold compile if NUMBA_CACHE_DIR is empty)."""
    t0 = time.perf_counter()
    import numpy as np

    from ffcast.engine import prepare, run_chunk

    prep = prepare(SCENARIO, start=START, end="2017-12", countries=["FRA", "TUN"])
    t1 = time.perf_counter()
    run_chunk(prep, SEED, np.arange(2))
    t2 = time.perf_counter()
    run_chunk(prep, SEED, np.arange(2))
    t3 = time.perf_counter()
    return {"import_prepare_s": t1 - t0, "first_call_s": t2 - t1, "second_call_s": t3 - t2,
            "cache_dir": os.environ.get("NUMBA_CACHE_DIR", "(in tree)")}


def worker_calibrate(particles: int) -> dict[str, Any]:
    """``ffcast calibrate --cutoff 2016-12`` with ``particles`` particles, after a warm-up."""
    from ffcast.calibrate import calibrate

    calibrate(cutoff="2016-12", particles=50, max_stages=1)  # JIT cache load
    r = timed(lambda: calibrate(cutoff="2016-12", particles=particles, seed=0))
    res = r.pop("value")
    return {**r, "particles": particles, "simulations": res.simulations,
            "stages": len(res.stages)}


def worker_history(draws: int, threads: int) -> dict[str, Any]:
    """The engine of whatever ffcast is first on sys.path: ``draws`` of the baseline in one
    chunk, default recording, ``threads`` numba threads (0: all), the same workload for
    every revision."""
    import numba
    import numpy as np

    if threads:
        numba.set_num_threads(threads)
    from ffcast.engine import prepare, run_chunk

    prep = prepare(SCENARIO, start=START, end=END)
    run_chunk(prep, SEED, np.arange(2))
    best: dict[str, Any] | None = None
    for _ in range(3):
        r = timed(lambda: run_chunk(prep, SEED, np.arange(draws)))
        r.pop("value")
        if best is None or r["ratio"] < best["ratio"]:
            best = r
    assert best is not None
    return {**best, "draws": draws, "threads": numba.get_num_threads()}


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def _spawn(args: list[str], env: dict[str, str] | None = None,
           pythonpath: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    full_env = {**os.environ, **(env or {})}
    if pythonpath:
        full_env["PYTHONPATH"] = pythonpath
    done = subprocess.run(cmd, capture_output=True, text=True, env=full_env)
    if done.returncode != 0:
        raise SystemExit(f"benchmark worker {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> dict[str, Any]:
    import numba
    import numpy as np

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="ascii") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__,
            "numba_threads": numba.config.NUMBA_NUM_THREADS, "load_avg": os.getloadavg()}


def _export(revision: str, into: Path) -> Path:
    """``src/`` of a git revision, extracted under ``into`` (its own numba cache)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"],
                             capture_output=True, check=True).stdout
    target = into / revision.replace("/", "_")
    target.mkdir(parents=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def history(revisions: list[str], draws: int) -> list[dict[str, Any]]:
    """The same workload on each revision's engine, one thread and all (compiles each once).

    Each row: the revision, then per thread setting seconds, ratio to the reference and the
    speed-up over the first revision's ratio."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ffcast-bench-") as tmp:
        for rev in revisions:
            src = _export(rev, Path(tmp))
            print(f"  {rev}: compiling and timing {draws} draws ...", flush=True)
            _spawn(["history", "2", "1"], pythonpath=str(src))  # compile outside the clock
            rows.append({"revision": rev,
                         "one": _spawn(["history", str(draws), "1"], pythonpath=str(src)),
                         "all": _spawn(["history", str(draws), "0"], pythonpath=str(src))})
    for key in ("one", "all"):
        base = rows[0][key]["ratio"]
        for row in rows:
            row[key]["speedup_vs_first"] = base / row[key]["ratio"]
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 draws only (CI smoke)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold JIT compile")
    ap.add_argument("--no-calibration", action="store_true", help="skip calibration")
    ap.add_argument("--history", nargs="+", metavar="REV",
                    help="only time these git revisions on the same workload")
    ap.add_argument("--history-draws", type=int, default=100)
    ap.add_argument("--json", type=Path, help="also write raw figures to this file")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        kind, *rest = a.worker
        workers = {"engine": lambda: worker_engine(int(rest[0]), int(rest[1]), rest[2]),
                   "jit": worker_jit, "calibrate": lambda: worker_calibrate(int(rest[0])),
                   "history": lambda: worker_history(int(rest[0]), int(rest[1]))}
        print(json.dumps(workers[kind]()))
        return 0

    machine = _machine()
    print(f"# ffcast engine benchmark ({SCENARIO}, {START}..{END}, seed {SEED})\n")
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu']}); Python {machine['python']}, "
          f"NumPy {machine['numpy']}, numba {machine['numba']} ({machine['numba_threads']} "
          f"threads); load average before: {machine['load_avg'][0]:.2f}\n", flush=True)
    results: dict[str, Any] = {"machine": machine}
    if a.history:
        results["history"] = history(a.history, a.history_draws)
        print(f"\n{a.history_draws} draws of the baseline, every month recorded:\n")
        print("| revision | 1 thread | speed-up | all threads | speed-up |")
        print("|---|---|---:|---|---:|")
        for row in results["history"]:
            one, every = row["one"], row["all"]
            print(f"| {row['revision']} | {fmt(one)} | {one['speedup_vs_first']:.1f}x | "
                  f"{fmt(every)} | {every['speedup_vs_first']:.1f}x |")
        _write(a.json, results)
        return 0

    # (draws, chunk, recording, numba threads; None = one per CPU)
    configs: list[tuple[int, int, str, int | None]] = (
        [(100, 100, "summary", None)] if a.quick else
        [(1_000, 1_000, "summary", None), (1_000, 1_000, "summary", 1),
         (1_000, 250, "full", None), (10_000, 1_000, "summary", None)])
    results["engine"] = []
    for draws, chunk, recording, threads in configs:
        print(f"engine: {draws:,} draws, chunk {chunk:,}, {recording} recording, "
              f"threads {threads or 'all'} ...", flush=True)
        env = {"NUMBA_NUM_THREADS": str(threads)} if threads else None
        results["engine"].append(_spawn(["engine", str(draws), str(chunk), recording], env))
    print("JIT: first call of a fresh process, cache warm ...", flush=True)
    results["jit_warm"] = _spawn(["jit"])
    if not (a.quick or a.no_cold):
        print("JIT: cold compile (empty NUMBA_CACHE_DIR) ...", flush=True)
        with tempfile.TemporaryDirectory() as cache:
            results["jit_cold"] = _spawn(["jit"], env={"NUMBA_CACHE_DIR": cache})
    if not (a.quick or a.no_calibration):
        print("calibration: --cutoff 2016-12 --particles 2000 ...", flush=True)
        results["calibration"] = _spawn(["calibrate", "2000"])
    results["load_avg_after"] = os.getloadavg()
    _report(results)
    _write(a.json, results)
    return 0


def _report(results: dict[str, Any]) -> None:
    print("\n| draws | chunk | recording | threads | engine time | M country-months/s "
          "| peak RSS (MiB) | step split |")
    print("|---:|---:|---|---:|---|---:|---:|---|")
    for r in results["engine"]:
        split = ", ".join(f"{k} {v:.0%}" for k, v in r["step_share"].items())
        print(f"| {r['draws']:,} | {r['chunk']:,} | {r['recording']} | {r['threads']} | "
              f"{fmt(r)} | {r['country_months_per_s'] / 1e6:.1f} | {r['peak_rss_mib']:,.0f} | "
              f"{split} |")
    print()
    for r in results["engine"]:
        print(f"checksum {r['draws']} draws / {r['recording']}: {r['checksum']}")
    w = results["jit_warm"]
    print(f"\nJIT, cache warm: first call {w['first_call_s']:.2f} s (import+prepare "
          f"{w['import_prepare_s']:.2f} s), second {w['second_call_s']:.3f} s")
    if "jit_cold" in results:
        c = results["jit_cold"]
        print(f"JIT, cold compile: first call {c['first_call_s']:.1f} s")
    if "calibration" in results:
        c = results["calibration"]
        print(f"\ncalibration 2016-12, {c['particles']:,} particles: {fmt(c)}, "
              f"{c['simulations']} batched simulations, {c['stages']} stages")
    print(f"\nload average after: {results['load_avg_after'][0]:.2f}")


def _write(path: Path | None, results: dict[str, Any]) -> None:
    if path:
        path.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
