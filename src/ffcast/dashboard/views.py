"""The dashboard's views from a Reduction: the report's figure functions, made responsive.

Warning first: every chart is drawn by :mod:`ffcast.report.figures` and
:mod:`ffcast.report.flows` (the same pure functions as the HTML report); this module only
adds the headline cards, the single-country panel and sizes the figures for a browser. The
"Before the update" view takes its rows and figure from :mod:`ffcast.report.moved`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import html

from ffcast.plots import style
from ffcast.report import figures, flows, moved, observed, risk
from ffcast.report.build import mappable_countries
from ffcast.report.reduce import PATHWAYS, Reduction, paired_differences, quantiles
from ffcast.report.sections import about, interval
from ffcast.results.risk import UNDETERMINED_NOTE

HEADLINE_KEYS: tuple[str, ...] = ("returned", "stayed", "detained_in_theatre", "relocated",
                                  "dispatched", "killed")


def responsive(fig: go.Figure, height: int | None = None) -> go.Figure:
    """Fill the container's width (the template's fixed width is for PNGs). Changes ``fig``
    itself (every caller passes a figure just drawn for this view; a copy cost ~0.2 s of
    the dashboard's answer) and returns it."""
    fig.layout.template.layout.width = None
    fig.update_layout(autosize=True, width=None)
    if height is not None:
        fig.update_layout(height=height)
    return fig


def _card(title: str, q: np.ndarray, colour: str, card_id: str) -> html.Div:
    return html.Div([
        html.Div(title, className="card-title"),
        html.Div(about(q[2]), className="card-value", id=card_id),
        html.Div(f"90%: {interval(q)}", className="card-interval"),
    ], className="card", style={"borderTopColor": colour})


def headline(red: Reduction) -> html.Div:
    """Cards: people by pathway at the horizon, travelled, attacks and deaths after cut-off."""
    meta = red.meta
    q = quantiles(red.pathways[:, -1, :])
    cards = [_card("Travelled or born there", quantiles(red.travelled[:, -1]), style.GREY,
                   "headline-travelled")]
    cards += [_card(figures.PATHWAY_LABELS[k], q[:, PATHWAYS.index(k)], figures.COLOURS[k],
                    f"headline-{k}") for k in HEADLINE_KEYS]
    # Headline totals count the West, the region the record fits: attacks at home by
    # non-Western origins and in third theatres are prior-driven scenarios (Q.PRIOR_SCENARIO_
    # REGIONS), fitted to no record. They count from the month after the cut-off or the
    # updated posterior's origin, as `ffcast run` does.
    cards += [
        _card(f"Attacks in the West {meta.counted_span}",
              quantiles(red.total_after("attacks")), style.VERMILLION, "headline-attacks"),
        _card(f"Deaths in attacks in the West {meta.counted_span}",
              quantiles(red.total_after("attack_deaths")), style.BLACK, "headline-deaths"),
    ]
    # The parameters' label names an update itself ("posterior (cut-off ..., updated to ...)").
    note = (f"Scenario {meta.scenario_name}, {red.n_draws:,} draws, seed {meta.seed}, "
            f"people at the end of {meta.months[-1]:%B %Y} (median, 90% interval); "
            f"parameters: {meta.parameters}.")
    return html.Div([html.Div(cards, className="cards"), html.P(note, className="note"),
                     risk_table(red)])


def risk_table(red: Reduction) -> html.Div:
    """Per year after the cut-off: attacks and deaths in the West linked to foreign fighters
    (mean, median, 90% interval) and P(at least one), the report's rows
    (:func:`ffcast.report.risk.forecast_rows`)."""
    rows = [html.Tr([html.Td(text, className="num" if i else None)
                     for i, (text, _) in enumerate(cells)])
            for cells in risk.forecast_cells(red)]
    caption = html.Caption("Attacks in the West linked to foreign fighters, per year")
    head = html.Thead(html.Tr([html.Th(h, className="num" if i else None)
                               for i, h in enumerate(risk.HEADERS)]))
    note = ("Linked to foreign fighters: attacks by the people the model follows, who "
            "travelled to Syria/Iraq (not the inmates they radicalise in prison); not "
            "all jihadist terrorism. The West: attacks at home by fighters from Western "
            "origins and on other Western countries by any origin. Means are expected "
            "numbers; probabilities are shares of draws.")
    if any(k.startswith("west_attacks:") for k in red.prior_driven):
        note += (" † the year rests mostly on parameters the data up to the cut-off did not "
                 "narrow (the priors' reading more than the record's; `ffcast run --json`, key "
                 "prior_driven, names them).")
    if any(k.startswith("west_attacks:") for k in red.undetermined):
        note += " " + UNDETERMINED_NOTE
    return html.Div([html.Table([caption, head, html.Tbody(rows)], className="risk",
                                id="risk-table"), html.P(note, className="note")])


def country_figure(red: Reduction, name: str) -> go.Figure:
    """Cumulative returnees of the focus country (the first focus) with published counts."""
    meta = red.meta
    iso3 = meta.focus[0]
    fig = go.Figure(layout={"template": style.TEMPLATE, "height": 470})
    figures.add_fan(fig, figures.month_ends(meta.months), red.focus_returned[:, :, 0],
                    style.BLUE, name, legend=True)
    published = observed.returned_points(red.meta.cutoff)
    figures.add_observed(fig, published[published["key"] == iso3], legend=True)
    figures.add_cutoff(fig, meta)
    fig.update_layout(title={"text": f"Returnees to {name} (cumulative)", "subtitle": {
        "text": f"Median, 50% and 90% intervals over {red.n_draws:,} draws; black marks: "
        "published counts"}}, yaxis={"title": {"text": "People returned"},
                                     "rangemode": "tozero"},
        legend={"x": 0.01, "y": 0.99, "yanchor": "top"}, margin={"t": 90})
    # The dashboard starts from the posterior's stored states, so it has no draw's counts at
    # the country's past statements to anchor on: it shows the model's count only.
    style.add_source_note(fig, "The model's count of everyone who came home, not what the "
                          "country publishes (a statement may count fewer: adults, people "
                          "known to the authorities). The report adds the official count "
                          "anchored on the country's statements; ffcast forecast "
                          "--published prints it.")
    return responsive(fig)


def main_figures(red: Reduction) -> dict[str, go.Figure]:
    """Pathway fans, map and Sankey of one run, sized for the page."""
    names = dict(zip(red.meta.countries, red.meta.country_names, strict=True))
    return {
        "fans": responsive(figures.pathway_fans(red, observed.world_points(red.meta.cutoff))),
        "map": responsive(flows.map_figure(red, names, mappable_countries())),
        "sankey": responsive(flows.sankey_figure(red)),
        "groups": responsive(figures.groups_figure(red)),
        "country": country_figure(red, names.get(red.meta.focus[0], red.meta.focus[0])),
    }


def comparison(baseline: Reduction, current: Reduction) -> go.Figure:
    """Paired differences current - baseline (common random numbers)."""
    diffs = paired_differences(baseline, current)
    return responsive(figures.comparison_figure(diffs, baseline.meta.scenario_name,
                                                current.meta.scenario_name,
                                                current.n_draws))


def _pair_card(title: str, qb: np.ndarray, qa: np.ndarray, colour: str,
               card_id: str) -> html.Div:
    """A headline card with the median and 90% interval before and after the update."""
    def side(name: str, q: np.ndarray, suffix: str) -> html.Div:
        return html.Div([html.Div(name, className="pair-name"),
                         html.Div(about(q[2]), className=f"pair-value {suffix}",
                                  id=f"{card_id}-{suffix}"),
                         html.Div(interval(q), className="card-interval")])

    return html.Div([html.Div(title, className="card-title"),
                     html.Div([side("before", qb, "before"), side("after", qa, "after")],
                              className="pair")],
                    className="card", style={"borderTopColor": colour})


def before_cards(update: moved.Moved) -> html.Div:
    """Cards: travelled, the headline pathways, returnees of the focus country, and the
    attacks and deaths in the West after the cut-off, before and after."""
    b, a = update.before, update.after
    meta = a.meta
    cards = [_pair_card("Travelled or born there", quantiles(b.travelled[:, -1]),
                        quantiles(a.travelled[:, -1]), style.GREY, "before-travelled")]
    for k in HEADLINE_KEYS:
        i = PATHWAYS.index(k)
        cards.append(_pair_card(figures.PATHWAY_LABELS[k], quantiles(b.pathways[:, -1, i]),
                                quantiles(a.pathways[:, -1, i]), figures.COLOURS[k],
                                f"before-{k}"))
    name = meta.country_names[meta.countries.index(meta.focus[0])]
    cards.append(_pair_card(f"Returned to {name}", quantiles(b.focus_returned[:, -1, 0]),
                            quantiles(a.focus_returned[:, -1, 0]), style.BLUE,
                            "before-focus"))
    # Both sides count the same calendar months (an update's history months moved too).
    after = meta.years > meta.cutoff.year
    years = f"{meta.cutoff.year + 1}–{meta.months[-1]:%Y}"
    for key, title, colour, count in (
            ("attacks", f"Attacks in the West {years}", style.VERMILLION, "attacks"),
            ("deaths", f"Deaths in attacks in the West {years}", style.BLACK,
             "attack_deaths")):
        xb, xa = (r.headline_of(count)[:, after].sum(1) for r in (b, a))
        cards.append(_pair_card(title, quantiles(xb), quantiles(xa), colour,
                                f"before-{key}"))
    return html.Div(cards, className="cards")


def statements_table(update: moved.Moved) -> html.Table | html.P:
    """The statements folded in since the posterior before the update."""
    frame = update.statements
    meta = update.after.meta
    names = dict(zip(meta.countries, meta.country_names, strict=True))
    if frame.empty:
        return html.P("The updated posterior holds no statement the one before does not.",
                      className="note")
    rows = []
    for s in frame.itertuples():
        both = s.low is not None and s.high is not None and not (
            np.isnan(float(s.low)) or np.isnan(float(s.high)))
        figure = f"{float(s.low):,.0f}–{float(s.high):,.0f}" if both else f"{float(s.value):,.0f}"
        rows.append(html.Tr([html.Td(f"{names.get(str(s.iso3), s.iso3)} ({s.iso3})"),
                             html.Td(moved.STATEMENT_QUANTITIES.get(str(s.quantity),
                                                                    str(s.quantity))),
                             html.Td(figure, className="num"), html.Td(str(s.as_of)),
                             html.Td(str(s.published)), html.Td(str(s.source))]))
    head = html.Thead(html.Tr([html.Th(h, className="num" if h == "Figure" else None)
                               for h in ("Country", "Quantity", "Figure", "As of",
                                         "Published", "Source")]))
    caption = html.Caption(f"{len(frame):,} statement{'s' if len(frame) != 1 else ''} "
                           "folded in since the posterior before the update")
    return html.Table([caption, head, html.Tbody(rows)], className="risk",
                      id="before-statements")


def before_view(before: Reduction, after: Reduction,
                posteriors: moved.Posteriors) -> dict[str, Any]:
    """The "Before the update" view of one run: ``header`` (what is compared, and that the
    draws are not paired), ``cards``, ``figure`` (before/after intervals per quantity,
    sized for the page) and ``footer`` (the statements folded in, the year notes)."""
    update = moved.Moved(before, after, posteriors)
    rows = moved.headline_rows(update)
    meta = after.meta
    header = html.Div([
        html.P([f"The same run ({meta.scenario_name}, {after.n_draws:,} draws, seed "
                f"{meta.seed}, to {meta.months[-1]:%B %Y}) under the posterior ",
                html.Strong("before"), f" the update, {posteriors.before_label} "
                f"({moved.origin_name(update.pre)}), and ", html.Strong("after"),
                f" it, {posteriors.after_label} ({moved.origin_name(update.post)})."],
               id="before-lead"),
        html.P(moved.UNPAIRED.format(draws=after.n_draws).replace("<em>", "").replace(
            "</em>", ""), className="note")])
    behind = [r for r in rows if r.behind]
    notes: list[Any] = [statements_table(update)]
    if behind:
        notes.append(html.P("‡ The updated posterior has " + "; ".join(
            f"{r.behind} behind it ({r.label})" for r in behind) + ": its particles' "
            "simulated history, weighed by the statements folded in; both count the whole "
            "calendar year. The attacks and deaths cards count every year after the "
            "cut-off.", className="note"))
    figure = responsive(moved.moved_figure(update, rows))
    return {"header": header, "cards": before_cards(update), "figure": figure,
            "footer": html.Div(notes)}
