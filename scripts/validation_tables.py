"""Print the tables of docs/validation.md: the public validation backtest at each origin.

Run: .venv/bin/python scripts/validation_tables.py [draws] [seed]
"""

import sys

import numpy as np

from ffcast import data
from ffcast.backtest.run import ROLLING_CUTOFFS, backtest

draws = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
obs = data.load("validation_returnees").copy()
obs["quantity"] = "cumulative_returned"
obs["month"] = obs["as_of_date"].dt.to_period("M").dt.start_time
print(f"draws {draws}, seed {seed}\n")
for cutoff in ROLLING_CUTOFFS:
    r = backtest(obs, cutoff=cutoff, draws=draws, seed=seed)
    s = r.summary
    print(f"### Origin {cutoff}\n")
    print("| forecaster | scored | CRPS | CRPS log1p | 50% cov. | 80% cov. | 95% cov. "
          "| 95% interval score | median abs log ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, m in s["forecasters"].items():
        if "crps" not in m:
            print(f"| {name} | 0 | | | | | | | |")
            continue
        print(f"| {name} | {m['observations_scored']} | {m['crps']:.1f} | {m['crps_log1p']:.3f} "
              f"| {m['coverage_50']:.0%} | {m['coverage_80']:.0%} | {m['coverage_95']:.0%} "
              f"| {m['interval_score_95']:.0f} | {m['median_abs_log_ratio']:.2f} |")
    sk = s["skill"]
    print("\nCRPS skill of ffcast (1 - CRPS_ffcast / CRPS_baseline, same rows): "
          + "; ".join(f"{k.removeprefix('vs_')} {v:+.2f}" for k, v in sk.items()
                      if isinstance(v, float)) + "\n")
    t = r.table
    print("| country | observed (Oct 2017) | ffcast median [90% interval] | ICCT-share median "
          "| last published |")
    print("|---|---|---|---|---|")
    def fmt(v: float) -> str:
        return "-" if np.isnan(v) else f"{v:,.0f}"

    for row in t.itertuples():
        print(f"| {row.iso3} | {row.value:,.0f} | {row.model_median:,.0f} "
              f"[{row.model_p5:,.0f} - {row.model_p95:,.0f}] | {fmt(row.icct_share_median)} "
              f"| {fmt(row.last_observation_median)} |")
    print()
