"""`ffcast backtest --risk`: rolling-origin scores of attacks in the West, as tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ffcast.backtest.risk import LOG_FLOOR_DRAWS, ORIGINS, RiskBacktest, risk_backtest
from ffcast.cli.common import echo_json, print_table, stages
from ffcast.results.risk import percent, whole

console = Console()

FORECASTER_LABELS = {"ffcast": "ffcast", "last_year": "last year",
                     "mean_rate": "mean 2011-"}
RISK_LEGEND = (
    "Executed attacks in the West linked to foreign fighters (their perpetrators had been in "
    "Syria/Iraq); record as known at 2016-12. ffcast: the model's draws from the origin; "
    "last year: Poisson at the last full year's count by the origin; mean 2011-: Poisson at "
    "the mean yearly count from 2011 to the origin (both scaled to the period). CRPS (lower "
    "is better); -log p: minus the log probability of the record (ffcast's from its draws, "
    f"floored at {LOG_FLOOR_DRAWS} draw); in 50/90%: periods whose record lies in the "
    "central interval; Brier: of P(at least one attack). A handful of attacks: these scores "
    "say little.")


def period_table(result: RiskBacktest) -> Table:
    """Record and forecasts, one row per origin and scoring period (fits 80 columns; the
    parameters of each origin in the caption)."""
    used = "; ".join(f"{o.origin}: {o.parameters}" for o in result.origins)
    t = Table(title=f"Attacks in the West linked to foreign fighters after each origin, "
              f"{result.draws:,} draws; record known at 2016-12", title_justify="left",
              caption="record: attacks (deaths); ffcast: median [90% interval] of attacks; "
              "deaths: its median [90%] of deaths; P>=1: its P(at least one attack); "
              "Poisson: the means of the baselines last year / mean 2011-. Parameters: "
              f"{used}.", caption_justify="left")
    for c in ("origin", "period", "record", "ffcast", "deaths", "P>=1", "Poisson"):
        t.add_column(c, justify="left" if c in ("origin", "period") else "right", no_wrap=True)
    for r in result.table().itertuples():
        t.add_row(r.origin, r.period, f"{whole(r.attacks)} ({whole(r.deaths)})",
                  f"{whole(r.model_median)} [{whole(r.model_p5)}-{whole(r.model_p95)}]",
                  f"{whole(r.model_deaths_median)} [{whole(r.model_deaths_p5)}-"
                  f"{whole(r.model_deaths_p95)}]", percent(r.ffcast_p_any),
                  f"{r.last_year_mean:.2f}/{r.mean_rate_mean:.2f}")
    return t


def score_table(result: RiskBacktest) -> Table:
    """Mean scores per origin and forecaster, then pooled (legend as caption)."""
    t = Table(title="Scores per origin (mean over its periods) and pooled", title_justify="left",
              caption=RISK_LEGEND, caption_justify="left")
    for c in ("origin", "forecaster", "periods", "CRPS", "-log p", "in 50%", "in 90%", "Brier"):
        t.add_column(c, justify="left" if c in ("origin", "forecaster") else "right",
                     no_wrap=True)
    for r in result.scores().itertuples():
        t.add_row(r.origin, FORECASTER_LABELS[r.forecaster], str(r.periods), f"{r.crps:.2f}",
                  f"{r.log_score:.2f}", f"{r.in_50:.0%}", f"{r.in_90:.0%}", f"{r.brier:.3f}")
    return t


def run_risk_backtest(draws: int, seed: int, out: Path | None, as_json: bool,
                      quiet: bool) -> None:
    """Score every origin of :data:`ffcast.backtest.risk.ORIGINS`, one progress stage each,
    and print the tables (or JSON); ``out`` gets one CSV row per origin and period."""
    with stages(quiet or as_json) as st:
        def stage(origin: str) -> Callable[[int], None]:
            st.start(f"risk backtest from {origin}", draws)
            return st.advance

        result = risk_backtest(ORIGINS, draws=draws, seed=seed, stage=stage)
    if out is not None:
        from ffcast.files import atomic_write

        atomic_write(out, result.table().to_csv(index=False).encode("utf-8"))
    if as_json:
        echo_json({"draws": draws, "seed": seed, "origins": list(ORIGINS),
                   "periods": json.loads(result.table().to_json(orient="records")),
                   "scores": json.loads(result.scores().to_json(orient="records"))})
        return
    print_table(console, period_table(result))
    print_table(console, score_table(result))
    if out is not None:
        console.print(f"per-period scores written to [bold]{escape(str(out))}[/]")
