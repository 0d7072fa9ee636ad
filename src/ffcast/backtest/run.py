"""Backtests: forecasts made at an origin, scored against what was published later.

Warning first: the forecast uses only the posterior fitted to data published by the origin
(the priors when none ships for it) and priors built from data published by then; the rows
being scored are never read by the calibration, and the baselines see only statements
published by the origin (:mod:`ffcast.backtest.baselines`). Forecasters:

- ``ffcast``: the predictive distribution of the *published* figure: the model's count read
  through the reporting model with the statement's producer kind (official / research /
  press; a user's own file counts as official unless its source is in the registry);
- ``ffcast_latent``: the model's count itself (how much of the spread is reporting);
- the baselines ``persistence``, ``last_observation``, ``icct_share`` and
  ``published_share``, listed first in every table (:data:`FORECASTERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.backtest import baselines, metrics, statements
from ffcast.backtest.forecast import forecast_rows, modelled
from ffcast.errors import ObservationError

LEVELS = (0.5, 0.8, 0.9, 0.95)
MODEL_FORECASTERS: tuple[str, ...] = ("ffcast", "ffcast_latent")
#: The naive forecasters lead, so every table reads the model against them.
FORECASTERS: tuple[str, ...] = (*baselines.NAMES, *MODEL_FORECASTERS)
#: The naive forecaster the issue-19 goals compare ffcast with, on the rows it forecasts.
REFERENCE = "persistence"
#: Half-width on log1p of the cell of the log score (:func:`metrics.log_score_log1p`).
LOG_HALF_WIDTH = 0.1
Progress = Callable[[int], None]


@dataclass
class OriginResult:
    """One origin's scored rows (``table``), draws per forecaster and summary.

    ``table`` has the rows' columns, then per forecaster its median and per-row scores
    (``<name>_crps``, ``<name>_crps_log1p``, ``<name>_log_score``, ``<name>_abs_log_ratio``,
    ``<name>_covered_<L>``); NaN where a forecaster has no forecast for the row.
    """

    cutoff: str
    parameters: str
    draws: int
    seed: int
    table: pd.DataFrame
    samples: dict[str, np.ndarray] = field(repr=False)
    dropped: int = 0  # rows of countries without a traveller estimate by the origin

    @property
    def summary(self) -> dict:
        """Scores per forecaster over its rows, and CRPS skill of ffcast per baseline."""
        return summarise(self.table, self.samples, cutoff=self.cutoff, draws=self.draws,
                         seed=self.seed, parameters=self.parameters, dropped=self.dropped)


# The backtest result of one origin kept its historical name.
BacktestResult = OriginResult


def score_origin(rows: pd.DataFrame, origin: str, draws: int, seed: int,
                 progress: Progress | None = None) -> OriginResult:
    """Forecast ``rows`` (statement rows, see :mod:`ffcast.backtest.statements`) from
    ``origin`` with the model and the baselines, and score every row.

    Rows of countries the model does not run at ``origin`` are dropped and counted.
    """
    keep = rows["iso3"].isin(modelled(origin)).to_numpy()
    rows = rows[keep].reset_index(drop=True)
    if rows.empty:
        raise ObservationError(f"observations: no row to score from {origin}; fix: give rows "
                               "of countries with a traveller estimate by the origin")
    known = statements.known(origin)
    fc = forecast_rows(rows, origin, draws, seed, progress, anchors=known)
    found = {"ffcast": fc.reported, "ffcast_latent": fc.latent,
             **baselines.all_baselines(rows, known, origin, draws, seed)}
    samples = {name: found[name] for name in FORECASTERS}
    return OriginResult(origin, fc.parameters, draws, seed, score_rows(rows, samples),
                        samples, int((~keep).sum()))


def score_rows(rows: pd.DataFrame, samples: dict[str, np.ndarray]) -> pd.DataFrame:
    """``rows`` with each forecaster's median and per-row scores (NaN where it has none)."""
    table = rows.copy()
    y = rows["value"].to_numpy(float)
    for name, draws in samples.items():
        ok = ~np.isnan(draws).any(axis=1)
        table[f"{name}_median"] = np.median(draws, axis=1)
        if not ok.any():
            continue
        columns = {"crps": metrics.crps_ensemble(y[ok], draws[ok]),
                   "crps_log1p": metrics.crps_log1p(y[ok], draws[ok]),
                   "log_score": metrics.log_score_log1p(y[ok], draws[ok], LOG_HALF_WIDTH),
                   "abs_log_ratio": metrics.log_ratio(y[ok], draws[ok])}
        for level in LEVELS:
            columns[f"covered_{round(level * 100)}"] = metrics.interval_coverage(
                y[ok], draws[ok], level).astype(float)
        for key, values in columns.items():
            full = np.full(len(y), np.nan)
            full[ok] = values
            table[f"{name}_{key}"] = full
    return table


def summarise(table: pd.DataFrame, samples: dict[str, np.ndarray], **about: object) -> dict:
    """Scores per forecaster (on the rows it forecasts: :func:`metrics.summarise` and the
    mean ``log_score`` of :func:`metrics.log_score_log1p`), CRPS skill of ffcast, and ffcast
    against :data:`REFERENCE` on the rows it forecasts (``versus``, :func:`versus`)."""
    y = table["value"].to_numpy(float)
    out: dict = {**about, "observations": len(y), "forecasters": {}}
    for name, draws in samples.items():
        ok = ~np.isnan(draws).any(axis=1)
        scores = metrics.summarise(y[ok], draws[ok], LEVELS) if ok.any() else {}
        if ok.any():
            scores["log_score"] = float(np.mean(
                metrics.log_score_log1p(y[ok], draws[ok], LOG_HALF_WIDTH)))
        out["forecasters"][name] = {"observations_scored": int(ok.sum()), **scores}
    out["skill"] = skill(table, [n for n in samples if n not in MODEL_FORECASTERS])
    if REFERENCE in samples and "ffcast" in samples:
        out["versus"] = versus(table, samples)
    return out


def versus(table: pd.DataFrame, samples: dict[str, np.ndarray], model: str = "ffcast",
           reference: str = REFERENCE) -> dict:
    """``model`` and ``reference`` scored on exactly the rows ``reference`` forecasts.

    ``rows``; per forecaster (``model``, ``reference``) ``crps_log1p`` and ``log_score``
    (means), ``coverage_80`` and ``median_abs_log_ratio``; ``skill_log1p``:
    ``1 - CRPS_model / CRPS_reference`` on log1p (NaN with no common row).
    """
    ok = ~np.isnan(samples[reference]).any(axis=1) & ~np.isnan(samples[model]).any(axis=1)
    out: dict = {"model": model, "reference": reference, "rows": int(ok.sum())}
    if not ok.any():
        out["skill_log1p"] = float("nan")
        return out
    y = table["value"].to_numpy(float)[ok]
    for name in (model, reference):
        draws = samples[name][ok]
        s = metrics.summarise(y, draws, (0.8,))
        out[name] = {"crps_log1p": s["crps_log1p"], "coverage_80": s["coverage_80"],
                     "median_abs_log_ratio": s["median_abs_log_ratio"],
                     "log_score": float(np.mean(
                         metrics.log_score_log1p(y, draws, LOG_HALF_WIDTH)))}
    out["skill_log1p"] = float(metrics.skill_score(out[model]["crps_log1p"],
                                                   out[reference]["crps_log1p"]))
    return out


def skill(table: pd.DataFrame, baseline_names: list[str]) -> dict[str, float | str | int]:
    """CRPS skill of ffcast against each baseline, on the rows that baseline forecasts.

    ``vs_<b>`` (counts) and ``vs_<b>_log1p``: ``1 - CRPS_ffcast / CRPS_b``, above 0 when
    ffcast is better; ``vs_<b>_rows`` the rows compared. The *best baseline* is the one
    ffcast beats by the least on the log1p scale (the hardest to beat on its own rows):
    ``best_baseline`` and ``vs_best_baseline`` (counts), ``vs_best_baseline_log1p``.
    """
    out: dict[str, float | str | int] = {}
    best, lowest = "", np.inf
    for base in baseline_names:
        ok = table[f"{base}_crps"].notna() if f"{base}_crps" in table else None
        if ok is None or not ok.any():
            continue
        for scale, suffix in (("crps", ""), ("crps_log1p", "_log1p")):
            m = table.loc[ok, f"ffcast_{scale}"].mean()
            b = table.loc[ok, f"{base}_{scale}"].mean()
            out[f"vs_{base}{suffix}"] = float(metrics.skill_score(m, b))
        out[f"vs_{base}_rows"] = int(ok.sum())
        if float(out[f"vs_{base}_log1p"]) < lowest:
            best, lowest = base, float(out[f"vs_{base}_log1p"])
    if best:
        out["best_baseline"] = best
        out["vs_best_baseline"] = out[f"vs_{best}"]
        out["vs_best_baseline_log1p"] = out[f"vs_{best}_log1p"]
    return out


def backtest(obs: pd.DataFrame, cutoff: str = "2016-12", draws: int = 1000, seed: int = 0,
             progress: Progress | None = None) -> OriginResult:
    """Score the forecast from ``cutoff`` and the baselines on a user's observations after it.

    ``obs`` is a validated observations frame (:func:`ffcast.backtest.read_observations`).
    Raises :class:`ObservationError` for a row dated by the cut-off or a country the model
    does not run at it (one line naming the row or code and the fix).
    """
    end = pd.Period(cutoff, "M").end_time
    early = obs[obs["month"] <= end]
    if len(early):
        r = early.index[0]
        raise ObservationError(
            f"observations: row {r + 1}: as_of {early.loc[r, 'as_of']} is not after the cut-off "
            f"{cutoff}; fix: backtests score only later observations")
    missing = sorted(set(obs["iso3"]) - modelled(cutoff))
    if missing:
        raise ObservationError(f"observations: iso3 {', '.join(missing)} not modelled at "
                               f"cut-off {cutoff}; fix: drop those rows")
    rows = obs.assign(
        kind=[data.producer_kind(s, default="official") for s in obs["source"]],
        bound="", set="observations").reset_index(drop=True)
    return score_origin(rows, cutoff, draws, seed, progress)
