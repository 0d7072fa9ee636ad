"""The report's model figures: pure functions from a :class:`Reduction` to plotly Figures.

Warning first: no function here reads a file or the network; published numbers come in as
arguments (see :mod:`ffcast.report.observed`), so the dashboard can call them with its own
data. Fans show the median and the 50% and 90% intervals over draws; stocks are
end-of-month values, so they are drawn at the last day of their month, where published
"as of" dates line up with them. Colours come from :mod:`ffcast.plots.style` (Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffcast.plots import style
from ffcast.report.reduce import Difference, Reduction, RunMeta, quantiles
from ffcast.results import quantities as Q
from ffcast.results.risk import percent

PATHWAY_LABELS: dict[str, str] = {q.name: q.label for q in (*Q.PATHWAYS, Q.TRAVELLED)}
# "stayed" is in_theatre + insurgent: it takes the in-theatre colour.
COLOURS: dict[str, str] = {**style.PATHWAY_COLOURS, "stayed": style.PATHWAY_COLOURS["in_theatre"],
                           "travelled": style.GREY}
FAN_HEIGHT = 720


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` -> ``rgba(r, g, b, alpha)``."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def month_ends(months: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Last day of each month (end-of-month stocks are drawn there)."""
    return months + pd.offsets.MonthEnd(0)


def cutoff_date(meta: RunMeta) -> pd.Timestamp:
    """Last day of the cut-off month: data end here, the scenario starts after."""
    return meta.cutoff + pd.offsets.MonthEnd(0)


def add_fan(fig: go.Figure, x: pd.DatetimeIndex, draws: np.ndarray, colour: str, name: str,
            row: int | None = None, col: int | None = None, legend: bool = False,
            scale: float = 1.0, unit: str = "people") -> None:
    """Median line and 50% / 90% bands of ``draws`` (D, T) over ``x``."""
    q = quantiles(draws) * scale
    xs = list(x) + list(x[::-1])
    for lo, hi, alpha, label in ((0, 4, 0.18, "90% interval"), (1, 3, 0.38, "50% interval")):
        fig.add_trace(go.Scatter(
            x=xs, y=np.r_[q[hi], q[lo][::-1]], fill="toself", fillcolor=rgba(colour, alpha),
            line={"width": 0}, hoverinfo="skip", name=label, legendgroup=label,
            showlegend=legend), row=row, col=col)
    fig.add_trace(go.Scatter(
        x=x, y=q[2], mode="lines", line={"color": colour, "width": 2.5}, name="Median",
        legendgroup="Median", showlegend=legend,
        customdata=np.stack([q[0], q[4]], -1),
        hovertemplate=f"{name}, %{{x|%b %Y}}: <b>%{{y:,.0f}}</b> {unit} "
        "(90%: %{customdata[0]:,.0f}–%{customdata[1]:,.0f})<extra></extra>"),
        row=row, col=col)


def add_observed(fig: go.Figure, obs: pd.DataFrame, row: int | None = None,
                 col: int | None = None, legend: bool = False, scale: float = 1.0) -> None:
    """Published numbers: ranges as error bars, one-sided bounds as triangles."""
    kinds = (
        ("Published estimate", obs["low"].notna() & obs["high"].notna(), "circle"),
        ("Published: at least", obs["low"].notna() & obs["high"].isna(), "triangle-up"),
        ("Published: at most", obs["low"].isna() & obs["high"].notna(), "triangle-down"),
    )
    for label, mask, symbol in kinds:
        rows = obs[mask]
        if rows.empty:
            continue
        value = rows["low"].fillna(rows["high"]) * scale
        upper = rows["high"].fillna(rows["low"]) * scale
        fig.add_trace(go.Scatter(
            x=rows["date"], y=value, mode="markers", name=label, legendgroup=label,
            showlegend=legend,
            error_y={"type": "data", "array": upper - value, "arrayminus": np.zeros(len(rows)),
                     "color": style.BLACK, "thickness": 1.5, "width": 4},
            marker={"symbol": symbol, "size": 9, "color": style.BLACK,
                    "line": {"color": "white", "width": 1}},
            customdata=np.stack([rows["source"], rows["text"].str.slice(0, 90)], -1),
            hovertemplate="%{x|%d %b %Y}: %{y:,.0f} (%{customdata[0]})<br>%{customdata[1]}"
            "<extra></extra>"), row=row, col=col)


def add_cutoff(fig: go.Figure, meta: RunMeta, row: int | None = None, col: int | None = None,
               label: bool = True) -> None:
    """Dashed vertical line at the end of the cut-off month, labelled on request."""
    when = cutoff_date(meta)
    fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="y domain",
                  line={"color": style.GREY, "width": 1.5, "dash": "dash"}, row=row, col=col)
    if label:
        # Left of the line, at the top: before the cut-off the cumulative series are low. A
        # run that starts at the cut-off (the dashboard's) has no room there: the label would
        # cover the axis's tick labels, so it goes right of the line.
        start, end = meta.months[0], meta.months[-1]
        room = (when - start) / max(end - start, pd.Timedelta(days=1))
        left = room >= 0.15
        fig.add_annotation(x=when, y=1, yref="y domain", xanchor="right" if left else "left",
                           yanchor="top", text=f"Cut-off<br>{when:%b %Y}", showarrow=False,
                           xshift=-3 if left else 3, font={"size": 11, "color": style.GREY},
                           row=row, col=col, bgcolor="rgba(255,255,255,0.8)")


def _panels(titles: Sequence[str], n_months: int, cols: int = 4) -> go.Figure:
    rows = -(-len(titles) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles), shared_xaxes=True,
                        horizontal_spacing=0.07, vertical_spacing=0.14)
    # Legend in its own row between the subtitle and the panel titles: below the plots it
    # would collide with the source note.
    fig.update_layout(template=style.TEMPLATE, height=FAN_HEIGHT,
                      legend={"orientation": "h", "x": 0, "y": 1.07, "yanchor": "bottom"},
                      margin={"t": 150})
    fig.update_annotations(font={"size": 13})
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    # Every 2nd year up to a decade, else every 4th: four panels side by side are narrow.
    fig.update_xaxes(dtick="M24" if n_months <= 120 else "M48", tickformat="%Y")
    return fig


def pathway_fans(red: Reduction, observed: pd.DataFrame) -> go.Figure:
    """Small multiples: people in each pathway (and travelled) by month, with published data.

    ``observed`` follows :mod:`ffcast.report.observed` (``key`` = pathway or ``travelled``).
    """
    keys = [q.name for q in Q.PATHWAYS] + ["travelled"]
    fig = _panels([PATHWAY_LABELS[k] for k in keys], len(red.meta.months))
    x = month_ends(red.meta.months)
    # Every panel spans the months simulated (a run recorded from the cut-off would otherwise
    # stretch only the panels whose published points lie before it).
    fig.update_xaxes(range=[x[0], x[-1]])
    for i, key in enumerate(keys):
        r, c = i // 4 + 1, i % 4 + 1
        series = red.travelled if key == "travelled" else red.pathways[:, :, i]
        add_fan(fig, x, series, COLOURS[key], PATHWAY_LABELS[key], r, c, legend=i == 0)
        add_observed(fig, observed[observed["key"] == key], r, c, legend=True)
        add_cutoff(fig, red.meta, r, c, label=i == 0)
    _dedupe_legend(fig)
    fig.update_yaxes(title_text="People", col=1)
    _title(fig, f"People by pathway, {red.meta.months[0]:%b %Y} – {red.meta.months[-1]:%b %Y}",
           f"Scenario {red.meta.scenario_name}: median, 50% and 90% intervals over "
           f"{red.n_draws:,} draws (end of month); black marks are published estimates")
    style.add_source_note(fig, "Published: world totals from the aggregates dataset (scope "
                          "world, known by the cut-off); hover a mark for its source id. "
                          "'Stayed' = in theatre + insurgency.")
    return fig


def focus_fans(red: Reduction, observed: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """Small multiples: cumulative returnees of the focus countries (the model's count),
    the figure an official authority would publish (anchored on its statements, when the
    reduction has it) and the published counts."""
    meta = red.meta
    official = red.focus_published  # (D, T, K), computed on access
    published = bool(np.isfinite(official).all())
    fig = _panels([names.get(c, c) for c in meta.focus], len(meta.months))
    if published:  # two more legend entries: the legend takes two rows
        fig.update_layout(margin={"t": 185}, legend={"y": 1.12})
    x = month_ends(meta.months)
    fig.update_xaxes(range=[x[0], x[-1]])
    for i, iso3 in enumerate(meta.focus):
        r, c = i // 4 + 1, i % 4 + 1
        add_fan(fig, x, red.focus_returned[:, :, i], style.BLUE, names.get(iso3, iso3), r, c,
                legend=i == 0)
        if published:
            add_published(fig, x, official[:, :, i], names.get(iso3, iso3), r, c,
                          legend=i == 0)
        add_observed(fig, observed[observed["key"] == iso3], r, c, legend=True)
        add_cutoff(fig, meta, r, c, label=i == 0)
    _dedupe_legend(fig)
    fig.update_yaxes(title_text="People returned", col=1)
    _title(fig, "Returnees by origin country (cumulative)",
           f"The {len(meta.focus)} origin countries with the most travellers; median, 50% "
           f"and 90% intervals over {red.n_draws:,} draws")
    note = ("Returned = everyone who entered the home pipeline (returns, repatriations, "
            "arrested dispatched operatives). Published counts: foreign_fighters dataset, "
            "measure 'returned', known by the cut-off.")
    if published:
        note += (" Official count (forecast): what an official authority would publish (the "
                 "reporting model, its error anchored on the country's statements by the "
                 "cut-off and those the posterior was fitted to: the forecaster scored in "
                 "docs/validation.md); hover for its 90%.")
    style.add_source_note(fig, note)
    return fig


def add_published(fig: go.Figure, x: pd.DatetimeIndex, draws: np.ndarray, name: str,
                  row: int | None = None, col: int | None = None,
                  legend: bool = False) -> None:
    """The forecast of a published figure (D, T): median dashed, 50% interval dotted (its
    90% interval, wide with the reporting noise, would flatten the model's fan under it)."""
    q = quantiles(draws)
    colour = style.VERMILLION
    label = "Official count (forecast): median"
    fig.add_trace(go.Scatter(
        x=x, y=q[2], mode="lines", line={"color": colour, "width": 2, "dash": "dash"},
        name=label, legendgroup=label, showlegend=legend,
        customdata=np.stack([q[0], q[4]], -1),
        hovertemplate=f"{name}, official count, %{{x|%b %Y}}: <b>%{{y:,.0f}}</b> people "
        "(90%: %{customdata[0]:,.0f}–%{customdata[1]:,.0f})<extra></extra>"),
        row=row, col=col)
    band = "Official count (forecast): 50% interval"
    for k, bound in ((1, "25%"), (3, "75%")):
        fig.add_trace(go.Scatter(
            x=x, y=q[k], mode="lines", line={"color": colour, "width": 1, "dash": "dot"},
            name=band, legendgroup=band, showlegend=legend and k == 1,
            hovertemplate=f"{name}, official count {bound}, %{{x|%b %Y}}: "
            "%{y:,.0f}<extra></extra>"), row=row, col=col)


def _dedupe_legend(fig: go.Figure) -> None:
    seen: set[str] = set()
    for trace in fig.data:
        if trace.showlegend:
            trace.showlegend = trace.name not in seen
            seen.add(trace.name)


def _title(fig: go.Figure, text: str, subtitle: str) -> None:
    fig.update_layout(title={"text": text, "subtitle": {"text": subtitle}})


def territory_model_figure(red: Reduction, observed: pd.DataFrame) -> go.Figure:
    """The model's territory driver (% of the January 2015 extent) with the IHS estimates."""
    meta = red.meta
    fig = go.Figure(layout={"template": style.TEMPLATE, "height": 520})
    add_fan(fig, month_ends(meta.months), red.territory, style.VERMILLION, "Territory",
            legend=True, scale=100.0, unit="% of Jan 2015")
    add_observed(fig, observed, legend=True, scale=100.0)
    add_cutoff(fig, meta)
    fig.update_layout(
        legend={"x": 0.01, "y": 0.99, "yanchor": "top"},
        xaxis={"title": {"text": "Month"}, "dtick": "M24", "tickformat": "%Y"},
        yaxis={"title": {"text": "Territory held (% of January 2015 extent)"},
               "range": [0, 112], "ticksuffix": "%"})
    _title(fig, "The model's territory driver",
           "Observed (IHS) to the cut-off, then the scenario's collapse paths "
           f"({meta.scenario_name}); 50% and 90% intervals over draws")
    style.add_source_note(fig, "Before January 2015 the driver is a judgement ramp (not "
                          "data); black circles: IHS estimates as a share of 90,800 km². "
                          "Collapse pressure (loss from the peak) drives deaths, captures "
                          "and exits.")
    return fig


def deaths_model_figure(red: Reduction, gtd_west: pd.Series) -> go.Figure:
    """Simulated deaths per year in foreign-fighter attacks, next to GTD deaths in the West.

    ``gtd_west``: GTD fatalities per year, Western Europe + North America (all terrorism).
    """
    meta = red.meta
    years = meta.years
    gtd = gtd_west[gtd_west.index.isin(years)]
    fig = go.Figure(layout={"template": style.TEMPLATE, "height": 520})
    fig.add_trace(go.Bar(x=gtd.index, y=gtd.values, name="GTD: all terrorism deaths, "
                         "W. Europe + N. America", marker={"color": style.GRID,
                                                            "line": {"color": style.GREY}},
                         hovertemplate="%{x}: %{y:,.0f} deaths (GTD)<extra></extra>"))
    # Attacks at home by non-Western origins and in third theatres are prior-driven scenarios
    # fitted to no record (Q.PRIOR_SCENARIO_NOTES): not drawn here, where the model stands
    # next to a record.
    series = ((red.risk_of("west", "attack_deaths"),
               "Model: deaths in the West (origin + other Western)",
               style.BLUE, 0.0),)
    for draws, name, colour, shift in series:
        q = quantiles(draws)
        fig.add_trace(go.Scatter(
            x=years + shift, y=q[2], mode="markers", name=name,
            marker={"color": colour, "size": 9, "symbol": "diamond"},
            error_y={"type": "data", "array": q[4] - q[2], "arrayminus": q[2] - q[0],
                     "color": colour, "thickness": 2, "width": 0},
            customdata=np.stack([q[0], q[4]], -1),
            hovertemplate="%{x:.0f}: median %{y:,.0f} deaths (90%: %{customdata[0]:,.0f}–"
            "%{customdata[1]:,.0f})<extra>" + name + "</extra>"))
    fig.add_vline(x=meta.cutoff.year + 0.5, line={"color": style.GREY, "dash": "dash",
                                                  "width": 1.5})
    # Below the legend (top left), so the legend box never hides it.
    fig.add_annotation(x=meta.cutoff.year + 0.5, y=0.7, yref="paper", xanchor="left",
                       yanchor="top", showarrow=False, xshift=3, text=f"Cut-off<br>"
                       f"{cutoff_date(meta):%b %Y}", font={"size": 11, "color": style.GREY})
    fig.update_layout(
        legend={"x": 0.01, "y": 0.99, "yanchor": "top"}, bargap=0.45,
        xaxis={"title": {"text": "Year"}, "dtick": 1, "range": [years[0] - 0.6, years[-1] + 0.6]},
        yaxis={"title": {"text": "Deaths per year (people killed)"}, "tickformat": ","})
    _title(fig, "Deaths in attacks by foreign fighters: the model's history and forecast",
           "Diamonds: model median with 90% interval; grey bars: all terrorism deaths "
           "recorded by the GTD (a different, wider count)")
    style.add_source_note(fig, "Model deaths count only attacks in the West by the modelled "
                          "travellers (dispatched, returned); attacks by inmates radicalised "
                          "in prison, at non-Western homes and in third theatres, fitted to "
                          "no record, are left out. "
                          "GTD release 0522 via Our World in Data, as in Figure 2.")
    return fig


def comparison_figure(diffs: Sequence[Difference], a: str, b: str, n_draws: int) -> go.Figure:
    """Paired differences B - A (median, 50% and 90% intervals): people, attacks, deaths."""
    people = [d for d in diffs if d.units == "persons"]
    events = [d for d in diffs if d.units != "persons"]
    share = len(people) / (len(people) + len(events) + 1.5)
    fig = make_subplots(rows=2, cols=1, row_heights=[share, 1 - share], vertical_spacing=0.12)
    fig.update_layout(template=style.TEMPLATE, height=860, margin={"t": 140},
                      legend={"orientation": "h", "x": 0, "y": 1.03, "yanchor": "bottom"})
    for row, group, unit in ((1, people, "people"), (2, events, "attacks or deaths")):
        _difference_rows(fig, group[::-1], row, legend=row == 1)
        lo = min(min(d.p5 for d in group), 0.0)
        hi = max(max(d.p95 for d in group), 0.0)
        pad = max(0.06 * (hi - lo), 0.5)
        fig.add_vline(x=0, line={"color": style.GREY, "width": 1}, row=row, col=1)
        fig.update_xaxes(title_text=f"Difference, {b} minus {a} ({unit})", tickformat="+,",
                         range=[lo - pad, hi + pad], row=row, col=1)
    fig.update_layout(title={
        "text": f"What changes under {b}, compared with {a}", "x": 0.01, "xref": "container",
        "subtitle": {"text": f"Paired differences over {n_draws:,} draws with common random "
                     "numbers (same seed, same draws)"}})
    style.add_source_note(fig, "People: at the horizon. Attacks and deaths: the years "
                          "after the cut-off, in the West (the record's region); at "
                          "non-Western homes a prior-driven scenario fitted to no record; "
                          "third theatres left out.")
    return fig


def _difference_rows(fig: go.Figure, rows: Sequence[Difference], row: int,
                     legend: bool) -> None:
    """One line per quantity: 90% interval (thin), 50% interval (thick), median (dot)."""
    labels = [d.quantity for d in rows]
    for lo, hi, width, alpha, name in (("p5", "p95", 3, 0.45, "90% interval"),
                                       ("p25", "p75", 9, 0.85, "50% interval")):
        xs: list[float | None] = []
        ys: list[str | None] = []
        for d in rows:  # one trace, segments separated by gaps
            xs += [getattr(d, lo), getattr(d, hi), None]
            ys += [d.quantity, d.quantity, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, showlegend=legend,
                                 line={"color": rgba(style.BLUE, alpha), "width": width},
                                 hoverinfo="skip"), row=row, col=1)
    fig.add_trace(go.Scatter(
        x=[d.median for d in rows], y=labels, mode="markers", name="Median difference",
        marker={"color": style.BLACK, "size": 9}, showlegend=legend,
        customdata=[[d.p5, d.p95, percent(d.share_lower)] for d in rows],
        hovertemplate="%{y}: %{x:+,.0f} (90%: %{customdata[0]:+,.0f} to "
        "%{customdata[1]:+,.0f}); lower in %{customdata[2]} of draws<extra></extra>"),
        row=row, col=1)


#: Colours of men, women and minors (Okabe-Ito, distinct from the pathway colours' roles).
GROUP_COLOURS: dict[str, str] = {"men": style.BLUE, "women": style.REDDISH_PURPLE,
                                 "minors": style.ORANGE}
GROUP_LABELS: dict[str, str] = {"men": "Men", "women": "Women", "minors": "Minors"}
#: Panels of the groups figure: (group quantity, title).
GROUP_PANELS: tuple[tuple[str, str], ...] = (
    ("detained_in_theatre", "Held in Iraq/Syria"),
    ("stayed", "With IS or insurgents"),
    ("returned", "Came home (cumulative)"),
    ("killed", "Killed (cumulative)"),
)


def groups_figure(red: Reduction) -> go.Figure:
    """Men, women and minors over time (each December and the last month): who is held in
    Iraq/Syria, who stayed, who came home, who was killed; fans over draws per group."""
    from ffcast.engine import layout as L

    meta = red.meta
    x = month_ends(meta.months[meta.group_positions])
    fig = make_subplots(rows=1, cols=len(GROUP_PANELS), shared_xaxes=True,
                        subplot_titles=[t for _, t in GROUP_PANELS],
                        horizontal_spacing=0.06)
    fig.update_layout(template=style.TEMPLATE, height=520,
                      legend={"orientation": "h", "x": 0, "y": 1.12, "yanchor": "bottom"},
                      margin={"t": 160})
    fig.update_annotations(font={"size": 12})
    fig.update_yaxes(tickformat="~s", rangemode="tozero")
    fig.update_xaxes(dtick="M48", tickformat="%Y")
    for col, (quantity, _) in enumerate(GROUP_PANELS, start=1):
        k = L.GROUP_QUANTITIES.index(quantity)
        for g, group in enumerate(L.GROUPS):
            series = red.group_years[:, :, g, k]
            q = quantiles(series)
            colour = GROUP_COLOURS[group]
            fig.add_trace(go.Scatter(
                x=list(x) + list(x[::-1]), y=np.r_[q[4], q[0][::-1]], fill="toself",
                mode="lines", fillcolor=rgba(colour, 0.15), line={"width": 0},
                hoverinfo="skip",
                name=f"{GROUP_LABELS[group]}: 90% interval", legendgroup=group,
                showlegend=False), row=1, col=col)
            fig.add_trace(go.Scatter(
                x=x, y=q[2], mode="lines+markers", line={"color": colour, "width": 2.5},
                marker={"size": 5}, name=GROUP_LABELS[group], legendgroup=group,
                showlegend=col == 1, customdata=np.stack([q[0], q[4]], -1),
                hovertemplate=f"{GROUP_LABELS[group]}, %{{x|%b %Y}}: <b>%{{y:,.0f}}</b> "
                "people (90%: %{customdata[0]:,.0f}–%{customdata[1]:,.0f})<extra></extra>"),
                row=1, col=col)
        add_cutoff(fig, meta, 1, col, label=col == 1)
    fig.update_yaxes(title_text="People", col=1)
    _title(fig, "Men, women and minors",
           f"Scenario {meta.scenario_name}: median and 90% interval over {red.n_draws:,} "
           "draws, each December and the last month<br>Held: men in prisons, women and "
           "minors in camps; minors include the children born in Iraq/Syria")
    style.add_source_note(fig, "Group shares: ffcast.data.group_priors (statements published "
                          "by the cut-off); births per woman in theatre; group hazards: "
                          "docs/model.md (judgements, wide). No source on the camps was "
                          "published by 2016: the camp numbers are the model's.")
    return fig
