"""Compare the simulated history (to the cut-off) with the facts published by then.

This is not calibration (see the calibration module): it shows, for the priors as they
stand, where the baseline sits relative to each pre-cut-off statement. Only facts dated up
to 2016-12 are used. The risk table (:func:`risk_record`) is derived, not written down: the
record from the ``attacks_west`` data known by the cut-off, the model from a run of the
calibrated posterior reduced like every other output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast.engine import prepare, run_chunk
from ffcast.results import quantities as Q


@dataclass(frozen=True)
class Fact:
    """A published statement the simulated history should be near."""

    label: str
    month: str
    low: float
    high: float
    source: str


FACTS: tuple[Fact, ...] = (
    Fact("Travelled in total, world", "2016-12", 36_000, 44_000,
         "ESSAY2017; WARREN2016 ('40,000'); STATE2016_WIKI ('in excess of 40,000')"),
    Fact("Travelled in total, world", "2013-12", 8_500, 11_000, "SCHMID2015; ICSR2013"),
    Fact("Travelled in total, world", "2015-01", 16_700, 22_000, "ICSR2015; NCTC2015"),
    Fact("Remaining in the war zone, world", "2016-12", 10_000, 30_000, "ESSAY2017"),
    Fact("Monthly inflow, world", "2015-06", 1_000, 2_000, "GERSTEN2016; ESSAY2017"),
    Fact("Monthly inflow, world", "2016-06", 50, 500,
         "GERSTEN2016 (200), WARREN2016 (<=500), WAPO2016 (50 by Sep)"),
    Fact("Share of Europeans dead (%)", "2016-12", 15, 20, "DEKERCHOVE2016; ESSAY2017 (~15%)"),
    Fact("Share of EU fighters returned (%)", "2016-12", 30, 35, "DEKERCHOVE2016"),
    Fact("Europeans still in Syria/Iraq", "2016-12", 2_000, 2_500, "DEKERCHOVE2016"),
    Fact("Share of EU fighters dead (%)", "2015-10", 14, 14, "ICCT2016 (confirmed dead)"),
    Fact("Share of EU fighters returned (%)", "2015-10", 30, 30, "ICCT2016"),
    Fact("Share killed, world (%)", "2015-01", 5, 10, "ICSR2015_SPEECH"),
)


def history_check(draws: int = 200, seed: int = 0) -> pd.DataFrame:
    """Baseline medians and 90% intervals next to each fact; ``inside`` when they overlap."""
    prep = prepare("baseline", end="2017-01")
    ch = run_chunk(prep, seed, np.arange(draws))
    months = list(prep.recorded_months)
    we = (prep.countries["region"] == "western_europe").to_numpy()
    # People who travelled: cumulative arrivals (the stocks also hold the children born there).
    arrived = np.cumsum(ch.flows[..., Q.flow_slots("arrivals")[0]], axis=1, dtype=np.int64)
    rows = []
    for f in FACTS:
        t = months.index(pd.Timestamp(f.month + "-01"))
        s = ch.stocks[:, t]  # (D, C, S)
        people = arrived[:, t]  # (D, C) = cumulative travelled
        home = Q.RETURNED.of(s)
        war_zone = Q.WAR_ZONE.of(s)
        killed = Q.KILLED.of(s)
        if f.label.startswith("Travelled"):
            x = people.sum(1)
        elif f.label.startswith("Remaining"):
            x = war_zone.sum(1)
        elif f.label.startswith("Monthly inflow"):
            x = ch.flows[:, t][..., Q.flow_slots("arrivals")].sum(axis=(1, 2))
        elif f.label.startswith("Share of Europeans dead") or f.label.startswith(
                "Share of EU fighters dead"):
            x = 100 * killed[:, we].sum(1) / people[:, we].sum(1)
        elif f.label.startswith("Share of EU fighters returned"):
            x = 100 * home[:, we].sum(1) / people[:, we].sum(1)
        elif f.label.startswith("Europeans still"):
            x = war_zone[:, we].sum(1)
        else:  # share killed, world
            x = 100 * killed.sum(1) / people.sum(1)
        lo, med, hi = np.percentile(x, [5, 50, 95])
        rows.append({"fact": f.label, "as_of": f.month, "published_low": f.low,
                     "published_high": f.high, "model_median": med, "model_p5": lo,
                     "model_p95": hi, "inside": bool(hi >= f.low and lo <= f.high),
                     "source": f.source})
    return pd.DataFrame(rows)


def risk_record(draws: int = 1000, seed: int = 0, cutoff: str = "2016-12",
                scenario: str = "baseline") -> pd.DataFrame:
    """Attacks in the West linked to foreign fighters per year, model against record, 2011 to
    the cut-off's year.

    The model: ``scenario`` with its cut-off set to ``cutoff``, run to the cut-off with the
    shipped posterior for that cut-off when there is one (else the priors), reduced by
    :mod:`ffcast.results.risk` like every other output (the West as
    :data:`ffcast.results.quantities.RISK_REGIONS` defines it). The record: the
    ``attacks_west`` rows known by the cut-off whose perpetrators had been in Syria/Iraq,
    counted as calibration counts them (:func:`ffcast.calibrate.risk.record_years`).
    ``inside``: the record lies in the model's 90% predictive interval. A year cut by the
    cut-off covers its months up to it on both sides. Raises FFCastError for bad input.
    """
    from ffcast.backtest.risk import west_by_year
    from ffcast.calibrate.risk import record_years
    from ffcast.runner import prepare_run
    from ffcast.scenario import load_scenario

    # The engine needs a month after the cut-off; only months up to it are compared.
    after = f"{pd.Period(cutoff, 'M') + 1}"
    job = prepare_run(load_scenario(scenario).replace(cutoff=cutoff), draws=draws, seed=seed,
                      end=after)
    counts, years = west_by_year(job, last=cutoff)  # (D, Y, RISK_COUNTS)
    rows = []
    for rec in record_years(job.prep.months, cutoff):
        k = int(np.searchsorted(years, rec.year))
        attacks = counts[:, k, Q.RISK_COUNTS.index("attacks")]
        deaths = counts[:, k, Q.RISK_COUNTS.index("attack_deaths")]
        lo, med, hi = np.percentile(attacks, [5, 50, 95])
        rows.append({"year": rec.year, "record_attacks": rec.attacks,
                     "model_median": med, "model_p5": lo, "model_p95": hi,
                     "model_mean": attacks.mean(), "inside": bool(lo <= rec.attacks <= hi),
                     "p_at_least_one": float((attacks > 0).mean()),
                     "record_deaths": rec.deaths, "model_deaths_median": np.median(deaths),
                     "record_events": "; ".join(rec.events) or "none"})
    out = pd.DataFrame(rows)
    out.attrs["parameters"] = job.parameters
    return out


def risk_markdown(table: pd.DataFrame) -> str:
    """:func:`risk_record`'s table as the Markdown rows of ``docs/model.md``."""
    from ffcast.results.risk import percent

    lines = ["| year | record: attacks (deaths) | model: median [90% interval] | inside | "
             "model P(>=1) | record: events |", "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.year} | {r.record_attacks} ({r.record_deaths}) | "
                     f"{r.model_median:,.0f} [{r.model_p5:,.0f} – {r.model_p95:,.0f}] | "
                     f"{'yes' if r.inside else '**no**'} | {percent(r.p_at_least_one)} | "
                     f"{r.record_events} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m ffcast.history
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    print(history_check().to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    table = risk_record(draws=1000, seed=0)
    print(f"\nAttacks in the West linked to foreign fighters per year, baseline, 1,000 draws, "
          f"seed 0, {table.attrs['parameters']}; record known by 2016-12:")
    print(risk_markdown(table))
