"""What an update moved: the same run under the posterior before and after ``ffcast update``.

Warning first: the two posteriors hold different particles (an update resamples them and
moves them), so draw ``d`` of one run is not draw ``d`` of the other. Everything here sets
the two distributions side by side (median and 90% interval of each) and never pairs draws;
the "change" shown is the change in the median, not a per-draw difference. Both runs share
the scenario, seed, draws and months, and both count whole calendar years of attacks: a
year the updated posterior has (partly) behind it is marked, since its months up to the
origin are the particles' simulated history, weighed by the statements folded in.

The posteriors are checked at the door (:func:`resolve_posteriors`): one line per problem,
naming ``--posterior`` or ``--before``, before anything is simulated or written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ffcast.calibrate import posterior as posteriors
from ffcast.calibrate.posterior import SHIPPED_CUTOFFS, Posterior
from ffcast.errors import FFCastError, OptionsError, echo
from ffcast.plots import style
from ffcast.report.figures import PATHWAY_LABELS, rgba
from ffcast.report.html import esc, table
from ffcast.report.reduce import Reduction, quantiles
from ffcast.report.sections import interval
from ffcast.results import quantities as Q

#: What ``--posterior`` / ``--before`` accept: a file, a shipped cut-off, a loaded posterior;
#: None or "auto" for ``--posterior`` is the shipped posterior for the scenario's cut-off.
PosteriorInput = str | os.PathLike[str] | Posterior | None

BEFORE_COLOUR = style.GREY
AFTER_COLOUR = style.BLUE
STATEMENT_QUANTITIES = {"cumulative_returned": "returned (cumulative)",
                        "cumulative_travelled": "travelled (cumulative)",
                        "killed": "killed", "in_theatre": "in theatre"}
UNPAIRED = (
    "The two posteriors hold different particles (an update resamples and moves them), so "
    "draw <em>d</em> under one is not draw <em>d</em> under the other: the numbers are two "
    "distributions set side by side, not paired differences (unlike a scenario comparison, "
    "which pairs draws with common random numbers). With {draws:,} draws each, medians "
    "carry Monte Carlo noise: read a small change against the width of the intervals.")
CHANGE = ("The tables' last column is the change in the median (for attacks per year, the "
          "means), not a distribution of per-draw differences.")


@dataclass(frozen=True)
class Posteriors:
    """The parameters a run uses, resolved at the door: ``after`` (None: the priors) and,
    with ``--before``, the posterior before the update; each with a label for the page."""

    after: Posterior | None
    after_label: str
    before: Posterior | None = None
    before_label: str = ""

    @property
    def after_spec(self) -> Posterior | str:
        """The ``posterior`` argument of a run with these parameters."""
        return "prior" if self.after is None else self.after


def label(spec: PosteriorInput, post: Posterior | None) -> str:
    """How a posterior is named on a page: its file, or the shipped one of its cut-off."""
    if post is None:
        return "the priors"
    if isinstance(spec, Posterior):
        if posteriors.shipped(post.cutoff) is post:
            return f"the shipped posterior {post.cutoff}"
        return ("the updated posterior" if post.origin != post.cutoff
                else f"a posterior of cut-off {post.cutoff}")
    if spec is None or spec == "auto" or os.fspath(spec) in SHIPPED_CUTOFFS:
        return f"the shipped posterior {post.cutoff}"
    return os.fspath(spec)


def load_posterior(spec: PosteriorInput, flag: str) -> Posterior:
    """A posterior from a file, a shipped cut-off (``"2016-12"``) or a loaded one (raises
    :class:`OptionsError` naming ``flag``, with the fix)."""
    if isinstance(spec, Posterior):
        return spec
    text = "" if spec is None else os.fspath(spec)
    if text in SHIPPED_CUTOFFS:
        return posteriors.load(text)
    fix = (f"fix: pass a file written by `ffcast calibrate` or `ffcast update`, or a "
           f"shipped cut-off ({', '.join(SHIPPED_CUTOFFS)})")
    try:
        found = bool(text) and Path(text).is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        found = False
    if not found:
        raise OptionsError(f"{flag}: no posterior file {echo(text)}; {fix}")
    try:
        return posteriors.load(Path(text))
    except FFCastError as exc:
        raise OptionsError(f"{flag}: {exc}; {fix}" if "fix:" not in str(exc)
                           else f"{flag}: {exc}") from None


def _same(a_spec: PosteriorInput, b_spec: PosteriorInput, a: Posterior, b: Posterior) -> bool:
    """Whether two posteriors are one: the same object or file, or equal particles."""
    if a is b:
        return True
    paths = [s for s in (a_spec, b_spec) if s is not None and not isinstance(s, Posterior)
             and os.fspath(s) not in (*SHIPPED_CUTOFFS, "auto")]
    if len(paths) == 2:
        try:
            if os.path.samefile(os.fspath(paths[0]), os.fspath(paths[1])):
                return True
        except (OSError, ValueError):
            pass
    return (a.cutoff == b.cutoff and a.origin == b.origin and a.z.shape == b.z.shape
            and bool(np.array_equal(a.z, b.z)))


def resolve_posteriors(posterior: PosteriorInput, before: PosteriorInput,
                       cutoff: str) -> Posteriors:
    """The posterior a run of cut-off ``cutoff`` uses (``posterior``: None or "auto" for the
    shipped one, else a file, a shipped cut-off or a Posterior) and, with ``before``, the
    posterior before the update. Raises :class:`OptionsError` (one line, the flag named,
    the fix) for an unreadable file, a posterior of another cut-off, ``--before`` equal to
    ``--posterior``, of another cut-off, or not earlier than it."""
    if posterior is None or posterior == "auto":
        after = posteriors.shipped(cutoff)
    else:
        after = load_posterior(posterior, "--posterior")
        if after.cutoff != cutoff:
            raise OptionsError(f"--posterior: fitted at cut-off {after.cutoff}, but the "
                               f"scenario's cut-off is {cutoff}; fix: pass a posterior for "
                               f"{cutoff}, or a scenario with cut-off {after.cutoff}")
    out = Posteriors(after, label(posterior, after))
    if before is None:
        return out
    if after is None:
        raise OptionsError(f"--before: no posterior ships for the cut-off {cutoff}, so the run "
                           "uses the priors; fix: pass the updated posterior with --posterior")
    prior = load_posterior(before, "--before")
    if _same(before, posterior, prior, after):
        named = "it" if isinstance(before, Posterior) else echo(os.fspath(before))
        raise OptionsError(f"--before: {named} is the posterior the run uses already "
                           f"(--posterior: {out.after_label}); fix: pass the updated posterior "
                           "with --posterior and the one before the update with --before")
    if prior.cutoff != after.cutoff:
        raise OptionsError(f"--before: fitted at cut-off {prior.cutoff}, but --posterior at "
                           f"{after.cutoff} (an update keeps the cut-off); fix: pass the "
                           f"posterior --posterior was updated from, e.g. --before "
                           f"{after.cutoff}")
    if pd.Period(prior.origin, "M") >= pd.Period(after.origin, "M"):
        raise OptionsError(f"--before: its history reaches {prior.origin}, not earlier than "
                           f"--posterior's {after.origin}; fix: pass the updated posterior "
                           "with --posterior and the one it was updated from with --before")
    return Posteriors(after, out.after_label, prior, label(before, prior))


# --- What was folded in -----------------------------------------------------------------


def _records(post: Posterior, key: str) -> list[dict]:
    try:
        found = json.loads(post.attrs.get(key, "[]") or "[]")
    except (TypeError, ValueError):
        return []
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _statement_key(r: dict) -> str:
    return json.dumps({k: r.get(k) for k in ("iso3", "quantity", "value", "low", "high",
                                             "as_of", "published", "source")}, sort_keys=True)


def folded_in(before: Posterior, after: Posterior) -> pd.DataFrame:
    """The statements ``after`` holds and ``before`` does not (its ``statements`` attrs), in
    publication order: iso3, quantity, value, low, high, as_of, published, source."""
    known = {_statement_key(r) for r in _records(before, "statements")}
    rows = [r for r in _records(after, "statements") if _statement_key(r) not in known]
    cols = ["iso3", "quantity", "value", "low", "high", "as_of", "published", "source"]
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    return frame.sort_values(["published", "iso3"], kind="stable").reset_index(drop=True)


def descends(before: Posterior, after: Posterior) -> bool:
    """Whether every statement ``before`` holds is among ``after``'s (as an update keeps)."""
    have = {_statement_key(r) for r in _records(after, "statements")}
    return all(_statement_key(r) in have for r in _records(before, "statements"))


def updates_since(before: Posterior, after: Posterior) -> list[dict]:
    """The updates recorded in ``after`` that reach past ``before``'s origin."""
    start = pd.Period(before.origin, "M")
    out = []
    for u in _records(after, "updates"):
        try:
            if pd.Period(str(u.get("until")), "M") > start:
                out.append(u)
        except ValueError:
            continue
    return out


# --- The headline numbers before and after ---------------------------------------------


@dataclass(frozen=True)
class Row:
    """One quantity: quantiles (p5, p25, p50, p75, p95) over draws, before and after;
    ``note`` a remark on the row, ``behind`` the part of the year (attacks) the updated
    posterior has behind it (:func:`year_note`)."""

    group: str  # one of GROUPS
    label: str
    before: np.ndarray
    after: np.ndarray
    note: str = ""
    behind: str = ""
    means: tuple[float, float] = (float("nan"), float("nan"))

    @property
    def shown(self) -> str:
        """The label as the table and the figure show it (‡ for a year behind)."""
        return self.label + (" ‡" if self.behind else "")


@dataclass(frozen=True)
class Moved:
    """The same run under the posterior before and after an update."""

    before: Reduction
    after: Reduction
    posteriors: Posteriors

    def __post_init__(self) -> None:
        a, b = self.after.meta, self.before.meta
        if not (a.months.equals(b.months) and a.seed == b.seed and a.focus == b.focus
                and self.after.n_draws == self.before.n_draws):
            raise FFCastError("before/after: the two runs must share seed, draws, months "
                              "and focus countries")
        if self.posteriors.before is None or self.posteriors.after is None:
            raise FFCastError("before/after: both posteriors are needed")

    @property
    def pre(self) -> Posterior:
        assert self.posteriors.before is not None
        return self.posteriors.before

    @property
    def post(self) -> Posterior:
        assert self.posteriors.after is not None
        return self.posteriors.after

    @property
    def statements(self) -> pd.DataFrame:
        return folded_in(self.pre, self.post)


GROUPS = ("people", "returned", "attacks")


def group_titles(moved: Moved) -> dict[str, str]:
    end = f"{moved.after.meta.months[-1]:%B %Y}"
    return {"people": f"People by pathway, end of {end}",
            "returned": f"Returned home by origin country, end of {end}",
            "attacks": "Attacks in the West linked to foreign fighters, per calendar year"}


def year_note(year: int, origin: str) -> str:
    """``""``, or why ``year`` is (partly) behind a posterior of history to ``origin``."""
    o = pd.Period(origin, "M")
    if year > o.year:
        return ""
    if year < o.year or o.month == 12:
        return "the whole year"
    return f"Jan–{o.strftime('%b')} {year}" if o.month > 1 else f"Jan {year}"


def headline_rows(moved: Moved, countries: Sequence[str] | None = None) -> list[Row]:
    """People by pathway and travelled at the horizon; returnees of the focus countries and
    of ``countries`` (default: those the new statements name) at the horizon; attacks in
    the West per calendar year from the first with months after the ``--before`` origin."""
    b, a = moved.before, moved.after
    rows = [Row("people", PATHWAY_LABELS["travelled"], quantiles(b.travelled[:, -1]),
                quantiles(a.travelled[:, -1]))]
    rows += [Row("people", q.label, quantiles(b.pathways[:, -1, i]),
                 quantiles(a.pathways[:, -1, i])) for i, q in enumerate(Q.PATHWAYS)]
    meta = a.meta
    named = list(countries) if countries is not None else [
        str(s.iso3) for s in moved.statements.itertuples()
        if s.quantity == "cumulative_returned"]
    shown = list(dict.fromkeys([*meta.focus, *(c for c in named if c in meta.countries)]))
    for iso3 in shown:
        c = meta.countries.index(iso3)
        note = "" if iso3 in meta.focus else "named by a new statement"
        rows.append(Row("returned", meta.country_names[c],
                        quantiles(b.country_returned[:, c]),
                        quantiles(a.country_returned[:, c]), note=note))
    start = pd.Period(moved.pre.origin, "M")
    counts = np.bincount(meta.months.year - meta.years[0], minlength=len(meta.years))
    for k, y in enumerate(meta.years):
        if y < start.year or (y == start.year and start.month == 12):
            continue
        text = str(y) if counts[k] == 12 else f"{y} ({counts[k]} months)"
        xb, xa = b.risk_of("west", "attacks")[:, k], a.risk_of("west", "attacks")[:, k]
        rows.append(Row("attacks", text, quantiles(xb), quantiles(xa),
                        behind=year_note(int(y), moved.post.origin),
                        means=(float(np.mean(xb)), float(np.mean(xa)))))
    return rows


def change_text(row: Row) -> tuple[str, float]:
    """The change in the median (after - before), with its share of the before median."""
    d = float(row.after[2] - row.before[2])
    share = d / row.before[2] if row.before[2] > 0 else 0.0
    if abs(share) < 0.0005:  # nothing to say beyond the count
        pct = ""
    elif abs(share) < 0.095:
        pct = f" ({share:+.1%})"
    else:
        pct = f" ({share:+.0%})"
    return f"{d:+,.0f}{pct}", d


def origin_name(post: Posterior) -> str:
    """``history to Oct 2017``: the month a posterior's particles reach."""
    return f"history to {pd.Period(post.origin, 'M').strftime('%b %Y')}"


def mean_text(row: Row) -> tuple[str, float]:
    """Mean before -> after (events per year: medians of small counts move in whole steps)."""
    b, a = row.means
    return f"{b:,.2f} → {a:,.2f} ({a - b:+,.2f})", a - b


def rows_table(rows: Sequence[Row], table_id: str, events: bool = False) -> str:
    """Before vs after: median and 90% interval of each, and the change in the median (for
    ``events``, counts per year, the means before and after)."""
    body = []
    for r in rows:
        note = f" <span class=note>({esc(r.note)})</span>" if r.note else ""
        change, value = mean_text(r) if events else change_text(r)
        body.append([(esc(r.shown) + note, None),
                     (f"{r.before[2]:,.0f}", r.before[2]), (interval(r.before), r.before[0]),
                     (f"{r.after[2]:,.0f}", r.after[2]), (interval(r.after), r.after[0]),
                     (change, value)])
    heads = [("Quantity", False), ("Before: median", True), ("Before: 90% interval", True),
             ("After: median", True), ("After: 90% interval", True),
             ("Mean: before → after" if events else "Change in the median", True)]
    return table(heads, body, table_id=table_id, css="moved")


def statements_table(frame: pd.DataFrame, names: dict[str, str]) -> str:
    """The statements folded in: who, what, the figure, as of, published, source."""
    rows = []
    for s in frame.itertuples():
        low, high = s.low, s.high
        if low is not None and high is not None and not pd.isna(low) and not pd.isna(high):
            figure, value = f"{float(low):,.0f}–{float(high):,.0f}", float(low)
        else:
            figure, value = f"{float(s.value):,.0f}", float(s.value)
        rows.append([(f"{esc(names.get(str(s.iso3), s.iso3))} <span class=note>"
                      f"{esc(s.iso3)}</span>", None),
                     (esc(STATEMENT_QUANTITIES.get(str(s.quantity), str(s.quantity))), None),
                     (figure, value), (esc(s.as_of), None), (esc(s.published), None),
                     (f"<code>{esc(s.source)}</code>", None)])
    heads = [("Country", False), ("Quantity", False), ("Figure", True), ("As of", False),
             ("Published", False), ("Source", False)]
    return table(heads, rows, table_id="moved-statements")


def updates_text(moved: Moved) -> str:
    """One sentence per update since ``--before``: month, statements, effective sample size."""
    done = updates_since(moved.pre, moved.post)
    if not done:
        return ""
    n = len(moved.post.z)
    parts = [f"to {esc(u.get('until'))} with {int(u.get('statements', 0)):,} statement"
             f"{'' if int(u.get('statements', 0)) == 1 else 's'} (effective sample size "
             f"{float(u.get('ess', 0)):,.0f} of {n:,} particles)" for u in done]
    return (f"<p class=note>{'Update' if len(done) == 1 else 'Updates'} since the "
            f"<code>--before</code> posterior (<code>ffcast update</code>): "
            f"{'; '.join(parts)}.</p>")


def section(moved: Moved, figure_div: str) -> str:
    """The section's HTML: what was compared, the statements, the figure and the tables."""
    a = moved.after
    p = moved.posteriors
    meta = a.meta
    frame = moved.statements
    names = dict(zip(meta.countries, meta.country_names, strict=True))
    if frame.empty:
        folded = ("<p>The updated posterior holds no statement the <code>--before</code> "
                  "posterior does not.</p>")
    else:
        first, last = frame["published"].min(), frame["published"].max()
        published = f"published {first}" + ("" if first == last else f" to {last}")
        folded = (f"<p>{len(frame):,} statement{'s' if len(frame) != 1 else ''} folded in "
                  f"since the <code>--before</code> posterior ({published}):</p>"
                  + statements_table(frame, names))
    if not descends(moved.pre, moved.post):
        folded += ("<p class=note>The <code>--before</code> posterior holds statements the "
                   "updated one does not: it may not be the posterior this one was updated "
                   "from.</p>")
    lead = (f"<p class=\"lead\">The same run (scenario <strong>{esc(meta.scenario_name)}"
            f"</strong>, {a.n_draws:,} draws, seed {meta.seed}, {meta.months[0]:%b %Y} – "
            f"{meta.months[-1]:%b %Y}) under two posteriors of the cut-off "
            f"{meta.cutoff:%b %Y}: <strong>before</strong> the update, {esc(p.before_label)}"
            f" ({origin_name(moved.pre)}), and <strong>after</strong> it, "
            f"{esc(p.after_label)} ({origin_name(moved.post)}; the forecast starts after "
            "it).</p>")
    rows = headline_rows(moved)
    titles = group_titles(moved)
    tables = [f"<h3>{esc(titles[g])}</h3>"
              + rows_table([r for r in rows if r.group == g], f"moved-table-{g}",
                           events=g == "attacks")
              for g in GROUPS if any(r.group == g for r in rows)]
    behind = [r for r in rows if r.behind]
    note = ""
    if behind:
        o = pd.Period(moved.post.origin, "M").strftime("%b %Y")
        note = ("<p class=note>‡ The updated posterior has " + "; ".join(
            f"{esc(r.behind)} behind it ({esc(r.label)})" for r in behind) +
            f": its particles' simulated history up to {o}, weighed by the statements "
            "folded in, not a forecast. Both columns count the whole calendar year (the "
            "table of <code>ffcast update</code> counts only the months after the origin)."
            "</p>")
    return (lead + f"<p class=note>{UNPAIRED.format(draws=a.n_draws)} {CHANGE}</p>"
            + updates_text(moved) + folded + f"<figure>{figure_div}</figure>"
            + "".join(tables) + note)


# --- The figure ------------------------------------------------------------------------


def moved_figure(moved: Moved, rows: Sequence[Row] | None = None) -> go.Figure:
    """Per quantity, the 50% and 90% intervals and the median before (grey) and after
    (blue) the update, one panel per group (own axis: people, returnees, attacks)."""
    rows = list(rows) if rows is not None else headline_rows(moved)
    groups = [g for g in GROUPS if any(r.group == g for r in rows)]
    sizes = [sum(r.group == g for r in rows) for g in groups]
    total = sum(sizes)
    gap = 100  # px between panels: the x-axis title above, the next panel's title
    height = 280 + 36 * total + gap * (len(groups) - 1)
    titles = group_titles(moved)
    fig = make_subplots(rows=len(groups), cols=1, subplot_titles=[titles[g] for g in groups],
                        row_heights=[s / total for s in sizes],
                        vertical_spacing=gap / (height - 280))
    # The legend in its own row between the subtitle and the first panel's title.
    fig.update_layout(template=style.TEMPLATE, height=height, margin={"t": 170, "b": 110},
                      legend={"orientation": "h", "x": 0, "y": 1 + 34 / (height - 280),
                              "yanchor": "bottom"})
    fig.update_annotations(font={"size": 13}, xanchor="left", x=0)
    pre, post = moved.pre, moved.post
    sides = ((f"Before: {origin_name(pre)}", "before", BEFORE_COLOUR, 0.19),
             (f"After: {origin_name(post)}", "after", AFTER_COLOUR, -0.19))
    for g, group in enumerate(groups, start=1):
        these = [r for r in rows if r.group == group]
        pos = np.arange(len(these))[::-1].astype(float)
        for name, side, colour, shift in sides:
            q = np.array([getattr(r, side) for r in these])  # (n, 5)
            for lo, hi, width, alpha, part in ((0, 4, 2.5, 0.55, "90%"),
                                               (1, 3, 9, 0.9, "50%")):
                xs: list[float | None] = []
                ys: list[float | None] = []
                for k in range(len(these)):
                    xs += [q[k, lo], q[k, hi], None]
                    ys += [pos[k] + shift, pos[k] + shift, None]
                fig.add_trace(go.Scatter(
                    x=xs, y=ys, mode="lines", name=name, legendgroup=side,
                    showlegend=g == 1 and part == "50%", hoverinfo="skip",
                    line={"color": rgba(colour, alpha), "width": width}), row=g, col=1)
            fig.add_trace(go.Scatter(
                x=q[:, 2], y=pos + shift, mode="markers", name=name, legendgroup=side,
                showlegend=False, marker={"color": colour, "size": 9,
                                          "line": {"color": "white", "width": 1}},
                text=[r.label for r in these], customdata=q[:, [0, 4]],
                hovertemplate="%{text}, " + side + ": median <b>%{x:,.0f}</b> (90%: "
                "%{customdata[0]:,.0f}–%{customdata[1]:,.0f})<extra></extra>"),
                row=g, col=1)
        fig.update_yaxes(tickvals=list(pos), ticktext=[r.shown for r in these],
                         range=[-0.6, len(these) - 0.4], showgrid=False, row=g, col=1)
        unit = "attacks in the year" if group == "attacks" else "people"
        top = float(max(max(r.before[4], r.after[4]) for r in these)) or 1.0
        fig.update_xaxes(title_text=unit, tickformat=",", range=[-0.02 * top, 1.04 * top],
                         row=g, col=1)
    fig.update_layout(title={
        "text": "What the update moved: the same run before and after",
        "subtitle": {"text": f"{moved.after.n_draws:,} draws under each posterior (not "
                     "paired): dot the median, thick line the 50% interval, thin line the 90%"}})
    style.add_source_note(fig, f"Scenario {moved.after.meta.scenario_name}, seed "
                          f"{moved.after.meta.seed}. Attacks: whole calendar years; ‡ a year "
                          f"the updated posterior has (partly) behind it ({origin_name(post)}).")
    return fig
