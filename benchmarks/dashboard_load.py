"""Load test of the dashboard: N simulated sessions posting Run callbacks for S seconds.

Loopback only: it starts the app on 127.0.0.1 on a free port in this process (or uses
``--url`` if that is a 127.0.0.1 address) and posts to ``/_dash-update-component`` as the
browser does. Sessions cycle through a few lever settings (50 draws to 2018-12), so the
first request of each setting simulates and the rest are served by the cache. Prints
latency percentiles and the error count as JSON.

    .venv/bin/python benchmarks/dashboard_load.py --sessions 20 --seconds 60
    .venv/bin/python benchmarks/dashboard_load.py --latency   # first picture, full answer
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import socket
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import requests
from werkzeug.serving import make_server

from ffcast.dashboard import controls as C
from ffcast.dashboard import create_app


def _bench() -> ModuleType:
    """benchmarks/run.py (the reference workload), imported by path under its own name."""
    spec = importlib.util.spec_from_file_location("ffcast_bench_run",
                                                  Path(__file__).resolve().parent / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()

LEVER_SETTINGS: tuple[float | None, ...] = (None, 0.05, 0.1, 0.2)  # camp repatriation


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any) -> tuple[str, Any]:
    """Start ``app`` on 127.0.0.1 in a daemon thread; returns (url, server)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", free_port(), app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def run_payload(app: Any, levers: dict[str, Any], draws: Any = 50, end: Any = "2018-12",
                preset: Any = "baseline", midpoint: Any = "2017-07",
                focus: Any = "FRA", seed: Any = 0) -> dict[str, Any]:
    """The JSON the browser posts when Run is clicked, with these control values."""
    output = next(k for k in app.callback_map if "run-spec.data" in k)
    values = {"preset": preset, "midpoint": midpoint,
              **{f"tilt-{k}": 1.0 for k in C.PATHWAY_KEYS},
              **{f"lever-{k}": levers.get(k) for k in C.LEVERS},
              "focus": focus, "horizon": end, "draws": draws, "seed": seed}
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
               for part in output.strip(".").split("...")]
    return {"output": output, "outputs": outputs, "changedPropIds": ["run.n_clicks"],
            "inputs": [{"id": "run", "property": "n_clicks", "value": 1}],
            "state": [{"id": k, "property": "value", "value": v} for k, v in values.items()]}


def default_levers(**changes: Any) -> dict[str, Any]:
    return {"rehabilitation_effect": 1.0, "border_control": 0.0, "dispatch_capacity": 1.0,
            "detection_capacity": 1.0, **changes}


def load(app: Any, url: str, sessions: int, seconds: float) -> dict[str, Any]:
    """Run the sessions; returns counts and latency percentiles (seconds)."""
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit("loopback only: the URL must start with http://127.0.0.1:")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def session(i: int) -> None:
        http = requests.Session()
        k = i
        while time.perf_counter() < stop:
            levers = default_levers(camp_repatriation=LEVER_SETTINGS[k % len(LEVER_SETTINGS)])
            t0 = time.perf_counter()
            try:
                r = http.post(f"{url}/_dash-update-component", json=run_payload(app, levers),
                              timeout=120)
                body = r.json()
                problem = body["response"]["message"]["children"] if r.ok else r.status_code
            except Exception as exc:  # count every failure
                problem = repr(exc)
            with lock:
                latencies.append(time.perf_counter() - t0)
                if problem:
                    errors.append(str(problem))
            k += 1

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = np.array(latencies)
    return {"sessions": sessions, "seconds": seconds, "requests": len(lat),
            "errors": len(errors), "first_errors": errors[:3],
            "p50_s": float(np.percentile(lat, 50)), "p90_s": float(np.percentile(lat, 90)),
            "p99_s": float(np.percentile(lat, 99)), "max_s": float(lat.max())}


def latency(draws: int, end: str, camp_repatriation: float) -> dict[str, Any]:
    """Server time of a new scenario: first picture (preview), full ensemble, and a repeat.

    A fresh Runner (empty cache) after a warm-up run of another scenario (JIT cache loaded),
    so this is what a user sees after changing a lever. Times sit next to the reference
    workload (benchmarks/run.py) and the load average.
    """
    from ffcast.dashboard import controls as C
    from ffcast.dashboard.app import Runner, run_view

    def ask(runner: Runner, camp: float | None, n: int) -> dict[str, Any]:
        view = run_view(runner, "baseline", "2017-07", {}, default_levers(
            camp_repatriation=camp), "FRA", end, n, 0)
        if view["message"]:
            raise SystemExit(view["message"])
        return view

    ask(Runner(), None, C.DRAWS_MIN)  # warm-up: JIT cache, data, figures code
    runner = Runner()

    def full_answer() -> float:
        t0 = time.perf_counter()
        view = ask(runner, camp_repatriation, draws)
        first["s"] = view["seconds"]
        spec = C.from_store(view["spec"])
        while runner.ready(spec) is None:
            time.sleep(0.01)
        return time.perf_counter() - t0

    first: dict[str, float] = {}
    r = bench.timed(full_answer)
    repeat = ask(runner, camp_repatriation, draws)["seconds"]
    return {"draws": draws, "end": end, "first_picture_s": round(first["s"], 2),
            "full_s": round(r["value"], 2), "repeat_s": round(repeat, 3),
            "reference_s": round(r["reference_s"], 2),
            "first_picture_x_ref": round(first["s"] / r["reference_s"], 2),
            "full_x_ref": round(r["value"] / r["reference_s"], 2), "load": round(r["load"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--latency", action="store_true",
                        help="time a new scenario instead: first picture, full ensemble")
    args = parser.parse_args()
    if args.latency:
        for k, (draws, end) in enumerate(((1000, "2019-12"), (1000, "2022-12"),
                                          (2000, "2019-12"))):
            print(json.dumps(latency(draws, end, 0.05 + 0.05 * k)), flush=True)
        return
    app = create_app()
    url, server = serve(app)
    try:
        print(json.dumps(load(app, url, args.sessions, args.seconds), indent=2))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
