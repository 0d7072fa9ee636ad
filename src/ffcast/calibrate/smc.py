"""Sequential Monte Carlo calibration (likelihood tempering) on the vectorised engine.

Warning first: a particle is a point in the *normal scores* of the calibrated uniforms (the
prior there is a standard normal) together with the id of the simulation noise it was last
evaluated with. Parameter moves are evaluated with the particle's own noise (common random
numbers: the proposal and the current point differ by their parameters, not by chance), and
every stage ends with a move of the noise alone at fixed parameters. Both leave the
pseudo-marginal target p(theta) p(u) L(theta, u) invariant, whose theta-marginal is the
posterior that integrates the model's own stochasticity (Andrieu & Roberts 2009); splitting
the two is what keeps particles with a lucky noise draw from sticking (measured in
docs/validation.md). The components that enter the likelihood only (the reporting model)
also move on their own at fixed simulated counts, cheaply and often (ADR 0023). Only data
published up to the cut-off are read (see :mod:`.targets`).

What is calibrated (:data:`CALIBRATED_PARAMS`, :class:`Block`; ADR 0014): every parameter
(per region where regional), including the organisation's external-operations capacity,
dispatching, plot rates and attack severity, fitted against the record of attacks linked to
foreign fighters in the West (:mod:`.risk`); each country's own deviation in return and
death around its region, with the scale of those deviations (partial pooling); the
travellers per country; the exit-pathway shares and the collapse timing; and the reporting
model's bias and noise per kind of source. The whole model runs (home pipeline and plots
included); only the engine's binomial noise is integrated out.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import special

from ffcast.calibrate.likelihood import (
    bias_noise,
    count_target_loglik,
    simulated_value,
    target_loglik,
)
from ffcast.calibrate.risk import (
    N_RISK_ROWS,
    RISK_CHANNELS,
    YearRecord,
    expected_cells,
    poisson_loglik,
    record_years,
    year_loglik,
)
from ffcast.calibrate.targets import (
    QUANTITIES,
    QUANTITY_MEASURE,
    Target,
    build_targets,
    group_months,
    needed_months,
    observation_targets,
    split_scoped,
    statement_records,
    why_not_used,
)
from ffcast.data.countries import is_remainder
from ffcast.engine import Latent, Prepared, Recording, groups, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.errors import FFCastError
from ffcast.results import quantities as Q
from ffcast.scenario import Scenario, reporting
from ffcast.scenario.priors import GLOBAL_PARAMS, PARAM_INDEX, PARAMS, REGIONS, sample_scalar

# Parameters the data up to a cut-off inform (the rest are drawn from their priors with the
# simulation noise, i.e. integrated out).
#: Every parameter is in the calibrated block (the ones the record does not inform keep
#: their prior through the prior-refresh moves). Leaving one out would integrate it out
#: through each particle's simulation noise: measured at a synthetic truth (2016-12), the
#: parameters outside the block then carried half the variance of the log-likelihood
#: estimate (sd 3.8 vs 2.6 with them in), which is what made the sampler sticky, and a
#: forecast would pair the fitted parameters with unrelated draws of the others.
CALIBRATED_PARAMS: tuple[str, ...] = tuple(p.name for p in PARAMS)
COUNTRY_CHANNELS: tuple[str, ...] = ("return", "death")  # Latent.country's axis 1
NOISE_OFFSET = 1_000_000_000  # simulation-noise draw ids, apart from any forecast draw
EVALUATION_CHUNK = 250  # particles per engine call in an evaluation
_Z90 = 1.6448536269514722


_GROUP_COLUMN: dict[str, int] = {n: i for i, n in enumerate(groups.latent_names())}

#: How many components a random-walk move changes at once, on average (see :func:`_move`).
RW_COMPONENTS = 12
#: Sweeps of :func:`_reading_move` per stage (each costs no simulation).
READING_SWEEPS = 40
N_PATHWAYS = 5  # Latent.pathways' last axis: return, stay, other group, relocate, dispatch


@dataclass(frozen=True)
class Block:
    """Which latent uniforms calibration moves, by name (the posterior's components).

    ``param:<name>:<region>`` (or ``param:<name>`` for a global parameter),
    ``travellers:<iso3>``, ``country:<return|death>:<iso3>``, ``reporting:<part>:<kind>``,
    ``pathways:<region>:<k>`` (the uniforms behind each region's five exit-pathway shares),
    ``collapse`` (the timing of the collapse) and ``group:<women|minors>:<region>`` /
    ``group:births`` (the group shares and births, :mod:`ffcast.engine.groups`). Every
    latent quantity that moves the
    calibration targets much is in the block: what stays outside is integrated out by the
    particle's simulation noise, and an informative quantity left there makes the sampler
    sticky (a fresh noise for all of them at once is rarely accepted) and overconfident.
    """

    params: tuple[str, ...]
    countries: tuple[str, ...]
    effects: tuple[str, ...] = ()
    reporting: bool = True
    pathways: bool = True
    groups: bool = True

    @property
    def names(self) -> list[str]:
        out = []
        for p in self.params:
            if p in GLOBAL_PARAMS:
                out.append(f"param:{p}")
            else:
                out += [f"param:{p}:{r}" for r in REGIONS]
        out += [f"travellers:{c}" for c in self.countries]
        out += [f"country:{k}:{c}" for c in self.effects for k in COUNTRY_CHANNELS]
        if self.reporting:
            out += list(reporting.COMPONENTS)
        if self.pathways:
            out += [f"pathways:{r}:{k}" for r in REGIONS for k in range(N_PATHWAYS)]
            out.append("collapse")
        if self.groups:
            out += groups.latent_names()
        return out

    @property
    def size(self) -> int:
        return len(self.names)

    @classmethod
    def for_run(cls, prep: Prepared) -> Block:
        """The block calibrated for ``prep``'s countries."""
        iso = tuple(prep.countries["iso3"])
        return cls(CALIBRATED_PARAMS, iso, tuple(c for c in iso if not is_remainder(c)))

    def apply(self, base: Latent, z: np.ndarray, prep: Prepared) -> Latent:
        """A copy of ``base`` with the calibrated uniforms replaced by ``ndtr(z)``."""
        return assign(base, self.names, special.ndtr(z), prep)


def assign(base: Latent, names: list[str], u: np.ndarray, prep: Prepared) -> Latent:
    """A copy of ``base`` with the uniforms of the named components set from ``u`` (N, K).

    Names that do not apply to ``prep`` (a country it does not simulate) are skipped, so a
    posterior fitted with more countries still drives a run with fewer.
    """
    lat = Latent(**{f: getattr(base, f).copy() for f in Latent.FIELDS})
    col = {c: i for i, c in enumerate(prep.countries["iso3"])}
    for j, name in enumerate(names):
        kind, *rest = name.split(":")
        if kind == "param":
            i = PARAM_INDEX[rest[0]]
            if len(rest) == 1:
                lat.params[:, i, :] = u[:, j, None]
            else:
                lat.params[:, i, REGIONS.index(rest[1])] = u[:, j]
        elif kind == "travellers" and rest[0] in col:
            lat.travellers[:, col[rest[0]]] = u[:, j]
        elif kind == "country" and rest[1] in col:
            lat.country[:, COUNTRY_CHANNELS.index(rest[0]), col[rest[1]]] = u[:, j]
        elif kind == "reporting":
            lat.reporting[:, reporting.COMPONENTS.index(name)] = u[:, j]
        elif kind == "pathways":
            lat.pathways[:, REGIONS.index(rest[0]), int(rest[1])] = u[:, j]
        elif kind == "collapse":
            lat.collapse[:] = u[:, j]
        elif kind == "group":
            lat.groups[:, _GROUP_COLUMN[name]] = u[:, j]
    return lat


def read(lat: Latent, names: list[str], prep: Prepared) -> tuple[np.ndarray, list[str]]:
    """The uniforms (N, K) of the named components in ``lat`` (the inverse of
    :func:`assign`) and the names read: components that do not apply to ``prep`` (a country
    it does not simulate) are left out."""
    col = {c: i for i, c in enumerate(prep.countries["iso3"])}
    out, kept = [], []
    for name in names:
        kind, *rest = name.split(":")
        if kind == "param":
            region = 0 if len(rest) == 1 else REGIONS.index(rest[1])
            out.append(lat.params[:, PARAM_INDEX[rest[0]], region])
        elif kind == "travellers" and rest[0] in col:
            out.append(lat.travellers[:, col[rest[0]]])
        elif kind == "country" and rest[1] in col:
            out.append(lat.country[:, COUNTRY_CHANNELS.index(rest[0]), col[rest[1]]])
        elif kind == "reporting":
            out.append(lat.reporting[:, reporting.COMPONENTS.index(name)])
        elif kind == "pathways":
            out.append(lat.pathways[:, REGIONS.index(rest[0]), int(rest[1])])
        elif kind == "collapse":
            out.append(lat.collapse)
        elif kind == "group" and name in _GROUP_COLUMN:
            out.append(lat.groups[:, _GROUP_COLUMN[name]])
        else:
            continue
        kept.append(name)
    n = len(lat.collapse)
    return (np.stack(out, axis=1) if out else np.empty((n, 0))), kept


def param_value(lat: Latent, name: str) -> np.ndarray:
    """The value per draw of a global parameter from its uniforms (N,)."""
    p = PARAMS[PARAM_INDEX[name]]
    u = np.clip(lat.params[:, PARAM_INDEX[name], 0], 1e-12, 1 - 1e-12)
    return sample_scalar(p, np.array([p.mean_for("other")]), u)


@dataclass(frozen=True)
class RiskTarget:
    """One year's count in the record of attacks linked to foreign fighters in the West,
    as a row of the fit table (its likelihood is :func:`ffcast.calibrate.risk.year_loglik`).
    """

    channel: str  # one of calibrate.risk.RISK_CHANNELS
    label: str
    low: float
    high: float
    source: str
    as_of: str
    published: str = ""
    weight: float = 1.0
    kind: str = "risk"
    reporter: str = ""


def risk_targets(records: list[YearRecord]) -> list[RiskTarget]:
    """Three fit-table rows per year (:data:`~ffcast.calibrate.risk.RISK_CHANNELS`):
    executed attacks, those with 12 or more deaths, and the directed ones."""
    out = []
    for r in records:
        values = (r.attacks, r.mass, r.directed)
        for (channel, what), value in zip(RISK_CHANNELS, values, strict=True):
            out.append(RiskTarget(channel, f"{r.year} {what} linked to foreign fighters, West",
                                  float(value), float(value), r.sources, f"{r.year}-12-31"))
    return out


@dataclass
class Stage:
    """Diagnostics of one tempering stage."""

    temperature: float
    ess: float
    acceptance: float
    scale: float
    seconds: float
    noise_acceptance: float = float("nan")  # share of particles whose noise was refreshed
    country_acceptance: float = float("nan")  # share of countries' own moves accepted
    reading_acceptance: float = float("nan")  # share of the reporting model's moves accepted


@dataclass
class CalibrationResult:
    """Particles (equally weighted), their log-likelihoods and the run's diagnostics."""

    cutoff: str
    seed: int
    block: Block
    z: np.ndarray  # (N, d)
    loglik: np.ndarray  # (N,)
    targets: list  # Target and RiskTarget rows, in the columns' order
    predictive: np.ndarray  # (N, n_targets) posterior predictive of each published figure
    prior_predictive: np.ndarray  # (N, n_targets) at temperature 0
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0
    simulations: int = 0
    noise: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    observations: list[str] = field(default_factory=list)  # files the targets came from
    # The user's statements fitted besides the embedded record (statement_records rows).
    statements: list[dict] = field(default_factory=list)


class _Evaluator:
    """Runs the engine for a population and returns per-target log-likelihoods."""

    def __init__(self, prep: Prepared, seed: int, targets: list[Target],
                 records: list[YearRecord], block: Block):
        self.prep, self.seed, self.targets, self.block = prep, seed, targets, block
        self.records = records
        months = needed_months(targets) if targets else np.empty(0, dtype=np.int64)
        # A monthly inflow at month m is the flow over (m - 1, m]: record m - 1 as well.
        before = [t.month - 1 for t in targets if t.quantity == "inflow" and t.month > 0]
        year_ends = [int(r.months[-1]) for r in records]
        every = np.unique(np.concatenate([months, before, year_ends]).astype(np.int64))
        grouped = group_months(targets)
        self.record = Recording(every, flows_from=0, groups=grouped if grouped.size else None)
        self._group_rows = np.searchsorted(every, grouped)  # record rows of the groups
        self._grouped = [int(m) for m in grouped]
        # Group-scoped quantities (``war_zone:adults``, ...) the targets observe.
        self._scoped = sorted({q for t in targets for q in (t.quantity, t.denominator)
                               if split_scoped(q)[1]})
        self._group_buffer: np.ndarray | None = None
        self.row = {int(m): r for r, m in enumerate(self.record.months)}
        self.until = int(every.max())
        self.calls = 0
        self.rng = np.random.default_rng([seed, 0x9E7])
        self._buffer: np.ndarray | None = None
        self._slots = (Q.flow_slots("arrivals")[0], Q.flow_slots("returns")[0],
                       Q.KILLED.slots[0], Q.WAR_ZONE.slots)

    @property
    def n_columns(self) -> int:
        return len(self.targets) + N_RISK_ROWS * len(self.records)

    def __call__(self, z: np.ndarray, noise_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-likelihood per particle and column (N, K), predictive draws (N, K)).

        Columns are the targets, then three per year of the attack record (attacks,
        mass-casualty attacks, directed attacks; the year's whole likelihood sits in the
        first). Everything
        outside the calibrated block (e.g. insurgent hazards, pathway shares) comes from
        the prior with the particle's noise, i.e. is integrated out.
        """
        ll, pred, _ = self.columns(z, noise_ids)
        return ll, pred

    def columns(self, z: np.ndarray, noise_ids: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like calling the evaluator, and also the simulated counts of the statements
        read through the reporting model (N, len(:attr:`reading_cols`)), which
        :meth:`reading` takes instead of simulating the particles again."""
        lat, seen, expected = self.simulate(z, noise_ids)
        n = len(z)
        rep = reporting.sample_array(lat.reporting)
        scope = param_value(lat, "travelled_scope")
        ll = np.zeros((n, self.n_columns))
        pred = np.empty((n, self.n_columns))
        for j, t in enumerate(self.targets):
            ll[:, j] = target_loglik(t, seen[t.month], rep, scope)
            pred[:, j] = self._published(t, simulated_value(t, seen[t.month]), rep, scope)
        self._risk(ll, pred, expected, lat)
        counts = np.empty((n, len(self.reading_cols)))
        for i, j in enumerate(self.reading_cols):
            counts[:, i] = simulated_value(self.targets[j], seen[self.targets[j].month])
        return ll, pred, counts

    def simulate(self, z: np.ndarray, noise_ids: np.ndarray
                 ) -> tuple[Latent, dict[int, dict[str, np.ndarray]], np.ndarray]:
        """Run the model for particles ``z`` with their noise: the latent uniforms, the
        targets' quantities per recorded month (``seen[month][quantity]`` is (N, C)) and
        the expected West attack channels per recorded month (N, R, N_EXPECTED)."""
        lat = self.block.apply(Latent.from_streams(self.prep, self.seed, noise_ids), z,
                               self.prep)
        n, n_c, n_r = len(z), len(self.prep.countries), len(self.record.months)
        shape = (len(QUANTITIES), n, n_r, n_c)
        if self._buffer is None or self._buffer.shape != shape:  # reused: no page faults
            self._buffer = np.empty(shape, dtype=np.int64)
        q = self._buffer
        g_shape = (len(self._scoped), n, len(self._grouped), n_c)
        if self._group_buffer is None or self._group_buffer.shape != g_shape:
            self._group_buffer = np.empty(g_shape, dtype=np.int64)
        gq = self._group_buffer
        expected = np.empty((n, n_r, L.N_EXPECTED))
        arrivals, returns, killed, war_zone = self._slots
        for lo in range(0, n, EVALUATION_CHUNK):
            rows = slice(lo, min(n, lo + EVALUATION_CHUNK))
            ch = run_chunk(self.prep, self.seed, noise_ids[rows],
                           latent=lat.take(np.arange(rows.start, rows.stop)),
                           until=self.until, record=self.record, expected=True)
            np.cumsum(ch.flows[..., arrivals], axis=1, out=q[0, rows])
            np.cumsum(ch.flows[..., returns], axis=1, out=q[1, rows])
            q[2, rows] = ch.stocks[..., killed]
            q[3, rows] = ch.stocks[..., war_zone].sum(-1, dtype=np.int64)
            q[4, rows] = ch.flows[..., arrivals]
            if self._scoped:  # ch.groups (n, RG, C, G, Q) at the group months
                travelled = q[0, rows][:, self._group_rows]
                per: dict[str, np.ndarray] = {}  # each measure by group, once a chunk
                for i, name in enumerate(self._scoped):
                    base, covers = split_scoped(name)
                    measure = QUANTITY_MEASURE[base]
                    if measure not in per:
                        per[measure] = groups.by_group(measure, ch.groups, travelled)
                    gq[i, rows] = groups.of_covers(per[measure], covers)
            expected[rows] = ch.expected
        self.calls += 1
        seen = {int(m): {name: q[i, :, r] for i, name in enumerate(QUANTITIES)}
                for m, r in self.row.items()}
        for rg, m in enumerate(self._grouped):
            seen[m].update({name: gq[i, :, rg] for i, name in enumerate(self._scoped)})
        return lat, seen, expected

    @functools.cached_property
    def reading_cols(self) -> np.ndarray:
        """The statements read through the reporting model (positions in the targets)."""
        return np.array([j for j, t in enumerate(self.targets)
                         if t.reporter and t.kind != "share"], dtype=np.int64)

    def reading(self, z: np.ndarray, noise_ids: np.ndarray,
                counts: np.ndarray | None = None) -> _Reading | None:
        """The statements read through the reporting model at the counts the particles
        simulate, to move the components that enter the likelihood only
        (:func:`_reading_move`); None when there are none or no statement is read so.
        ``counts`` (N, len(:attr:`reading_cols`)) are those counts when the particles'
        last evaluation kept them (:meth:`columns`); else one simulation."""
        comps = likelihood_only(self.block.names)
        cols = self.reading_cols
        if not len(comps) or not len(cols):
            return None
        if counts is None:
            lat, seen, _ = self.simulate(z, noise_ids)
            num = [simulated_value(self.targets[j], seen[self.targets[j].month])
                   for j in cols]
        else:
            lat = self.block.apply(Latent.from_streams(self.prep, self.seed, noise_ids), z,
                                   self.prep)
            num = list(counts.T)
        return _Reading(self, lat, cols, comps, num)

    def _published(self, t: Target, value: np.ndarray, rep: np.ndarray,
                   scope: np.ndarray | None = None) -> np.ndarray:
        """A draw of the figure the statement's producer would publish, with the noise the
        likelihood gives it (its producer's, widened by a stated range): the predictive
        check of the fit table compares the statement with these draws."""
        e = self.rng.standard_normal(len(value))
        two_sided = not (np.isnan(t.low) or np.isnan(t.high))
        if t.kind == "share":
            width = (t.high - t.low) / (2 * _Z90) if two_sided else 0.0
            return value + np.hypot(t.sigma, width) * e
        width = (np.log(t.high + 1.0) - np.log(t.low + 1.0)) / (2 * _Z90) if two_sided else 0.0
        if t.reporter:
            bias, noise = bias_noise(t, rep, scope)
            return (value + 1.0) * bias * np.exp(np.hypot(noise, width) * e) - 1.0
        return (value + 1.0) * np.exp(np.hypot(t.sigma, width) * e) - 1.0

    def _risk(self, ll: np.ndarray, pred: np.ndarray, expected: np.ndarray,
              lat: Latent) -> None:
        """The attack record's columns: Poisson counts given the expected numbers."""
        if not self.records:
            return
        cum = np.cumsum(expected, axis=1)  # (N, R, N_EXPECTED) since 2011-01
        alpha = param_value(lat, "severity_alpha")
        previous = np.zeros((len(cum), cum.shape[2]))
        base = len(self.targets)
        for k, rec in enumerate(self.records):
            now = cum[:, self.row[int(rec.months[-1])]]
            year = now - previous
            previous = now
            cols = base + N_RISK_ROWS * k
            ll[:, cols] = year_loglik(rec, year, alpha)
            ll[:, cols + 1: cols + N_RISK_ROWS] = 0.0
            # a draw of the record: the four cells, then the rows' sums
            dm, ds, om, os_ = self.rng.poisson(expected_cells(year)).T
            pred[:, cols] = dm + ds + om + os_
            pred[:, cols + 1] = dm + om
            pred[:, cols + 2] = dm + ds


def likelihood_only(names: list[str]) -> np.ndarray:
    """Positions of the components that enter the likelihood only, never the simulation:
    the reporting model's bias, noise and scopes and the scope of a count of people who
    travelled (``param:travelled_scope``)."""
    return np.array([i for i, n in enumerate(names)
                     if n.startswith("reporting:") or n == "param:travelled_scope"],
                    dtype=np.int64)


class _Reading:
    """The likelihood of the statements read through the reporting model as a function of
    the likelihood-only components, at the counts the particles simulated (fixed).

    ``cols`` are the statements' likelihood columns, ``comps`` the components' positions in
    the particles. :meth:`loglik` gives exactly what the evaluator gives for those columns
    at the same particles (the same functions: :func:`.assign`, the reporting model's
    sampler, :func:`~ffcast.calibrate.likelihood.count_target_loglik`).
    """

    def __init__(self, evaluate: _Evaluator, lat: Latent, cols: np.ndarray,
                 comps: np.ndarray, num: list[np.ndarray]) -> None:
        self.evaluate, self.lat, self.cols, self.comps, self.num = (
            evaluate, lat, cols, comps, num)
        self.names = [evaluate.block.names[i] for i in comps]

    def _values(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lat = assign(self.lat, self.names, special.ndtr(z[:, self.comps]),
                     self.evaluate.prep)
        return reporting.sample_array(lat.reporting), param_value(lat, "travelled_scope")

    def loglik(self, z: np.ndarray) -> np.ndarray:
        """(N, len(cols)): each statement's log-likelihood at particles ``z``."""
        rep, scope = self._values(z)
        targets = self.evaluate.targets
        return np.column_stack([count_target_loglik(targets[j], x, rep, scope)
                                for j, x in zip(self.cols, self.num, strict=True)])

    def draws(self, z: np.ndarray) -> np.ndarray:
        """(N, len(cols)): a draw of each statement's published figure at ``z``."""
        rep, scope = self._values(z)
        targets = self.evaluate.targets
        return np.column_stack([self.evaluate._published(targets[j], x, rep, scope)
                                for j, x in zip(self.cols, self.num, strict=True)])


class Reading(Protocol):
    """What :func:`_reading_move` needs (a :class:`_Reading`, or a closed-form test model)."""

    comps: np.ndarray

    def loglik(self, z: np.ndarray) -> np.ndarray: ...


def _reading_move(z: np.ndarray, view: Reading, weights: np.ndarray,
                  rng: np.random.Generator, sweeps: int = READING_SWEEPS
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """MH sweeps on the components that enter the likelihood only (the reporting model),
    with the simulated counts fixed: no simulation, so many sweeps cost little.

    Why: the random walk of :func:`_move` picks each of the ~700 components about once in
    60 sweeps, and after a few resamplings half the particles shared one value of each
    reporting component (measured: 420-563 of 1,000 at 2016-12, ADR 0023). Here the
    particle's parameters and noise stay where they are and only these components move:
    even sweeps a random walk of all of them at once (step the population's spread at the
    start, adapted to about a quarter accepted), odd sweeps a fresh prior draw of one of
    them (an independence proposal: a component stuck at one value regains its spread).
    Each leaves the tempered posterior invariant, the likelihood's other columns being
    unchanged by these components. ``weights`` (len(view.cols)) weigh each column in the
    acceptance (the temperature). Returns ``(z, dll, acceptance)``: the moved particles,
    the change of each column's log-likelihood (N, len(cols)) and the share accepted.
    """
    n, k = len(z), len(view.comps)
    z = z.copy()
    cur = view.loglik(z)
    start = cur.copy()
    sd = np.maximum(z[:, view.comps].std(axis=0), 0.05)
    scale, accepted = 2.38 / np.sqrt(k), 0.0
    rows = np.arange(n)
    for sweep in range(sweeps):
        old = z[:, view.comps]
        if sweep % 2 == 0:
            new = old + scale * sd * rng.standard_normal((n, k))
            log_prior = -0.5 * ((new**2).sum(1) - (old**2).sum(1))
        else:
            new = old.copy()
            new[rows, rng.integers(k, size=n)] = rng.standard_normal(n)
            log_prior = np.zeros(n)
        prop = z.copy()
        prop[:, view.comps] = new
        ll_p = view.loglik(prop)
        ok = np.log(rng.random(n)) < (ll_p - cur) @ weights + log_prior
        z[ok] = prop[ok]
        cur[ok] = ll_p[ok]
        accepted += ok.mean()
        if sweep % 2 == 0:
            scale = float(np.clip(scale * np.exp(ok.mean() - 0.25), 0.01, 5.0))
    return z, cur - start, accepted / max(sweeps, 1)


def _carry_draws(sim: np.ndarray, view: _Reading, z: np.ndarray, dll: np.ndarray) -> None:
    """Give the particles :func:`_reading_move` moved new predictive draws of the
    statements it reads (in place)."""
    moved = np.any(dll != 0.0, axis=1)
    if moved.any():
        sim[np.ix_(moved, view.cols)] = view.draws(z)[moved]


def _reading_step(evaluate: _Evaluator, z: np.ndarray, nid: np.ndarray, sim: np.ndarray,
                  weights: np.ndarray, rng: np.random.Generator,
                  counts: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """One simulation (none when ``counts`` carries the particles' simulated counts, as
    :class:`_Carried` does), then :func:`_reading_move` with the columns weighed by
    ``weights`` (one per likelihood column) and new draws for the moved particles (``sim``
    in place). Returns ``(z, dll, cols, acceptance)``: ``dll`` (N, len(cols)) the change of
    the moved columns ``cols``; none (and a NaN acceptance) when nothing is read so."""
    view = evaluate.reading(z, nid, counts)
    if view is None:
        return z, np.zeros((len(z), 0)), np.empty(0, dtype=np.int64), float("nan")
    z, dll, acc = _reading_move(z, view, weights[view.cols], rng)
    _carry_draws(sim, view, z, dll)
    return z, dll, view.cols, acc


def _ess(logw: np.ndarray) -> float:
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / (w**2).sum())


def _next_temperature(ll: np.ndarray, lam: float, target_ess: float) -> float:
    if _ess((1.0 - lam) * ll) >= target_ess:
        return 1.0
    lo, hi = lam, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _ess((mid - lam) * ll) >= target_ess:
            lo = mid
        else:
            hi = mid
    return max(lo, lam + 1e-6)


def _systematic(logw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w = np.exp(logw - logw.max())
    w /= w.sum()
    positions = (rng.random() + np.arange(len(w))) / len(w)
    return np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)


def calibrate(
    cutoff: str = "2016-12",
    particles: int = 2000,
    seed: int = 0,
    moves: int = 2,
    target_ess: float = 0.5,
    max_stages: int = 40,
    progress: Callable[[Stage], None] | None = None,
    targets: list[Target] | None = None,
    records: list[YearRecord] | None = None,
    observations: pd.DataFrame | None = None,
    observations_label: str = "",
    through: str | None = None,
) -> CalibrationResult:
    """Fit the calibrated block to the record up to ``cutoff`` (``YYYY-MM``).

    ``targets`` and ``records`` replace the published statements and the attack record
    (synthetic-truth tests); ``observations`` (a validated observations frame with
    ``published``) adds a user's own dated statements. ``through`` (``YYYY-MM``, after the
    cut-off) fits the user's statements published up to that month too, with the embedded
    record and priors still those of the cut-off (what :func:`ffcast.update` approximates
    without refitting). Raises FFCastError for fewer than 50 particles or a cut-off
    without data.
    """
    if particles < 50:
        raise FFCastError("particles: use at least 50 (2,000 recommended)")
    t_start = time.perf_counter()
    last = max(pd.Period(cutoff, "M"), pd.Period(through or cutoff, "M"))
    prep = prepare(Scenario(name=f"calibration-{cutoff}", cutoff=cutoff), end=str(last + 1))
    targets = build_targets(prep) if targets is None else list(targets)
    used, fitted = [], []
    if observations is not None:
        rows: list = []
        end = last.end_time.normalize()
        extra = observation_targets(prep, observations, until=end, used=rows)
        label = observations_label or "observations"
        later = observations[observations["published_date"] > end]
        left = why_not_used(observations[~observations.index.isin(rows)
                                         & ~observations.index.isin(later.index)], prep)
        if len(later):
            left[f"published after {last} (fold them in with `ffcast update`)"] = len(later)
        said = "; ".join(f"{v} {k}" for k, v in left.items())
        if not extra:  # it used to fit none of them, silently (review, 2026-12-07)
            raise FFCastError(f"{label}: none of its {len(observations)} statements can be "
                              f"fitted at {last} ({said or 'the file is empty'}); fix: drop "
                              "those rows, or give statements of countries with a row of "
                              "their own")
        targets += extra
        used = [f"{label}: {len(extra)} statements"
                + (f" ({said}: left out)" if said else "")]
        # Kept in the posterior, so an update goes on fitting them (it read none before).
        fitted = statement_records(observations.loc[list(dict.fromkeys(rows))])
    records = record_years(prep.months, cutoff) if records is None else records
    if not targets:
        raise FFCastError(f"--cutoff: no calibration data published up to {cutoff}")
    block = Block.for_run(prep)
    evaluate = _Evaluator(prep, seed, targets, records, block)
    rng = np.random.default_rng([seed, 0xCA1])
    n, d = particles, block.size
    z = rng.standard_normal((n, d))
    next_noise = NOISE_OFFSET

    def fresh(k: int) -> np.ndarray:
        nonlocal next_noise
        ids = np.arange(next_noise, next_noise + k, dtype=np.int64)
        next_noise += k
        return ids

    nid = fresh(n)
    carried = _Carried(evaluate)
    ll_t, sim = carried(z, nid)
    ll = ll_t.sum(1)
    prior_sim = carried.predictive(sim)
    local = CountryBlocks.build(block, targets, prep, len(records))
    lam, scale = 0.0, 2.38 / np.sqrt(min(d, RW_COMPONENTS))
    c_scale = 2.38 / np.sqrt(max(local.width, 1))
    stages: list[Stage] = []
    while lam < 1.0 and len(stages) < max_stages:
        t0 = time.perf_counter()
        new_lam = _next_temperature(ll, lam, target_ess * n)
        logw = (new_lam - lam) * ll
        ess = _ess(logw)
        idx = _systematic(logw, rng)
        z, ll, sim, nid = z[idx], ll[idx], sim[idx], nid[idx]
        lam = new_lam
        z, ll, sim, acc, scale = _move(z, ll, sim, nid, lam, scale, moves, rng, carried)
        z, ll, sim, c_acc, c_scale = _country_move(z, sim, nid, lam, c_scale, moves, rng,
                                                   carried, local, carried.loglik(sim))
        z, dll, cols, r_acc = _reading_step(evaluate, z, nid, sim,
                                            np.full(evaluate.n_columns, lam), rng,
                                            carried.counts(sim))
        ll = ll + dll.sum(1)
        carried.moved(sim, cols, dll)
        nid, ll, sim, refreshed = _refresh(z, ll, sim, nid, lam, rng, carried, fresh)
        stage = Stage(lam, ess, acc, scale, time.perf_counter() - t0, refreshed, c_acc,
                      r_acc)
        stages.append(stage)
        if progress is not None:
            progress(stage)
    return CalibrationResult(
        cutoff=cutoff, seed=seed, block=block, z=z, loglik=ll,
        targets=[*targets, *risk_targets(records)], predictive=carried.predictive(sim),
        prior_predictive=prior_sim, stages=stages, seconds=time.perf_counter() - t_start,
        simulations=evaluate.calls, noise=nid, observations=used, statements=fitted,
    )


#: What the moves evaluate particles with: an :class:`_Evaluator`, or anything called like it
#: (per particle and column the log-likelihood, and per particle the draws to carry along).
Evaluate = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class _Carried:
    """The evaluator, with what the next moves need carried along with each particle's
    draws: the draws a move hands on are ``[predictive | log-likelihood per column |
    counts the reporting model reads]`` (the moves keep them row for row with the
    particles they accept).

    Why: the country move needs each column's log-likelihood at the current particles, and
    the reporting model's move the counts they simulate; both were simulated again once a
    stage (two of ~16 batched simulations), though the move that accepted each particle had
    just computed them. Carried, the particles and their noise are the same (the same
    functions at the same points); only the predictive draws differ, as the evaluator's
    own random numbers are drawn fewer times.
    """

    def __init__(self, evaluate: _Evaluator) -> None:
        self.evaluate = evaluate
        self.k = evaluate.n_columns

    @property
    def calls(self) -> int:
        return self.evaluate.calls

    def __call__(self, z: np.ndarray, noise_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll, pred, counts = self.evaluate.columns(z, noise_ids)
        return ll, np.column_stack([pred, ll, counts])

    def predictive(self, sim: np.ndarray) -> np.ndarray:
        return sim[:, : self.k]

    def loglik(self, sim: np.ndarray) -> np.ndarray:
        """(N, K) the log-likelihood of each column at the particles ``sim`` belongs to."""
        return sim[:, self.k: 2 * self.k]

    def counts(self, sim: np.ndarray) -> np.ndarray:
        """(N, len(reading_cols)) the counts the reporting model reads (``sim`` may carry
        more columns after them: :class:`ffcast.calibrate.update._Bridge`'s)."""
        return sim[:, 2 * self.k: 2 * self.k + len(self.evaluate.reading_cols)]

    def moved(self, sim: np.ndarray, cols: np.ndarray, dll: np.ndarray) -> None:
        """The reporting model's move changed columns ``cols`` by ``dll`` (in place)."""
        if len(cols):
            sim[:, self.k + cols] += dll


def _move(z: np.ndarray, ll: np.ndarray, sim: np.ndarray, nid: np.ndarray, lam: float,
          scale: float, moves: int, rng: np.random.Generator, evaluate: Evaluate
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """MH sweeps on the parameters, each one batched simulation of all particles, every
    proposal evaluated with its particle's own noise (common random numbers).

    Even sweeps: a random walk on a random subset of about :data:`RW_COMPONENTS` of each
    particle's components, each stepped by the population's spread of that component
    (Metropolis-within-Gibbs): the likelihood is nearly a product over countries and
    regions, so a move of a few components is accepted with a large step, where a move of
    all ~300 at once must crawl (step ~ 2.38 / sqrt(d)). Odd sweeps: a fresh prior draw
    for a random subset of the components (an independence proposal from the prior, so
    only the likelihood enters the acceptance): weakly informed components regain their
    prior spread after resampling instead of staying on a few ancestors' values. Step and
    subset adapt so about a quarter of the proposals are accepted. At least ``2 x moves``
    sweeps, continued (up to ``8 x moves``) until each particle has been accepted about
    twice on average.
    """
    n, d = z.shape
    accepted = 0.0
    sweeps = 0
    share = 0.25
    pick = min(1.0, RW_COMPONENTS / d)
    while sweeps < 2 * moves or (accepted / n < 2.0 and sweeps < 8 * moves):
        if sweeps % 2 == 0:
            sd = np.maximum(z.std(axis=0), 0.05)
            subset = rng.random((n, d)) < pick
            prop = z + np.where(subset, scale * sd * rng.standard_normal((n, d)), 0.0)
        else:
            subset = rng.random((n, d)) < share
            prop = np.where(subset, rng.standard_normal((n, d)), z)
        ll_t, sim_p = evaluate(prop, nid)
        ll_p = ll_t.sum(1)
        log_a = lam * (ll_p - ll)
        if sweeps % 2 == 0:
            log_a -= 0.5 * ((prop**2).sum(1) - (z**2).sum(1))
        ok = np.log(rng.random(n)) < log_a
        z = np.where(ok[:, None], prop, z)
        ll = np.where(ok, ll_p, ll)
        sim = np.where(ok[:, None], sim_p, sim)
        accepted += ok.sum()
        # Keep both acceptance rates near 0.25 (Roberts & Rosenthal 2001).
        if sweeps % 2 == 0:
            scale = float(np.clip(scale * np.exp(ok.mean() - 0.25), 0.01, 5.0))
        else:
            share = float(np.clip(share * np.exp(ok.mean() - 0.25), 1.0 / d, 0.5))
        sweeps += 1
    return z, ll, sim, accepted / (n * sweeps), scale


@dataclass(frozen=True)
class CountryBlocks:
    """Which components and which statements belong to one country alone.

    ``comp_country[i]`` is the country (its position in the run) whose own component
    ``i`` is (``travellers:<iso3>``, ``country:<return|death>:<iso3>``), else -1;
    ``col_country[k]`` the country of likelihood column ``k`` when the statement counts
    that one country, else -1 (aggregates over several countries, the attack record).
    """

    comp_country: np.ndarray  # (d,)
    col_country: np.ndarray  # (K,)
    n_countries: int

    @classmethod
    def build(cls, block: Block, targets: list[Target], prep: Prepared,
              n_records: int) -> CountryBlocks:
        col = {c: i for i, c in enumerate(prep.countries["iso3"])}
        comp = np.full(block.size, -1, dtype=np.int64)
        for i, name in enumerate(block.names):
            kind, *rest = name.split(":")
            if kind in ("travellers", "country") and rest[-1] in col:
                comp[i] = col[rest[-1]]
        cols = np.full(len(targets) + N_RISK_ROWS * n_records, -1, dtype=np.int64)
        for k, t in enumerate(targets):
            mask = getattr(t, "mask", None)
            if mask is not None and int(np.count_nonzero(mask)) == 1:
                cols[k] = int(np.flatnonzero(mask)[0])
        return cls(comp, cols, len(prep.countries))

    @property
    def width(self) -> int:
        """The most components one country owns."""
        own = self.comp_country[self.comp_country >= 0]
        return int(np.bincount(own).max()) if len(own) else 0

    def by_country(self, values: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """(N, C): the columns of ``values`` (N, M) summed by their ``owner`` country."""
        out = np.zeros((len(values), self.n_countries))
        keep = owner >= 0
        if keep.any():
            for j in np.flatnonzero(keep):  # M is a few hundred: plain loop, no copies
                out[:, owner[j]] += values[:, j]
        return out


def _country_move(z: np.ndarray, sim: np.ndarray, nid: np.ndarray, lam: float,
                  scale: float, sweeps: int, rng: np.random.Generator, evaluate: Evaluate,
                  local: CountryBlocks, llc: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Each country's own components (its travellers, its return and death deviations)
    moved against its own statements, every country at once: delayed acceptance
    (Christen & Fox 2005).

    Why: the random walk of :func:`_move` changes a dozen of ~500 components at a time, so
    a country's three components are proposed once in ~40 sweeps, and a country whose
    statements disagree with its region (France) stays where the tempering left it. Here
    every country proposes a random-walk step of its own components (with the particle's
    noise: common random numbers). Stage 1 accepts or rejects each country on its own
    statements and prior, independently (a product of Metropolis kernels for the part of
    the posterior that factorises by country: a country's simulated counts depend on its
    own components and the shared ones only). Stage 2 accepts the combination, as a whole,
    with the ratio of the remaining likelihood (statements about several countries, the
    attack record) at the combined point, one more simulation. Both stages together leave
    the tempered posterior invariant. The step adapts so about 30% of the countries' stage-1
    proposals are accepted. Returns ``(z, ll, sim, acceptance, scale)``; ``acceptance`` is
    the share of countries' proposals accepted through both stages. ``llc`` (N, K): each
    column's log-likelihood at ``z`` when known (:class:`_Carried`), else one simulation.
    """
    n, d = z.shape
    owned = local.comp_country >= 0
    if not owned.any():
        llc, sim = evaluate(z, nid)
        return z, llc.sum(1), sim, float("nan"), scale
    if llc is None:
        llc, _ = evaluate(z, nid)
    shared = local.col_country < 0
    accepted = 0.0
    for _ in range(sweeps):
        sd = np.maximum(z.std(axis=0), 0.05)
        prop = z + np.where(owned, scale * sd * rng.standard_normal((n, d)), 0.0)
        llc_p, _ = evaluate(prop, nid)
        gain = lam * local.by_country(llc_p - llc, local.col_country)
        gain -= 0.5 * local.by_country(prop**2 - z**2, local.comp_country)
        first = np.log(rng.random((n, local.n_countries))) < gain
        take = np.zeros((n, d), dtype=bool)
        take[:, owned] = first[:, local.comp_country[owned]]
        combined = np.where(take, prop, z)
        llc_s, sim_s = evaluate(combined, nid)
        second = np.log(rng.random(n)) < lam * (llc_s - llc)[:, shared].sum(1)
        z = np.where(second[:, None], combined, z)
        llc = np.where(second[:, None], llc_s, llc)
        sim = np.where(second[:, None], sim_s, sim)
        accepted += float((first & second[:, None]).mean())
        scale = float(np.clip(scale * np.exp(first.mean() - 0.3), 0.01, 5.0))
    return z, llc.sum(1), sim, accepted / max(sweeps, 1), scale


def _refresh(z: np.ndarray, ll: np.ndarray, sim: np.ndarray, nid: np.ndarray, lam: float,
             rng: np.random.Generator, evaluate: Evaluate,
             fresh: Callable[[int], np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Move the simulation noise at fixed parameters: a new noise for each particle,
    accepted with probability min(1, L(theta, u')^lam / L(theta, u)^lam) (the noise's prior
    is its proposal, so it cancels)."""
    new = fresh(len(z))
    ll_t, sim_p = evaluate(z, new)
    ll_p = ll_t.sum(1)
    ok = np.log(rng.random(len(z))) < lam * (ll_p - ll)
    return (np.where(ok, new, nid), np.where(ok, ll_p, ll),
            np.where(ok[:, None], sim_p, sim), float(ok.mean()))


__all__ = ["CALIBRATED_PARAMS", "Block", "CalibrationResult", "CountryBlocks", "RiskTarget",
           "Stage", "assign", "calibrate", "param_value", "poisson_loglik", "risk_targets"]
