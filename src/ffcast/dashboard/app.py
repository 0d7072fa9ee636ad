"""The Dash app: callbacks that validate, run (cached, previewed, refined), and draw.

Warning first: callbacks are module-level functions of the raw browser values (and the
shared :class:`Runner`), registered by :func:`create_app`, so tests can call any of them
alone, send malformed values straight to them or to ``/_dash-update-component``. Every
failure becomes text in the ``#message`` box: :class:`ffcast.errors.FFCastError` with its
own message, anything else as an internal error (logged with its traceback on the server
only). A new run is answered in two steps: a preview of the first ``PREVIEW_DRAWS`` draws
at once, then the requested ensemble computed in a background thread and swapped in by
a polling interval; the status line says which one the page shows. The preview's draws are
the first draws of the full ensemble (numbers are addressed by draw), so refining only adds
draws, it never changes the ones shown. With a posterior before an update (``ffcast dashboard
--before``), the "Before the update" tab shows the same run under it beside the current one
(unpaired: the particles differ), computed when the tab is opened.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import dash
from dash import Dash, Input, Output, State, dcc, html, no_update

from ffcast.dashboard import controls as C
from ffcast.dashboard import downloads, layout, views
from ffcast.dashboard.cache import RunCache
from ffcast.errors import FFCastError
from ffcast.report.html import topojson_dir
from ffcast.report.reduce import Reduction, reduce_run
from ffcast.scenario import load_scenario

if TYPE_CHECKING:
    from ffcast.report.moved import Posteriors

log = logging.getLogger(__name__)
CACHE_SIZE = 8  # reductions of ~1-20 MB each (100-2000 draws)
# views.main_figures keys; graph id fig-<key>
FIGURES = ("fans", "country", "map", "sankey", "groups")
PREVIEW_DRAWS = 100  # drawn first for a larger request: the first picture in well under 1 s
TILT_IDS = tuple(f"tilt-{k}" for k in C.PATHWAY_KEYS)
LEVER_IDS = tuple(f"lever-{k}" for k in C.LEVERS)


class Runner:
    """Reduced runs from validated specs, through one keyed LRU shared by all sessions.

    Full ensembles requested with :meth:`refine` are computed one at a time in a
    background thread (the engine releases the GIL, so the server keeps answering).
    ``posteriors``: the parameters runs use (resolved at the door by
    :func:`ffcast.report.moved.resolve_posteriors`); default: the shipped posterior for
    each scenario's cut-off, and no posterior before an update.
    """

    def __init__(self, maxsize: int = CACHE_SIZE,
                 posteriors: Posteriors | None = None) -> None:
        self.posteriors = posteriors
        self.cache: RunCache[Reduction] = RunCache(maxsize)
        # Drawing the figures costs ~0.25 s of CPU under the GIL: cache them too, so a
        # repeated view costs only its serialisation.
        self.views: RunCache[tuple[Any, dict[str, Any]]] = RunCache(maxsize)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ffcast-refine")
        self._jobs: dict[Any, Future[Any]] = {}
        self._lock = threading.Lock()

    def reduction(self, spec: C.RunSpec) -> Reduction:
        """The run's reduction (simulated once per key; raises FFCastError).

        Recorded from the cut-off: the posterior's particles hold the history, so an
        answer simulates only the months after it (a scenario that changes the months
        before re-simulates them, with the same numbers as a run from 2011)."""
        return self.cache.get_or_compute(spec.key, lambda: reduce_run(
            spec.scenario, spec.draws, spec.seed, start=spec.scenario.cutoff, end=spec.end,
            focus=(spec.focus,), posterior=self.posterior(spec)))

    @property
    def has_before(self) -> bool:
        """Whether a posterior before the update was given (the "Before the update" view)."""
        return self.posteriors is not None and self.posteriors.before is not None

    def posterior(self, spec: C.RunSpec) -> Any:
        """The ``posterior`` argument of ``spec``'s run (raises FFCastError for "before"
        without one)."""
        if spec.posterior == "before":
            if self.posteriors is None or self.posteriors.before is None:
                raise FFCastError("no posterior before the update; fix: start the dashboard "
                                  "with --before")
            return self.posteriors.before
        return "auto" if self.posteriors is None else self.posteriors.after_spec

    def view(self, spec: C.RunSpec) -> tuple[Any, dict[str, Any]]:
        """(headline component, figures as plotly JSON dicts by view name) of the run."""
        def draw() -> tuple[Any, dict[str, Any]]:
            red = self.reduction(spec)
            figs = {k: f.to_plotly_json() for k, f in views.main_figures(red).items()}
            return views.headline(red), figs

        return self.views.get_or_compute(spec.key, draw)

    def refine(self, spec: C.RunSpec) -> None:
        """Compute ``spec``'s view in the background (once; queued behind any other)."""
        with self._lock:
            job = self._jobs.get(spec.key)
            if job is None or (job.done() and job.exception() is not None):
                self._jobs[spec.key] = self._pool.submit(self.view, spec)

    def ready(self, spec: C.RunSpec) -> tuple[Any, dict[str, Any]] | None:
        """The view if it is computed (re-raises a background failure), else None."""
        found = self.views.peek(spec.key)
        if found is not None:
            return found
        with self._lock:
            job = self._jobs.get(spec.key)
        if job is not None and job.done():
            return job.result()
        return None


def _failure(exc: Exception) -> str:
    if isinstance(exc, FFCastError):
        return str(exc)
    log.exception("dashboard callback failed")
    return f"Internal error ({type(exc).__name__}); the server log has the details."


def run_view(runner: Runner, preset: Any, midpoint: Any, tilt: dict[str, Any],
             levers: dict[str, Any], focus: Any, horizon: Any, draws: Any,
             seed: Any, preview: int = PREVIEW_DRAWS) -> dict[str, Any]:
    """Validate the controls, run (or hit the cache) and build every view.

    A request for more than ``preview`` draws that is not cached yet returns the preview
    (its first ``preview`` draws) and starts the full run in the background
    (``refining`` True). Returns a dict with ``message`` (empty on success), ``status``,
    ``headline``, ``figures`` (by view name), ``spec`` (the store's JSON), ``seconds`` and
    ``refining``; on failure only ``message``.
    """
    t0 = time.perf_counter()
    try:
        spec = C.run_spec(preset, midpoint, tilt, levers, draws, seed, horizon, focus)
        misses = runner.cache.misses
        full = runner.ready(spec)
        refining = full is None and spec.draws > preview
        shown = spec.with_draws(preview) if refining else spec
        headline, figs = full if full is not None else runner.view(shown)
        if refining:
            runner.refine(spec)
        seconds = time.perf_counter() - t0
        source = "simulated" if runner.cache.misses > misses else "from cache"
        status = (f"Preview: the first {preview:,} of {spec.draws:,} draws to {spec.end}, "
                  f"{seconds:.2f} s; the full ensemble is being computed and will replace "
                  "it." if refining else
                  f"{spec.draws:,} draws to {spec.end}, {source}, {seconds:.2f} s on the "
                  "server.")
        return {"message": "", "headline": headline, "spec": spec.to_store(), "figures": figs,
                "status": status, "seconds": seconds, "refining": refining}
    except Exception as exc:  # every failure must become a message
        return {"message": _failure(exc)}


def refined_view(runner: Runner, stored: Any) -> dict[str, Any] | None:
    """The full view of the stored run once the background run is done, else None."""
    try:
        spec = C.from_store(stored)
        found = runner.ready(spec)
    except Exception as exc:
        return {"message": _failure(exc)}
    if found is None:
        return None
    headline, figs = found
    return {"message": "", "headline": headline, "figures": figs,
            "status": f"{spec.draws:,} draws to {spec.end} (full ensemble, computed in the "
                      "background)."}


def compare_view(runner: Runner, stored: Any) -> dict[str, Any]:
    """Paired differences of the stored run against the baseline preset (CRN)."""
    try:
        spec = C.from_store(stored)
        base = spec.with_scenario(load_scenario("baseline"))
        fig = views.comparison(runner.reduction(base), runner.reduction(spec))
        return {"message": "", "figure": fig}
    except Exception as exc:
        return {"message": _failure(exc)}


def before_view(runner: Runner, stored: Any) -> dict[str, Any]:
    """The stored run under the posterior before the update beside the current one: cards
    with both, the before/after figure, the statements folded in (unpaired draws)."""
    try:
        spec = C.from_store(stored)
        if not runner.has_before:
            raise FFCastError("no posterior before the update; fix: start the dashboard with "
                              "--before")
        after = runner.reduction(spec)
        before = runner.reduction(spec.with_posterior("before"))
        assert runner.posteriors is not None
        return {"message": "", **views.before_view(before, after, runner.posteriors)}
    except Exception as exc:
        return {"message": _failure(exc)}


# --- Callbacks (module level: each is testable alone) ---------------------------------------


def fill_from_preset(preset: Any) -> list[Any]:
    """Preset dropdown -> midpoint, tilt sliders, levers (and clears the message)."""
    try:
        values = C.preset_controls(preset)
    except FFCastError as exc:
        return [no_update] * (1 + len(TILT_IDS) + len(LEVER_IDS)) + [str(exc)]
    return [values["midpoint"], *values["tilt"].values(), *values["levers"].values(), ""]


def show_shares(*values: Any) -> Any:
    """Tilt sliders and preset -> the effective post-cut-off pathway shares, before the
    policy levers: the dispatch lever (``dispatch_capacity``, set by a preset such as
    expeditionary or by its slider) scales the share sent abroad from the policy start,
    which this line does not show (review, 2026-12-07: "dispatched abroad 13%" for
    expeditionary, whose lever makes it about 18%)."""
    try:
        spec = C.run_spec(values[-1], "2017-07", dict(zip(C.PATHWAY_KEYS, values[:-1],
                                                            strict=True)),
                          {"rehabilitation_effect": 1, "dispatch_capacity": 1,
                           "detection_capacity": 1, "border_control": 0},
                          C.DRAWS_DEFAULT, 0, C.HORIZON_DEFAULT, C.DEFAULT_FOCUS)
    except FFCastError:
        return "Effective shares: fix the tilts first."
    shares = C.effective_shares(spec.scenario)
    return [html.Strong("Effective shares (traveller-weighted, before the policy levers): "),
            ", ".join(f"{C.PATHWAY_NAMES[k].lower()} {v:.0%}" for k, v in shares.items())
            + "; the dispatch lever scales the share sent abroad from the policy start."]


def on_run(runner: Runner, _clicks: int, preset: Any, midpoint: Any, *rest: Any) -> list[Any]:
    """Run button -> message, status, headline, figures, stored spec, comparison, polling."""
    n_t, n_l = len(TILT_IDS), len(LEVER_IDS)
    tilt = dict(zip(C.PATHWAY_KEYS, rest[:n_t], strict=True))
    levers = dict(zip(C.LEVERS, rest[n_t:n_t + n_l], strict=True))
    focus, horizon, draws, seed = rest[n_t + n_l:]
    out = run_view(runner, preset, midpoint, tilt, levers, focus, horizon, draws, seed)
    if out["message"]:
        return [out["message"], "", *([no_update] * (2 + len(FIGURES))), no_update, True]
    return ["", out["status"], out["headline"], *[out["figures"][f] for f in FIGURES],
            out["spec"], None, not out["refining"]]


def on_refine(runner: Runner, _n: int, stored: Any) -> list[Any]:
    """Polling interval -> the full ensemble's views once computed (then stops polling)."""
    out = refined_view(runner, stored)
    if out is None:
        return [no_update] * (3 + len(FIGURES)) + [False]
    if out["message"]:
        return [out["message"], *([no_update] * (2 + len(FIGURES))), True]
    return ["", out["status"], out["headline"], *[out["figures"][f] for f in FIGURES], True]


def on_compare(runner: Runner, _clicks: int, stored: Any) -> list[Any]:
    """Compare button -> the paired-difference figure against the baseline."""
    out = compare_view(runner, stored)
    if out["message"]:
        return [no_update, out["message"]]
    return [dcc.Graph(id="fig-comparison", figure=out["figure"],
                      config=layout.GRAPH_CONFIG), ""]


def on_before(runner: Runner, tab: Any, stored: Any) -> list[Any]:
    """The "Before the update" tab opened (or a new run while it is open) -> its view."""
    if tab != "before":
        return [no_update, no_update]
    out = before_view(runner, stored)
    if out["message"]:
        return [no_update, out["message"]]
    return [layout.before_children(out["header"], out["cards"], out["figure"],
                                   out["footer"]), ""]


def on_download(_csv: int, _nc: int, _report: int, stored: Any, compared: Any,
                runner: Runner | None = None, tab: Any = None) -> list[Any]:
    """A download button -> the file (CSV / netCDF of the run, HTML report of the view;
    the report has "What the update moved" while the "Before the update" tab is open)."""
    try:
        spec = C.from_store(stored)
        which = dash.ctx.triggered_id
        params = None if runner is None else runner.posteriors
        if which == "download-report":
            moved = params is not None and params.before is not None and tab == "before"
            content, name = downloads.report_file(spec, compare_baseline=bool(compared),
                                                  posteriors=params, before=moved)
        else:
            content, name = downloads.results_file(spec, "csv" if which == "download-csv"
                                                   else "nc", posteriors=params)
    except Exception as exc:
        return [no_update, _failure(exc)]
    return [dcc.send_bytes(content, name), ""]


def _download(runner: Runner, csv: int, nc: int, report: int, stored: Any, compared: Any,
              tab: Any) -> list[Any]:
    return on_download(csv, nc, report, stored, compared, runner, tab)


def create_app(runner: Runner | None = None, posteriors: Posteriors | None = None) -> Dash:
    """A new Dash app (own cache unless ``runner`` is given); JS and map served locally.
    ``posteriors`` (for a new runner): the posterior runs use and the one before the update
    (:func:`ffcast.report.moved.resolve_posteriors`); with one before, the page has the
    "Before the update" tab."""
    runner = runner or Runner(posteriors=posteriors)
    app = Dash(__name__, title="ffcast dashboard", assets_folder=str(topojson_dir().parent),
               assets_ignore=r".*\.(css|js)$", serve_locally=True, update_title=None)
    app.index_string = layout.INDEX
    app.layout = partial(layout.page, parameters=layout.parameters_text(runner.posteriors),
                         before=runner.has_before)
    _register_callbacks(app, runner)
    return app


def _register_callbacks(app: Dash, runner: Runner) -> None:
    figures = [Output(f"fig-{f}", "figure") for f in FIGURES]
    message = Output("message", "children", allow_duplicate=True)
    controls = [State("preset", "value"), State("midpoint", "value"),
                *[State(i, "value") for i in TILT_IDS], *[State(i, "value") for i in LEVER_IDS],
                State("focus", "value"), State("horizon", "value"), State("draws", "value"),
                State("seed", "value")]
    app.callback([Output("midpoint", "value"), *[Output(i, "value") for i in TILT_IDS],
                  *[Output(i, "value") for i in LEVER_IDS], message],
                 Input("preset", "value"), prevent_initial_call="initial_duplicate",
                 )(fill_from_preset)
    app.callback(Output("shares", "children"), [Input(i, "value") for i in TILT_IDS],
                 Input("preset", "value"))(show_shares)
    app.callback([Output("message", "children"), Output("status", "children"),
                  Output("headline", "children"), *figures, Output("run-spec", "data"),
                  Output("comparison-box", "children"), Output("refine", "disabled")],
                 Input("run", "n_clicks"), controls)(partial(on_run, runner))
    app.callback([message, Output("status", "children", allow_duplicate=True),
                  Output("headline", "children", allow_duplicate=True),
                  *[Output(f"fig-{f}", "figure", allow_duplicate=True) for f in FIGURES],
                  Output("refine", "disabled", allow_duplicate=True)],
                 Input("refine", "n_intervals"), State("run-spec", "data"),
                 prevent_initial_call=True)(partial(on_refine, runner))
    app.callback([Output("comparison-box", "children", allow_duplicate=True), message],
                 Input("compare", "n_clicks"), State("run-spec", "data"),
                 prevent_initial_call=True)(partial(on_compare, runner))
    app.callback([Output("download", "data"), message],
                 [Input("download-csv", "n_clicks"), Input("download-nc", "n_clicks"),
                  Input("download-report", "n_clicks")],
                 State("run-spec", "data"), State("comparison-box", "children"),
                 State("tabs", "value"), prevent_initial_call=True)(
        partial(_download, runner))
    if runner.has_before:
        app.callback([Output("before-box", "children"), message],
                     Input("tabs", "value"), Input("run-spec", "data"),
                     prevent_initial_call=True)(partial(on_before, runner))
