"""Published per-country statements as rows to score: which rows an origin may see, and which
it is scored on.

Warning first: a backtest from origin ``O`` may *use* only what was published by the end of
``O`` (:func:`known`), and is *scored* only on statements published after ``O`` and by the
knowledge cut-off 2016-12 (:func:`scored`), plus, at the origin 2016-12 alone, the public
validation set (returnees by October 2017, :func:`validation`), which nothing ever fits to.
Both sides go through :func:`ffcast.data.calibration_data`, the one home of the publication
rule (flagged rows never enter; a re-report counts once, as the estimate it repeats). A
statement is scored at the month it describes (``as_of``), which may precede ``O`` when the
figure was published late: the forecast is then a nowcast made with what ``O`` knew.

Rows (one per statement): ``iso3``, ``quantity`` (``cumulative_returned``, ``killed`` or
``in_theatre``), ``value`` (the figure: a range by its geometric midpoint, as calibration reads
it; "at least X" / "up to X" by X, with ``bound`` saying which), ``low``, ``high``, ``as_of``
(``YYYY-MM``), ``month`` (its first day), ``published`` (a date), ``source``, ``kind`` (the
producer: official / research / press, :func:`ffcast.data.producer_kind`) and ``set``
(``statements`` or ``validation``), and ``covers``: whom the figure counts (``everyone``,
``adults``, ``men``, ``women`` or ``minors``; "" when the statement does not say, read as
everyone), so that it is scored against the matching modelled groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.errors import OptionsError

#: Measures of the foreign-fighter file scored, and the results quantity each one reads.
MEASURES: dict[str, str] = {"returned": "cumulative_returned", "dead": "killed",
                            "in_theatre": "in_theatre"}
#: The last month whose statements may be scored (the knowledge cut-off of the data).
SCORED_UNTIL = "2016-12"
#: Rolling origins of the statements backtest; the last one also scores the validation set.
ROLLING_ORIGINS: tuple[str, ...] = ("2014-12", "2015-06", "2015-12", "2016-06", "2016-12")
COLUMNS: tuple[str, ...] = ("iso3", "quantity", "value", "low", "high", "bound", "as_of",
                            "month", "published", "source", "kind", "set", "covers")


def check_origin(origin: str) -> pd.Timestamp:
    """The last day of ``origin`` (``YYYY-MM``, at most 2016-12); raises OptionsError."""
    try:
        end = pd.Period(str(origin), "M").end_time.normalize()
    except ValueError:
        raise OptionsError(f"origin: {origin!r} is not a month; fix: write YYYY-MM, e.g. "
                           "2015-12") from None
    if end > data.cutoff_end(SCORED_UNTIL):
        raise OptionsError(f"origin: {origin} is after the knowledge cut-off {SCORED_UNTIL}; "
                           f"fix: use an origin up to {SCORED_UNTIL}")
    return end


def known(origin: str) -> pd.DataFrame:
    """Every scorable statement published by the end of ``origin`` (what baselines may use)."""
    return _statements(data.calibration_data("foreign_fighters", check_origin(origin)))


def known_by(cutoff: str) -> pd.DataFrame:
    """:func:`known` for any cut-off: one after 2016-12 knows every embedded statement
    (nothing published later ships with ffcast)."""
    return known(min(cutoff, SCORED_UNTIL))


def scored(origin: str) -> pd.DataFrame:
    """The statements scored from ``origin``: published after it and by 2016-12, and at
    2016-12 the public validation set."""
    end = check_origin(origin)
    rows = _statements(data.calibration_data("foreign_fighters", SCORED_UNTIL))
    rows = rows[rows["published"] > end]
    if end == data.cutoff_end(SCORED_UNTIL):
        rows = pd.concat([rows, validation()])
    return rows.reset_index(drop=True)


def validation() -> pd.DataFrame:
    """The public validation set (returnees per country, October 2017) as scoring rows."""
    v = data.load("validation_returnees")
    value = v["value"].astype(float)
    return pd.DataFrame({
        "iso3": v["iso3"], "quantity": v["quantity"].map(MEASURES), "value": value,
        "low": value, "high": value, "bound": "", "as_of": v["as_of_date"].dt.strftime("%Y-%m"),
        "month": v["as_of_date"].dt.to_period("M").dt.start_time,
        "published": v["published_date"], "source": v["source"],
        "kind": [data.producer_kind(s) for s in v["source"]], "set": "validation",
        "covers": "",
    }, columns=list(COLUMNS))


def _statements(ff: pd.DataFrame) -> pd.DataFrame:
    """Rows of the foreign-fighter file in the scored measures, with a figure to score."""
    ff = ff[ff["measure"].isin(MEASURES)]
    low = ff["low"].astype(float)
    high = ff["high"].astype(float)
    ff, low, high = (x[low.notna() | high.notna()] for x in (ff, low, high))
    both = low.notna() & high.notna()
    value = np.where(both, np.sqrt((low + 1.0) * (high + 1.0)) - 1.0,
                     low.fillna(high)).astype(float)
    bound = np.where(both, "", np.where(low.notna(), "at least", "up to"))
    rows = pd.DataFrame({
        "iso3": ff["iso3"], "quantity": ff["measure"].map(MEASURES), "value": value,
        "low": low, "high": high, "bound": bound,
        "as_of": ff["as_of_date"].dt.strftime("%Y-%m"),
        "month": ff["as_of_date"].dt.to_period("M").dt.start_time,
        "published": ff["published_date"], "source": ff["source"],
        "kind": [data.producer_kind(s) for s in ff["source"]], "set": "statements",
        "covers": ff["covers"].fillna("").astype(str),
    }, columns=list(COLUMNS))
    return rows[rows["value"] > 0].reset_index(drop=True)
