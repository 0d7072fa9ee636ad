"""The report's words and tables: headline, per-country table, comparison, provenance.

Warning first: numbers in words are rounded to three significant figures ("about 10,600")
because the ensemble does not support more; tables give the unrounded median and the 90%
interval (5th-95th percentile over draws).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import yaml

from ffcast.data import REGIONS
from ffcast.report.figures import PATHWAY_LABELS
from ffcast.report.html import esc, table
from ffcast.report.reduce import PATHWAYS, Difference, Reduction, RunMeta, quantiles
from ffcast.results.risk import UNDETERMINED_NOTE, percent, reliance_mark, signed

INTERVAL = "90% interval"


def about(x: float) -> str:
    """``x`` rounded to 3 significant figures, with thousands separators."""
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = int(np.floor(np.log10(abs(x))))
    return f"{round(x, 2 - magnitude):,.0f}"


def interval(q: np.ndarray) -> str:
    """``5th–95th`` percentile text of a quantile column (order p5, p25, p50, p75, p95)."""
    return f"{q[0]:,.0f}–{q[4]:,.0f}"


def headline(red: Reduction) -> str:
    """Headline in words and a table: people by pathway at the horizon."""
    meta = red.meta
    end = f"{meta.months[-1]:%B %Y}"
    trav = quantiles(red.travelled[:, -1])
    q = quantiles(red.pathways[:, -1, :])  # (5, P)
    share = quantiles(red.pathways[:, -1, :] / np.maximum(red.travelled[:, -1:], 1))
    i = {k: PATHWAYS.index(k) for k in PATHWAYS}
    words = (
        f"<p class=\"lead\">By the end of {end}, under the <strong>{esc(meta.scenario_name)}"
        f"</strong> scenario, about <strong>{about(trav[2])}</strong> people had travelled to "
        f"Syria and Iraq since 2011, or been born there ({INTERVAL} {interval(trav)}). Of "
        f"them, the model expects about <strong>{about(q[2, i['returned']])}</strong> to have "
        f"come home ({interval(q[:, i['returned']])}), {about(q[2, i['stayed']])} to still be in "
        f"Iraq or Syria, {about(q[2, i['detained_in_theatre']])} detained there, "
        f"{about(q[2, i['relocated']])} in third theatres such as Libya or the Sahel, "
        f"{about(q[2, i['dispatched']])} active abroad as dispatched operatives, and "
        f"{about(q[2, i['killed']])} to have been killed.</p>"
        "<p class=\"note\">Medians over draws; each pathway's median is taken on its own, "
        "so the medians need not add up to the total. The interval is where 90% of draws "
        "fall.</p>")
    marked, unsure = red.prior_driven, set(red.undetermined)

    def mark(key: str) -> str:
        return reliance_mark(key, marked, unsure)

    rows = [[(esc(PATHWAY_LABELS[k]) + mark(f"pathway:{k}"), None), (f"{q[2, j]:,.0f}", q[2, j]),
             (interval(q[:, j]), q[0, j]), (f"{share[2, j]:.0%}", share[2, j])]
            for j, k in enumerate(PATHWAYS)]
    rows.append([("<strong>Travelled or born there</strong>" + mark("travelled"), None),
                 (f"{trav[2]:,.0f}", trav[2]), (interval(trav), trav[0]), ("100%", 1.0)])
    heads = [("Pathway, " + end, False), ("People (median)", True), (INTERVAL, True),
             ("Share of travellers (median)", True)]
    return words + table(heads, rows, table_id="headline-table") + reliance_note(red)


def _outcome_label(key: str) -> str:
    """A headline key as a reader sees it: ``pathway:returned`` -> ``Returned home``,
    ``west_attacks:2017`` -> ``attacks in the West, 2017``."""
    kind, _, rest = key.partition(":")
    if kind == "pathway":
        return PATHWAY_LABELS.get(rest, rest)
    if kind == "west_attacks":
        return f"attacks in the West, {rest}"
    return "Travelled or born there" if key == "travelled" else key


def reliance_note(red: Reduction) -> str:
    """What the † marks mean, and the strongest open components behind them; for a report
    made from a results file, that the screening was not made."""
    if not red.assessed:
        return ("<p class=\"note\">Not screened for numbers that rest mostly on parameters the "
                "data did not narrow: the draws' parameters were not at hand (a report made "
                "from a results file or by the dashboard; <code>ffcast run --json</code> lists "
                "them under <code>prior_driven</code>).</p>")
    unsure = " " + UNDETERMINED_NOTE if red.undetermined else ""
    if not red.prior_driven:
        return ("<p class=\"note\">No headline number here rests mostly on parameters the "
                f"data up to the cut-off did not narrow.{unsure}</p>")
    named = "; ".join(f"{esc(_outcome_label(k))}: {esc(', '.join(v))}"
                      for k, v in red.prior_driven.items() if v)
    return ("<p class=\"note\">† rests mostly on parameters the data up to the cut-off did "
            "not narrow: the number is the priors' reading more than the record's "
            f"(strongest open components: {named}). See ffcast.calibrate.reliance.{unsure}"
            "</p>")


def country_table(red: Reduction, published: pd.DataFrame) -> str:
    """Sortable, searchable per-country table (persons at the horizon).

    ``published``: latest published returnee count per ISO3 (columns key, low, high, date).
    """
    meta = red.meta
    ret, rel, trav = (quantiles(a) for a in (red.country_returned, red.country_relocated,
                                             red.country_travelled))
    latest = published.sort_values("date").groupby("key").tail(1).set_index("key")
    rows = []
    for c, iso3 in enumerate(meta.countries):
        pub = latest.loc[iso3] if iso3 in latest.index else None
        value = pub["low"] if pub is not None and pd.notna(pub["low"]) else np.nan
        pub_text = (f"{value:,.0f} ({pub['date']:%b %Y}, {esc(pub['source'])})"
                    if pub is not None and pd.notna(value) else "")
        rows.append([
            (f"{esc(meta.country_names[c])} <span class=note>{esc(iso3)}<br>"
             f"{esc(meta.regions[c].replace('_', ' '))}</span>", None),
            (f"{trav[2, c]:,.0f}", trav[2, c]),
            (f"{ret[2, c]:,.0f}", ret[2, c]), (interval(ret[:, c]), ret[0, c]),
            (f"{rel[2, c]:,.0f}", rel[2, c]), (interval(rel[:, c]), rel[0, c]),
            (pub_text, -1 if np.isnan(value) else value),
        ])
    rows.sort(key=lambda r: -float(r[2][1]))
    heads = [("Country, region", False), ("Travelled (median)", True),
             ("Returned (median)", True), (f"Returned, {INTERVAL}", True),
             ("Relocated (median)", True), (f"Relocated, {INTERVAL}", True),
             ("Published returned, latest by cut-off", True)]
    tools = ('<div class="table-tools"><label>Search <input type="search" '
             'data-filter="country-table" placeholder="country, ISO3 or region"></label>'
             '<span class="note">Click a column heading to sort.</span></div>')
    return tools + '<div class="scroll">' + table(heads, rows, "country-table", True) + "</div>"


def comparison_table(diffs: Sequence[Difference], a: str, b: str) -> str:
    """Paired differences B - A with intervals and the share of draws where B is lower."""
    rows = [[(esc(d.quantity), None), (signed(d.median), d.median),
             (f"{signed(d.p5)} to {signed(d.p95)}", d.p5),
             (esc(percent(d.share_lower)), d.share_lower)]
            for d in diffs]
    heads = [("Quantity", False), (f"{b} minus {a} (median)", True), (INTERVAL, True),
             (f"Share of draws where {b} is lower", True)]
    return table(heads, rows, table_id="comparison-table")


def scenario_yaml(scenario: dict) -> str:
    """The scenario with every knob filled in, as YAML."""
    return yaml.safe_dump(json.loads(json.dumps(scenario)), sort_keys=False,
                          allow_unicode=True, width=100)


#: Where the model card asset takes this report's "Status of the numbers".
STATUS_MARKER = "<!-- status-of-the-numbers:"


def status_of_numbers(meta: RunMeta) -> str:
    """The model card's "Status of the numbers", from what made this report: the priors or
    a calibrated posterior (its cut-off and particles), and whether the rolling backtests of
    ``docs/validation.md`` score it (they score the posteriors ffcast ships)."""
    from ffcast.backtest import risk as risk_backtest
    from ffcast.backtest.statements import ROLLING_ORIGINS

    head = "<p><strong>Status of the numbers.</strong> "
    cutoff = f"{meta.cutoff:%Y-%m}"
    if meta.parameters == "prior":
        return head + (
            "These numbers come from the <em>priors</em> alone, not from a calibrated "
            f"posterior: every default was set before looking at any observation dated "
            f"after the cut-off ({cutoff}), and nothing was fitted to the record. The "
            "backtests in <code>docs/validation.md</code> score the calibrated posteriors "
            "ffcast ships, not the priors: read these forecasts as the prior model's, with "
            "the uncertainty it states.</p>")
    if not meta.parameters.startswith("posterior"):
        return head + (
            "The results file does not record which parameters made it (the priors or a "
            "calibrated posterior; it was written by an older ffcast), so neither whether "
            "the numbers were calibrated nor whether a backtest scores them is known.</p>")
    particles = (f"{meta.particles:,} particles" if meta.particles
                 else "particle count not recorded")
    text = (f"These numbers come from the posterior calibrated to the record up to the "
            f"cut-off {cutoff} ({particles}; <code>ffcast calibrate</code>, sequential Monte "
            "Carlo): each draw takes the calibrated parameters of a posterior particle and "
            "keeps its own prior draws for the parameters the record does not inform. ")
    if meta.updated_to:
        text += (f"It was then updated (<code>ffcast update</code>) with statements published "
                 f"up to {esc(meta.updated_to)}, without refitting: its particles' history "
                 f"reaches {esc(meta.updated_to)} and the forecast starts after it. ")
    if meta.shipped is None:
        return head + text + (
            "Whether it is the posterior ffcast ships for that cut-off, the one the rolling "
            "backtests of <code>docs/validation.md</code> score, is not recorded.</p>")
    if not meta.shipped:
        return head + text + (
            "It is not the posterior ffcast ships for that cut-off, so no backtest scores "
            "it: the rolling backtests of <code>docs/validation.md</code> score the shipped "
            "posteriors.</p>")
    scored = [f"the rolling-origin backtest on published statements (origins "
              f"{ROLLING_ORIGINS[0]} to {ROLLING_ORIGINS[-1]})"] if cutoff in ROLLING_ORIGINS \
        else []
    if cutoff in risk_backtest.ORIGINS:
        scored.append("the backtest of attacks in the West")
    if not scored:
        return head + text + ("It ships with ffcast, but no backtest in "
                              "<code>docs/validation.md</code> starts at this cut-off.</p>")
    return head + text + (
        f"It ships with ffcast, and {' and '.join(scored)} in <code>docs/validation.md</code> "
        f"{'score' if len(scored) > 1 else 'scores'} its forecasts from this cut-off against "
        "what was published afterwards: read the numbers with the coverage and skill "
        "measured there.</p>")


def provenance(red: Reduction, sources: pd.DataFrame, report_version: str,
               model_card: str) -> str:
    """Run details, the scenario YAML, the model card summary and every source used."""
    meta = red.meta
    facts = [
        ("Scenario", esc(meta.scenario_name)), ("Seed", str(meta.seed)),
        ("Draws", f"{red.n_draws:,} (indices {red.draws.min()}–{red.draws.max()})"),
        ("Months", f"{meta.months[0]:%b %Y} – {meta.months[-1]:%b %Y} (monthly)"),
        ("Cut-off (last month of data)", f"{meta.cutoff:%b %Y}"),
        ("Results", "simulated for this report" if meta.origin == "simulated"
         else f"read from <code>{esc(meta.origin)}</code>"),
        ("Parameters", esc(meta.parameters)),
        ("ffcast version (simulation)", esc(meta.version)),
        ("ffcast version (report)", esc(report_version)),
    ]
    run = table([("Run", False), ("", False)], [[(k, None), (v, None)] for k, v in facts])
    rows = [[(f"<code>{esc(s.id)}</code>", None), (esc(s.publisher), None),
             (esc(s.title), None), (esc(s.date), None), (_link(str(s.url)), None),
             (esc(s.used_for), None)] for s in sources.itertuples()]
    src = table([("Id", False), ("Publisher", False), ("Title", False), ("Date", False),
                 ("URL", False), ("Used for", False)], rows, "sources-table", css="sources")
    return (f"<h3>This run</h3>{run}<h3>Scenario (every knob, defaults filled in)</h3>"
            f"<pre>{esc(scenario_yaml(meta.scenario))}</pre>"
            f"<h3>Model card: key points</h3>{_with_status(model_card, meta)}"
            f"<h3>Sources ({len(sources)})</h3><p class=note>Every source behind the numbers "
            "in this report, from ffcast's source registry (<code>ffcast data sources</code>)."
            f"</p>{src}")


def _with_status(model_card: str, meta: RunMeta) -> str:
    """The model card with this report's status of the numbers in its place."""
    if STATUS_MARKER not in model_card:
        raise ValueError("model_card.html has no status-of-the-numbers marker")
    start = model_card.index(STATUS_MARKER)
    end = model_card.index("-->", start) + len("-->")
    return model_card[:start] + status_of_numbers(meta) + model_card[end:]


def _link(url: str) -> str:
    """A plain anchor for http(s) URLs (loads nothing until clicked), else the text."""
    if re.match(r"https?://\S+$", url):
        return f'<a href="{esc(url)}" rel="noreferrer">{esc(url)}</a>'
    return esc(url)


def remainder_table(best: pd.DataFrame) -> str:
    """Travellers per origin region: named by a country statement vs the remainder that only
    a regional or world total claims (``data.best_estimates()`` rows of kind remainder)."""
    total = float(best["central"].sum())
    rows = []
    for region, g in best.groupby("region", sort=False):
        named = float(g.loc[g["kind"] == "country", "central"].sum())
        rest = g[g["kind"] == "remainder"]
        left = float(rest["central"].sum())
        rule = "; ".join(f"{r.iso3}: {r.rule}" for r in rest.itertuples())
        rows.append([(esc(str(region).replace("_", " ")), None), (f"{named:,.0f}", named),
                     (f"{left:,.0f}", left), (f"{left / max(total, 1.0):.1%}", left),
                     (f"<span class=note>{esc(rule)}</span>", None)])
    rows.sort(key=lambda r: -float(r[1][1]) - float(r[2][1]))
    heads = [("Origin region", False), ("Named countries (central)", True),
             ("Unattributed remainder (central)", True), ("Remainder, share of world", True),
             ("How the remainder was derived", False)]
    intro = ("<p>Travellers the world total holds but no country statement names are assigned "
             "to the region whose published total claims them (their region's priors apply); "
             "what no region claims stays in <code>ROW</code>. Best estimates of end 2016, "
             f"world total {total:,.0f} (<code>ffcast data best</code>).</p>")
    return intro + '<div class="scroll">' + table(heads, rows, "remainder-table", True) + "</div>"


def groups_section(red: Reduction, figure_div: str) -> str:
    """Men, women and minors: the figure, then who is held in Iraq/Syria at the horizon by
    origin region (men in prisons, women and minors in camps) and the children born there."""
    from ffcast.engine import layout as L

    meta = red.meta
    end = meta.months[-1]
    held = red.group_held  # (D, R, G)
    minors_end = red.group_years[:, -1, L.MINORS, :L.GQ_INCARCERATED].sum(-1)
    rows = []
    for r, region in enumerate(REGIONS):
        if held[:, r].sum() == 0:
            continue
        cells = [(esc(region.replace("_", " ")), None)]
        for g in range(L.N_GROUPS):
            q = quantiles(held[:, r, g])
            cells += [(f"{q[2]:,.0f}", q[2]), (interval(q), q[0])]
        rows.append(cells)
    rows.sort(key=lambda row: -sum(float(c[1]) for c in row[1::2] if c[1] is not None))
    heads = [("Origin region", False)]
    for label in ("Men (prisons)", "Women (camps)", "Minors (camps)"):
        heads += [(f"{label}, median", True), (INTERVAL, True)]
    total = quantiles(held.sum(axis=(1, 2)))
    minors = quantiles(held[:, :, L.MINORS].sum(axis=1))
    intro = (
        f"<p>Each origin's travellers are followed as men, women and minors (their shares "
        f"drawn from the statements published by the cut-off), with the children born in "
        f"Iraq/Syria among the minors. At {end:%B %Y} the model holds "
        f"<b>{about(total[2])}</b> people ({interval(total)}) in prisons and camps in "
        f"Iraq/Syria, of them <b>{about(minors[2])}</b> minors ({interval(minors)}), "
        f"out of {about(float(np.median(minors_end)))} minors the model follows by then "
        f"(who travelled or were born there; held, free, at home or killed).</p>"
        "<p class=\"note\">No source on Kurdish-run camps or Iraqi custody of foreign "
        "families was published by 2016 (ADR 0018): these numbers rest on the group "
        "priors and the model's hazards, not on a count of the camps. Repatriation by "
        "group: presets repatriate-minors, repatriate-women-minors, leave-in-region "
        "(<code>ffcast compare baseline repatriate-minors</code>).</p>")
    return (intro + f"<figure>{figure_div}</figure>" + '<div class="scroll">'
            + table(heads, rows, "groups-table", True) + "</div>")
