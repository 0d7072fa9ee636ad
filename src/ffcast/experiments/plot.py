"""Bar chart of sensitivity indices with confidence-interval whiskers (Okabe-Ito colours)."""

from __future__ import annotations

import plotly.graph_objects as go

from ffcast.experiments.sensitivity import SensitivityResult
from ffcast.plots import style


def indices_figure(res: SensitivityResult) -> go.Figure:
    """Sobol: S1 and ST per factor side by side; Morris: mu* per factor. Error bars: CI."""
    t = res.table.sort_values("ST" if res.method == "sobol" else "mu_star")
    pct = f"{res.conf_level:.0%}"
    if res.method == "sobol":
        series = (("S1", "First-order (S1)", style.BLUE),
                  ("ST", "Total (ST)", style.VERMILLION))
        xtitle = f"Sobol index (share of outcome variance), {pct} interval"
    else:
        series = (("mu_star", "μ* (mean absolute elementary effect)", style.BLUE),)
        xtitle = f"Morris μ* ({res.meta.get('unit', 'outcome units')}), {pct} interval"
    fig = go.Figure(layout={"template": style.TEMPLATE})
    for col, label, colour in series:
        fig.add_bar(y=list(t.index), x=t[col], name=label, orientation="h",
                    marker_color=colour,
                    error_x={"type": "data", "array": t[f"{col}_conf"], "color": style.BLACK,
                             "thickness": 1.5, "width": 5})
    outcome = res.meta.get("outcome", "outcome")
    fig.update_layout(
        barmode="group",
        title={"text": f"What drives {outcome}? {res.method.capitalize()} sensitivity",
               "subtitle": {"text": f"{res.meta.get('samples', '?')} base samples, "
                            f"{res.evaluations} scenarios x {res.meta.get('draws_per_point', '?')}"
                            f" draws, seed {res.seed} (common random numbers)"}},
        xaxis_title=xtitle, yaxis_title="factor",
        # Legend above the plot, right-aligned: the source note owns the space below.
        legend={"orientation": "h", "x": 1, "y": 1.01, "xanchor": "right",
                "yanchor": "bottom", "traceorder": "reversed"},
        height=max(420, 110 + 60 * len(t)))
    fig.update_xaxes(zeroline=True, zerolinecolor=style.GREY, zerolinewidth=1)
    style.add_source_note(fig, "Source: ffcast experiments; ranges in docs/experiments.md. "
                          "An interval that crosses 0 means the index cannot be told from 0.")
    return fig
