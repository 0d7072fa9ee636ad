"""Rolling-origin scores of the terrorism-risk side: executed attacks in the West linked to
foreign fighters, forecast from an origin and scored on the record as known at 2016-12.

Warning first: the record is a handful of attacks (five linked to foreign fighters from
mid-2015 to 2016), so these scores say little: one attack more or fewer moves every number,
and the periods of one origin overlap those of the next, so the pooled scores are not
independent. Read them as a check that nothing is wildly off, not as a ranking.

Discipline. The forecast from origin ``O`` is the scenario (default ``baseline``) with its
cut-off set to ``O`` and the shipped posterior for ``O`` when
:data:`ffcast.calibrate.posterior.SHIPPED_CUTOFFS` has one, else the priors
(``parameters`` says which). The baselines use only the record published by ``O``; the
observations are the record published by 2016-12. Both are counted by
:func:`ffcast.calibrate.risk.record_years` (executed attacks whose perpetrators had been in
Syria/Iraq, by the month they happened), which reads :func:`ffcast.data.calibration_data`.

Scoring periods after ``O``: the rest of ``O``'s calendar year (none when ``O`` is a
December), then each later calendar year up to 2016. Forecasters, per period:

- ``ffcast``: the model's draws (:func:`west_by_year`, through the one run loop);
- ``last_year``: Poisson, the last full calendar year's count by ``O`` as a yearly rate;
- ``mean_rate``: Poisson, the mean yearly count from 2011 to ``O`` as a yearly rate;

both rates scaled to the period's length. Scores: CRPS (the model's from its draws, the
baselines' in closed form), the log score ``-log p`` of the observed count (the model's from
the share of draws equal to it, floored at half a draw), whether the record lies in the
central 50% and 90% intervals, and the Brier score of P(at least one attack).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.backtest import metrics, statements
from ffcast.calibrate.risk import at_least_one, record_years
from ffcast.errors import OptionsError
from ffcast.results import quantities as Q
from ffcast.results import risk
from ffcast.runner import Run, prepare_run
from ffcast.scenario import load_scenario

ORIGINS: tuple[str, ...] = ("2015-06", "2015-12", "2016-06")
SCORED_UNTIL = statements.SCORED_UNTIL  # the record is read as known at the end of 2016-12
FIRST_YEAR = 2011  # the record (and the mean-rate baseline) starts in January 2011
FORECASTERS: tuple[str, ...] = ("ffcast", "last_year", "mean_rate")
LEVELS: tuple[float, ...] = (0.5, 0.9)
LOG_FLOOR_DRAWS = 0.5  # a count no draw hit has probability half a draw, not zero
Progress = Callable[[int], None]
_MONTHS = pd.date_range(f"{FIRST_YEAR}-01-01", f"{SCORED_UNTIL}-01", freq="MS")


def west_by_year(job: Run, first: str | None = None, last: str | None = None,
                 progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Simulated attacks in the West linked to foreign fighters per calendar year.

    Runs ``job`` through its one loop (:meth:`ffcast.runner.Run.chunks`) and reduces each
    chunk like every other output (:func:`ffcast.results.quantities.risk_counts`, the West of
    :data:`~ffcast.results.quantities.RISK_REGIONS`, :func:`ffcast.results.risk.yearly`),
    over the recorded months from ``first`` to ``last`` (``YYYY-MM``, both included;
    default: all). A year cut by the window covers its months inside it.

    Returns:
        Counts ``(D, Y, RISK_COUNTS)`` int64 (attacks, deaths, mass-casualty attacks) and
        the years ``(Y,)``.
    """
    months = job.prep.recorded_months
    keep = np.ones(len(months), dtype=bool)
    if first is not None:
        keep &= months >= pd.Period(first, "M").start_time
    if last is not None:
        keep &= months <= pd.Period(last, "M").start_time
    window = months[keep]
    west = Q.western_origins(job.prep.countries["region"])
    region = Q.RISK_REGIONS.index("west")
    parts: list[np.ndarray] = []
    job.chunks(lambda ch: parts.append(
        risk.yearly(Q.risk_counts(ch.flows[:, keep], west), window)[:, :, region]), progress)
    return np.concatenate(parts), np.unique(window.year)


@dataclass(frozen=True)
class Period:
    """One scoring period after an origin: months ``first`` to ``last`` of one year."""

    first: pd.Period
    last: pd.Period

    @property
    def months(self) -> int:
        return (self.last - self.first).n + 1

    @property
    def label(self) -> str:
        """``2016`` for a whole year, ``2015-07–12`` for part of one."""
        return str(self.first.year) if self.months == 12 else f"{self.first}–{self.last:%m}"


def check_origin(origin: str) -> str:
    """``origin`` (``YYYY-MM``) if it leaves a month to score by 2016-12 and follows a full
    year of record (the baselines need one); raises OptionsError."""
    end = statements.check_origin(origin)
    if not data.cutoff_end(f"{FIRST_YEAR}-12") <= end < data.cutoff_end(SCORED_UNTIL):
        raise OptionsError(f"origin: {origin} must leave a month to score by {SCORED_UNTIL} "
                           f"and follow a full year of record; fix: use an origin from "
                           f"{FIRST_YEAR}-12 to {pd.Period(SCORED_UNTIL, 'M') - 1}")
    return str(pd.Period(origin, "M"))


def scoring_periods(origin: str) -> list[Period]:
    """The rest of ``origin``'s calendar year (if any), then each later year up to 2016."""
    start, until = pd.Period(check_origin(origin), "M") + 1, pd.Period(SCORED_UNTIL, "M")
    return [Period(max(start, pd.Period(f"{y}-01", "M")), min(pd.Period(f"{y}-12", "M"), until))
            for y in range(start.year, until.year + 1)]


def observed(origin: str) -> pd.DataFrame:
    """The record known at 2016-12 in each scoring period after ``origin``: ``period``,
    ``months``, ``attacks``, ``deaths``, ``events``.

    A period that starts mid-year is the whole year less its months up to the origin, both
    counted by :func:`record_years` on the rows published by 2016-12."""
    table = data.calibration_data("attacks_west", SCORED_UNTIL)
    full = {r.year: r for r in record_years(_MONTHS, SCORED_UNTIL, table, FIRST_YEAR)}
    seen = record_years(_MONTHS, origin, table, FIRST_YEAR)[-1]  # origin's year, to origin
    rows = []
    for p in scoring_periods(origin):
        rec = full[p.first.year]
        if p.months == 12:
            attacks, deaths, events = rec.attacks, rec.deaths, list(rec.events)
        else:  # the rest of the origin's year
            attacks, deaths = rec.attacks - seen.attacks, rec.deaths - seen.deaths
            events = list((Counter(rec.events) - Counter(seen.events)).elements())
        rows.append({"period": p.label, "months": p.months, "attacks": attacks,
                     "deaths": deaths, "events": "; ".join(events) or "none"})
    return pd.DataFrame(rows)


def baseline_rates(origin: str) -> dict[str, float]:
    """Yearly Poisson rates of the baselines from the record published by ``origin``:
    ``last_year`` (the last full calendar year's count) and ``mean_rate`` (attacks from
    2011 to the origin per year)."""
    known = record_years(_MONTHS, check_origin(origin), first_year=FIRST_YEAR)
    full = [r for r in known if len(r.months) == 12]
    months = sum(len(r.months) for r in known)
    return {"last_year": float(full[-1].attacks),
            "mean_rate": 12.0 * sum(r.attacks for r in known) / months}


@dataclass
class OriginRisk:
    """One origin's record, forecasts and scores, one row per scoring period."""

    origin: str
    parameters: str
    draws: int
    table: pd.DataFrame

    def scores(self) -> pd.DataFrame:
        """Per forecaster: periods scored and the mean of each score over them."""
        return mean_scores(self.table, self.origin)


def score_origin(origin: str, draws: int = 1000, seed: int = 0, scenario: str = "baseline",
                 progress: Progress | None = None) -> OriginRisk:
    """Forecast from ``origin`` and score every period after it (see the module docstring).

    Raises :class:`OptionsError` for an origin that is not a month before 2016-12 and
    :class:`FFCastError` subclasses for bad ``draws``/``seed``/``scenario``.
    """
    origin = check_origin(origin)
    rec = observed(origin)
    job = prepare_run(load_scenario(scenario).replace(cutoff=origin), draws=draws, seed=seed,
                      end=SCORED_UNTIL)
    counts, years = west_by_year(job, str(pd.Period(origin, "M") + 1), SCORED_UNTIL, progress)
    attacks = counts[..., Q.RISK_COUNTS.index("attacks")].T  # (periods, D)
    deaths = counts[..., Q.RISK_COUNTS.index("attack_deaths")].T
    assert [str(y) for y in years] == [p[:4] for p in rec["period"]]  # one year per period
    y = rec["attacks"].to_numpy(float)
    happened = y > 0
    table = rec.assign(origin=origin, parameters=job.parameters)
    table["model_median"], table["model_p5"], table["model_p95"] = np.percentile(
        attacks, [50, 5, 95], axis=1)
    table["model_deaths_median"], table["model_deaths_p5"], table["model_deaths_p95"] = (
        np.percentile(deaths, [50, 5, 95], axis=1))
    p_any = (attacks > 0).mean(axis=1)
    table = _scored(table, "ffcast", crps=metrics.crps_ensemble(y, attacks),
                    log_score=metrics.log_score(y, attacks, LOG_FLOOR_DRAWS),
                    inside=[metrics.interval_coverage(y, attacks, lv) for lv in LEVELS],
                    p_any=p_any, happened=happened)
    for name, rate in baseline_rates(origin).items():
        mu = rate * rec["months"].to_numpy(float) / 12.0
        table[f"{name}_mean"] = mu
        table = _scored(table, name, crps=metrics.crps_poisson(y, mu),
                        log_score=metrics.log_score_poisson(y, mu),
                        inside=[metrics.poisson_interval_coverage(y, mu, lv) for lv in LEVELS],
                        p_any=at_least_one(mu), happened=happened)
    return OriginRisk(origin, job.parameters, draws, table)


def _scored(table: pd.DataFrame, name: str, crps: np.ndarray, log_score: np.ndarray,
            inside: list[np.ndarray], p_any: np.ndarray, happened: np.ndarray) -> pd.DataFrame:
    cols = {f"{name}_crps": crps, f"{name}_log_score": log_score,
            **{f"{name}_in_{round(lv * 100)}": v for lv, v in zip(LEVELS, inside, strict=True)},
            f"{name}_p_any": p_any, f"{name}_brier": metrics.brier_score(p_any, happened)}
    return table.assign(**cols)


def mean_scores(table: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Mean scores per forecaster over the periods of ``table`` (coverage as a share)."""
    rows = []
    for name in FORECASTERS:
        row = {"origin": origin, "forecaster": name, "periods": len(table),
               "crps": table[f"{name}_crps"].mean(),
               "log_score": table[f"{name}_log_score"].mean(),
               **{f"in_{round(lv * 100)}": table[f"{name}_in_{round(lv * 100)}"].mean()
                  for lv in LEVELS},
               "brier": table[f"{name}_brier"].mean()}
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class RiskBacktest:
    """Every origin's :class:`OriginRisk`."""

    origins: list[OriginRisk]

    @property
    def draws(self) -> int:
        return self.origins[0].draws

    def table(self) -> pd.DataFrame:
        """One row per origin and scoring period: record, forecasts and scores."""
        table = pd.concat([o.table for o in self.origins], ignore_index=True)
        first = ["origin", "parameters", "period", "months", "attacks", "deaths", "events"]
        return table[[*first, *(c for c in table.columns if c not in first)]]

    def scores(self) -> pd.DataFrame:
        """Mean scores per origin and forecaster, then pooled over every period."""
        return pd.concat([*(o.scores() for o in self.origins),
                          mean_scores(self.table(), "pooled")], ignore_index=True)


def risk_backtest(origins: tuple[str, ...] = ORIGINS, draws: int = 1000, seed: int = 0,
                  scenario: str = "baseline",
                  stage: Callable[[str], Progress | None] | None = None) -> RiskBacktest:
    """Score the forecasts of attacks in the West from each origin (see the module docstring).

    ``stage(origin)`` (optional) is called as each origin starts and may return a progress
    callback for its draws. Raises :class:`OptionsError` for an origin that is not a month
    before 2016-12, before any run.
    """
    for origin in origins:
        check_origin(origin)
    results = []
    for origin in origins:
        progress = stage(origin) if stage is not None else None
        results.append(score_origin(origin, draws, seed, scenario, progress))
    return RiskBacktest(results)
