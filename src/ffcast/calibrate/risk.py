"""The terrorism record as calibration targets: attacks linked to foreign fighters in the West.

Warning first: the record is thin (a handful of attacks by people who had been in Syria or
Iraq, 2014-2016) and most jihadist attacks in the West were home-grown; only attacks whose
perpetrators had travelled to Syria/Iraq (``ff_link`` returnee or dispatched) are compared
with the model, whose attackers are by construction people who travelled. Each year's
record enters as counts, never as a death toll: the number of executed attacks and, of
those, the number with at least :data:`MASS_CASUALTY_DEATHS` deaths (Poisson, given the
model's expected numbers), and each mass-casualty attack's toll through the power-law
density of the severity model, so one Paris (130 deaths) weighs like one observation of
the tail, not like 130 observations.

Expected numbers are conditional on a simulated path: given the stocks that plot, plots
are Poisson, interdiction thins them and the plot-to-attack lag shifts them, so the number
executed in a year is Poisson with the mean the engine records (``expected`` channels).
That likelihood has no simulation noise of its own, which keeps the calibration's
likelihood estimates steady.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

MASS_CASUALTY_DEATHS = 12  # CSN2009's x_min: the power-law tail of deaths per attack
LINKED = ("dispatched", "returnee")  # perpetrators who had been in Syria/Iraq
DIRECTED_LINK = "dispatched"  # of those, sent back by the organisation (a directed plot)
WESTERN = "western"
# The fit table's rows per year of the record, in this order (ADR 0022): all linked attacks,
# those with 12 or more deaths, and the directed ones (by dispatched operatives).
RISK_CHANNELS: tuple[tuple[str, str], ...] = (
    ("west_attacks", "attacks"), ("west_mass_casualty", "mass-casualty attacks"),
    ("west_directed", "directed attacks (dispatched operatives)"))
N_RISK_ROWS = len(RISK_CHANNELS)


@dataclass(frozen=True)
class YearRecord:
    """The record of one calendar year (or the part of it up to the cut-off).

    ``months`` are the month indices of the run covered (into ``prep.months``);
    ``attacks`` executed attacks linked to foreign fighters in Western countries,
    ``mass`` those with at least 12 deaths, ``tolls`` their death tolls; ``directed`` the
    attacks by operatives the organisation sent (``ff_link`` dispatched; the others were
    returnees' own), ``directed_mass`` those of them with at least 12 deaths; ``deaths``
    all deaths in the year's attacks and ``events`` their names (for tables, not the
    likelihood).
    """

    year: int
    months: np.ndarray
    attacks: int
    mass: int
    tolls: tuple[int, ...]
    sources: str = ""
    deaths: int = 0
    events: tuple[str, ...] = ()
    directed: int = 0
    directed_mass: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.directed_mass <= min(self.directed, self.mass)
                and self.directed - self.directed_mass <= self.attacks - self.mass
                and 0 <= self.mass <= self.attacks):
            raise ValueError(f"record of {self.year}: the counts do not nest (attacks "
                             f"{self.attacks}, mass {self.mass}, directed {self.directed}, "
                             f"directed mass {self.directed_mass})")

    def cells(self) -> tuple[int, int, int, int]:
        """The record's four Poisson cells: directed and other attacks, each split into
        mass-casualty and smaller ones: (directed mass, directed small, other mass,
        other small)."""
        return (self.directed_mass, self.directed - self.directed_mass,
                self.mass - self.directed_mass,
                self.attacks - self.mass - (self.directed - self.directed_mass))


def poisson_loglik(n: int | np.ndarray, mu: np.ndarray) -> np.ndarray:
    """log P(N = n) for N ~ Poisson(mu), elementwise; mu = 0 gives 0 for n = 0, -inf else."""
    n = np.asarray(n, dtype=float)
    mu = np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = special.xlogy(n, mu) - mu - special.gammaln(n + 1)
    return np.where((mu <= 0) & (n > 0), -np.inf, out)


def tail_toll_logpmf(deaths: int, alpha: np.ndarray, x_min: float = MASS_CASUALTY_DEATHS,
                     cap: float = 3000.0) -> np.ndarray:
    """log P(toll = deaths | the attack is in the power-law tail), per value of ``alpha``.

    The engine draws a tail toll as ``int(x_min * (1 - u) ** (-1 / (alpha - 1)))`` capped at
    ``cap``: a continuous Pareto with P(X >= x) = (x / x_min) ** (1 - alpha), rounded down.
    So P(toll = d) = (d / x_min) ** (1 - alpha) - ((d + 1) / x_min) ** (1 - alpha).
    """
    a = np.asarray(alpha, dtype=float)
    d = float(deaths)
    if d < x_min:
        return np.full(a.shape, -np.inf)
    upper = np.inf if d >= cap else (d + 1.0) / x_min
    log_lo = (1.0 - a) * np.log(d / x_min)
    if np.isinf(upper):
        return log_lo
    log_hi = (1.0 - a) * np.log(upper)
    # log(exp(lo) - exp(hi)) with lo > hi, computed stably
    return log_lo + np.log1p(-np.exp(log_hi - log_lo))


def at_least_one(mu: np.ndarray) -> np.ndarray:
    """P(at least one event) for a Poisson count with mean ``mu`` (closed form)."""
    return -np.expm1(-np.asarray(mu, dtype=float))


def expected_cells(expected: np.ndarray) -> np.ndarray:
    """The model's expected numbers (..., N_EXPECTED) as the record's four cells
    (..., 4), in :meth:`YearRecord.cells`' order; rounding below zero is clipped."""
    from ffcast.engine import layout as L

    e = np.asarray(expected, dtype=float)
    total, mass = e[..., L.EXPECTED_WEST_ATTACKS], e[..., L.EXPECTED_WEST_MASS]
    d, d_mass = e[..., L.EXPECTED_WEST_DIRECTED], e[..., L.EXPECTED_WEST_DIRECTED_MASS]
    cells = np.stack([d_mass, d - d_mass, mass - d_mass, total - mass - (d - d_mass)], axis=-1)
    return np.maximum(cells, 0.0)


def year_loglik(rec: YearRecord, expected: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Log-likelihood per particle of one year's record.

    ``expected`` (N, N_EXPECTED) are the model's expected numbers of executed attacks
    linked to foreign fighters in Western countries that year (all, in the tail, directed,
    directed in the tail); ``alpha`` (N,) the particles' power-law exponents. Directed and
    other attacks, mass-casualty and smaller, are four independent Poisson counts
    (thinning: who plotted and how deadly are independent given the stocks), and each tail
    toll adds its severity density. The split is what tells returnees' own plot rates from
    the dispatched operatives' (ADR 0022).
    """
    mu = expected_cells(expected)
    ll = sum(poisson_loglik(n, mu[:, k]) for k, n in enumerate(rec.cells()))
    for toll in rec.tolls:
        ll = ll + tail_toll_logpmf(toll, alpha)
    return ll


def record_years(prep_months: pd.DatetimeIndex, cutoff: str,
                 attacks: pd.DataFrame | None = None, first_year: int = 2011
                 ) -> list[YearRecord]:
    """The yearly record known by the end of ``cutoff`` (executed attacks linked to foreign
    fighters in Western countries, from ``attacks_west``), one :class:`YearRecord` per year
    from ``first_year`` to the cut-off's year; a year cut by the cut-off covers its months
    up to it. Only events published by the cut-off count (``data.calibration_data``).
    ``prep_months`` are the run's month starts (to index the expected numbers).
    """
    from ffcast import data

    end = pd.Period(cutoff, "M")
    table = data.calibration_data("attacks_west", cutoff) if attacks is None else attacks
    known = table[table["executed"].astype(bool) & table["ff_link"].isin(LINKED)]
    out = []
    for year in range(first_year, end.year + 1):
        last = min(pd.Period(f"{year}-12", "M"), end)
        in_year = (prep_months.year == year) & (prep_months <= last.start_time)
        events = known[(known["as_of_date"].dt.year == year)
                       & (known["as_of_date"] <= last.end_time)]
        tolls = tuple(int(d) for d in events["deaths"] if d >= MASS_CASUALTY_DEATHS)
        directed = events["ff_link"] == DIRECTED_LINK
        sources = ";".join(dict.fromkeys(";".join(events["source"]).split(";"))) \
            if len(events) else "attacks_west (none recorded)"
        out.append(YearRecord(year, np.flatnonzero(in_year), len(events), len(tolls), tolls,
                              sources, int(events["deaths"].sum()),
                              tuple(str(n) for n in events["name"]), int(directed.sum()),
                              int((directed & (events["deaths"] >= MASS_CASUALTY_DEATHS)).sum())))
    return out
