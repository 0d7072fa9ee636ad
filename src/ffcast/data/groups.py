"""Priors of who travelled: women among the adults, minors among everyone, births in theatre.

Warning: few figures, many definitions. Most statements count people *still in the zone*,
where women and minors are over-represented (men die and return more, children are born
there), so a share read from them overstates the share among all who travelled. Counts whose
definition leaves part of a group out (France counts only the minors who went themselves,
Belgium keeps under-12s off its list, Germany's 2015 count of women left out the wives) are
flagged in the data and never reach a prior, which leaves the minors priors resting on very
few rows. Every prior is therefore kept wide where rows are few or disagree; read
docs/data.md ("Men, women and minors") before using a number from here.

:func:`group_priors` gives, per model region, a Beta prior of

- ``women``: the share of women among the adult travellers;
- ``minors``: the share of minors among all travellers;
- ``men``: the share of adult men among all travellers, derived as
  (1 - minors) x (1 - women) from the two above (moment-matched Beta);

and one ``births`` prior for every region: births per woman in theatre per year, as a Beta
on the yearly probability that a woman there gives birth.

**Rows.** Only what :func:`ffcast.data.calibration_data` lets through at the cut-off enters
(published by then, unflagged, one vote per estimate). Shares come from rows about
``travelled`` or ``in_theatre``; ``returned`` rows never (returnees are a selected few). A row
gives a share interval: count / total, where a women row's total loses the minors the same
statement counts in it (``minors_in_total``), from [smallest count / largest total] to
[largest count / smallest total]; or the share it states. An open side ("at least 88")
enters at its stated value.

**Units and regions.** A *unit* is one country or one source scope; its estimate is the
median of its rows (a country's statements are one series, not independent votes). A
region's rows are its countries' rows and those of the scopes that cover it without
covering the world (``eu_member_states`` for Western Europe; ``western`` for Western Europe
and North America/Oceania, see :mod:`ffcast.data.scopes`). A region without rows falls back
to the cross-national rows (every row with a scope, ``world`` included), with the
concentration capped lower because the figures are carried over from other populations; with
none of those, to a stated judgement.

**Beta.** mean = mean of the unit estimates; variance = variance between units + mean
variance of the rows within a unit + mean variance of each row's interval (read as a 90%
interval); concentration a + b = mean (1 - mean) / variance - 1, but at most
``PER_UNIT`` per unit (one country does not stand for a region) and ``MAX_CONCENTRATION``,
and at least ``MIN_CONCENTRATION``.

**Births.** For each births row (``minors_born_in_theatre`` in theatre, one country), the
exposure is the women-years in theatre of the same country up to the births' date: linear
between that country's counts of women in theatre (usable rows, ``as_of`` up to the births'),
from none at a start date (a judgement, 2013-01 or 2014-01) and, after the last count, either
held or still growing at the pace of the stretch before it until the births' date; the four
readings bound the exposure. A country's rate runs from its low births over
the larger exposure to its high births over the smaller. Pooled: the exposure-weighted mean of
the rates, the exposure-weighted variance between countries plus each interval's, the same
concentration rule. A births row whose country has no count of women in theatre is skipped
(named in the reason).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ffcast.data.countries import region_of
from ffcast.data.loaders import calibration_data, cutoff_end, data_state
from ffcast.data.regions import REGIONS
from ffcast.data.scopes import SCOPE_REGIONS

DATASET = "group_composition"
SHARE_MEASURES = ("travelled", "in_theatre")
#: Judgement: one country's (or scope's) statements are worth this many observations of a
#: region's share, however many rows it has: a country is not its region, and definitions
#: differ from country to country.
PER_UNIT = 10.0
#: Judgement: no region's share is known better than this (90% interval about +/- 0.09 at a
#: share of 0.25), whatever the number of countries.
MAX_CONCENTRATION = 60.0
#: Judgement: figures carried over to a region without rows (from Western and world-wide
#: sources) are worth at most this many observations.
TRANSFER_CONCENTRATION = 10.0
#: Below this the Beta turns U-shaped (most mass near 0 and 1), which no row suggests.
MIN_CONCENTRATION = 2.0
#: Judgement: the women of a country's count arrived from none at one of these dates (the
#: first women left for Syria in 2013; the caliphate was declared in mid-2014).
EXPOSURE_STARTS = (pd.Timestamp("2013-01-01"), pd.Timestamp("2014-01-01"))
_Z90 = 1.6448536269514722
_YEAR = pd.Timedelta(days=365.25)
ALL_REGIONS = "all"
COLUMNS = ["region", "group", "of", "mean", "concentration", "alpha", "beta", "median", "p5",
           "p95", "basis", "rows", "reason", "cutoff"]


@dataclass(frozen=True)
class Judgement:
    """A prior set by judgement where no row speaks: mean, concentration and why."""

    mean: float
    concentration: float
    reason: str


#: Where the data are silent. Set without the rows of this dataset in view, so they do not
#: leak later publications into an early cut-off.
JUDGEMENTS: dict[str, Judgement] = {
    "women": Judgement(0.2, 5.0, "judgement: no statement on women for this region and no "
                       "cross-national one published by the cut-off; women went mostly as "
                       "wives and mothers, a minority of the adults; kept wide"),
    "minors": Judgement(0.12, 8.0, "judgement: no statement on minors for this region and no "
                        "cross-national one published by the cut-off; families took children "
                        "and some teenagers went alone, a minority of all travellers; kept "
                        "wide"),
    "births": Judgement(0.15, 8.0, "judgement: no births in theatre published by the cut-off "
                        "(or no count of women in theatre to set them against); the women are "
                        "young and many married there; kept wide"),
}
OF = {"women": "adult travellers", "minors": "all travellers", "men": "all travellers",
      "births": "women in theatre, per year"}


@dataclass(frozen=True)
class Evidence:
    """One row's reading of a quantity: the unit it speaks for, an interval, the row ids."""

    unit: str  # an ISO3 code or a scope
    regions: tuple[str, ...]  # model regions the row speaks for (none: cross-national only)
    low: float
    high: float
    ids: tuple[str, ...]
    measure: str = ""
    cross_national: bool = False  # about a source's scope rather than one country
    weight: float = 1.0  # births: the exposure in women-years

    @property
    def point(self) -> float:
        """Midpoint of the interval."""
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Prior:
    """A Beta prior: mean and concentration a + b, with where they came from."""

    region: str
    group: str
    mean: float
    concentration: float
    basis: str  # rows | pooled | judgement | derived
    rows: tuple[str, ...]
    reason: str

    @property
    def alpha(self) -> float:
        """Beta shape a = mean x concentration."""
        return self.mean * self.concentration

    @property
    def beta(self) -> float:
        """Beta shape b = (1 - mean) x concentration."""
        return (1.0 - self.mean) * self.concentration

    @property
    def variance(self) -> float:
        """Variance of the Beta, mean (1 - mean) / (concentration + 1)."""
        return self.mean * (1.0 - self.mean) / (self.concentration + 1.0)

    def record(self, cutoff: pd.Timestamp) -> dict[str, object]:
        """One output row (see ``COLUMNS``)."""
        from scipy.special import betaincinv  # lighter than scipy.stats; only when asked

        p5, median, p95 = (float(betaincinv(self.alpha, self.beta, q))
                           for q in (0.05, 0.5, 0.95))
        return {"region": self.region, "group": self.group, "of": OF[self.group],
                "mean": self.mean, "concentration": self.concentration, "alpha": self.alpha,
                "beta": self.beta, "median": median, "p5": p5, "p95": p95,
                "basis": self.basis, "rows": ";".join(self.rows), "reason": self.reason,
                "cutoff": f"{cutoff:%Y-%m-%d}"}


def group_priors(cutoff: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Beta priors of the women, minors and men shares per region, and of births in theatre.

    One row per (region, group) in the order of ``REGIONS`` (women, minors, men), then the
    ``births`` row (region ``all``); columns ``COLUMNS``: ``mean`` and ``concentration``
    (a + b) define the Beta, ``alpha``/``beta`` its shapes, ``median``/``p5``/``p95`` its
    quantiles (fractions; births: per woman per year), ``basis`` is ``rows``, ``pooled``,
    ``judgement`` or ``derived``, ``rows`` the ";"-joined ids of the group_composition rows
    used (empty for a judgement), ``reason`` how, ``cutoff`` the last publication day used.

    Raises:
        FFCastError: ``cutoff`` is not a date (it names the field and the fix).
    """
    end = cutoff_end(cutoff)
    return _priors(end, data_state()).copy(deep=True)


@functools.cache
def _priors(end: pd.Timestamp, state: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    rows = calibration_data(DATASET, end)
    shares = {group: _share_evidence(rows, group) for group in ("women", "minors")}
    records = []
    for region in REGIONS:
        women, minors = (_regional(region, group, shares[group]) for group in shares)
        records += [p.record(end) for p in (women, minors, _men(women, minors))]
    records.append(_births(rows).record(end))
    return pd.DataFrame(records, columns=COLUMNS)


def _share_evidence(rows: pd.DataFrame, group: str) -> list[Evidence]:
    """The usable share readings of ``group`` (women: of the adults; minors: of everyone)."""
    usable = rows[(rows["group"] == group) & rows["measure"].isin(SHARE_MEASURES)]
    found = []
    for row in usable.to_dict("records"):
        interval = _share_interval(row, adults=group == "women")
        if interval is None:
            continue
        unit = row["iso3"] or row["scope"]
        regions = (region_of(row["iso3"]),) if row["iso3"] else SCOPE_REGIONS.get(unit, ())
        found.append(Evidence(unit, tuple(regions), *interval, ids=(row["id"],),
                              measure=row["measure"], cross_national=not row["iso3"]))
    return found


def _share_interval(row: dict[str, object], adults: bool) -> tuple[float, float] | None:
    """[low, high] share a row states: count over total (less the minors in it for a share
    of adults) or the share itself; None when it states neither."""
    count, total = _sides(row["low"], row["high"]), _sides(row["total_low"], row["total_high"])
    if count and total:
        minors = row["minors_in_total"]
        less = float(minors) if adults and not pd.isna(minors) else 0.0  # type: ignore[arg-type]
        if total[0] - less <= 0:
            return None
        low, high = count[0] / (total[1] - less), count[1] / (total[0] - less)
    else:
        share = _sides(row["share_low"], row["share_high"])
        if share is None:
            return None
        low, high = share
    return min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)


def _sides(low: object, high: object) -> tuple[float, float] | None:
    """A (low, high) pair with an open side closed at the stated one; None if both open."""
    lo = None if pd.isna(low) else float(low)  # type: ignore[arg-type]
    hi = None if pd.isna(high) else float(high)  # type: ignore[arg-type]
    if lo is None and hi is None:
        return None
    return (lo if lo is not None else hi), (hi if hi is not None else lo)  # type: ignore[return-value]


def _regional(region: str, group: str, evidence: list[Evidence]) -> Prior:
    """The prior of ``group`` in ``region``: its rows, else the cross-national pool, else
    the judgement."""
    own = [e for e in evidence if region in e.regions]
    if own:
        mean, conc, why = _beta_from(own, MAX_CONCENTRATION)
        return Prior(region, group, mean, conc, "rows", _ids(own), why)
    pool = [e for e in evidence if e.cross_national]
    if pool:
        mean, conc, why = _beta_from(pool, TRANSFER_CONCENTRATION)
        return Prior(region, group, mean, conc, "pooled", _ids(pool),
                     f"no row for this region by the cut-off: the cross-national rows, "
                     f"capped at {TRANSFER_CONCENTRATION:g}; {why}")
    judged = JUDGEMENTS[group]
    return Prior(region, group, judged.mean, judged.concentration, "judgement", (),
                 judged.reason)


def _beta_from(evidence: list[Evidence], cap: float) -> tuple[float, float, str]:
    """Mean, concentration and an account of them, from share readings (see module doc)."""
    units: dict[str, list[Evidence]] = {}
    for item in evidence:
        units.setdefault(item.unit, []).append(item)
    estimates = np.array([np.median([e.point for e in items]) for items in units.values()])
    k = len(estimates)
    mean = float(np.clip(estimates.mean(), 1e-3, 1 - 1e-3))
    between = float(estimates.var(ddof=1)) if k > 1 else 0.0
    within = float(np.mean([np.var([e.point for e in items]) for items in units.values()]))
    measured = _interval_variance(evidence)
    conc, limit = _concentration(mean, between + within + measured, k, cap)
    measures = pd.Series([e.measure for e in evidence]).value_counts()
    counted = ", ".join(f"{n} {m}" for m, n in measures.items())
    why = (f"mean of {k} unit median(s) ({', '.join(sorted(units))}; rows: {counted}); "
           f"concentration {limit}")
    return mean, conc, why


def _interval_variance(evidence: Iterable[Evidence]) -> float:
    """Mean variance of the readings' intervals, each read as a 90% interval."""
    return float(np.mean([((e.high - e.low) / (2 * _Z90)) ** 2 for e in evidence]))


def _concentration(mean: float, variance: float, k: int, cap: float) -> tuple[float, str]:
    """a + b from the spread, at most PER_UNIT x k and ``cap``, at least MIN_CONCENTRATION;
    and which of them set it."""
    spread = mean * (1 - mean) / variance - 1 if variance > 0 else np.inf
    candidates = {"set by the spread of the rows": spread,
                  f"capped at {PER_UNIT:g} per unit": PER_UNIT * k,
                  f"capped at {cap:g}": cap}
    limit = min(candidates, key=lambda name: candidates[name])
    value = candidates[limit]
    if value < MIN_CONCENTRATION:
        return MIN_CONCENTRATION, f"raised to the floor of {MIN_CONCENTRATION:g} (rows disagree)"
    return float(value), limit


def _ids(evidence: Iterable[Evidence]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for e in evidence for i in e.ids))


def _men(women: Prior, minors: Prior) -> Prior:
    """Adult men among all travellers, (1 - minors) x (1 - women), moment-matched."""
    adults, others = 1 - minors.mean, 1 - women.mean
    mean = adults * others
    variance = (minors.variance + adults**2) * (women.variance + others**2) - mean**2
    conc = max(mean * (1 - mean) / variance - 1, MIN_CONCENTRATION)
    parts = "; ".join(f"{p.group}: {p.reason}" if p.basis == "judgement" else
                      f"{p.group}: {p.basis}" for p in (women, minors))
    return Prior(women.region, "men", mean, conc, "derived", _ids_of(women, minors),
                 f"derived: (1 - minors) x (1 - women), the two taken as independent, "
                 f"moment-matched to a Beta; {parts}")


def _ids_of(*priors: Prior) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for p in priors for i in p.rows))


def _births(rows: pd.DataFrame) -> Prior:
    """One births prior for every region (see module doc), or the judgement."""
    evidence, skipped = _births_evidence(rows)
    if not evidence:
        judged = JUDGEMENTS["births"]
        reason = judged.reason + (f"; skipped (no women count): {', '.join(skipped)}"
                                  if skipped else "")
        return Prior(ALL_REGIONS, "births", judged.mean, judged.concentration, "judgement",
                     (), reason)
    latest: dict[str, Evidence] = {}
    for item in evidence:  # a country's later statement holds its earlier births
        if item.weight >= latest.get(item.unit, item).weight:
            latest[item.unit] = item
    units = list(latest.values())
    weights = np.array([u.weight for u in units])
    rates = np.array([u.point for u in units])
    mean = float(np.clip(np.average(rates, weights=weights), 1e-3, 1 - 1e-3))
    k = len(units)
    between = float(np.average((rates - mean) ** 2, weights=weights)) * k / (k - 1) \
        if k > 1 else 0.0
    conc, limit = _concentration(mean, between + _interval_variance(units), k,
                                 MAX_CONCENTRATION)
    described = ", ".join(f"{u.unit} {u.low:.3f}-{u.high:.3f} over {u.weight:.0f} "
                          "women-years" for u in units)
    regions = sorted({r for u in units for r in u.regions})
    reason = (f"births over women-years in theatre ({described}); exposure-weighted mean; "
              f"concentration {limit}; rests on rows from {', '.join(regions)} only")
    if skipped:
        reason += f"; skipped (no women count): {', '.join(skipped)}"
    return Prior(ALL_REGIONS, "births", mean, conc, "rows", _ids(units), reason)


def _births_evidence(rows: pd.DataFrame) -> tuple[list[Evidence], list[str]]:
    """One rate reading per births row with a women series to set it against."""
    births = rows[(rows["group"] == "minors_born_in_theatre")
                  & (rows["measure"] == "in_theatre") & (rows["iso3"] != "")]
    women = rows[(rows["group"] == "women") & (rows["measure"] == "in_theatre")
                 & (rows["iso3"] != "") & (rows["low"].notna() | rows["high"].notna())]
    found, skipped = [], []
    for row in births.to_dict("records"):
        counted = _sides(row["low"], row["high"])
        series = women[(women["iso3"] == row["iso3"])
                       & (women["as_of_date"] <= row["as_of_date"])].sort_values("as_of_date")
        if counted is None or series.empty:
            skipped.append(str(row["id"]))
            continue
        points = [(t, sum(_sides(lo, hi) or (0.0, 0.0)) / 2) for t, lo, hi in
                  zip(series["as_of_date"], series["low"], series["high"], strict=True)]
        exposure = [_women_years(points, start, row["as_of_date"], grow)
                    for start in EXPOSURE_STARTS for grow in (False, True)]
        most, least = max(exposure), min(exposure)
        if least <= 0:
            skipped.append(str(row["id"]))
            continue
        found.append(Evidence(row["iso3"], (region_of(row["iso3"]),), counted[0] / most,
                              counted[1] / least, ids=(row["id"], *series["id"]),
                              measure=row["measure"], weight=(most + least) / 2))
    return found, skipped


def _women_years(points: list[tuple[pd.Timestamp, float]], start: pd.Timestamp,
                 end: pd.Timestamp, grow: bool) -> float:
    """Women-years from ``start`` (none there) to ``end``: linear between the counts (a count
    dated before ``start`` starts the line itself); after the last count, held (``grow``
    False) or still growing at the pace of the line's last stretch (True), the two readings
    of a count nobody updated."""
    line = [(start, 0.0)] if start < points[0][0] else []
    line += points
    if end > line[-1][0]:
        (t0, w0), (t1, w1) = line[-2] if len(line) > 1 else line[-1], line[-1]
        pace = (w1 - w0) / ((t1 - t0) / _YEAR) if grow and t1 > t0 else 0.0
        line.append((end, w1 + max(pace, 0.0) * ((end - t1) / _YEAR)))
    years = 0.0
    for (t0, w0), (t1, w1) in itertools.pairwise(line):
        years += (w0 + w1) / 2 * ((t1 - t0) / _YEAR)
    return years
