"""What official authorities will publish: the backtest's forecaster, for users.

Warning first: these are forecasts of *published figures* (a ministry's count of people
returned), not of the people who returned. They come from the forecaster the rolling
backtest scores (:func:`ffcast.backtest.forecast.forecast_rows`: the model's count read
through the calibrated reporting model, its error anchored on the statements each country
published by the cut-off, docs/validation.md), so a country that counts narrowly stays
narrow. The model's own count is in ``ffcast run`` / ``ffcast forecast``.

:func:`published_forecast` gives one row per country and year end after the forecast's
origin (the cut-off, or the month ``ffcast update`` brought the posterior to), with the
country's latest statement of the quantity beside it: published by the cut-off, or one the
posterior was fitted to (:func:`known_statements`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.backtest import statements
from ffcast.backtest.forecast import Progress, anchor_statements, forecast_rows
from ffcast.backtest.run import modelled
from ffcast.data.countries import is_remainder
from ffcast.errors import OptionsError
from ffcast.scenario import Scenario
from ffcast.scenario.validation import check_countries

if TYPE_CHECKING:
    from ffcast.calibrate.posterior import Posterior

QUANTITY = "cumulative_returned"
DEFAULT_COUNTRIES = 10  # countries with the most returnee statements' latest figures
COLUMNS = ["iso3", "country", "month", "median", "p5", "p25", "p75", "p95",
           "latest_statement", "latest_month", "latest_source", "anchors"]


def default_countries(cutoff: str, n: int = DEFAULT_COUNTRIES,
                      known: pd.DataFrame | None = None) -> list[str]:
    """The ``n`` countries whose latest returnee figure published by ``cutoff`` (or in
    ``known``, :func:`known_statements`) is largest (countries with a statement to anchor
    on), among those the model runs."""
    known = statements.known_by(cutoff) if known is None else known
    ret = known[(known["quantity"] == QUANTITY) & (known["bound"].fillna("") == "")]
    latest = (ret[ret["iso3"].isin(modelled(cutoff))].sort_values("month", kind="stable")
              .groupby("iso3")["value"].last().sort_values(ascending=False, kind="stable"))
    return list(latest.index[:n])


def known_statements(cutoff: str, post: Posterior | None) -> pd.DataFrame:
    """The statements a forecast from ``post`` may anchor on, as
    :func:`ffcast.backtest.statements.known` rows: the embedded ones published by the
    cut-off, and the user's statements the posterior was fitted to (``ffcast calibrate
    --observations``, each ``ffcast update``; up to its origin), read as official counts as
    calibration reads them (``set`` is ``user``)."""
    known = statements.known_by(cutoff)
    if post is None:
        return known
    from ffcast.calibrate.update import stored_statements

    user = stored_statements(post)
    user = user[user["quantity"].isin(list(statements.MEASURES.values()))]
    if user.empty:
        return known
    rows = pd.DataFrame({
        "iso3": user["iso3"], "quantity": user["quantity"], "value": user["value"],
        # The figure, as calibration fits it (ADR 0038): the stated bounds are not read.
        "low": user["value"], "high": user["value"], "bound": "",
        "as_of": user["as_of"].astype(str).str[:7], "month": user["month"],
        "published": user["published_date"], "source": user["source"], "kind": "official",
        "set": "user", "covers": user["covers"],
    }, columns=list(statements.COLUMNS))
    return pd.concat([known, rows], ignore_index=True)


def published_forecast(cutoff: str, until: str, draws: int, seed: int,
                       countries: Sequence[str] | None = None,
                       scenario: Scenario | None = None, posterior: object = "auto",
                       progress: Progress | None = None) -> pd.DataFrame:
    """Per country and December after the forecast's origin up to ``until``'s: the forecast
    of the cumulative returnee count an official authority would publish (median, 50% and
    90% intervals over ``draws``), with the country's latest such statement (``latest_*``,
    empty without one) and how many statements anchored it.

    The origin is the cut-off, or the month an update brought the posterior to; the anchors
    and the latest statement are the statements published by the cut-off and those the
    posterior was fitted to (:func:`known_statements`): after ``ffcast update`` the
    statements it folded in count, so the forecast starts from what the country said last.

    ``countries``: ISO3 codes (default :func:`default_countries`). Raises
    :class:`OptionsError` for an unknown country, one without a traveller estimate
    published by the cut-off, or ``until`` not after the origin.
    """
    from ffcast.calibrate.posterior import resolve

    post = resolve(posterior, cutoff)
    origin = cutoff if post is None else post.origin
    cut, end = pd.Period(origin, "M"), pd.Period(until, "M")
    if end <= cut:
        what = "cut-off" if origin == cutoff else "updated posterior's origin"
        raise OptionsError(f"until: {until} is not after the {what} {origin}; fix: give a "
                           "later month")
    known = known_statements(cutoff, post)
    try:
        chosen = (list(dict.fromkeys(check_countries(list(countries)))) if countries
                  else default_countries(cutoff, known=known))
    except ValueError as exc:
        raise OptionsError(f"countries: {exc}") from None
    runs = modelled(cutoff)
    for iso in chosen:
        if is_remainder(iso):
            raise OptionsError(f"countries: {iso} pools the travellers no country's "
                               "statement names, and no authority publishes its count; fix: "
                               "name countries")
        if iso not in runs:
            raise OptionsError(f"countries: {iso} has no traveller estimate published by "
                               f"{cutoff}, so the model does not run it; fix: leave it out")
    decembers = [pd.Period(f"{y}-12", "M") for y in range(cut.year, end.year + 1)]
    months = [m for m in decembers if cut < m <= end] or [end]
    rows = pd.DataFrame([{"iso3": iso, "quantity": QUANTITY, "month": m.start_time,
                          "kind": "official"} for iso in chosen for m in months])
    fc = forecast_rows(rows, cutoff, draws, seed, progress, anchors=known,
                       scenario=scenario, posterior="prior" if post is None else post,
                       anchor_until=origin)
    q = np.percentile(fc.reported, [50, 5, 25, 75, 95], axis=1)
    # The latest statement beside the forecast counts whom it counts: everyone (a count of
    # men only, Morocco's 198 of October 2016, is not the figure forecast here).
    everyone = known["covers"].fillna("").isin(["", "everyone"]) if "covers" in known \
        else True
    ret = known[(known["quantity"] == QUANTITY) & (known["bound"].fillna("") == "")
                & everyone]
    anchors = anchor_statements(known, rows, origin)  # what forecast_rows anchored on
    names = data.countries().set_index("iso3")["name"].to_dict()
    out = rows[["iso3"]].assign(country=rows["iso3"].map(names), month=rows["month"])
    for i, name in enumerate(["median", "p5", "p25", "p75", "p95"]):
        out[name] = q[i]
    latest = ret.sort_values("month", kind="stable").groupby("iso3").last()
    out["latest_statement"] = out["iso3"].map(latest["value"])
    out["latest_month"] = out["iso3"].map(latest["month"])
    out["latest_source"] = out["iso3"].map(latest["source"])
    out["anchors"] = out["iso3"].map(anchors.groupby("iso3").size()).fillna(0).astype(int)
    return out[COLUMNS].reset_index(drop=True)
