"""The calibration figure of a rolling backtest: PIT histogram, reliability, coverage by origin.

Warning first: the bands assume independent rows; statements of one country at one origin
share a model run (and a persistent reporting error), so the true uncertainty is wider than
drawn. Everything is pooled over origins except the third panel.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from ffcast.backtest.rolling import PIT_BINS, RollingResult
from ffcast.backtest.run import LEVELS
from ffcast.plots import export, style

SUFFIXES: tuple[str, ...] = (".png", ".html")
WIDTH, HEIGHT = 1400, 560
_SERIES = (("ffcast", "ffcast: published figure", style.BLUE),
           ("ffcast_latent", "ffcast: model count", style.ORANGE))
NOTE = ("PIT: share of draws below each observation (flat = calibrated; a tall right bin = "
        "observations above the forecast). Grey: 90% range of a calibrated forecaster's bins. "
        "Error bars: bootstrap 90% over rows.<br>Rows are not independent (one run per country "
        "and origin), so every band is narrower than the truth.")


def calibration_figure(result: RollingResult) -> go.Figure:
    """Three panels: pooled PIT histogram (with the 90% band of a calibrated forecaster),
    pooled reliability diagram (bootstrap 90% bands), 80% and 95% coverage by origin."""
    n_rows = int(np.sum(~np.isnan(result.samples("ffcast")).any(axis=1)))
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08, subplot_titles=(
        f"PIT histogram (all origins, {n_rows} rows)",
        "Reliability: central-interval coverage",
        "Coverage of ffcast by origin"))
    _pit_panel(fig, result, n_rows)
    _reliability_panel(fig, result)
    _origin_panel(fig, result)
    origins = ", ".join(o.cutoff for o in result.origins)
    fig.update_layout(
        template=style.TEMPLATE, width=WIDTH, height=HEIGHT, barmode="group",
        title={"text": "Is ffcast's uncertainty honest? Rolling-origin backtest",
               "subtitle": {"text": f"Origins {origins}; {result.draws:,} draws; published "
                                    "per-country statements (returned, dead, in the war zone)"}},
        legend={"orientation": "h", "x": 0.0, "y": -0.2, "xanchor": "left", "yanchor": "top"},
        margin={"t": 110, "b": 150})
    for annotation in fig.layout.annotations:
        annotation.font = {"size": 15}
    fig.add_annotation(text=NOTE, xref="paper", yref="paper", x=0, y=-0.31, xanchor="left",
                       yanchor="top", align="left", showarrow=False,
                       font={"size": style.NOTE_FONT_SIZE, "color": style.GREY})
    return fig


def _pit_panel(fig: go.Figure, result: RollingResult, n_rows: int) -> None:
    centres = (np.arange(PIT_BINS) + 0.5) / PIT_BINS
    flat = 1.0 / PIT_BINS
    lo, hi = (stats.binom.ppf(q, n_rows, flat) / max(n_rows, 1) for q in (0.05, 0.95))
    fig.add_trace(go.Scatter(x=[0, 1, 1, 0], y=[lo, lo, hi, hi], fill="toself", mode="lines",
                             fillcolor="rgba(89,89,89,0.18)", line={"width": 0},
                             hoverinfo="skip", showlegend=False), row=1, col=1)
    for name, label, colour in _SERIES:
        fig.add_trace(go.Bar(x=centres, y=result.pit(name), name=label, marker_color=colour,
                             legendgroup=name, width=0.9 / PIT_BINS / len(_SERIES)),
                      row=1, col=1)
    fig.add_hline(y=flat, line={"color": style.GREY, "dash": "dash"}, row=1, col=1)
    fig.update_xaxes(title_text="PIT (predictive CDF at the observation)", range=[0, 1],
                     dtick=0.2, row=1, col=1)
    fig.update_yaxes(title_text="share of rows", rangemode="tozero", row=1, col=1)


def _reliability_panel(fig: go.Figure, result: RollingResult) -> None:
    fig.add_trace(go.Scatter(x=[0.4, 1], y=[0.4, 1], mode="lines", name="perfect calibration",
                             line={"color": style.GREY, "dash": "dash"}), row=1, col=2)
    for name, label, colour in _SERIES:
        rel = result.reliability(name)
        fig.add_trace(go.Scatter(
            x=rel["level"], y=rel["coverage"], mode="lines+markers", name=label,
            legendgroup=name, showlegend=False, line={"color": colour},
            marker={"size": 9},
            error_y={"type": "data", "symmetric": False, "array": rel["high"] - rel["coverage"],
                     "arrayminus": rel["coverage"] - rel["low"], "color": colour}),
            row=1, col=2)
    fig.update_xaxes(title_text="nominal level", range=[0.4, 1.0], tickvals=list(LEVELS),
                     tickformat=".0%", tickangle=0, row=1, col=2)
    fig.update_yaxes(title_text="observations inside", range=[0, 1.02], tickformat=".0%",
                     row=1, col=2)


def _origin_panel(fig: go.Figure, result: RollingResult) -> None:
    origins = [o.cutoff for o in result.origins]
    for level, colour in zip((0.8, 0.95), (style.BLUISH_GREEN, style.REDDISH_PURPLE),
                             strict=True):
        key = f"coverage_{round(level * 100)}"
        values = [o.summary["forecasters"]["ffcast"].get(key, np.nan) for o in result.origins]
        counts = [len(o.table) for o in result.origins]
        fig.add_trace(go.Bar(x=origins, y=values, name=f"{level:.0%} interval",
                             marker_color=colour, text=[f"{v:.0%}" for v in values],
                             textposition="outside", textfont={"size": 12},
                             cliponaxis=False, customdata=counts,
                             hovertemplate="%{x}: %{y:.0%} of %{customdata} rows"),
                      row=1, col=3)
        fig.add_hline(y=level, line={"color": colour, "dash": "dot"}, row=1, col=3)
    labels = [f"{o.cutoff}<br>n={len(o.table)}" for o in result.origins]
    fig.update_xaxes(title_text="forecast origin", type="category", tickvals=origins,
                     ticktext=labels, row=1, col=3)
    fig.update_yaxes(title_text="observations inside", range=[0, 1.12], tickformat=".0%",
                     row=1, col=3)


def write(result: RollingResult, path: str | os.PathLike[str]) -> Path:
    """Write :func:`calibration_figure` to ``path`` (``.png`` via kaleido, or ``.html``)."""
    fig = calibration_figure(result)
    if Path(path).suffix.lower() == ".png":
        return export.write_png(fig, path, width=WIDTH, height=HEIGHT)
    return export.write_html(fig, path, title="ffcast backtest: calibration")
