"""Rewrite the generated sections of docs/validation.md: the rolling-origin backtests.

Run (from the repository root):

    .venv/bin/python scripts/validation_tables.py
        [--section all|statements|risk|country-fit|groups|diagnostics] [--draws 1000]
        [--seed 0] [--doc FILE] [--out FILE] [--plot docs/img/backtest.png]

Everything between the markers ``<!-- backtest:begin -->`` and ``<!-- backtest:end -->``
(the statements, :func:`ffcast.backtest.rolling.rolling`, the same code as ``ffcast backtest
--rolling``), between ``<!-- risk-backtest:begin -->`` and ``<!-- risk-backtest:end -->``
(attacks in the West, :func:`ffcast.backtest.risk.risk_backtest`, the same code as ``ffcast
backtest --risk``) and between ``<!-- country-fit:begin -->`` and ``<!-- country-fit:end -->``
(each shipped posterior against each country's latest statements,
:mod:`ffcast.backtest.country_fit`) and between ``<!-- diagnostics:begin -->`` and
``<!-- diagnostics:end -->`` (each shipped posterior's own record of its calibration) is
replaced; the rest of the file is left as written.
``--out`` writes the result elsewhere (default: back to ``--doc``). Re-running after a
recalibration brings the document up to date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ffcast.backtest import baselines, country_fit
from ffcast.backtest.risk import LOG_FLOOR_DRAWS, RiskBacktest, risk_backtest
from ffcast.backtest.rolling import RollingResult, rolling
from ffcast.backtest.run import LEVELS, LOG_HALF_WIDTH
from ffcast.results.risk import percent

BEGIN, END = "<!-- backtest:begin -->", "<!-- backtest:end -->"
RISK_BEGIN, RISK_END = "<!-- risk-backtest:begin -->", "<!-- risk-backtest:end -->"
GROUPS_BEGIN, GROUPS_END = "<!-- group-backtest:begin -->", "<!-- group-backtest:end -->"
FIT_BEGIN, FIT_END = "<!-- country-fit:begin -->", "<!-- country-fit:end -->"
DIAG_BEGIN, DIAG_END = "<!-- diagnostics:begin -->", "<!-- diagnostics:end -->"
RISK_LABELS = {"ffcast": "ffcast", "last_year": "Poisson, last full year",
               "mean_rate": "Poisson, mean 2011 to origin"}
LABELS = {"ffcast": "ffcast (published figure)", "ffcast_latent": "ffcast (model count)",
          "persistence": "persistence", "last_observation": "last observation",
          "icct_share": "30% of travellers", "published_share": "median published share"}
QUANTITY_LABELS = {"returned": "returned", "dead": "dead", "in_theatre": "in war zone"}


def _pct(v: float) -> str:
    return "-" if v is None or np.isnan(v) else f"{v:.0%}"


def score_table(s: dict) -> list[str]:
    """Markdown rows of one summary (an origin or the pool)."""
    cov = " | ".join(f"{round(lv * 100)}% cov." for lv in LEVELS)
    lines = [f"| forecaster | scored | CRPS | CRPS log1p | log score | {cov} | "
             "median abs log ratio |",
             "|---|---|---|---|---|" + "---|" * len(LEVELS) + "---|"]
    for name, m in s["forecasters"].items():
        if "crps" not in m:
            lines.append(f"| {LABELS.get(name, name)} | 0 |" + " |" * (4 + len(LEVELS)))
            continue
        covs = " | ".join(_pct(m[f"coverage_{round(lv * 100)}"]) for lv in LEVELS)
        lines.append(f"| {LABELS.get(name, name)} | {m['observations_scored']} | "
                     f"{m['crps']:,.1f} | {m['crps_log1p']:.3f} | {m['log_score']:.2f} | "
                     f"{covs} | {m['median_abs_log_ratio']:.2f} |")
    sk = s["skill"]
    skills = "; ".join(
        f"{LABELS.get(b, b)} {sk[f'vs_{b}_log1p']:+.2f} ({sk[f'vs_{b}_rows']} rows)"
        for b in baselines.NAMES if f"vs_{b}_rows" in sk)
    lines += ["", f"CRPS skill of ffcast on log1p (1 - CRPS_ffcast / CRPS_baseline, on the "
                  f"rows the baseline forecasts): {skills}.", "", *versus_table(s)]
    return lines


def versus_table(s: dict) -> list[str]:
    """Markdown rows: ffcast against persistence on exactly the rows persistence forecasts."""
    v = s.get("versus", {})
    if not v.get("rows"):
        return ["ffcast against persistence: no row both forecast."]
    lines = [f"ffcast against persistence on the {v['rows']} rows persistence forecasts:", "",
             "| forecaster | CRPS log1p | log score | 80% cov. | median abs log ratio |",
             "|---|---|---|---|---|"]
    for name in (v["reference"], v["model"]):
        m = v[name]
        lines.append(f"| {LABELS.get(name, name)} | {m['crps_log1p']:.3f} | "
                     f"{m['log_score']:.2f} | {_pct(m['coverage_80'])} | "
                     f"{m['median_abs_log_ratio']:.2f} |")
    lines += ["", f"CRPS log1p skill of ffcast against persistence (1 - CRPS_ffcast / "
                  f"CRPS_persistence): {v['skill_log1p']:+.2f}."]
    return lines


def goals_table(goals: list[dict]) -> list[str]:
    """Markdown rows of a list of goals."""
    out = ["| goal | measured | target | rows | verdict |", "|---|---|---|---|---|"]
    for g in goals:
        goal = g["goal"].replace("|", "\\|")  # a pipe would end the Markdown cell
        out.append(f"| {goal} | {g['measured']:.2f} | {g['target']} | {g['rows']} | "
                   f"{'met' if g['met'] else '**missed**'} |")
    return out


def _reliability(rel: dict, digits: int = 0) -> str:
    """Coverage at each level with its bootstrap band, as text."""
    return "; ".join(f"{lv:.0%}: {c:.{digits}%} [{lo:.0%}-{hi:.0%}]" for lv, c, lo, hi in zip(
        *(rel[k] for k in ("level", "coverage", "low", "high")), strict=True))


def section(result: RollingResult, command: str) -> str:
    """The generated Markdown section."""
    s = result.summary()
    out = [BEGIN, "", f"Generated by `{command}` ({s['draws']:,} draws, seed {s['seed']}); "
           f"**{s['scored_rows']} scored rows** in all.", "",
           "| origin | parameters | rows scored | returned / dead / in war zone | "
           "left out (no traveller estimate yet) |", "|---|---|---|---|---|"]
    for o in result.origins:
        q = o.table["quantity"].value_counts()
        out.append(f"| {o.cutoff} | {o.parameters} | {len(o.table)} | "
                   f"{q.get('cumulative_returned', 0)} / {q.get('killed', 0)} / "
                   f"{q.get('in_theatre', 0)} | {o.dropped} |")
    out += ["", "### Goals (issue 19), against persistence, on the rows of every origin", "",
            *goals_table(s["persistence_goals"]),
            "", "### Goals (issue 14), judged on the returnee rows at origin 2016-12", "",
            *goals_table(s["goals"]), "",
            f"Log score: `-log` of the predictive density of log(1 + count), the share of "
            f"draws within +-{LOG_HALF_WIDTH} of it on that scale (at least its rounding cell) "
            f"over the cell's width, floored at half a draw; lower is better, and only "
            f"ensembles of one size compare."]
    for o in s["origins"]:
        out += ["", f"### Origin {o['cutoff']}: {o['parameters']}", "", *score_table(o)]
    out += ["", "### All origins pooled", "", *score_table(s["pooled"]), "",
            "PIT histogram of ffcast, pooled (10 bins, share of rows; 0.10 each if "
            "calibrated): " + ", ".join(f"{v:.2f}" for v in s["pit_ffcast"]) + ".", "",
            "Reliability of ffcast, pooled (coverage [bootstrap 90% band]): "
            + _reliability(s["reliability_ffcast"]) + "; on the "
            f"{s['single_figure_rows']} rows whose statement is one figure or a range (not "
            "\"at least\" / \"up to\", which are scored at their bound): "
            + _reliability(s["reliability_ffcast_single"], 1) + ".", "", END]
    return "\n".join(out)


def risk_section(result: RiskBacktest, command: str, seed: int) -> str:
    """The generated Markdown section of the terrorism-risk backtest."""
    out = [RISK_BEGIN, "", f"Generated by `{command}` ({result.draws:,} draws, seed {seed}).",
           "", "| origin | parameters | period | record: attacks (deaths) | ffcast: median "
           "[90% interval] | ffcast deaths: median [90%] | ffcast P(>=1) | Poisson means: last "
           "year / mean | record's events |", "|---|---|---|---|---|---|---|---|---|"]
    for r in result.table().itertuples():
        out.append(f"| {r.origin} | {r.parameters} | {r.period} | {r.attacks} ({r.deaths}) | "
                   f"{r.model_median:.0f} [{r.model_p5:.0f} – {r.model_p95:.0f}] | "
                   f"{r.model_deaths_median:.0f} [{r.model_deaths_p5:.0f} – "
                   f"{r.model_deaths_p95:.0f}] | {percent(r.ffcast_p_any)} | "
                   f"{r.last_year_mean:.2f} / {r.mean_rate_mean:.2f} | {r.events} |")
    out += ["", f"Scores (mean over each origin's periods, then pooled over all "
            f"{len(result.table())}; lower is better except coverage; `-log p` of ffcast from "
            f"its draws, floored at {LOG_FLOOR_DRAWS} draw):", "",
            "| origin | forecaster | periods | CRPS | -log p | record in 50% | record in 90% | "
            "Brier of P(>=1) |", "|---|---|---|---|---|---|---|---|"]
    for r in result.scores().itertuples():
        out.append(f"| {r.origin} | {RISK_LABELS[r.forecaster]} | {r.periods} | {r.crps:.2f} | "
                   f"{r.log_score:.2f} | {_pct(r.in_50)} | {_pct(r.in_90)} | {r.brier:.3f} |")
    out += ["", RISK_END]
    return "\n".join(out)


def _fit_cell(row: dict | None) -> str:
    """One country's quantity: statement (month) / posterior median / ratio."""
    if row is None:
        return "-"
    bound = {"at least": ">= ", "up to": "<= "}.get(row["bound"], "")
    mark = "" if row["within"] else " **out**"
    return (f"{bound}{row['statement']:,.0f} ({row['as_of']}) / "
            f"{row['posterior_median']:,.0f} / x{row['ratio']:.2f}{mark}")


def country_fit_section(command: str) -> str:
    """The generated Markdown section: each shipped posterior against each country's
    latest statements (:mod:`ffcast.backtest.country_fit`)."""
    from ffcast.calibrate.posterior import SHIPPED_CUTOFFS, load

    tables = {c: country_fit.country_fit(country_fit.fit_of(load(c))) for c in SHIPPED_CUTOFFS}
    goal = country_fit.GOAL_CUTOFF
    out = [FIT_BEGIN, "", f"Generated by `{command}`.", "",
           f"| cut-off | countries (>= {country_fit.MIN_STATEMENTS} statements) | countries "
           f"within x{country_fit.WITHIN:g} on every quantity | latest statements within "
           f"x{country_fit.WITHIN:g} |", "|---|---|---|---|"]
    for c, t in tables.items():
        n = t["iso3"].nunique()
        out.append(f"| {c} | {n} | {_pct(country_fit.share_within(t))} "
                   f"({int(country_fit.countries_within(t).sum())}) | "
                   f"{_pct(t['within'].mean() if len(t) else np.nan)} "
                   f"({int(t['within'].sum())} of {len(t)}) |")
    share = country_fit.share_within(tables[goal]) if goal in tables else np.nan
    met = share >= country_fit.GOAL_SHARE
    out += ["", f"Goal (issue 19): at least {country_fit.GOAL_SHARE:.0%} of countries within "
                f"x{country_fit.WITHIN:g} at {goal}: measured {_pct(share)}, "
                f"{'met' if met else '**missed**'}."]
    for c, t in tables.items():
        out += ["", f"#### Cut-off {c}", "",
                "Each cell: latest statement (month) / posterior median / ratio; **out** "
                f"when the ratio is outside x{country_fit.WITHIN:g}.", "",
                "| country | statements | " + " | ".join(
                    QUANTITY_LABELS[q] for q in country_fit.QUANTITIES) + " | within |",
                "|---|---|" + "---|" * len(country_fit.QUANTITIES) + "---|"]
        for iso3, rows in t.groupby("iso3"):
            by = {r["quantity"]: r for r in rows.to_dict("records")}
            cells = " | ".join(_fit_cell(by.get(q)) for q in country_fit.QUANTITIES)
            out.append(f"| {iso3} | {int(rows['statements'].iloc[0])} | {cells} | "
                       f"{'yes' if rows['within'].all() else 'no'} |")
    out += ["", FIT_END]
    return "\n".join(out)


def diagnostics_section(command: str) -> str:
    """The generated Markdown section: what each shipped posterior file records of its
    calibration (stages, simulations, seconds, the temperature reached, 90% predictive
    coverage per channel, how many distinct values its particles hold per component) and
    the reporting model at the last cut-off; read from the files, no simulation."""
    import json

    import pandas as pd

    from ffcast.calibrate.posterior import SHIPPED_CUTOFFS, load, reporting_table

    posts = {c: load(c) for c in SHIPPED_CUTOFFS}
    fits = {c: pd.DataFrame(json.loads(p.attrs["fit"])) for c, p in posts.items()}
    out = [DIAG_BEGIN, "", f"Generated by `{command}` (read from the shipped files).", "",
           "| cut-off | particles | fit rows (statements + record columns) | stages | "
           "temperature reached | batched simulations | seconds | 90% predictive covers | "
           "distinct particle values per component: median (least) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for c, p in posts.items():
        stages = json.loads(p.attrs.get("stages", "[]") or "[]")
        z = np.asarray(p.z)
        distinct = np.array([np.unique(z[:, j]).size for j in range(z.shape[1])])
        out.append(f"| {c} | {len(z):,} | {len(fits[c])} | {len(stages)} | "
                   f"{stages[-1]['temperature'] if stages else float('nan'):.3g} | "
                   f"{p.attrs.get('simulations', '?')} | {float(p.attrs.get('seconds', 0)):.0f} "
                   f"| {_pct(fits[c]['inside'].mean())} | {np.median(distinct):.0f} "
                   f"({distinct.min()}) |")
    channels = sorted(set().union(*(set(f["channel"]) for f in fits.values())))
    out += ["", "Share of each channel's fit rows inside their 90% posterior predictive "
                "interval (rows in brackets; - where the cut-off has none):", "",
            "| channel | " + " | ".join(posts) + " |", "|---|" + "---|" * len(posts)]
    for ch in channels:
        cells = []
        for c in posts:
            rows = fits[c][fits[c]["channel"] == ch]
            cells.append(f"{_pct(rows['inside'].mean())} ({len(rows)})" if len(rows) else "-")
        out.append(f"| {ch} | " + " | ".join(cells) + " |")
    last = list(posts)[-1]
    rep = reporting_table(posts[last])
    out += ["", f"The reporting model at {last} (posterior median [90%], prior median [90%]):",
            "", "| kind | part | posterior | prior |", "|---|---|---|---|"]
    for r in rep.to_dict("records"):
        out.append(f"| {r['kind']} | {r['part']} | {r['posterior_median']:.2f} "
                   f"[{r['posterior_p5']:.2f}-{r['posterior_p95']:.2f}] | "
                   f"{r['prior_median']:.2f} [{r['prior_p5']:.2f}-{r['prior_p95']:.2f}] |")
    out += ["", DIAG_END]
    return "\n".join(out)


def replace(text: str, begin: str, end: str, section: str) -> str:
    """``text`` with everything from ``begin`` to ``end`` (both included) replaced."""
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return head + section + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=("all", "statements", "risk", "country-fit",
                                              "groups", "diagnostics"),
                        default="all")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--doc", type=Path, default=Path("docs/validation.md"))
    parser.add_argument("--out", type=Path, default=None,
                        help="write the document here (default: back to --doc)")
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    markers = {"statements": (BEGIN, END), "risk": (RISK_BEGIN, RISK_END),
               "country-fit": (FIT_BEGIN, FIT_END), "groups": (GROUPS_BEGIN, GROUPS_END),
               "diagnostics": (DIAG_BEGIN, DIAG_END)}
    wanted = list(markers) if args.section == "all" else [args.section]
    for begin, end in (markers[w] for w in wanted):
        if text.count(begin) != 1 or text.count(end) != 1:
            print(f"{args.doc}: needs exactly one {begin} and one {end}", file=sys.stderr)
            return 2

    def stage(origin: str) -> None:
        print(f"backtest from {origin} ...", file=sys.stderr, flush=True)

    if "statements" in wanted:
        result = rolling(draws=args.draws, seed=args.seed, stage=stage)
        command = (f"python scripts/validation_tables.py --draws {args.draws} --seed "
                   f"{args.seed}" + (f" --plot {args.plot}" if args.plot else ""))
        text = replace(text, BEGIN, END, section(result, command))
        if args.plot is not None:
            from ffcast.backtest.figure import write

            write(result, args.plot)
        print(f"{args.doc}: {result.summary()['scored_rows']} scored rows", file=sys.stderr)
    if "risk" in wanted:
        risk = risk_backtest(draws=args.draws, seed=args.seed,
                             stage=lambda o: stage(f"{o} (attacks)"))
        command = (f"python scripts/validation_tables.py --section risk --draws {args.draws} "
                   f"--seed {args.seed}")
        text = replace(text, RISK_BEGIN, RISK_END, risk_section(risk, command, args.seed))
        print(f"{args.doc}: {len(risk.table())} scored periods of attacks", file=sys.stderr)
    if "country-fit" in wanted:
        text = replace(text, FIT_BEGIN, FIT_END, country_fit_section(
            "python scripts/validation_tables.py --section country-fit"))
    if "diagnostics" in wanted:
        text = replace(text, DIAG_BEGIN, DIAG_END, diagnostics_section(
            "python scripts/validation_tables.py --section diagnostics"))
    if "groups" in wanted:
        from ffcast.backtest.groups import backtest_groups, markdown

        command = (f"python scripts/validation_tables.py --section groups --draws {args.draws} "
                   f"--seed {args.seed}")
        table = backtest_groups(draws=args.draws, seed=args.seed)
        text = replace(text, GROUPS_BEGIN, GROUPS_END, "\n".join(
            [GROUPS_BEGIN, "", f"Generated by `{command}`.", "", markdown(table), GROUPS_END]))
    (args.out or args.doc).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
