"""How well each shipped posterior fits each country's latest statements (in sample).

Warning first: this is a fit, not a forecast. The figures come from the per-statement fit
table a calibration stores in its posterior (``attrs["fit"]``,
:func:`ffcast.calibrate.posterior.fit_table`): for every statement the calibration read
(published by its cut-off), the posterior predictive median of the published figure. A
country counts when it has at least :data:`MIN_STATEMENTS` statements of returnees, deaths
or people in the war zone in that table; for each of the three quantities it has, its
*latest* statement (by the month described; among one month's, the one that counts the
most people: everyone before adults, men, women and minors (a statement of one source
giving its groups apart, Morocco's of October 2016); then the last in the table) is set
against the posterior median of that statement. The ratio is ``posterior median /
statement`` (a range by its geometric midpoint, "at least X" / "up to X" by X, as
calibration reads it); *within* means ``1 / 1.5 <= ratio <= 1.5``, and a country is within
when every one of its latest statements is. Statements the calibration did not read (a
country without a traveller estimate) are not in the fit table and do not count.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

#: Channels of the fit table read here, and the quantity each one is.
CHANNELS: dict[str, str] = {"country_returned": "returned", "country_dead": "dead",
                            "country_in_theatre": "in_theatre"}
QUANTITIES: tuple[str, ...] = tuple(CHANNELS.values())
MIN_STATEMENTS = 3
#: Among statements of one month, the one whose ``covers`` comes first here is the latest.
BREADTH: dict[str, int] = {"": 0, "adults": 1, "men": 2, "women": 3, "minors": 4}
WITHIN = 1.5
#: The goal (issue 19): at least this share of countries within x1.5 at :data:`GOAL_CUTOFF`.
GOAL_SHARE = 0.80
GOAL_CUTOFF = "2016-12"


def fit_of(post: object) -> pd.DataFrame:
    """The per-statement fit table stored in a posterior (empty when it has none)."""
    text = getattr(post, "attrs", {}).get("fit")
    return pd.DataFrame(json.loads(text)) if text else pd.DataFrame()


def country_fit(fit: pd.DataFrame, min_statements: int = MIN_STATEMENTS,
                within: float = WITHIN) -> pd.DataFrame:
    """One row per country and quantity of the countries with ``min_statements`` or more
    statements in ``fit``: ``iso3``, ``statements`` (the country's count over the three
    quantities), ``quantity``, ``as_of``, ``statement`` (the figure), ``bound`` (``""``,
    ``"at least"``, ``"up to"``), ``posterior_median``, ``ratio``, ``within``; sorted by
    country and quantity."""
    columns = ["iso3", "statements", "quantity", "as_of", "statement", "bound",
               "posterior_median", "ratio", "within"]
    if fit.empty or "channel" not in fit:
        return pd.DataFrame(columns=columns)
    rows = fit[fit["channel"].isin(CHANNELS)].copy()
    rows["iso3"] = rows["target"].str.split().str[0]
    rows["quantity"] = rows["channel"].map(CHANNELS)
    low = pd.to_numeric(rows["low"], errors="coerce")
    high = pd.to_numeric(rows["high"], errors="coerce")
    both = low.notna() & high.notna()
    rows["statement"] = np.where(both, np.sqrt((low + 1.0) * (high + 1.0)) - 1.0,
                                 low.fillna(high))
    rows["bound"] = np.where(both, "", np.where(low.notna(), "at least", "up to"))
    rows = rows[rows["statement"].notna()]
    counts = rows.groupby("iso3")["quantity"].size()
    rows = rows[rows["iso3"].map(counts) >= min_statements]
    if "covers" in rows:  # whom each statement counts, as calibration read it
        covers = rows["covers"].fillna("").astype(str)
    else:  # a fit table written before it kept ``covers``: the label ends "(men)"
        covers = rows["target"].str.extract(r"\((\w+)\)$", expand=False).fillna("")
    rows = rows.assign(statements=rows["iso3"].map(counts).astype(int),
                       order=np.arange(len(rows)),
                       narrow=-covers.map(BREADTH).fillna(len(BREADTH)).to_numpy(),
                       month=pd.to_datetime(rows["as_of"]).dt.to_period("M"))
    latest = (rows.sort_values(["month", "narrow", "order"], kind="stable")
              .groupby(["iso3", "quantity"], as_index=False).last())
    ratio = latest["posterior_median"].astype(float) / latest["statement"].astype(float)
    latest = latest.assign(as_of=latest["month"].astype(str), ratio=ratio,
                           within=(ratio >= 1.0 / within) & (ratio <= within))
    latest["quantity"] = pd.Categorical(latest["quantity"], QUANTITIES, ordered=True)
    out = latest.sort_values(["iso3", "quantity"])[columns].reset_index(drop=True)
    out["quantity"] = out["quantity"].astype(str)
    return out


def countries_within(table: pd.DataFrame) -> pd.Series:
    """Per country of :func:`country_fit`'s table: whether all its latest statements are
    within the factor."""
    return table.groupby("iso3")["within"].all()


def share_within(table: pd.DataFrame) -> float:
    """The share of countries of :func:`country_fit`'s table within the factor on every
    quantity (NaN with no country)."""
    ok = countries_within(table)
    return float(ok.mean()) if len(ok) else float("nan")
