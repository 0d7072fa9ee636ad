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
from typing import TYPE_CHECKING

import yaml

from ffcast import results
from ffcast.dashboard.controls import RunSpec
from ffcast.report.build import ReportRequest, build_report
from ffcast.runner import run

if TYPE_CHECKING:
    from ffcast.report.moved import Posteriors


def _stem(spec: RunSpec) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in spec.scenario.name)
    return f"ffcast-{safe.strip('-')}-{spec.draws}draws-seed{spec.seed}"


def _posterior(spec: RunSpec, posteriors: Posteriors | None) -> object:
    """The ``posterior`` argument of the run ``spec`` names (see :class:`RunSpec`)."""
    if posteriors is None:
        if spec.posterior != "current":
            raise ValueError(f"posterior {spec.posterior!r}: the server has none")
        return "auto"
    if spec.posterior == "before":
        if posteriors.before is None:
            raise ValueError("posterior 'before': the server has none")
        return posteriors.before
    return posteriors.after_spec


def results_file(spec: RunSpec, fmt: str,
                 posteriors: Posteriors | None = None) -> tuple[bytes, str]:
    """(bytes, file name) of the run's results as ``nc`` (all months) or ``csv`` (horizon);
    ``posteriors``: the server's (default: the shipped posterior for the cut-off)."""
    if fmt not in ("nc", "csv"):
        raise ValueError(f"format {fmt!r}: use nc or csv")
    with tempfile.TemporaryDirectory(prefix="ffcast-dash-") as tmp:
        nc = Path(tmp) / "run.nc"
        run(spec.scenario, draws=spec.draws, seed=spec.seed, end=spec.end, out=nc,
            posterior=_posterior(spec, posteriors))  # type: ignore[arg-type]
        if fmt == "nc":
            return nc.read_bytes(), f"{_stem(spec)}.nc"
        csv = Path(tmp) / "run.csv"
        with results.read(nc, lazy=True) as ds:
            results.write(ds.isel(month=[-1]).load(), csv)
        return csv.read_bytes(), f"{_stem(spec)}-{spec.end}.csv"


def report_file(spec: RunSpec, compare_baseline: bool, posteriors: Posteriors | None = None,
                before: bool = False) -> tuple[bytes, str]:
    """(bytes, file name) of the HTML report of the current view (optionally vs baseline,
    as the screen shows it: the current scenario minus the baseline; with ``before``, with
    "What the update moved" against ``posteriors.before``)."""
    after = None if posteriors is None or posteriors.after is None else posteriors.after
    if before and (posteriors is None or posteriors.before is None):
        raise ValueError("before: the server has no posterior before the update")
    with tempfile.TemporaryDirectory(prefix="ffcast-dash-") as tmp:
        scenario_yaml = Path(tmp) / "scenario.yaml"
        scenario_yaml.write_text(yaml.safe_dump(
            spec.scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
            sort_keys=False), encoding="utf-8")
        out = build_report(ReportRequest(
            out=Path(tmp) / "report.html", scenario=str(scenario_yaml),
            compare="baseline" if compare_baseline else None, reverse=compare_baseline,
            draws=spec.draws,
            seed=spec.seed, end=spec.end, focus=(spec.focus,), posterior=after,
            before=posteriors.before if before and posteriors is not None else None))
        return out.read_bytes(), f"{_stem(spec)}.html"
