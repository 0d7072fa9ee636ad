"""Bar chart of sensitivity indices with confidence-interval whiskers (Okabe-Ito colours).

The picture says what the command's table says around it: what the outcome counts (scenario,
countries, months), what the whiskers are a bootstrap over, whether the points re-simulated
the history, and every warning; a PNG passed on alone must not read surer than the table."""

from __future__ import annotations

import plotly.graph_objects as go

from ffcast.experiments.sensitivity import POINTS, SensitivityResult
from ffcast.plots import style


def counted_text(meta: dict) -> str:
    """Where an outcome is counted (plain text): the base scenario (and the countries, when
    a subset), flows over the months after the cut-off to the end, people at the end."""
    if "period" not in meta:
        return ""
    where = "" if not meta.get("countries") else f", {', '.join(meta['countries'])} only"
    return (f"scenario {meta.get('scenario', '?')}{where}; events {meta['period']}, "
            f"people at {meta['end_month']}")


def _note(res: SensitivityResult) -> str:
    """The source note: how to read the whiskers, the history line and every warning."""
    undefined = [str(n) for n, row in res.table.iterrows()
                 if row.drop([c for c in row.index if c.endswith("_conf")]).isna().any()]
    parts = ["Source: ffcast experiments; ranges in docs/experiments.md.",
             f"Whiskers: {res.interval().removeprefix('± = ')}. An interval that crosses 0 "
             "means the index cannot be told from 0."]
    if undefined:
        parts.append(f"Undefined (no bar): {', '.join(undefined)}.")
    history = res.meta.get("history")
    if history:
        parts.append(f"History: {history}.")
    parts += [f"Warning: {w}." for w in res.warnings]
    return " ".join(p.replace("..", ".") for p in parts)


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
    m = res.meta
    outcome = m.get("outcome", "outcome")
    counted = counted_text(m)
    reduce = f"{m['reduce']} over " if m.get("reduce") else ""
    fig.update_layout(
        barmode="group",
        title={"text": f"What drives {outcome}? {res.method.capitalize()} sensitivity",
               "subtitle": {"text": (f"{counted}<br>" if counted else "")
                            + f"{res.samples} {POINTS[res.method]}, {res.evaluations} "
                            f"scenarios, {reduce}{m.get('draws_per_point', '?')} draws each, "
                            f"seed {res.seed} (common random numbers)"}},
        xaxis_title=xtitle, yaxis_title="factor",
        # Legend above the plot, right-aligned: the source note owns the space below.
        legend={"orientation": "h", "x": 1, "y": 1.01, "xanchor": "right",
                "yanchor": "bottom", "traceorder": "reversed"},
        height=max(420, 110 + 60 * len(t)) + (30 if counted else 0),
        margin={"t": 120 if counted else 90})
    fig.update_xaxes(zeroline=True, zerolinecolor=style.GREY, zerolinewidth=1)
    style.add_source_note(fig, _note(res))
    return fig
