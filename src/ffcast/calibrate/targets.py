"""Calibration targets: every pre-cut-off statement turned into one likelihood component.

Warning first: only statements **published** by the end of the cut-off month enter, whatever
month they describe, and each underlying estimate enters once however many outlets repeated
it; flagged rows (wrong measure, wider scope, annual, unverifiable, suspect) never enter. All
three rules live in :func:`ffcast.data.calibration_data`; the validation set is never read
here. Conflicting estimates each count as their own noisy observation, at the month they
describe (``as_of``). Stocks are compared as stocks (people killed, people still in the war
zone), cumulative counts as cumulative counts, and monthly inflows as flows in that month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ffcast import data
from ffcast.data.schema import scope_of
from ffcast.data.scopes import scope_countries
from ffcast.engine import Prepared
from ffcast.errors import FFCastError

# Quantities the engine reports per month and country for calibration (the evaluator's).
# A statement that counts some groups only (``covers``: men, adults, ...) observes
# ``<quantity>:<covers>``, read from the engine's group records (:func:`scoped`).
QUANTITIES = ("cum_travelled", "cum_returned", "killed", "war_zone", "inflow")

# Observation noise (sd of log counts) by channel: judgement on how loosely the statements
# measure what the model counts (definitions differ between sources; FACTS.md caveat 1).
SIGMA_LOG = {"world": 0.15, "region": 0.25, "country_primary": 0.3,
             "country_secondary": 0.4, "inflow": 0.35}
# Published statements are not independent: outlets copy each other and agencies revise the
# same count. Judgement: a channel's information saturates at about this many independent
# statements, so each of its n components is weighted min(1, EFFECTIVE_STATEMENTS / n).
EFFECTIVE_STATEMENTS = 10.0
SIGMA_SHARE = 0.05  # sd of a share (e.g. 30% returned) around the stated figure

MEASURE_QUANTITY = {"travelled": "cum_travelled", "returned": "cum_returned",
                    "dead": "killed", "in_theatre": "war_zone"}
QUANTITY_MEASURE = {q: m for m, q in MEASURE_QUANTITY.items()}


def scoped(quantity: str, covers: str) -> str:
    """The quantity a statement of ``covers`` observes: ``quantity`` for everyone, else
    ``<quantity>:<covers>`` (a group-scoped quantity)."""
    covers = scope_of(covers)
    return f"{quantity}:{covers}" if covers else quantity


def split_scoped(quantity: str) -> tuple[str, str]:
    """(base quantity, covers) of a quantity name; covers "" for everyone."""
    base, _, covers = quantity.partition(":")
    return base, covers


@dataclass(frozen=True)
class Target:
    """One observation: ``kind`` is ``count`` or ``share``; bounds may be NaN (one-sided)."""

    channel: str
    label: str
    quantity: str  # one of QUANTITIES (numerator for shares)
    month: int  # index into prep.months
    mask: np.ndarray  # (C,) bool: countries summed
    low: float
    high: float
    sigma: float
    kind: str = "count"
    denominator: str = ""  # for shares: a quantity in QUANTITIES
    source: str = ""
    as_of: str = ""
    weight: float = 1.0
    published: str = ""  # when the statement became public (never after the cut-off)
    reporter: str = ""  # kind of producer (scenario.reporting.KINDS) for per-country counts

    @property
    def base(self) -> str:
        """The quantity without its group scope (``war_zone`` for ``war_zone:adults``)."""
        return split_scoped(self.quantity)[0]


def _month_index(prep: Prepared, date: pd.Timestamp) -> int:
    return (date.year - prep.months[0].year) * 12 + date.month - prep.months[0].month


def _mask(prep: Prepared, scope: str) -> np.ndarray | None:
    covered = scope_countries(scope, list(prep.countries["iso3"]),
                              list(prep.countries["region"]))
    return None if covered is None else np.asarray(covered, dtype=bool)


def cutoff_end(prep: Prepared) -> pd.Timestamp:
    """The last day of the cut-off month: nothing published later is used."""
    return data.cutoff_end(prep.scenario.cutoff)


def build_targets(prep: Prepared) -> list[Target]:
    """All calibration targets known by the run's cut-off (``prep.scenario.cutoff``)."""
    end = cutoff_end(prep)
    targets = [*_country_targets(prep, end), *_aggregate_targets(prep, end),
               *_group_targets(prep, end)]
    counts: dict[str, int] = {}
    for t in targets:
        counts[t.channel] = counts.get(t.channel, 0) + 1
    return [replace(t, weight=min(1.0, EFFECTIVE_STATEMENTS / counts[t.channel]))
            for t in targets]


def _bounds(low: object, high: object) -> tuple[float, float]:
    lo = float(low) if pd.notna(low) else np.nan
    hi = float(high) if pd.notna(high) else np.nan
    return lo, hi


def _country_targets(prep: Prepared, end: pd.Timestamp) -> list[Target]:
    ff = data.calibration_data("foreign_fighters", end)
    ff = ff[ff["as_of_date"] >= prep.months[0]]
    return _statements(prep, ff)


def _statements(prep: Prepared, rows: pd.DataFrame, channel_prefix: str = "country",
                used: list | None = None) -> list[Target]:
    """Per-country count statements (``iso3, measure, low, high, as_of_date,
    published_date, source``) as targets read through the reporting model (the kind of
    their first source's producer); ``used`` collects the index of each row made a target."""
    registry = data.sources().set_index("id")
    grades = registry["grade"].to_dict()
    iso = prep.countries["iso3"].to_numpy()
    out = []
    for row in rows.itertuples():
        if row.iso3 not in iso or row.measure not in MEASURE_QUANTITY:
            continue
        lo, hi = _bounds(row.low, row.high)
        if (np.isnan(lo) and np.isnan(hi)) or (lo == 0 and hi == 0):
            continue
        if used is not None:
            used.append(row.Index)
        ids = [s.strip() for s in str(row.source).split(";")]
        primary = all(grades.get(s, "secondary") == "primary" for s in ids)
        covers = scope_of(getattr(row, "covers", ""))
        label = f"{row.iso3} {row.measure}" + (f" ({covers})" if covers else "")
        out.append(Target(
            channel=f"{channel_prefix}_{row.measure}", label=label,
            quantity=scoped(MEASURE_QUANTITY[row.measure], covers),
            month=_month_index(prep, row.as_of_date),
            mask=iso == row.iso3, low=lo, high=hi,
            sigma=SIGMA_LOG["country_primary" if primary else "country_secondary"],
            source=row.source, as_of=f"{row.as_of_date:%Y-%m-%d}",
            published=f"{row.published_date:%Y-%m-%d}", reporter=data.producer_kind(row.source),
        ))
    return out


def check_published(obs: pd.DataFrame, name: str = "observations") -> pd.DataFrame:
    """``obs`` if every row says when it became public (``published``), else one line: a
    figure of unknown publication date cannot be kept apart from hindsight. A shipped
    validation set (``validation_returnees``) is refused by name: it holds later figures
    kept to score forecasts, never to fit them."""
    from ffcast.data.schema import SPECS

    if str(name) in SPECS and not SPECS[str(name)].calibration:  # a shipped scoring set
        raise FFCastError(f"{name}: a shipped validation set, kept to score forecasts "
                          "(`ffcast backtest --observations " f"{name}`), never to fit "
                          "them; fix: pass statements of your own (a CSV file)")
    if "published_date" not in obs or obs["published_date"].isna().any():
        missing = obs.get("published_date", pd.Series(pd.NaT, index=obs.index)).isna()
        first = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise FFCastError(f"{name}: row {first}: published: missing (calibration fits only "
                          "figures public by the cut-off); fix: add a 'published' column with "
                          "the date each figure became public (YYYY-MM or YYYY-MM-DD)")
    return obs


def statement_records(obs: pd.DataFrame) -> list[dict]:
    """A user's statements (rows of a validated observations frame) as JSON-ready records,
    the columns a posterior stores (``attrs["statements"]``): what it has been fitted to, so
    an update can keep fitting them."""
    out = []
    for r in obs.itertuples():
        out.append({"iso3": r.iso3, "quantity": r.quantity, "value": float(r.value),
                    "low": None if pd.isna(r.low) else float(r.low),
                    "high": None if pd.isna(r.high) else float(r.high),
                    "as_of": str(r.as_of),
                    "published": f"{pd.Timestamp(r.published_date):%Y-%m-%d}",
                    "source": str(r.source), "notes": str(getattr(r, "notes", "") or ""),
                    "covers": str(getattr(r, "covers", "") or "")})
    return out


def observation_targets(prep: Prepared, obs: pd.DataFrame,
                        until: pd.Timestamp | None = None,
                        after: pd.Timestamp | None = None,
                        used: list | None = None) -> list[Target]:
    """A user's own dated statements (``ffcast calibrate --observations``) as targets.

    ``obs`` is a validated observations frame (:func:`ffcast.backtest.read_observations`,
    with ``published``); only statements published by the cut-off and describing a month
    the run simulates are used (the others are ignored by construction, never fitted).
    A user's figure is read as an official count (the reporting model's ``official``
    kind), each as its own estimate. What is fitted is the figure ``value``, as a point:
    log-normal reporting noise around it, whether or not the row gives bounds. ``low`` and
    ``high`` (the figure's stated uncertainty) are not read here: they are kept in the file
    and in the posterior's stored statements, but a range around a figure would be fitted
    as its geometric midpoint, not the figure (``value=500, low=100, high=600`` would
    become about 245), and a one-sided bound would replace the figure by a range. A
    ``value`` of 0 is read as no statement (as an embedded count of 0 is).
    ``until`` replaces the cut-off's last day (an update folds in statements published
    after it) and ``after`` keeps only statements published later than that day; ``used``
    collects the index (in ``obs``) of each row made a target.
    """
    end = cutoff_end(prep) if until is None else until
    measure = {"cumulative_returned": "returned", "cumulative_travelled": "travelled",
               "killed": "dead", "in_theatre": "in_theatre"}
    rows = obs[obs["quantity"].isin(measure) & (obs["published_date"] <= end)
               & (obs["month"] <= end) & (obs["month"] >= prep.months[0])
               & (obs["month"] <= prep.months[-1])].copy()
    if after is not None:
        rows = rows[rows["published_date"] > after]
    if rows.empty:
        return []
    rows["measure"] = rows["quantity"].map(measure)
    # The figure itself, as a point (low = high = value): the stated bounds are not fitted.
    rows["low"] = rows["value"].astype(float)
    rows["high"] = rows["value"].astype(float)
    rows["as_of_date"] = rows["month"] + pd.offsets.MonthEnd(0)
    out = _statements(prep, rows.assign(source=rows["source"].astype(str)), "user", used)
    return [replace(t, reporter="official") for t in out]


def _group_targets(prep: Prepared, end: pd.Timestamp) -> list[Target]:
    """Statements about the returnees of one group (issue 22, ADR 0020): a group's share of
    a country's returnees (a share target: its returned over everyone returned) or a
    group's count of returnees (read through the reporting model like any count). Only
    ``returned`` rows: the travelled and in-theatre rows already make the group shares'
    priors (:func:`ffcast.data.group_priors`), and would count twice; and no count that a
    per-country statement of the same source already gives for the same group (its
    ``covers``: Bosnia's 47 men)."""
    rows = data.calibration_data("group_composition", end)
    rows = rows[(rows["measure"] == "returned") & rows["iso3"].notna()
                & (rows["iso3"] != "") & (rows["as_of_date"] >= prep.months[0])]
    ff = data.calibration_data("foreign_fighters", end)
    given = {(src.strip(), i, m, scope_of(c))
             for sources, i, m, c in zip(ff["source"], ff["iso3"], ff["measure"],
                                         ff["covers"], strict=True)
             for src in str(sources).split(";")}
    iso = prep.countries["iso3"].to_numpy()
    out = []
    for row in rows.itertuples():
        if row.iso3 not in iso or row.group not in ("men", "women", "minors"):
            continue
        if any((src.strip(), row.iso3, row.measure, row.group) in given
               for src in str(row.source).split(";")):
            continue
        lo, hi = _bounds(row.low, row.high)
        t_lo, t_hi = _bounds(row.total_low, row.total_high)
        s_lo, s_hi = _bounds(row.share_low, row.share_high)
        if np.isnan(s_lo) and np.isnan(s_hi) and not np.isnan(t_lo) and not np.isnan(lo):
            s_lo, s_hi = lo / t_hi, (hi if not np.isnan(hi) else lo) / t_lo
        common = {"month": _month_index(prep, row.as_of_date), "mask": iso == row.iso3,
                  "source": row.source, "as_of": f"{row.as_of_date:%Y-%m-%d}",
                  "published": f"{row.published_date:%Y-%m-%d}",
                  "quantity": scoped("cum_returned", row.group)}
        label = f"{row.iso3} {row.group} returned"
        if not (np.isnan(s_lo) and np.isnan(s_hi)):
            out.append(Target(channel="group_returned", label=label + " (share)",
                              kind="share", denominator="cum_returned", low=s_lo, high=s_hi,
                              sigma=SIGMA_SHARE, **common))
        elif not (np.isnan(lo) and np.isnan(hi)):
            out.append(Target(channel="group_returned", label=label, low=lo, high=hi,
                              sigma=SIGMA_LOG["country_secondary"],
                              reporter=data.producer_kind(row.source), **common))
    return out


def group_months(targets: list[Target]) -> np.ndarray:
    """Sorted months at which targets need a group's quantities (the engine's group
    records)."""
    return np.unique([t.month for t in targets
                      if split_scoped(t.quantity)[1]
                      or split_scoped(t.denominator)[1]]).astype(np.int64)


def _aggregate_targets(prep: Prepared, end: pd.Timestamp) -> list[Target]:
    agg = data.calibration_data("aggregates", end)
    agg = agg[agg["as_of_date"] >= prep.months[0]]
    out = []
    for row in agg.itertuples():
        mask = _mask(prep, row.scope)
        if mask is None or not mask.any():
            continue
        lo, hi = _bounds(row.low, row.high)
        month = _month_index(prep, row.as_of_date)
        common = {"month": month, "mask": mask, "low": lo, "high": hi, "source": row.source,
                  "as_of": f"{row.as_of_date:%Y-%m-%d}",
                  "published": f"{row.published_date:%Y-%m-%d}"}
        label = f"{row.scope} {row.metric}"
        if row.metric == "cumulative_travelled":
            sigma = SIGMA_LOG["world" if row.scope == "world" else "region"]
            out.append(Target(channel=f"{'world' if row.scope == 'world' else 'region'}"
                              "_travelled", label=label, quantity="cum_travelled",
                              sigma=sigma, **common))
        elif row.metric == "monthly_inflow" and re.match(r"^\d{4}-\d{2}", str(row.as_of)):
            # A statement about a month ("2016-04-26"), not a vague period ("2015 (peak)").
            out.append(Target(channel="inflow", label=label, quantity="inflow",
                              sigma=SIGMA_LOG["inflow"], **common))
        elif row.metric == "cumulative_dead":
            out.append(Target(channel="region_dead", label=label, quantity="killed",
                              sigma=SIGMA_LOG["region"], **common))
        elif row.metric == "in_theatre":
            out.append(Target(channel="in_war_zone", label=label, quantity="war_zone",
                              sigma=SIGMA_LOG["region"], **common))
        elif row.metric in ("share_returned", "share_dead"):
            num = "cum_returned" if row.metric == "share_returned" else "killed"
            out.append(Target(channel=row.metric, label=label, quantity=num, kind="share",
                              denominator="cum_travelled", sigma=SIGMA_SHARE, **common))
    return out


def needed_months(targets: list[Target]) -> np.ndarray:
    """Sorted month indices at which the engine must report quantities."""
    return np.unique([t.month for t in targets])


def why_not_used(rows: pd.DataFrame, prep: Prepared) -> dict[str, int]:
    """Why a user's statements published in the window were not fitted, by reason (counts),
    the reasons naming the countries the model does not follow as rows of their own
    (``ffcast update`` and ``ffcast calibrate --observations``)."""
    if rows.empty:
        return {}
    own = set(prep.countries["iso3"])
    elsewhere = rows[~rows["iso3"].isin(own)]
    rest = rows[rows["iso3"].isin(own)]
    zero = rest[rest["value"] == 0]  # the figure is fitted, not its bounds
    out: dict[str, int] = {}
    if len(elsewhere):
        codes = ", ".join(dict.fromkeys(elsewhere["iso3"].astype(str)))
        out[f"of a country without a row of its own ({codes}: its travellers are pooled in "
            "a remainder; Israel and Palestine are one row, ISR;PSE)"] = len(elsewhere)
    if len(zero):
        out["a figure of 0 (read as no statement)"] = len(zero)
    other = len(rest) - len(zero)
    if other:
        out["another quantity, or a month outside 2011-01..--until"] = other
    return out
