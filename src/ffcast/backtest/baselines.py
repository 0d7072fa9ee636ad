"""Naive baselines: what one could forecast at an origin without the model.

Warning first: every baseline uses only what was published by the origin (the statements
of :func:`ffcast.backtest.statements.known` and the traveller estimates of
``best_estimates(as_of=origin)``); a row a baseline cannot forecast is NaN and the baseline
is scored on the rest, so compare scores on common rows (the skill in
:mod:`ffcast.backtest.rolling` does).

- ``last_observation``: the latest statement of the same country and quantity (by the month
  it describes, then by publication) carried forward: a point forecast.
- ``icct_share``: 30% of the country's travellers have returned (ICCT 2016's EU figure);
  returnee rows only, with the traveller uncertainty of the prior at the origin.
- ``published_share``: the median, over countries, of each country's latest published share
  of its travellers (returned, dead or still in the war zone) times the country's travellers
  (same draws as ``icct_share``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.engine.parameters import _sample_travellers
from ffcast.engine.rng import country_code, uniforms

ICCT_SHARE_RETURNED = 0.30  # ICCT2016: "around 30% have returned" (EU, end Oct 2015)
NAMES: tuple[str, ...] = ("last_observation", "icct_share", "published_share")


def traveller_draws(iso3: list[str], origin: str, draws: int, seed: int) -> np.ndarray:
    """Travellers per country (len(iso3), draws) from the prior at ``origin``: the engine's
    split log-normal through (low, central, high) on the model's own ``travellers`` stream
    (so the baseline and the model share their traveller draws). NaN for a country without
    an estimate published by the origin."""
    best = data.best_estimates(as_of=origin).set_index("iso3")
    out = np.full((len(iso3), draws), np.nan)
    have = [i for i, c in enumerate(iso3) if c in best.index]
    if not have:
        return out
    frame = best.loc[[iso3[i] for i in have]].reset_index()
    codes = np.array([country_code(c) for c in frame["iso3"]], dtype=np.int64)
    u = uniforms(seed, np.arange(draws), "travellers", codes)
    out[have] = _sample_travellers(frame, np.clip(u, 1e-12, 1 - 1e-12)).T
    return out


def last_observation(rows: pd.DataFrame, known: pd.DataFrame, draws: int) -> np.ndarray:
    """The latest known figure of each row's country and quantity, as (N, draws) copies."""
    latest = (known.sort_values(["month", "published"], kind="stable")
              .groupby(["iso3", "quantity"])["value"].last())
    keys = pd.MultiIndex.from_arrays([rows["iso3"], rows["quantity"]])
    point = latest.reindex(keys).to_numpy(dtype=float)
    return np.repeat(point[:, None], draws, axis=1)


def icct_share(rows: pd.DataFrame, travellers: np.ndarray) -> np.ndarray:
    """30% of each returnee row's travellers (rounded); NaN for other quantities."""
    out = np.round(ICCT_SHARE_RETURNED * travellers)
    out[(rows["quantity"] != "cumulative_returned").to_numpy()] = np.nan
    return out


def shares(known: pd.DataFrame, origin: str) -> pd.Series:
    """Median published share of travellers per quantity at ``origin`` (each country's
    latest statement divided by its central traveller estimate at the origin)."""
    central = data.best_estimates(as_of=origin).set_index("iso3")["central"].astype(float)
    latest = (known[known["iso3"].isin(central.index)]
              .sort_values(["month", "published"], kind="stable")
              .groupby(["iso3", "quantity"], as_index=False).last())
    latest = latest.assign(share=latest["value"] / latest["iso3"].map(central).to_numpy())
    return latest[np.isfinite(latest["share"])].groupby("quantity")["share"].median()


def published_share(rows: pd.DataFrame, known: pd.DataFrame, origin: str,
                    travellers: np.ndarray) -> np.ndarray:
    """The median published share of each row's quantity times its travellers (rounded)."""
    share = rows["quantity"].map(shares(known, origin)).to_numpy(dtype=float)
    return np.round(share[:, None] * travellers)


def all_baselines(rows: pd.DataFrame, known: pd.DataFrame, origin: str, draws: int,
                  seed: int) -> dict[str, np.ndarray]:
    """Every baseline's draws (N, draws) for ``rows`` at ``origin``, by :data:`NAMES`."""
    travellers = traveller_draws(list(rows["iso3"]), origin, draws, seed)
    return {"last_observation": last_observation(rows, known, draws),
            "icct_share": icct_share(rows, travellers),
            "published_share": published_share(rows, known, origin, travellers)}
