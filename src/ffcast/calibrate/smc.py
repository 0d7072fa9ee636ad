"""Sequential Monte Carlo calibration (likelihood tempering) on the vectorised engine.

Warning first: a particle is a point in the *normal scores* of the calibrated uniforms (the
prior there is a standard normal), plus the random numbers of one simulation. Every move
re-simulates the whole population in one batched engine run with fresh simulation noise
(pseudo-marginal Metropolis-Hastings), so the posterior accounts for the model's own
stochasticity. Only data dated up to the cut-off are read (see :mod:`.targets`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numba import njit
from scipy import special

from ffcast.calibrate.likelihood import simulated_value, target_loglik
from ffcast.calibrate.targets import QUANTITIES, Target, build_targets, needed_months
from ffcast.engine import Latent, Prepared, Recording, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.errors import FFCastError
from ffcast.scenario import Scenario
from ffcast.scenario.priors import PARAM_INDEX, REGIONS

# Parameters that act before the cut-off on what the data observe (deaths, returns, stocks).
CALIBRATED_PARAMS: tuple[str, ...] = (
    "death_base", "death_collapse", "capture_collapse", "early_return", "exit_decision",
)
NOISE_OFFSET = 1_000_000_000  # simulation-noise draw ids, apart from any forecast draw
EVALUATION_CHUNK = 250  # particles per engine call in an evaluation


@dataclass
class Block:
    """Which latent uniforms calibration moves: parameter x region, and travellers."""

    params: tuple[str, ...]
    countries: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return ([f"param:{p}:{r}" for p in self.params for r in REGIONS]
                + [f"travellers:{c}" for c in self.countries])

    @property
    def size(self) -> int:
        return len(self.params) * len(REGIONS) + len(self.countries)

    def apply(self, base: Latent, z: np.ndarray) -> Latent:
        """A copy of ``base`` with the calibrated uniforms replaced by ``ndtr(z)``."""
        u = special.ndtr(z)
        n_p = len(self.params) * len(REGIONS)
        params = base.params.copy()
        idx = [PARAM_INDEX[p] for p in self.params]
        params[:, idx, :] = u[:, :n_p].reshape(len(z), len(idx), len(REGIONS))
        return Latent(params=params, pathways=base.pathways, theatres=base.theatres,
                      travellers=u[:, n_p:], collapse=base.collapse)


@dataclass
class Stage:
    """Diagnostics of one tempering stage."""

    temperature: float
    ess: float
    acceptance: float
    scale: float
    seconds: float


@dataclass
class CalibrationResult:
    """Particles (equally weighted), their log-likelihoods and the run's diagnostics."""

    cutoff: str
    seed: int
    block: Block
    z: np.ndarray  # (N, d)
    loglik: np.ndarray  # (N,)
    targets: list[Target]
    predictive: np.ndarray  # (N, n_targets) simulated value per target, final particles
    prior_predictive: np.ndarray  # (N, n_targets) at temperature 0
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0
    simulations: int = 0


class _Evaluator:
    """Runs the engine for a population and returns per-target log-likelihoods."""

    def __init__(self, prep: Prepared, seed: int, targets: list[Target], block: Block):
        self.prep, self.seed, self.targets, self.block = prep, seed, targets, block
        months = needed_months(targets)
        # A monthly inflow at month m is the flow over (m - 1, m]: record m - 1 as well.
        before = [t.month - 1 for t in targets if t.quantity == "inflow" and t.month > 0]
        self.record = Recording(np.unique(np.concatenate([months, before]).astype(np.int64)),
                                flows_from=0)
        self.row = {int(m): r for r, m in enumerate(self.record.months)}
        self.until = int(months.max())
        self.calls = 0
        self._buffer: np.ndarray | None = None

    def __call__(self, z: np.ndarray, noise_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-likelihood per particle and target (N, T), simulated values (N, T)).

        Everything outside the calibrated block (e.g. insurgent hazards, pathway shares) is
        drawn afresh from the prior with the simulation noise, i.e. integrated out.
        """
        lat = self.block.apply(Latent.from_streams(self.prep, self.seed, noise_ids), z)
        n, n_c, n_r = len(z), len(self.prep.countries), len(self.record.months)
        # Per quantity (N, R, C): the population in chunks small enough that their outputs
        # reuse the same memory (no page faults on every call).
        shape = (len(QUANTITIES), n, n_r, n_c)
        if self._buffer is None or self._buffer.shape != shape:  # reused: no page faults
            self._buffer = np.empty(shape, dtype=np.int64)
        q = self._buffer
        for lo in range(0, n, EVALUATION_CHUNK):
            rows = slice(lo, min(n, lo + EVALUATION_CHUNK))
            ch = run_chunk(self.prep, self.seed, noise_ids[rows],
                           latent=lat.take(np.arange(rows.start, rows.stop)),
                           until=self.until, record=self.record, theatre_only=True)
            _quantities(ch.stocks, ch.flows, q, lo)
        self.calls += 1
        seen = {int(m): {name: q[i, :, r] for i, name in enumerate(QUANTITIES)}
                for m, r in self.row.items()}
        ll = np.empty((n, len(self.targets)))
        sim = np.empty((n, len(self.targets)))
        for j, t in enumerate(self.targets):
            ll[:, j] = t.weight * target_loglik(t, seen[t.month])
            sim[:, j] = simulated_value(t, seen[t.month])
        return ll, sim


@njit(cache=True)
def _quantities(stocks: np.ndarray, flows: np.ndarray, out: np.ndarray, lo: int) -> None:
    """Rows ``lo ..`` of ``out`` (QUANTITIES, N, R, C) from one chunk's recorded arrays.

    Flows are summed from 2011-01 to the first recorded month, then between records, so
    their running sum over the records is the count since 2011-01.
    """
    n_c = stocks.shape[2]
    travelled = np.zeros(n_c, dtype=np.int64)
    returned = np.zeros(n_c, dtype=np.int64)
    for d in range(stocks.shape[0]):
        travelled[:] = 0
        returned[:] = 0
        for r in range(stocks.shape[1]):
            for c in range(n_c):
                travelled[c] += flows[d, r, c, L.ARRIVALS]
                returned[c] += flows[d, r, c, L.RETURNS]
                out[0, lo + d, r, c] = travelled[c]
                out[1, lo + d, r, c] = returned[c]
                out[2, lo + d, r, c] = stocks[d, r, c, L.KILLED]
                out[3, lo + d, r, c] = (stocks[d, r, c, L.IN_THEATRE]
                                        + stocks[d, r, c, L.INSURGENT]
                                        + stocks[d, r, c, L.JOINED_OTHER]
                                        + stocks[d, r, c, L.DETAINED])
                out[4, lo + d, r, c] = flows[d, r, c, L.ARRIVALS]


assert QUANTITIES == ("cum_travelled", "cum_returned", "killed", "war_zone", "inflow")


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
) -> CalibrationResult:
    """Fit the calibrated block to the record up to ``cutoff`` (``YYYY-MM``).

    ``targets`` replaces the published record (synthetic-truth tests). Raises FFCastError
    for fewer than 50 particles or a cut-off without data.
    """
    if particles < 50:
        raise FFCastError("particles: use at least 50 (2,000 recommended)")
    t_start = time.perf_counter()
    end = str(pd.Period(cutoff, "M") + 1)
    prep = prepare(Scenario(name=f"calibration-{cutoff}", cutoff=cutoff), end=end)
    targets = build_targets(prep) if targets is None else targets
    if not targets:
        raise FFCastError(f"--cutoff: no calibration data dated up to {cutoff}")
    block = Block(CALIBRATED_PARAMS, tuple(prep.countries["iso3"]))
    evaluate = _Evaluator(prep, seed, targets, block)
    rng = np.random.default_rng([seed, 0xCA1])
    n, d = particles, block.size
    z = rng.standard_normal((n, d))
    next_noise = NOISE_OFFSET

    def noise(k: int) -> np.ndarray:
        nonlocal next_noise
        ids = np.arange(next_noise, next_noise + k)
        next_noise += k
        return ids

    ll_t, sim = evaluate(z, noise(n))
    ll = ll_t.sum(1)
    prior_sim = sim
    lam, scale = 0.0, 2.38 / np.sqrt(d)
    stages: list[Stage] = []
    while lam < 1.0 and len(stages) < max_stages:
        t0 = time.perf_counter()
        new_lam = _next_temperature(ll, lam, target_ess * n)
        logw = (new_lam - lam) * ll
        ess = _ess(logw)
        idx = _systematic(logw, rng)
        z, ll, sim = z[idx], ll[idx], sim[idx]
        lam = new_lam
        z, ll, sim, acc, scale = _move(z, ll, sim, lam, scale, moves, rng, evaluate, noise)
        stage = Stage(lam, ess, acc, scale, time.perf_counter() - t0)
        stages.append(stage)
        if progress is not None:
            progress(stage)
    return CalibrationResult(
        cutoff=cutoff, seed=seed, block=block, z=z, loglik=ll, targets=targets,
        predictive=sim, prior_predictive=prior_sim, stages=stages,
        seconds=time.perf_counter() - t_start, simulations=evaluate.calls,
    )


def _move(z: np.ndarray, ll: np.ndarray, sim: np.ndarray, lam: float, scale: float,
          moves: int, rng: np.random.Generator, evaluate: _Evaluator,
          noise: Callable[[int], np.ndarray]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """MH sweeps alternating two proposals, each one batched simulation of all particles.

    Even sweeps: a random walk with the population's covariance (fits informed directions).
    Odd sweeps: preconditioned Crank-Nicolson on a random quarter of the components,
    ``z' = sqrt(1 - b^2) z + b xi`` with ``xi ~ N(0, I)``, which leaves the prior invariant,
    so weakly informed components keep their prior spread instead of collapsing after
    resampling (Cotter et al. 2013). At least ``moves`` sweeps, continued (up to 4 x)
    until each particle has been accepted about once on average.
    """
    n, d = z.shape
    accepted = 0.0
    sweeps = 0
    beta = 0.5
    while sweeps < 2 * moves or (accepted / n < 1.0 and sweeps < 8 * moves):
        if sweeps % 2 == 0:
            chol = np.linalg.cholesky(np.cov(z, rowvar=False) + 1e-6 * np.eye(d))
            prop = z + scale * rng.standard_normal((n, d)) @ chol.T
        else:
            subset = rng.random((n, d)) < 0.25
            pcn = np.sqrt(1 - beta**2) * z + beta * rng.standard_normal((n, d))
            prop = np.where(subset, pcn, z)
        ll_t, sim_p = evaluate(prop, noise(n))
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
            scale *= float(np.exp(ok.mean() - 0.25))
        else:
            beta = float(np.clip(beta * np.exp(ok.mean() - 0.25), 0.02, 0.99))
        sweeps += 1
    return z, ll, sim, accepted / (n * sweeps), scale
