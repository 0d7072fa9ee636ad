"""Naive baselines: what one could forecast at an origin without the model.

Warning first: every baseline uses only what was published by the origin (the statements
of :func:`ffcast.backtest.statements.known` and the traveller estimates of
``best_estimates(as_of=origin)``); a row a baseline cannot forecast is NaN and the baseline
is scored on the rest, so compare scores on common rows (the skill in
:mod:`ffcast.backtest.rolling` does).

- ``persistence``: the figure ``last_observation`` carries forward, spread log-normally as
  published figures have moved before the origin: ``(last + 1) exp(sigma sqrt(h) z) - 1``,
  rounded, with ``h`` the months from the month the last figure describes to the row's
  month (at least 1) and ``sigma`` per square-root month estimated from every pair of
  successive statements known at the origin (:func:`persistence_sigma`). No drift: the
  median is the last figure.
- ``last_observation``: the latest statement of the same country and quantity, counting the
  same people (its ``covers``, read by :func:`ffcast.data.schema.scope_of`: Bosnia's men
  are carried forward for its men, never for everyone), by the month it describes, then by
  publication, carried forward: a point forecast.
- ``icct_share``: 30% of the country's travellers have returned (ICCT 2016's EU figure);
  returnee rows counting everyone only, with the traveller uncertainty of the prior at the
  origin.
- ``published_share``: the median, over countries, of each country's latest published share
  of its travellers (returned, dead or still in the war zone; counts of everyone only) times
  the country's travellers (same draws as ``icct_share``), for rows counting everyone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ffcast import data
from ffcast.data.schema import scope_of
from ffcast.engine.parameters import _sample_travellers
from ffcast.engine.rng import country_code, uniforms

ICCT_SHARE_RETURNED = 0.30  # ICCT2016: "around 30% have returned" (EU, end Oct 2015)
#: Naive forecasters first: the tables list them in this order, before the model.
NAMES: tuple[str, ...] = ("persistence", "last_observation", "icct_share", "published_share")

#: Persistence: the spread per square-root month when fewer than
#: :data:`PERSISTENCE_MIN_PAIRS` pairs of successive statements are known (judgement: a
#: figure moving by a factor exp(0.25 sqrt(12)) ~ 2.4 in a year at one standard deviation),
#: the floor of the estimate (judgement: published figures are never that stable), and the
#: fewest pairs an estimate is made from.
PERSISTENCE_DEFAULT_SIGMA = 0.25
PERSISTENCE_FLOOR_SIGMA = 0.05
PERSISTENCE_MIN_PAIRS = 5
_MAD_TO_SD = 1.0 / 0.6745  # median |N(0, 1)| = 0.6745
_QUANTITY_SLOT = {"cumulative_returned": 1, "killed": 2, "in_theatre": 3}


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


#: What makes two statements one series: the country, the quantity and whom they count.
SERIES = ["iso3", "quantity", "scope"]


def _scoped(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``scope``: whom each statement counts ("" for everyone; scope_of);
    ``frame`` itself when it has one (:func:`all_baselines` reads ``covers`` once)."""
    if "scope" in frame:
        return frame
    scope = frame["covers"].map(scope_of) if "covers" in frame else ""
    return frame.assign(scope=scope)


def _keys(rows: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(_scoped(rows)[SERIES])


def _latest(known: pd.DataFrame) -> pd.DataFrame:
    """The latest known statement of each series (:data:`SERIES`: by the month it
    describes, then by publication), indexed by (iso3, quantity, scope): its ``value`` and
    ``month``."""
    return (_scoped(known).sort_values(["month", "published"], kind="stable")
            .groupby(SERIES)[["value", "month"]].last())


def last_observation(rows: pd.DataFrame, known: pd.DataFrame, draws: int) -> np.ndarray:
    """The latest known figure of each row's series (its country and quantity, counting the
    same people), as (N, draws) copies."""
    point = _latest(known)["value"].reindex(_keys(rows)).to_numpy(dtype=float)
    return np.repeat(point[:, None], draws, axis=1)


def _month_number(months: pd.Series) -> np.ndarray:
    m = pd.to_datetime(months)
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy(dtype=np.int64)


def successive_changes(known: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Log changes ``log((v2 + 1) / (v1 + 1))`` and gaps in months of every pair of successive
    statements of one series (:data:`SERIES`) in ``known`` (ordered by the month described;
    several statements of one month count as the one ``last_observation`` would pick, so the
    months of a pair differ)."""
    if known.empty:
        return np.empty(0), np.empty(0)
    per_month = (_scoped(known).sort_values(["month", "published"], kind="stable")
                 .groupby([*SERIES, "month"], as_index=False)["value"].last()
                 .sort_values([*SERIES, "month"], kind="stable"))
    same = np.logical_and.reduce([(per_month[c] == per_month[c].shift()).to_numpy()
                                  for c in SERIES])
    log_value = np.log1p(per_month["value"].to_numpy(dtype=float))
    month = _month_number(per_month["month"])
    change = np.diff(log_value, prepend=np.nan)[same]
    gap = np.diff(month, prepend=0)[same].astype(float)
    return change, gap


def persistence_sigma(known: pd.DataFrame) -> float:
    """Spread per square-root month of published figures, from the statements ``known``.

    A robust random-walk scale pooled over countries and quantities: the median over pairs of
    successive statements of ``|log change| / sqrt(gap)``, over 0.6745 (the median of a
    standard normal's absolute value), so that a Gaussian random walk of scale ``sigma``
    gives ``sigma`` back; a few wild revisions (a figure redefined between sources) cannot
    dominate it as they would a variance. No drift is taken out: the median absolute change
    includes the figures' typical rise, so the spread covers it symmetrically. Floored at
    :data:`PERSISTENCE_FLOOR_SIGMA`; :data:`PERSISTENCE_DEFAULT_SIGMA` when fewer than
    :data:`PERSISTENCE_MIN_PAIRS` pairs are known.
    """
    change, gap = successive_changes(known)
    if len(change) < PERSISTENCE_MIN_PAIRS:
        return PERSISTENCE_DEFAULT_SIGMA
    scale = float(np.median(np.abs(change) / np.sqrt(gap))) * _MAD_TO_SD
    return max(scale, PERSISTENCE_FLOOR_SIGMA)


def persistence_normals(rows: pd.DataFrame, draws: int, seed: int) -> np.ndarray:
    """Standard normals (N, draws) of the persistence baseline: a pure function of (seed,
    draw, country, quantity, month) on the ``persistence`` stream, so the same whatever the
    rows around it, their order or the chunking; rows of one country, quantity and month
    share them."""
    codes = np.array([country_code(c) for c in rows["iso3"]], dtype=np.int64)
    quantity = rows["quantity"].map(_QUANTITY_SLOT).fillna(0).to_numpy(dtype=np.int64)
    slots = (codes << 16) ^ (quantity << 12) ^ (_month_number(rows["month"]) & 0xFFF)
    u = uniforms(seed, np.arange(draws), "persistence", slots)  # (draws, N)
    return stats.norm.ppf(u.T)


def persistence_forecast(last: np.ndarray, horizon: np.ndarray, sigma: float,
                         z: np.ndarray) -> np.ndarray:
    """``(last + 1) exp(sigma sqrt(h) z) - 1`` rounded (a count: -1 rounds up to 0), for
    ``last`` (N,), horizons (N,) in months (at least 1 is used) and normals ``z``
    (N, draws); NaN where ``last`` is NaN."""
    h = np.maximum(np.abs(horizon), 1.0)
    spread = sigma * np.sqrt(h)
    return np.maximum(np.round((last[:, None] + 1.0) * np.exp(spread[:, None] * z) - 1.0),
                      0.0)


def persistence(rows: pd.DataFrame, known: pd.DataFrame, draws: int, seed: int
                ) -> np.ndarray:
    """The persistence baseline's draws (N, draws): the figure :func:`last_observation`
    carries forward, spread log-normally by :func:`persistence_sigma` of ``known`` over the
    months from the month that figure describes to the row's month (at least one month:
    two statements of one month still differ). NaN where no earlier figure is known."""
    latest = _latest(known).reindex(_keys(rows))
    last = latest["value"].to_numpy(dtype=float)
    out = np.full((len(rows), draws), np.nan)
    have = np.isfinite(last)
    if not have.any():
        return out
    horizon = (_month_number(rows["month"][have])
               - _month_number(latest["month"][have].reset_index(drop=True)))
    z = persistence_normals(rows[have], draws, seed)
    out[have] = persistence_forecast(last[have], horizon.astype(float),
                                     persistence_sigma(known), z)
    return out


def _of_everyone(rows: pd.DataFrame) -> np.ndarray:
    """Whether each row counts everyone (a share of a country's travellers forecasts only
    such a count: Morocco's 52 returned women are not a share of all its travellers)."""
    return _scoped(rows)["scope"].eq("").to_numpy()


def icct_share(rows: pd.DataFrame, travellers: np.ndarray) -> np.ndarray:
    """30% of each returnee row's travellers (rounded); NaN for other quantities and for
    counts of some groups only."""
    out = np.round(ICCT_SHARE_RETURNED * travellers)
    out[(rows["quantity"] != "cumulative_returned").to_numpy() | ~_of_everyone(rows)] = np.nan
    return out


def shares(known: pd.DataFrame, origin: str) -> pd.Series:
    """Median published share of travellers per quantity at ``origin`` (each country's
    latest statement of everyone divided by its central traveller estimate at the origin)."""
    central = data.best_estimates(as_of=origin).set_index("iso3")["central"].astype(float)
    known = _scoped(known)
    latest = (known[known["iso3"].isin(central.index) & known["scope"].eq("")]
              .sort_values(["month", "published"], kind="stable")
              .groupby(["iso3", "quantity"], as_index=False).last())
    latest = latest.assign(share=latest["value"] / latest["iso3"].map(central).to_numpy())
    return latest[np.isfinite(latest["share"])].groupby("quantity")["share"].median()


def published_share(rows: pd.DataFrame, known: pd.DataFrame, origin: str,
                    travellers: np.ndarray) -> np.ndarray:
    """The median published share of each row's quantity times its travellers (rounded);
    NaN for counts of some groups only."""
    share = rows["quantity"].map(shares(known, origin)).to_numpy(dtype=float, copy=True)
    share[~_of_everyone(rows)] = np.nan
    return np.round(share[:, None] * travellers)


def all_baselines(rows: pd.DataFrame, known: pd.DataFrame, origin: str, draws: int,
                  seed: int) -> dict[str, np.ndarray]:
    """Every baseline's draws (N, draws) for ``rows`` at ``origin``, by :data:`NAMES`."""
    rows, known = _scoped(rows), _scoped(known)  # whom each statement counts, read once
    travellers = traveller_draws(list(rows["iso3"]), origin, draws, seed)
    return {"persistence": persistence(rows, known, draws, seed),
            "last_observation": last_observation(rows, known, draws),
            "icct_share": icct_share(rows, travellers),
            "published_share": published_share(rows, known, origin, travellers)}
