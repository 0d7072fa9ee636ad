"""Backtests: forecasts made at a cut-off, scored against what was observed later.

Warning first: the forecast uses only the posterior fitted to data up to the cut-off (and
priors built from data up to then); the observations being scored are never read by the
calibration. Baselines: ``icct_share`` (returned = 30% of travellers, the ICCT 2016 EU share,
with the traveller uncertainty of the prior) and ``last_observation`` (the latest published
figure for that country and quantity, carried forward; a point forecast).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ffcast import data
from ffcast.backtest import metrics
from ffcast.calibrate.targets import SIGMA_LOG
from ffcast.engine import Recording, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.engine.rng import uniforms
from ffcast.errors import ObservationError
from ffcast.scenario import Scenario

ICCT_SHARE_RETURNED = 0.30  # ICCT2016: "around 30% have returned" (EU, end Oct 2015)
ROLLING_CUTOFFS = ("2015-12", "2016-06", "2016-12")
LEVELS = (0.5, 0.8, 0.95)
_MEASURE = {"cumulative_returned": "returned", "cumulative_travelled": "travelled",
            "killed": "dead", "in_theatre": "in_theatre"}
_STOCK = {"killed": [L.KILLED], "in_theatre": [L.IN_THEATRE],
          "detained_in_theatre": [L.DETAINED], "joined_other": [L.JOINED_OTHER],
          "relocated": list(range(L.RELOCATED0, L.DISPATCHED)), "dispatched": [L.DISPATCHED]}
_CUMULATIVE = {"cumulative_returned": [L.RETURNS], "cumulative_travelled": [L.ARRIVALS],
               "attacks": list(range(L.ATTACKS0, L.ATTACKS0 + 3)),
               "attack_deaths": list(range(L.ATTACK_DEATHS0, L.ATTACK_DEATHS0 + 3))}


@dataclass
class BacktestResult:
    """Scores per observation (``table``) and overall (``summary``) for one cut-off."""

    cutoff: str
    table: pd.DataFrame
    summary: dict


def forecast_samples(obs: pd.DataFrame, cutoff: str, draws: int, seed: int,
                     posterior: object | None = "auto",
                     progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Forecast draws (N_obs, draws) of each observation's quantity at its month and country."""
    from ffcast.calibrate import posterior as post_mod

    end = max(obs["month"].max().to_period("M"), pd.Period(cutoff, "M") + 1)
    prep = prepare(Scenario(name=f"forecast-{cutoff}", cutoff=cutoff), end=str(end))
    post = post_mod.shipped(cutoff) if posterior == "auto" else posterior
    col = {c: i for i, c in enumerate(prep.countries["iso3"])}
    months = [(m.year - prep.months[0].year) * 12 + m.month - prep.months[0].month
              for m in obs["month"]]
    rows = [(k, months[k], col[iso], q) for k, (iso, q)
            in enumerate(zip(obs["iso3"], obs["quantity"], strict=True))]
    out = np.zeros((len(obs), draws))
    # Flows counted from 2011-01, so their running sum over the records is cumulative.
    record = Recording(np.unique(months), flows_from=0)
    row = {int(m): r for r, m in enumerate(record.months)}
    for lo in range(0, draws, 250):
        ids = np.arange(lo, min(draws, lo + 250))
        lat = post.latent(prep, seed, ids) if post is not None else None
        ch = run_chunk(prep, seed, ids, latent=lat, until=max(months), record=record)
        cum = np.cumsum(ch.flows, axis=1, dtype=np.int64)
        for k, month, c, q in rows:
            if q in _CUMULATIVE:
                out[k, ids] = cum[:, row[month], c, _CUMULATIVE[q]].sum(-1)
            else:
                out[k, ids] = ch.stocks[:, row[month], c, _STOCK[q]].sum(-1, dtype=np.int64)
        if progress is not None:
            progress(len(ids))
    return out


def baselines(obs: pd.DataFrame, cutoff: str, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Baseline samples (N_obs, draws); rows a baseline cannot forecast are NaN."""
    best = data.best_estimates(as_of=cutoff).set_index("iso3")
    from ffcast.engine.simulate import _sample_travellers

    u = uniforms(seed, np.arange(draws), "travellers", np.arange(len(best)))
    travellers = _sample_travellers(best.reset_index(), np.clip(u, 1e-12, 1 - 1e-12)).T
    row = {iso: i for i, iso in enumerate(best.index)}
    share = np.full((len(obs), draws), np.nan)
    locf = np.full((len(obs), draws), np.nan)
    ff = data.calibration_data("foreign_fighters")
    ff = ff[ff["as_of_date"] <= pd.Period(cutoff, "M").end_time]
    for k, (iso, q) in enumerate(zip(obs["iso3"], obs["quantity"], strict=True)):
        if q == "cumulative_returned" and iso in row:
            share[k] = np.round(ICCT_SHARE_RETURNED * travellers[row[iso]])
        prior = ff[(ff["iso3"] == iso) & (ff["measure"] == _MEASURE.get(q, ""))]
        if len(prior):
            last = prior.sort_values("as_of_date").iloc[-1]
            vals = [v for v in (last["low"], last["high"]) if pd.notna(v)]
            locf[k] = float(np.mean(vals))
    return {"icct_share": share, "last_observation": locf}


def _scores(obs: np.ndarray, samples: np.ndarray) -> dict[str, np.ndarray]:
    out = {"crps": metrics.crps_ensemble(obs, samples),
           "crps_log1p": metrics.crps_log1p(obs, samples),
           "abs_log_ratio": metrics.log_ratio(obs, samples)}
    for lv in LEVELS:
        key = f"{round(lv * 100)}"
        out[f"covered_{key}"] = metrics.interval_coverage(obs, samples, lv)
        out[f"interval_score_{key}"] = metrics.interval_score(obs, samples, lv)
    return out


def with_observation_noise(samples: np.ndarray, seed: int,
                           sigma: float = SIGMA_LOG["country_secondary"]) -> np.ndarray:
    """Posterior predictive of a *published* count: the model's count times log-normal
    reporting noise (the observation model calibration uses), rounded to whole people."""
    n, d = samples.shape
    u = uniforms(seed, np.arange(d), "observation_noise", np.arange(n)).T
    return np.round(samples * np.exp(sigma * special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))))


def backtest(obs: pd.DataFrame, cutoff: str = "2016-12", draws: int = 1000, seed: int = 0,
             posterior: object | None = "auto",
             progress: Callable[[int], None] | None = None,
             observation_noise: bool = True) -> BacktestResult:
    """Score the forecast from ``cutoff`` and the baselines on observations after it.

    ``observation_noise`` scores the predictive distribution of the published figure (model
    count x reporting noise); the latent model count is also scored, as ``ffcast_latent``.
    """
    end = pd.Period(cutoff, "M").end_time
    early = obs[obs["month"] <= end]
    if len(early):
        r = early.index[0]
        raise ObservationError(
            f"observations: row {r + 1}: as_of {early.loc[r, 'as_of']} is not after the cut-off "
            f"{cutoff}; fix: backtests score only later observations")
    known = set(prepare(Scenario(cutoff=cutoff), end=str(pd.Period(cutoff, "M") + 1))
                .countries["iso3"])
    missing = sorted(set(obs["iso3"]) - known)
    if missing:
        raise ObservationError(f"observations: iso3 {', '.join(missing)} not modelled at "
                               f"cut-off {cutoff}; fix: drop those rows")
    y = obs["value"].to_numpy(float)
    if progress is not None:
        progress(0)  # every check passed: the work starts
    model = forecast_samples(obs, cutoff, draws, seed, posterior, progress)
    table = obs[["iso3", "quantity", "as_of", "value", "source"]].copy()
    q = np.percentile(model, [5, 50, 95], axis=1)
    table["model_p5"], table["model_median"], table["model_p95"] = q
    summary: dict = {"cutoff": cutoff, "draws": draws, "seed": seed, "observations": len(y),
                     "posterior": posterior is not None, "observation_noise": observation_noise,
                     "forecasters": {}}
    forecasters = {"ffcast": with_observation_noise(model, seed) if observation_noise else model,
                   **({"ffcast_latent": model} if observation_noise else {}),
                   **baselines(obs, cutoff, draws, seed)}
    for name, samples in forecasters.items():
        ok = ~np.isnan(samples).any(axis=1)
        med = np.full(len(y), np.nan)
        med[ok] = np.median(samples[ok], axis=1)
        table[f"{name}_median"] = med
        sc = _scores(y[ok], samples[ok]) if ok.any() else {}
        for key, v in sc.items():
            col = np.full(len(y), np.nan)
            col[ok] = v
            table[f"{name}_{key}"] = col
        summary["forecasters"][name] = {"observations_scored": int(ok.sum()),
                                        **(metrics.summarise(y[ok], samples[ok], LEVELS)
                                           if ok.any() else {})}
    summary["skill"] = _skill(table)
    return BacktestResult(cutoff, table, summary)


def _skill(table: pd.DataFrame) -> dict[str, float | str]:
    """CRPS skill of ffcast against each baseline on the rows both forecast."""
    out: dict[str, float | str] = {}
    best, best_crps = "", np.inf
    for base in ("icct_share", "last_observation"):
        ok = table[f"{base}_crps"].notna() if f"{base}_crps" in table else None
        if ok is None or not ok.any():
            continue
        m, b = table.loc[ok, "ffcast_crps"].mean(), table.loc[ok, f"{base}_crps"].mean()
        out[f"vs_{base}"] = float(metrics.skill_score(m, b))
        out[f"vs_{base}_rows"] = int(ok.sum())
        if ok.all() and b < best_crps:
            best, best_crps = base, b
    if best:
        out["best_baseline"] = best
        out["vs_best_baseline"] = out[f"vs_{best}"]
    return out
