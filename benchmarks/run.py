"""Engine benchmark: wall time, peak memory, throughput, step split, JIT cost, numba vs Python.

Warning first: every configuration runs in a *fresh subprocess*, so ``ru_maxrss`` (the peak
resident set of that process) belongs to that configuration alone, and the numba on-disk
cache is warm unless the configuration says "cold". The numbers are wall-clock on whatever
else the machine is doing: the load average before and after is printed so a noisy run can
be recognised, and the CPU seconds of the worker are printed next to the wall time (on a busy
machine, CPU time of a one-thread run is the better estimate of the engine's own cost).
Nothing here asserts a time; ``make bench`` only prints.

    python benchmarks/run.py            # 1,000 and 10,000 draws, all countries, 2011-01..2026-12
    python benchmarks/run.py --quick    # 100 draws (CI smoke, ~1 minute)
    python benchmarks/run.py --json out.json   # also write the raw figures

Chunked runs keep only a per-draw summary of each chunk (final-month stocks summed over
countries, attacks and attack deaths summed over months and countries) and drop the chunk,
so memory is bounded by one chunk: ``chunk_size * months * countries * (N_STOCKS + N_FLOWS)
* 4`` bytes of recorded output (about 440 MB for 250 draws of the baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SEED = 2016
SCENARIO = "baseline"
START, END = "2011-01", "2026-12"
CHUNK_SIZE = 250


# --------------------------------------------------------------------------------------------
# Workers (each runs in its own process and prints one JSON line)
# --------------------------------------------------------------------------------------------


def _rss_now_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def worker_run(draws: int, chunk_size: int) -> dict[str, Any]:
    """Simulate ``draws`` of the baseline in chunks; keep only a per-draw summary."""
    import numpy as np

    t_import = time.perf_counter()
    from ffcast.engine import layout as L
    from ffcast.engine import prepare, run_chunk

    prep = prepare(SCENARIO, start=START, end=END)
    t_prepared = time.perf_counter()
    run_chunk(prep, SEED, np.arange(2))  # loads the JIT cache (or compiles) outside the clock
    t_warm = time.perf_counter()
    rss_before = _rss_now_mib()

    timings: dict[str, float] = {}
    finals, attacks, deaths = [], [], []
    a0, d0, nt = L.ATTACKS0, L.ATTACK_DEATHS0, len(L.TARGETS)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for lo in range(0, draws, chunk_size):
        ch = run_chunk(prep, SEED, np.arange(lo, min(lo + chunk_size, draws)), timings=timings)
        finals.append(ch.stocks[:, -1].sum(axis=1, dtype=np.int64))
        attacks.append(ch.flows[..., a0:a0 + nt].sum(axis=(1, 2, 3), dtype=np.int64))
        deaths.append(ch.flows[..., d0:d0 + nt].sum(axis=(1, 2, 3), dtype=np.int64))
        del ch
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    final = np.concatenate(finals)
    n_c, n_t = len(prep.countries), len(prep.months)
    import numba

    return {
        "draws": draws, "chunk_size": chunk_size, "countries": n_c, "months": n_t,
        "threads": numba.get_num_threads(),
        "wall_s": wall, "cpu_s": cpu, "country_months_per_s": draws * n_c * n_t / wall,
        "draws_per_s": draws / wall,
        "timings": timings, "other_s": wall - sum(timings.values()),
        "peak_rss_mib": _peak_rss_mib(), "rss_before_run_mib": rss_before,
        "import_prepare_s": t_prepared - t_import, "jit_load_s": t_warm - t_prepared,
        "checksum": {"mean_final_killed": float(final[:, L.KILLED].mean()),
                     "mean_final_travellers": float(final.sum(axis=1).mean()),
                     "mean_attacks": float(np.concatenate(attacks).mean()),
                     "mean_attack_deaths": float(np.concatenate(deaths).mean())},
    }


def worker_jit() -> dict[str, Any]:
    """First call of the engine in this process (cold if NUMBA_CACHE_DIR is empty)."""
    import numpy as np

    t0 = time.perf_counter()
    from ffcast.engine import prepare, run_chunk

    prep = prepare(SCENARIO, start=START, end="2017-12", countries=["FRA", "TUN"])
    t1 = time.perf_counter()
    run_chunk(prep, SEED, np.arange(2))
    t2 = time.perf_counter()
    run_chunk(prep, SEED, np.arange(2))
    t3 = time.perf_counter()
    return {"import_prepare_s": t1 - t0, "first_call_s": t2 - t1, "second_call_s": t3 - t2,
            "peak_rss_mib": _peak_rss_mib(),
            "cache_dir": os.environ.get("NUMBA_CACHE_DIR", "(default)")}


def worker_pyfunc(draws: int = 5, n_countries: int = 5, months: int = 6,
                  first_month: int = 70) -> dict[str, Any]:
    """The four monthly steps compiled vs. as plain Python (``.py_func``) on a tiny problem.

    Both start from the same state (the compiled engine run to ``first_month``, when every
    stock is populated), then advance ``months`` months. For the Python run the helpers the
    steps call (samplers, RNG, competing hazards) are swapped for their ``.py_func`` too, so
    no compiled code runs inside the steps.
    """
    import warnings

    import numpy as np

    from ffcast.engine import kernel, rng, sampling, simulate
    from ffcast.engine import layout as L
    from ffcast.engine.rng import stream_keys

    countries = ["FRA", "TUN", "BEL", "RUS", "DEU"][:n_countries]
    prep = simulate.prepare(SCENARIO, end=END, countries=countries)
    dp = simulate.sample_parameters(prep, SEED, np.arange(draws))
    keys = stream_keys(SEED, np.arange(draws))
    shape = (draws, n_countries)
    zeros = {"state": (*shape, L.N_STOCKS), "flows": (*shape, L.N_FLOWS),
             "home_new": (*shape, 2), "radical": shape,
             "queue": (*shape, len(L.TARGETS), L.MAX_LAG)}
    st = {k: np.zeros(v, dtype=np.int64) for k, v in zeros.items()}
    steps = ("step_arrivals", "step_theatre", "step_home", "step_plots")

    def advance(fns: dict[str, Any], st: dict[str, np.ndarray], t_from: int, t_to: int,
                clock: dict[str, float]) -> None:
        for t in range(t_from, t_to):
            params = dp.params_post if t >= prep.policy_index else dp.params_pre
            paths = dp.pathways_post if t > prep.cutoff_index else dp.pathways_pre
            lam = dp.travellers * (prep.shape[t] * prep.border[t])[None, :]
            args = {
                "step_arrivals": (st["state"], st["flows"], lam, keys, t, prep.codes),
                "step_theatre": (st["state"], st["flows"], params, paths, dp.theatres,
                                 np.ascontiguousarray(dp.pressure[:, t]), float(prep.ease[t]),
                                 keys, t, prep.codes, st["home_new"]),
                "step_home": (st["state"], st["flows"], params, st["radical"], keys, t,
                              prep.codes, st["home_new"]),
                "step_plots": (st["state"], st["flows"], params, st["radical"], st["queue"],
                               keys, t, prep.codes),
            }
            for name in steps:
                c0 = time.perf_counter()
                fns[name](*args[name])
                clock[name] = clock.get(name, 0.0) + time.perf_counter() - c0
            st["flows"][:] = 0

    compiled = {name: getattr(kernel, name) for name in steps}
    advance(compiled, st, 0, first_month, {})
    start_state = {k: v.copy() for k, v in st.items()}

    # Compiled: repeat the same months from copies and take the best repeat (timer noise).
    best: dict[str, float] = {}
    for _ in range(30):
        s = {k: v.copy() for k, v in start_state.items()}
        clock: dict[str, float] = {}
        advance(compiled, s, first_month, first_month + months, clock)
        best = {k: min(v, best.get(k, v)) for k, v in clock.items()}
    nb_state = s["state"]

    # Pure Python: swap every jitted helper the steps reach for its .py_func.
    for mod, names in ((kernel, ("competing", "split", "binomial", "poisson",
                                 "power_law_severity", "uniform")),
                       (sampling, ("binomial", "poisson")), (rng, ("mix64", "uniform"))):
        for name in names:
            setattr(mod, name, getattr(mod, name).py_func)
    python = {name: getattr(kernel, name).py_func for name in steps}
    s = {k: v.copy() for k, v in start_state.items()}
    py_clock: dict[str, float] = {}
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # uint64 wrap-around is intended
        advance(python, s, first_month, first_month + months, py_clock)
    import numba

    return {
        "draws": draws, "countries": n_countries, "months": months,
        "threads": numba.get_num_threads(),
        "numba_s": best, "python_s": py_clock,
        "speedup": {k: py_clock[k] / best[k] for k in steps},
        "speedup_total": sum(py_clock.values()) / sum(best.values()),
        "identical_state": bool(np.array_equal(nb_state, s["state"])),
    }


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def _spawn(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"benchmark worker {args} failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t0
    return out


def _machine() -> dict[str, Any]:
    import numba
    import numpy as np

    mem_kib = 0
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="ascii") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kib / 2**20, 1),
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "threading_layer": numba.config.THREADING_LAYER, "load_avg": os.getloadavg()}


def _fmt_steps(timings: dict[str, float], wall: float) -> str:
    return ", ".join(f"{k} {v / wall:.0%}" for k, v in timings.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 draws only (CI smoke)")
    ap.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    ap.add_argument("--no-cold", action="store_true", help="skip the cold JIT compile")
    ap.add_argument("--json", type=Path, help="also write raw figures to this file")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        kind, *rest = a.worker
        if kind == "run":
            res = worker_run(int(rest[0]), int(rest[1]))
        elif kind == "jit":
            res = worker_jit()
        else:
            res = worker_pyfunc()
        print(json.dumps(res))
        return 0

    machine = _machine()
    print(f"# ffcast engine benchmark ({SCENARIO}, {START}..{END}, seed {SEED})\n")
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['ram_gib']} GiB RAM; "
          f"Python {machine['python']}, NumPy {machine['numpy']}, numba {machine['numba']} "
          f"({machine['numba_threads']} threads, layer {machine['threading_layer']}); "
          f"load average before: {machine['load_avg'][0]:.2f}\n", flush=True)

    # (draws, chunk size, numba threads; None = numba's default, one per CPU)
    configs: list[tuple[int, int, int | None]] = (
        [(100, a.chunk_size, None)] if a.quick
        else [(1_000, a.chunk_size, None), (1_000, a.chunk_size, 1), (1_000, 1_000, None),
              (10_000, a.chunk_size, None)])
    results: dict[str, Any] = {"machine": machine, "runs": []}
    for draws, chunk, threads in configs:
        print(f"running {draws} draws, chunk {chunk}, threads {threads or 'default'} ...",
              flush=True)
        env = {"NUMBA_NUM_THREADS": str(threads)} if threads else None
        results["runs"].append(_spawn(["run", str(draws), str(chunk)], env=env))

    print("timing JIT (cache warm) ...", flush=True)
    results["jit_warm"] = _spawn(["jit"])
    if not (a.quick or a.no_cold):
        print("timing JIT (cold: empty NUMBA_CACHE_DIR) ...", flush=True)
        with tempfile.TemporaryDirectory() as cache:
            results["jit_cold"] = _spawn(["jit"], env={"NUMBA_CACHE_DIR": cache})
    print("numba vs pure Python ...", flush=True)
    results["pyfunc"] = [_spawn(["pyfunc"]), _spawn(["pyfunc"], env={"NUMBA_NUM_THREADS": "1"})]
    results["load_avg_after"] = os.getloadavg()

    print("\n| draws | chunk | threads | wall (s) | draws/s | country-months/s | peak RSS (MiB) "
          "| RSS before run (MiB) | step split |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results["runs"]:
        print(f"| {r['draws']:,} | {r['chunk_size']:,} | {r['threads']} | {r['wall_s']:.1f} | "
              f"{r['cpu_s']:.1f} | "
              f"{r['draws_per_s']:.0f} | {r['country_months_per_s']:,.0f} | "
              f"{r['peak_rss_mib']:,.0f} | {r['rss_before_run_mib']:,.0f} | "
              f"{_fmt_steps(r['timings'], r['wall_s'])}, sampling+other "
              f"{r['other_s'] / r['wall_s']:.0%} |")
    print()
    for r in results["runs"]:
        print(f"checksum {r['draws']} draws / chunk {r['chunk_size']}: {r['checksum']}")
    w = results["jit_warm"]
    print(f"\nJIT, cache warm: first call {w['first_call_s']:.2f} s, second "
          f"{w['second_call_s']:.3f} s (import+prepare {w['import_prepare_s']:.2f} s)")
    if "jit_cold" in results:
        c = results["jit_cold"]
        print(f"JIT, cold compile: first call {c['first_call_s']:.1f} s, second "
              f"{c['second_call_s']:.3f} s")
    for p in results["pyfunc"]:
        print(f"\nnumba ({p['threads']} threads) vs pure Python ({p['draws']} draws x "
              f"{p['countries']} countries x {p['months']} months; best of 30 compiled repeats; "
              f"identical state: {p['identical_state']})\n")
        print("| step | numba (ms) | Python (ms) | speed-up |")
        print("|---|---:|---:|---:|")
        for k in p["numba_s"]:
            print(f"| {k} | {p['numba_s'][k] * 1e3:.3f} | {p['python_s'][k] * 1e3:,.1f} | "
                  f"{p['speedup'][k]:,.1f}x |")
        print(f"| all | {sum(p['numba_s'].values()) * 1e3:.3f} | "
              f"{sum(p['python_s'].values()) * 1e3:,.1f} | {p['speedup_total']:,.1f}x |")
    print(f"\nload average after: {results['load_avg_after'][0]:.2f}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
