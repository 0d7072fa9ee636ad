"""Downloads of the current run (netCDF, CSV) and of the current view (the HTML report).

Warning first: a download re-simulates the validated run (same scenario, seed and draws,
hence the same numbers as on screen) into a temporary directory that is removed before the
bytes are returned, so nothing accumulates on the server. The full results in CSV's tidy
long form are about 12 MB per draw to 2019-12, so the CSV holds the horizon month only
(every variable, country and draw); the netCDF file holds every month.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from ffcast import results
from ffcast.dashboard.controls import RunSpec
from ffcast.report.build import ReportRequest, build_report
from ffcast.runner import run


def _stem(spec: RunSpec) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in spec.scenario.name)
    return f"ffcast-{safe.strip('-')}-{spec.draws}draws-seed{spec.seed}"


def results_file(spec: RunSpec, fmt: str) -> tuple[bytes, str]:
    """(bytes, file name) of the run's results as ``nc`` (all months) or ``csv`` (horizon)."""
    if fmt not in ("nc", "csv"):
        raise ValueError(f"format {fmt!r}: use nc or csv")
    with tempfile.TemporaryDirectory(prefix="ffcast-dash-") as tmp:
        nc = Path(tmp) / "run.nc"
        run(spec.scenario, draws=spec.draws, seed=spec.seed, end=spec.end, out=nc)
        if fmt == "nc":
            return nc.read_bytes(), f"{_stem(spec)}.nc"
        csv = Path(tmp) / "run.csv"
        with results.read(nc, lazy=True) as ds:
            results.write(ds.isel(month=[-1]).load(), csv)
        return csv.read_bytes(), f"{_stem(spec)}-{spec.end}.csv"


def report_file(spec: RunSpec, compare_baseline: bool) -> tuple[bytes, str]:
    """(bytes, file name) of the HTML report of the current view (optionally vs baseline)."""
    with tempfile.TemporaryDirectory(prefix="ffcast-dash-") as tmp:
        scenario_yaml = Path(tmp) / "scenario.yaml"
        scenario_yaml.write_text(yaml.safe_dump(
            spec.scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
            sort_keys=False), encoding="utf-8")
        out = build_report(ReportRequest(
            out=Path(tmp) / "report.html", scenario=str(scenario_yaml),
            compare="baseline" if compare_baseline else None, draws=spec.draws,
            seed=spec.seed, end=spec.end, focus=(spec.focus,)))
        return out.read_bytes(), f"{_stem(spec)}.html"
