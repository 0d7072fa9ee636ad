"""Load test of the dashboard: N simulated sessions posting Run callbacks for S seconds.

Loopback only: it starts the app on 127.0.0.1 on a free port in this process (or uses
``--url`` if that is a 127.0.0.1 address) and posts to ``/_dash-update-component`` as the
browser does. Sessions cycle through a few lever settings (50 draws to 2018-12), so the
first request of each setting simulates and the rest are served by the cache. Prints
latency percentiles and the error count as JSON.

    .venv/bin/python benchmarks/dashboard_load.py --sessions 20 --seconds 60
    .venv/bin/python benchmarks/dashboard_load.py --latency   # Run callback server time
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import threading
import time
from typing import Any

import numpy as np
import requests
from werkzeug.serving import make_server

from ffcast.dashboard import controls as C
from ffcast.dashboard import create_app

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


def latency(draws: int, end: str) -> dict[str, Any]:
    """Server time of the Run callback body (validate, simulate, reduce, draw): cold, cached."""
    from ffcast.dashboard.app import Runner, run_view

    runner = Runner()
    out = {}
    for label in ("cold_s", "cached_s"):
        view = run_view(runner, "baseline", "2017-07", {}, default_levers(), "FRA", end,
                        draws, 0)
        if view["message"]:
            raise SystemExit(view["message"])
        out[label] = round(view["seconds"], 2)
    return {"draws": draws, "end": end, **out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--latency", action="store_true",
                        help="time the Run callback instead (100 and 1,000 draws)")
    args = parser.parse_args()
    if args.latency:
        for draws, end in ((100, "2019-12"), (1000, "2019-12"), (1000, "2022-12")):
            print(json.dumps(latency(draws, end)), flush=True)
        return
    app = create_app()
    url, server = serve(app)
    try:
        print(json.dumps(load(app, url, args.sessions, args.seconds), indent=2))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
