"""Group-scoped statements scored out of sample (issue 22): who the returnees were.

Warning first: the only group statements published by 2016 that the priors do not already
use are the returnee breakdowns of ``group_composition`` (a group's share of a country's
returnees, or a group's count of them); every one of them was published in 2016, so they
score the origins before it. Each is forecast at an origin from the posterior shipped for
it (else the priors), through the one run loop, with the engine's groups recorded at the
statement's month; the group priors and the posterior know nothing published after the
origin.

The naive forecaster a share must beat is **the travellers' composition**: the returnees are
men, women and minors in the proportions of those who went (the share prior of the origin's
cut-off, :func:`ffcast.data.group_priors`, for the country's region), i.e. no group goes
home more readily than another. A count has no naive forecaster (no earlier count of that
group exists): it is scored alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ffcast import data
from ffcast.backtest import metrics, statements
from ffcast.engine import ChunkResult, Recording
from ffcast.engine import layout as L
from ffcast.results import reported as R
from ffcast.scenario import Scenario, reporting

COLUMNS: tuple[str, ...] = (
    "origin", "statement", "published", "kind", "observed", "forecaster", "median", "p5",
    "p95", "crps", "in_80", "in_90")
NAIVE = "travellers' composition"


def group_statements(origin: str) -> pd.DataFrame:
    """Returnee breakdowns by group published after ``origin`` (by 2016-12): ``iso3, group,
    month, kind`` (share or count), ``value`` (share in [0, 1] or count), ``published``,
    ``source``."""
    after = data.cutoff_end(origin)
    rows = data.calibration_data("group_composition", data.cutoff_end("2016-12"))
    rows = rows[(rows["measure"] == "returned") & rows["iso3"].fillna("").ne("")
                & rows["group"].isin(L.GROUPS) & (rows["published_date"] > after)]
    out = []
    for r in rows.itertuples():
        share = r.share_low if pd.notna(r.share_low) else (
            r.low / r.total_low if pd.notna(r.low) and pd.notna(r.total_low) else np.nan)
        value, kind = (float(share), "share") if pd.notna(share) else (float(r.low), "count")
        out.append({"iso3": r.iso3, "group": r.group, "kind": kind, "value": value,
                    "month": pd.Timestamp(r.as_of_date).to_period("M").start_time,
                    "published": pd.Timestamp(r.published_date), "source": r.source})
    return pd.DataFrame(out, columns=["iso3", "group", "kind", "value", "month", "published",
                                      "source"])


def _naive_share(origin: str, region: str, group: str, draws: int, seed: int) -> np.ndarray:
    """Draws of ``group``'s share of everyone who travelled (the origin's group prior)."""
    pri = data.group_priors(origin).set_index(["region", "group"])
    rng = np.random.default_rng([seed, 0x6A0])
    w = special.betaincinv(pri.loc[(region, "women"), "alpha"],
                           pri.loc[(region, "women"), "beta"], rng.random(draws))
    m = special.betaincinv(pri.loc[(region, "minors"), "alpha"],
                           pri.loc[(region, "minors"), "beta"], rng.random(draws))
    return {"men": (1 - m) * (1 - w), "women": (1 - m) * w, "minors": m}[group]


def backtest_groups(origins: Sequence[str] = statements.ROLLING_ORIGINS, draws: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """One row per (origin, statement, forecaster): ffcast's forecast of each returnee
    breakdown published after the origin, and the naive forecaster's for shares; CRPS on
    the share (or on log1p of a count), whether the statement lies in the central 80% and
    90% intervals. Raises :class:`ffcast.errors.OptionsError` for a bad origin."""
    from ffcast.runner import prepare_run

    for origin in origins:
        statements.check_origin(origin)
    out = []
    for origin in origins:
        rows = group_statements(origin)
        if rows.empty:
            continue
        countries = sorted(set(rows["iso3"]))
        last = max(rows["month"].max().to_period("M"), pd.Period(origin, "M") + 1)
        run = prepare_run(Scenario(name=f"backtest-{origin}", cutoff=origin), draws=draws,
                          seed=seed, end=str(last), countries=countries)
        prep = run.prep
        months = sorted({prep.months.get_loc(m) for m in rows["month"]})
        record = Recording(np.array(months), groups=np.array(months))
        col = {c: i for i, c in enumerate(prep.countries["iso3"])}
        returned = np.zeros((draws, len(months), len(countries), L.N_GROUPS))
        rep = np.zeros((draws, len(reporting.COMPONENTS)))

        def take(chunk: ChunkResult, returned: np.ndarray = returned,
                 rep: np.ndarray = rep) -> None:
            assert chunk.groups is not None
            returned[chunk.draws] = chunk.groups[..., L.GQ_RETURNED]
            rep[chunk.draws] = chunk.reporting

        run.chunks(take, record=record)
        regions = dict(zip(prep.countries["iso3"], prep.countries["region"], strict=True))
        for r in rows.itertuples():
            t, c, g = months.index(prep.months.get_loc(r.month)), col[r.iso3], \
                L.GROUPS.index(r.group)
            counts = returned[:, t, c]
            label = f"{r.iso3} {r.group} returned ({r.month:%Y-%m})"
            base = {"origin": origin, "statement": label, "published": f"{r.published:%Y-%m-%d}",
                    "kind": r.kind, "observed": r.value}
            if r.kind == "share":
                model = counts[:, g] / np.maximum(counts.sum(-1), 1)
                forecasts = {"ffcast": model,
                             NAIVE: _naive_share(origin, regions[r.iso3], r.group, draws, seed)}
            else:
                kind = data.producer_kind(r.source)
                error = R.reporting_error(seed, np.arange(draws), prep.codes[[c]],
                                          "cumulative_returned", kind)
                forecasts = {"ffcast": R.reported(counts[:, g][:, None], rep, error, kind,
                                                  "cumulative_returned")[:, 0]}
            obs = np.array([r.value])
            for name, x in forecasts.items():
                score = (metrics.crps_ensemble(obs, x[None, :]) if r.kind == "share"
                         else metrics.crps_log1p(obs, x[None, :]))
                out.append({**base, "forecaster": name, "median": float(np.median(x)),
                            "p5": float(np.quantile(x, 0.05)),
                            "p95": float(np.quantile(x, 0.95)), "crps": float(score[0]),
                            "in_80": bool(metrics.interval_coverage(obs, x[None, :], 0.8)[0]),
                            "in_90": bool(metrics.interval_coverage(obs, x[None, :], 0.9)[0])})
    return pd.DataFrame(out, columns=list(COLUMNS))


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, the naive forecaster first within each statement."""
    if table.empty:
        return "No returnee breakdown by group was published after these origins.\n"
    order = {NAIVE: 0, "ffcast": 1}
    t = table.assign(_o=table["forecaster"].map(order)).sort_values(
        ["origin", "statement", "_o"], kind="stable")
    lines = ["| origin | statement (published) | observed | forecaster | median [90%] | CRPS "
             "| in 80% | in 90% |", "|---|---|---|---|---|---|---|---|"]
    for r in t.itertuples():
        fmt = (lambda v: f"{v:.3f}") if r.kind == "share" else (lambda v: f"{v:,.0f}")
        lines.append(f"| {r.origin} | {r.statement} ({r.published}) | {fmt(r.observed)} | "
                     f"{r.forecaster} | {fmt(r.median)} [{fmt(r.p5)} – {fmt(r.p95)}] | "
                     f"{r.crps:.3f} | {'yes' if r.in_80 else 'no'} | "
                     f"{'yes' if r.in_90 else 'no'} |")
    pooled = table[table["kind"] == "share"].groupby("forecaster")["crps"].mean()
    if len(pooled):
        lines.append("")
        lines.append("Mean CRPS over the share rows: " + "; ".join(
            f"{k} {v:.3f}" for k, v in sorted(pooled.items(), key=lambda kv: order[kv[0]]))
            + ".")
    return "\n".join(lines) + "\n"
