"""The page: controls on the left, views on the right (Dash components only, no logic)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from ffcast.dashboard import controls as C
from ffcast.scenario import list_presets

LEVER_LABELS: dict[str, str] = {
    "prosecution_rate": "Prosecution rate (share of decided cases; blank = prior)",
    "rehabilitation_uptake": "Rehabilitation uptake (share; blank = prior)",
    "camp_repatriation": "Camp repatriation (monthly hazard, 0-1; blank = prior)",
    "rehabilitation_effect": "Rehabilitation effect (odds multiplier)",
    "border_control": "Border control (share of inflow stopped)",
    "dispatch_capacity": "Dispatch capacity (multiplier)",
    "detection_capacity": "Detection capacity (multiplier)",
    "groups": "The levers apply to (travel controls: everyone)",
}
SLIDER_MAX: dict[str, float] = {"rehabilitation_effect": 4.0, "border_control": 1.0,
                                "dispatch_capacity": 4.0, "detection_capacity": 4.0}
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": "/assets/topojson/"}
CSS = """
body { font-family: Arial, 'Liberation Sans', sans-serif; margin: 0; color: #222; }
header { background: #0b3954; color: white; padding: 10px 20px; }
header h1 { margin: 0; font-size: 22px; } header p { margin: 2px 0 0; font-size: 13px; }
.shell { display: flex; align-items: flex-start; }
.controls { width: 330px; min-width: 330px; padding: 12px 16px; background: #f5f6f7;
  border-right: 1px solid #ddd; box-sizing: border-box; font-size: 13px; }
.controls h3 { margin: 14px 0 6px; font-size: 14px; border-bottom: 1px solid #ccc; }
.controls label { display: block; margin-top: 8px; font-weight: bold; }
.controls input[type=text], .controls input[type=number] { width: 100%; box-sizing: border-box;
  padding: 4px; }
.views { flex: 1; min-width: 0; padding: 12px 20px; }
.buttons button { margin: 6px 6px 0 0; padding: 7px 12px; font-size: 14px; cursor: pointer; }
button.primary { background: #0072B2; color: white; border: none; border-radius: 3px; }
.message { white-space: pre-wrap; background: #fde8e4; border-left: 4px solid #D55E00;
  padding: 8px 12px; margin: 6px 0; font-family: monospace; font-size: 13px; }
.message:empty { display: none; }
.status { color: #595959; font-size: 13px; margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 10px; }
.card { border: 1px solid #ddd; border-top: 4px solid #595959; padding: 8px 10px;
  border-radius: 3px; background: white; }
.card-title { font-size: 12px; color: #444; min-height: 30px; }
.card-value { font-size: 24px; font-weight: bold; }
.card-interval { font-size: 12px; color: #595959; }
.note { font-size: 12px; color: #595959; }
.risk { border-collapse: collapse; font-size: 13px; margin: 10px 0 4px; }
.risk caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
.risk th, .risk td { padding: 3px 10px; border-bottom: 1px solid #e5e5e5; }
.risk td.num, .risk th.num { text-align: right; font-variant-numeric: tabular-nums; }
.shares { font-size: 12px; margin: 6px 0; }
.tab-body { padding-top: 8px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; }
.pair-name { font-size: 11px; color: #595959; text-transform: uppercase; }
.pair-value { font-size: 20px; font-weight: bold; }
.pair-value.before { color: #595959; } .pair-value.after { color: #0072B2; }
header p.parameters { font-size: 12px; opacity: 0.85; }
"""
INDEX = ("<!DOCTYPE html><html><head>{%metas%}<title>ffcast dashboard</title>{%favicon%}"
         "{%css%}<style>" + CSS + "</style></head><body>{%app_entry%}<footer>{%config%}"
         "{%scripts%}{%renderer%}</footer></body></html>")


def _lever(key: str, value: float | list[str] | None) -> html.Div:
    if key == C.GROUP_LEVER:
        widget = dcc.Checklist(id=f"lever-{key}", inline=True, value=value,
                               options=[{"label": f" {g} ", "value": g} for g in C.GROUPS])
    elif key in C.OPTIONAL_LEVERS:
        widget = dcc.Input(id=f"lever-{key}", type="number", min=0, max=1, step=0.01,
                           placeholder="prior", debounce=True, value=value)
    else:
        top = SLIDER_MAX[key]
        widget = dcc.Slider(id=f"lever-{key}", min=0, max=top, step=0.05, value=value,
                            marks={v: f"{v:g}" for v in (0, top / 4, top / 2, top)},
                            tooltip={"placement": "bottom"})
    return html.Div([html.Label(LEVER_LABELS[key], htmlFor=f"lever-{key}"), widget])


def _tilt(key: str, value: float) -> html.Div:
    return html.Div([
        html.Label(f"{C.PATHWAY_NAMES[key]} (× prior)", htmlFor=f"tilt-{key}"),
        dcc.Slider(id=f"tilt-{key}", min=0, max=4, step=0.1, value=value,
                   marks={0: "0", 1: "1", 2: "2", 4: "4"}, tooltip={"placement": "bottom"}),
    ])


def controls_panel() -> html.Div:
    """Every knob: preset, collapse, pathway tilts, policy levers, focus, draws, seed.

    Initial values are the baseline's, so the first run (on page load) is the baseline.
    """
    start = C.preset_controls("baseline")
    return html.Div([
        html.H3("Scenario"),
        html.Label("Preset", htmlFor="preset"),
        dcc.Dropdown(id="preset", options=list_presets(), value="baseline", clearable=False),
        html.Label("Collapse midpoint (YYYY-MM)", htmlFor="midpoint"),
        dcc.Input(id="midpoint", type="text", value=start["midpoint"], debounce=True),
        html.H3("Pathway propensities after the cut-off"),
        html.P("Multipliers on the regional prior means, renormalised so the five shares "
               "sum to 1.", className="note"),
        *[_tilt(k, start["tilt"][k]) for k in C.PATHWAY_KEYS],
        html.Div(id="shares", className="shares"),
        html.H3("Policy levers (from 2017-01)"),
        *[_lever(k, start["levers"][k]) for k in C.LEVERS],
        html.H3("Run"),
        html.Label("Origin country focus", htmlFor="focus"),
        dcc.Dropdown(id="focus", options=C.focus_options(), value=C.DEFAULT_FOCUS,
                     clearable=False, searchable=True),
        html.Label("Horizon (last month)", htmlFor="horizon"),
        dcc.Dropdown(id="horizon", options=list(C.HORIZONS), value=C.HORIZON_DEFAULT,
                     clearable=False),
        html.Label(f"Draws ({C.DRAWS_MIN}-{C.DRAWS_MAX})", htmlFor="draws"),
        dcc.Input(id="draws", type="number", min=C.DRAWS_MIN, max=C.DRAWS_MAX, step=10,
                  value=C.DRAWS_DEFAULT, debounce=True),
        html.Label("Seed", htmlFor="seed"),
        dcc.Input(id="seed", type="number", min=0, step=1, value=0, debounce=True),
        html.Div([
            html.Button("Run", id="run", className="primary", n_clicks=0),
            html.Button("Compare with baseline", id="compare", n_clicks=0),
        ], className="buttons"),
        html.Label("Download the current run / view"),
        html.Div([
            html.Button("CSV", id="download-csv", n_clicks=0),
            html.Button("netCDF", id="download-nc", n_clicks=0),
            html.Button("Report (HTML)", id="download-report", n_clicks=0),
        ], className="buttons"),
        dcc.Download(id="download"),
    ], className="controls")


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG)


def before_children(header: Any, cards: Any, figure: Any, footer: Any) -> list[Any]:
    """The "Before the update" tab's content: what is compared, the cards with both, the
    before/after figure and the statements folded in."""
    return [header, cards, dcc.Graph(id="fig-before", figure=figure, config=GRAPH_CONFIG),
            footer]


def parameters_text(posteriors: Any) -> str:
    """The header's line on the parameters runs use (and the posterior before an update);
    ``posteriors``: a :class:`ffcast.report.moved.Posteriors` or None (the default)."""
    if posteriors is None:
        return ""
    text = f"Parameters: {posteriors.after_label}"
    if posteriors.after is not None and posteriors.after.origin != posteriors.after.cutoff:
        text += f" (history to {posteriors.after.origin})"
    if posteriors.before is not None:
        text += f"; before the update: {posteriors.before_label}"
    return text + "."


def views_panel(before: bool = False) -> html.Div:
    """Message, headline, comparison and the tabs of figures (with ``before``, the tab
    "Before the update")."""
    tabs = [
        dcc.Tab(label="Pathways", value="fans", children=_graph("fig-fans")),
        dcc.Tab(label="Focus country", value="country", children=_graph("fig-country")),
        dcc.Tab(label="World map", value="map", children=_graph("fig-map")),
        dcc.Tab(label="Flows (Sankey)", value="sankey", children=_graph("fig-sankey")),
        dcc.Tab(label="Men, women, minors", value="groups", children=_graph("fig-groups")),
    ]
    if before:
        tabs.append(dcc.Tab(label="Before the update", value="before", children=dcc.Loading(
            html.Div(id="before-box", className="tab-body"), type="dot")))
    return html.Div([
        html.Div(id="message", className="message", role="alert"),
        dcc.Loading(html.Div([html.Div(id="status", className="status"),
                              html.Div(id="headline")]), type="dot"),
        dcc.Loading(html.Div(id="comparison-box"), type="dot"),
        dcc.Tabs(id="tabs", value="fans", children=tabs),
    ], className="views")


def page(parameters: str = "", before: bool = False) -> html.Div:
    """The whole page; per-session state lives in the two stores. ``parameters``: a line on
    the posterior runs use; ``before``: add the "Before the update" tab."""
    return html.Div([
        html.Header([html.H1("ffcast: what becomes of the foreign fighters"),
                     html.P("Calibrated stochastic stock-and-flow forecasts; change the "
                            "scenario, press Run."),
                     *([html.P(parameters, className="parameters", id="parameters")]
                       if parameters else [])]),
        html.Div([controls_panel(), views_panel(before)], className="shell"),
        dcc.Store(id="run-spec"), dcc.Store(id="compared"),
        # Polls for the full ensemble after a preview; enabled only while one is computed.
        dcc.Interval(id="refine", interval=250, disabled=True),
    ])
