"""The Dash app: callbacks that validate, run (cached), and draw.

Warning first: callbacks are thin wrappers around plain functions (:func:`run_view`,
:func:`compare_view`) that take the raw browser values, so tests can send malformed values
straight to them or to ``/_dash-update-component``. Every failure becomes text in the
``#message`` box: :class:`ffcast.errors.FFCastError` with its own message, anything else as
an internal error (logged with its traceback on the server only).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html, no_update

from ffcast.dashboard import controls as C
from ffcast.dashboard import downloads, layout, views
from ffcast.dashboard.cache import RunCache
from ffcast.errors import FFCastError
from ffcast.report.html import topojson_dir
from ffcast.report.reduce import Reduction, reduce_run
from ffcast.scenario import load_scenario

log = logging.getLogger(__name__)
CACHE_SIZE = 8  # reductions of ~1-20 MB each (100-2000 draws)
FIGURES = ("fans", "country", "map", "sankey")  # views.main_figures keys; graph id fig-<key>


class Runner:
    """Reduced runs from validated specs, through one keyed LRU shared by all sessions."""

    def __init__(self, maxsize: int = CACHE_SIZE) -> None:
        self.cache: RunCache[Reduction] = RunCache(maxsize)
        # Drawing the figures costs ~0.25 s of CPU under the GIL: cache them too, so a
        # repeated view costs only its serialisation.
        self.views: RunCache[tuple[Any, dict[str, Any]]] = RunCache(maxsize)

    def reduction(self, spec: C.RunSpec) -> Reduction:
        """The run's reduction (simulated once per key; raises FFCastError)."""
        return self.cache.get_or_compute(spec.key, lambda: reduce_run(
            spec.scenario, spec.draws, spec.seed, end=spec.end, focus=(spec.focus,)))

    def view(self, spec: C.RunSpec) -> tuple[Any, dict[str, Any]]:
        """(headline component, figures as plotly JSON dicts by view name) of the run."""
        def draw() -> tuple[Any, dict[str, Any]]:
            red = self.reduction(spec)
            figs = {k: f.to_plotly_json() for k, f in views.main_figures(red).items()}
            return views.headline(red), figs

        return self.views.get_or_compute(spec.key, draw)


def _failure(exc: Exception) -> str:
    if isinstance(exc, FFCastError):
        return str(exc)
    log.exception("dashboard callback failed")
    return f"Internal error ({type(exc).__name__}); the server log has the details."


def run_view(runner: Runner, preset: Any, midpoint: Any, tilt: dict[str, Any],
             levers: dict[str, Any], focus: Any, horizon: Any, draws: Any,
             seed: Any) -> dict[str, Any]:
    """Validate the controls, run (or hit the cache) and build every view.

    Returns a dict with ``message`` (empty on success), ``status``, ``headline``,
    ``figures`` (by graph id) and ``spec`` (the store's JSON); on failure only ``message``.
    """
    t0 = time.perf_counter()
    try:
        spec = C.run_spec(preset, midpoint, tilt, levers, draws, seed, horizon, focus)
        misses = runner.cache.misses
        headline, figs = runner.view(spec)
        seconds = time.perf_counter() - t0
        source = "simulated" if runner.cache.misses > misses else "from cache"
        return {"message": "", "headline": headline, "spec": spec.to_store(),
                "figures": figs,
                "status": f"{spec.draws:,} draws to {spec.end}, {source}, "
                          f"{seconds:.2f} s on the server.", "seconds": seconds}
    except Exception as exc:  # every failure must become a message
        return {"message": _failure(exc)}


def compare_view(runner: Runner, stored: Any) -> dict[str, Any]:
    """Paired differences of the stored run against the baseline preset (CRN)."""
    try:
        spec = C.from_store(stored)
        base = spec.with_scenario(load_scenario("baseline"))
        fig = views.comparison(runner.reduction(base), runner.reduction(spec))
        return {"message": "", "figure": fig}
    except Exception as exc:
        return {"message": _failure(exc)}


def create_app(runner: Runner | None = None) -> Dash:
    """A new Dash app (own cache unless ``runner`` is given); JS and map served locally."""
    runner = runner or Runner()
    app = Dash(__name__, title="ffcast dashboard", assets_folder=str(topojson_dir().parent),
               assets_ignore=r".*\.(css|js)$", serve_locally=True, update_title=None)
    app.index_string = layout.INDEX
    app.layout = layout.page
    _register_callbacks(app, runner)
    return app


def _register_callbacks(app: Dash, runner: Runner) -> None:
    tilt_ids = [f"tilt-{k}" for k in C.PATHWAY_KEYS]
    lever_ids = [f"lever-{k}" for k in C.LEVERS]

    @app.callback([Output("midpoint", "value"), *[Output(i, "value") for i in tilt_ids],
                   *[Output(i, "value") for i in lever_ids],
                   Output("message", "children", allow_duplicate=True)],
                  Input("preset", "value"), prevent_initial_call="initial_duplicate")
    def fill_from_preset(preset: Any) -> list[Any]:
        try:
            values = C.preset_controls(preset)
        except FFCastError as exc:
            return [no_update] * (1 + len(tilt_ids) + len(lever_ids)) + [str(exc)]
        return [values["midpoint"], *values["tilt"].values(),
                *values["levers"].values(), ""]

    @app.callback(Output("shares", "children"), [Input(i, "value") for i in tilt_ids],
                  Input("preset", "value"))
    def show_shares(*values: Any) -> Any:
        try:
            spec = C.run_spec(values[-1], "2017-07", dict(zip(C.PATHWAY_KEYS, values[:-1],
                                                                strict=True)),
                              {"rehabilitation_effect": 1, "dispatch_capacity": 1,
                               "detection_capacity": 1, "border_control": 0},
                              C.DRAWS_DEFAULT, 0, C.HORIZON_DEFAULT, C.DEFAULT_FOCUS)
        except FFCastError:
            return "Effective shares: fix the tilts first."
        shares = C.effective_shares(spec.scenario)
        return [html.Strong("Effective shares (traveller-weighted): "),
                ", ".join(f"{C.PATHWAY_NAMES[k].lower()} {v:.0%}" for k, v in shares.items())]

    @app.callback([Output("message", "children"), Output("status", "children"),
                   Output("headline", "children"), *[Output(f"fig-{f}", "figure") for f in FIGURES],
                   Output("run-spec", "data"), Output("comparison-box", "children")],
                  Input("run", "n_clicks"),
                  [State("preset", "value"), State("midpoint", "value"),
                   *[State(i, "value") for i in tilt_ids],
                   *[State(i, "value") for i in lever_ids],
                   State("focus", "value"), State("horizon", "value"), State("draws", "value"),
                   State("seed", "value")])
    def on_run(_clicks: int, preset: Any, midpoint: Any, *rest: Any) -> list[Any]:
        n_t, n_l = len(tilt_ids), len(lever_ids)
        tilt = dict(zip(C.PATHWAY_KEYS, rest[:n_t], strict=True))
        levers = dict(zip(C.LEVERS, rest[n_t:n_t + n_l], strict=True))
        focus, horizon, draws, seed = rest[n_t + n_l:]
        out = run_view(runner, preset, midpoint, tilt, levers, focus, horizon, draws, seed)
        if out["message"]:
            return [out["message"], "", *([no_update] * (2 + len(FIGURES))), no_update]
        return ["", out["status"], out["headline"], *[out["figures"][f] for f in FIGURES],
                out["spec"],
                None]

    @app.callback([Output("comparison-box", "children", allow_duplicate=True),
                   Output("message", "children", allow_duplicate=True)],
                  Input("compare", "n_clicks"), State("run-spec", "data"),
                  prevent_initial_call=True)
    def on_compare(_clicks: int, stored: Any) -> list[Any]:
        out = compare_view(runner, stored)
        if out["message"]:
            return [no_update, out["message"]]
        return [dcc.Graph(id="fig-comparison", figure=out["figure"],
                          config=layout.GRAPH_CONFIG), ""]

    @app.callback([Output("download", "data"),
                   Output("message", "children", allow_duplicate=True)],
                  [Input("download-csv", "n_clicks"), Input("download-nc", "n_clicks"),
                   Input("download-report", "n_clicks")],
                  State("run-spec", "data"), State("comparison-box", "children"),
                  prevent_initial_call=True)
    def on_download(_csv: int, _nc: int, _report: int, stored: Any,
                    compared: Any) -> list[Any]:
        try:
            spec = C.from_store(stored)
            which = dash.ctx.triggered_id
            if which == "download-report":
                content, name = downloads.report_file(spec, compare_baseline=bool(compared))
            else:
                content, name = downloads.results_file(spec, "csv" if which == "download-csv"
                                                       else "nc")
        except Exception as exc:
            return [no_update, _failure(exc)]
        return [dcc.send_bytes(content, name), ""]
