"""The report's risk section: attacks in the West linked to foreign fighters, per year.

Warning first: the model's attackers here are the people it follows, travellers to
Syria/Iraq (the inmates they radicalise in prison are a prior-driven scenario apart, ADR
0036), so its numbers are *linked to foreign fighters*, never all jihadist terrorism; the
record drawn next to them is the matching subset of ``attacks_west`` (returnees and
dispatched operatives) known by the cut-off. Per
year numbers come from :func:`ffcast.results.risk.year_summary`, the reduction behind
``ffcast run``'s headline, so the page, the dashboard and the CLI agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffcast.plots import style
from ffcast.report.figures import rgba
from ffcast.report.html import esc, table
from ffcast.report.reduce import Reduction, quantiles
from ffcast.results import quantities as Q
from ffcast.results import risk

WEST = "west"
RISK_HEIGHT = 900


def _sentence(label: str) -> str:
    """``label`` opening a sentence: its first letter upper case, the rest as written
    ("the West, by ..." -> "The West, by ...", where str.capitalize gave "The west")."""
    return label[:1].upper() + label[1:]


def forecast_rows(red: Reduction, region: str = WEST) -> list[dict]:
    """Per calendar year after the cut-off, the risk summary of ``region`` (see
    :func:`ffcast.results.risk.year_summary`) with ``year`` and ``months`` covered."""
    meta = red.meta
    counts = np.bincount(meta.months.year - meta.years[0], minlength=len(meta.years))
    return [{"year": int(y), "months": int(counts[k]),
             **risk.year_summary(red.risk[:, k])[region]}
            for k, y in enumerate(meta.years) if y > meta.cutoff.year]


def history_note(red: Reduction, year: int) -> str:
    """`` (history to Oct)`` for a year an updated posterior (``ffcast update``) has partly
    behind it, `` (history)`` for one wholly behind: its months up to the origin are the
    particles' simulated history, weighed by the statements folded in, not a forecast."""
    if not red.meta.updated_to:
        return ""
    origin = pd.Period(red.meta.updated_to, "M")
    months = red.meta.months[red.meta.months.year == year]
    if year > origin.year or not (months <= origin.start_time).any():
        return ""  # none of the year's recorded months is history (a file from 2017-11)
    return " (history)" if year < origin.year or origin.month == 12 else \
        f" (history to {origin.strftime('%b')})"


#: Column headers of the per-year risk table (report and dashboard).
HEADERS: tuple[str, ...] = ("Year", "Attacks, mean", "Median [90% interval]", "Deaths, mean",
                            "Median [90% interval]", "P(≥1 attack)",
                            f"P(≥1 with {Q.MASS_CASUALTY_DEATHS}+ deaths)")


def forecast_cells(red: Reduction, region: str = WEST) -> list[list[tuple[str, float | None]]]:
    """The rows of the per-year table (:data:`HEADERS`) as (text, sort value) cells."""
    out = []
    for r in forecast_rows(red, region):
        a, d = r["attacks"], r["deaths"]
        label = str(r["year"]) if r["months"] == 12 else f"{r['year']} ({r['months']} months)"
        label += history_note(red, r["year"])
        if region == WEST:
            label += risk.reliance_mark(f"west_attacks:{r['year']}", red.prior_driven,
                                        red.undetermined)
        out.append([(label, None), (risk.mean_text(a["mean"]), a["mean"]),
                    (f"{a['median']:,.0f} [{a['p5']:,.0f}–{a['p95']:,.0f}]", a["median"]),
                    (risk.mean_text(d["mean"]), d["mean"]),
                    (f"{d['median']:,.0f} [{d['p5']:,.0f}–{d['p95']:,.0f}]", d["median"]),
                    (risk.percent(r["p_at_least_one"]), r["p_at_least_one"]),
                    (risk.percent(r["p_mass_casualty"]), r["p_mass_casualty"])])
    return out


def risk_figure(red: Reduction, record: pd.DataFrame) -> go.Figure:
    """Three panels over the run's years, the West only: attacks, deaths (median, 90%
    interval, mean) and P(at least one attack / mass-casualty attack); the record known by
    the cut-off (``record``: :func:`ffcast.report.observed.attack_record`) overlaid."""
    meta = red.meta
    years = meta.years
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        row_heights=[0.36, 0.36, 0.28],
                        subplot_titles=["Attacks per year", "Deaths per year",
                                        "Chance of at least one attack in the year"])
    fig.update_layout(template=style.TEMPLATE, height=RISK_HEIGHT, margin={"t": 190},
                      legend={"orientation": "h", "x": 0, "y": 1.035, "yanchor": "bottom"})
    fig.update_annotations(font={"size": 13})
    for row, count, unit in ((1, "attacks", "attacks"), (2, "attack_deaths", "deaths")):
        _model_years(fig, years, red.risk_of(WEST, count), unit, row, legend=row == 1)
        rec = record[record["year"].isin(years)]
        value = rec["attacks"] if count == "attacks" else rec["deaths"]
        fig.add_trace(go.Scatter(
            x=rec["year"], y=value, mode="markers", name="Record known by the cut-off",
            legendgroup="record", showlegend=row == 1,
            marker={"symbol": "x-thin", "size": 14, "color": style.BLACK,
                    "line": {"width": 3, "color": style.BLACK}},
            customdata=rec["events"].replace("", "none recorded"),
            hovertemplate="%{x}: %{y:,.0f} " + unit + " in the record (%{customdata})"
            "<extra></extra>"), row=row, col=1)
    for count, name, colour, dash in (
            ("attacks", "P(at least one attack)", style.BLUE, "solid"),
            ("mass_casualty_attacks", f"P(at least one with {Q.MASS_CASUALTY_DEATHS}+ deaths)",
             style.VERMILLION, "dot")):
        p = (red.risk_of(WEST, count) > 0).mean(axis=0)
        fig.add_trace(go.Scatter(
            x=years, y=p, mode="lines+markers", name=name,
            line={"color": colour, "width": 2, "dash": dash}, marker={"size": 6},
            hovertemplate="%{x}: %{y:.0%}<extra>" + name + "</extra>"), row=3, col=1)
    rec = record[record["year"].isin(years)]
    fig.add_trace(go.Scatter(
        x=rec["year"], y=(rec["attacks"] > 0).astype(float), mode="markers",
        name="Record: a linked attack that year (100%) or none (0%)", legendgroup="record",
        showlegend=False, marker={"symbol": "x-thin", "size": 11, "color": style.BLACK,
                                  "line": {"width": 2.5, "color": style.BLACK}},
        hovertemplate="%{x}: %{y:.0%} (record)<extra></extra>"), row=3, col=1)
    when = meta.cutoff.year - 0.5 + meta.cutoff.month / 12
    for row in (1, 2, 3):
        fig.add_vline(x=when, line={"color": style.GREY, "dash": "dash", "width": 1.5},
                      row=row, col=1)
    fig.add_annotation(x=when, y=1, xref="x", yref="y domain", xanchor="right", yanchor="top",
                       xshift=-3, showarrow=False, text=f"Cut-off<br>{meta.cutoff:%b %Y}",
                       font={"size": 11, "color": style.GREY}, row=1, col=1)
    fig.update_xaxes(dtick=1, range=[years[0] - 0.6, years[-1] + 0.6])
    fig.update_xaxes(title_text="Year", row=3, col=1)
    fig.update_yaxes(title_text="Attacks", rangemode="tozero", tickformat=",", row=1, col=1)
    fig.update_yaxes(title_text="Deaths", rangemode="tozero", tickformat=",", row=2, col=1)
    fig.update_yaxes(title_text="Probability", range=[0, 1.05], tickformat=".0%", row=3,
                     col=1)
    fig.update_layout(title={
        "text": "Attacks in the West linked to foreign fighters: the model and the record",
        "subtitle": {"text": f"Scenario {meta.scenario_name}, {red.n_draws:,} draws, per "
                     f"calendar year; the record as known in {meta.cutoff:%B %Y}"}})
    style.add_source_note(fig, "The West: Western countries, i.e. attacks at home by fighters "
                          "from Western origins and attacks on other Western countries by "
                          "any origin. Model: attacks by the people it follows (travellers "
                          "to Syria/Iraq; not the inmates they radicalise in prison). "
                          "Record (black crosses; bottom panel: 100% if a linked attack "
                          "happened that year, else 0%): attacks_west rows published by the "
                          "cut-off whose perpetrators had been in Syria/Iraq (returnees, "
                          "dispatched operatives); the home-grown majority is in neither.")
    return fig


def _model_years(fig: go.Figure, years: np.ndarray, draws: np.ndarray, unit: str, row: int,
                 legend: bool) -> None:
    """Median diamonds with 90% bars and mean circles of per-year ``draws`` (D, Y)."""
    q = quantiles(draws)
    mean = draws.mean(axis=0)
    fig.add_trace(go.Scatter(
        x=years, y=q[2], mode="markers", name="Model: median, 90% interval",
        legendgroup="median", showlegend=legend,
        marker={"symbol": "diamond", "size": 10, "color": style.BLUE},
        error_y={"type": "data", "array": q[4] - q[2], "arrayminus": q[2] - q[0],
                 "color": rgba(style.BLUE, 0.6), "thickness": 2.5, "width": 0},
        customdata=np.stack([q[0], q[4], mean], -1),
        hovertemplate="%{x}: median %{y:,.0f} " + unit + " (90%: %{customdata[0]:,.0f}–"
        "%{customdata[1]:,.0f}; mean %{customdata[2]:,.1f})<extra></extra>"), row=row, col=1)
    fig.add_trace(go.Scatter(
        x=years + 0.18, y=mean, mode="markers", name="Model: mean (expected number)",
        legendgroup="mean", showlegend=legend,
        marker={"symbol": "circle-open", "size": 9, "color": style.BLUE,
                "line": {"width": 2}},
        hovertemplate="%{x:.0f}: mean %{y:,.1f} " + unit + "<extra></extra>"), row=row, col=1)


def risk_section(red: Reduction, record: pd.DataFrame, figure: str) -> str:
    """The section's body: what the numbers are linked to, the figure, the forecast table."""
    meta = red.meta
    known = record[record["year"] <= meta.cutoff.year]
    linked, every = int(known["attacks"].sum()), int(known["all_executed"].sum())
    words = (
        "<p>Every number here is <strong>linked to foreign fighters</strong>: attacks by "
        "the people the model follows, who travelled to Syria or Iraq (attacks by the "
        "inmates they radicalise in prison are not: a prior-driven scenario, below). It is "
        "not all jihadist terrorism: of the "
        f"{every} executed jihadist attacks in the West in the record known by "
        f"{meta.cutoff:%B %Y}, {linked} were by people who had been in Syria or Iraq "
        "(returnees or dispatched operatives); the rest were home-grown. "
        "<em>The West</em> is attacks at home by fighters from Western origins plus attacks "
        "on other Western countries by fighters from any origin.</p>")
    rows = [[(f"{int(r['year'])} record (to {meta.cutoff:%b})" if meta.cutoff.month < 12
              else f"{int(r['year'])} record", None),
             (f"{int(r['attacks'])}", r["attacks"]), ("", 0), (f"{int(r['deaths'])}",
                                                              r["deaths"]),
             ("", 0), ("", 0), (f"{int(r['mass'])} recorded", r["mass"])]
            for _, r in known.tail(1).iterrows()]
    rows += forecast_cells(red)
    heads = [(h, i > 0) for i, h in enumerate(HEADERS)]
    note = ("<p class=\"note\">Means are expected numbers; deaths per attack follow a power "
            "law, so a year's mean can sit far above its median. Probabilities are shares of "
            f"draws ({red.n_draws:,}). "
            + " ".join(f"{esc(_sentence(Q.RISK_REGION_LABELS[r]))}: "
                       f"{esc(Q.PRIOR_SCENARIO_NOTES[r])}."
                       for r in Q.PRIOR_SCENARIO_REGIONS)
            + " All of them: <code>ffcast run --json</code>, key <code>risk</code>."
            + mid_year_note(meta) + _marks_note(red) + "</p>")
    return words + f"<figure>{figure}</figure>" + table(heads, rows, table_id="risk-table") + note


def _marks_note(red: Reduction) -> str:
    """What the year labels' marks mean, when any year carries one (ADR 0040)."""
    years = [k for k in (*red.prior_driven, *red.undetermined) if k.startswith("west_attacks:")]
    if not years:
        return ""
    return (" A year marked † rests mostly on parameters the data up to the cut-off did not "
            "narrow (the priors' reading more than the record's). " + risk.UNDETERMINED_NOTE)


def mid_year_note(meta: object) -> str:
    """For a cut-off before December: the report's per-year tables count whole calendar
    years after the cut-off's, while its totals (a comparison's, the dashboard's cards),
    `ffcast run` and `compare` count from the month after it (review of 2026-12-07)."""
    cutoff = meta.cutoff  # type: ignore[attr-defined]
    if cutoff.month == 12:
        return ""
    first = pd.Period(cutoff, "M") + 1
    return (f" The cut-off is {cutoff:%B %Y}: these per-year rows count whole years from "
            f"{cutoff.year + 1}, so {first:%B}-December {cutoff.year} are in none of them; "
            f"the totals after the cut-off (a comparison's, <code>ffcast run</code>'s and "
            f"<code>ffcast compare</code>'s) count from {first:%Y-%m}.")
