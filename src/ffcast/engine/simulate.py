"""Run the engine on a chunk of draws: parameters in Python, then one compiled loop.

Warning first: results are a pure function of (scenario, seed, draw indices, months
simulated). Chunking draws differently, another thread count, other processes or a Dask
cluster give bit-identical numbers, because every random number is addressed by (seed,
draw, stream, month, country, slot) rather than drawn from a shared generator (see
:mod:`ffcast.engine.rng`). The simulation always starts in 2011-01; a :class:`Recording`
only chooses which months are written out, never what is simulated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numba
import numpy as np

from ffcast.engine import layout as L
from ffcast.engine import loop
from ffcast.engine.kernel import (
    N_STEPS,
    OVERFLOW_FLOW,
    OVERFLOW_STOCK,
    STEP_ORDER,
    TOO_MANY_ATTACKS,
)
from ffcast.engine.parameters import (  # re-exported: the engine's public names
    DrawParameters,
    Latent,
    _sample_travellers,
    pathway_means,
    sample_parameters,
)
from ffcast.engine.prepared import SIM_START, Prepared, prepare
from ffcast.engine.rng import stream_keys
from ffcast.errors import FFCastError, ScenarioError
from ffcast.scenario.reporting import COMPONENTS as REPORTING_COMPONENTS

__all__ = [
    "SIM_START", "STEP_ORDER", "ChunkResult", "DrawParameters", "Latent", "Prepared",
    "Recording", "_sample_travellers", "pathway_means", "prepare", "run_chunk",
    "sample_parameters",
]


@dataclass(frozen=True)
class Recording:
    """Which months a chunk writes out, and from which month its flows are counted.

    ``months``: sorted, unique indices into ``prep.months``. Stocks are recorded at the end
    of each of these months; the flows of record r are summed over the months
    (months[r-1], months[r]], and for r = 0 over [flows_from, months[0]]. ``flows_from``
    defaults to months[0], so recording every month gives monthly flows; ``flows_from=0``
    makes the cumulative sum over r a count since 2011-01 (calibration, backtests).
    Raises :class:`FFCastError` for months that are not sorted and unique, or a
    ``flows_from`` after the first month.
    """

    months: np.ndarray
    flows_from: int | None = None

    def __post_init__(self) -> None:
        months = np.atleast_1d(np.asarray(self.months)).astype(np.int64, copy=True)
        if months.ndim != 1:
            raise FFCastError("record.months: give a 1-D list of month indices")
        if months.size and (months[0] < 0 or np.any(np.diff(months) <= 0)):
            raise FFCastError("record.months: month indices must be >= 0, sorted and unique")
        months.setflags(write=False)
        object.__setattr__(self, "months", months)
        if self.flows_from is not None:
            start = int(self.flows_from)
            if start < 0 or (months.size and start > months[0]):
                raise FFCastError(f"record.flows_from: {start} must lie in [0, first recorded "
                                  f"month {months[0] if months.size else 0}]")
            object.__setattr__(self, "flows_from", start)

    @classmethod
    def summary(cls, prep: Prepared, until: int | None = None) -> Recording:
        """The cut-off, each December after it and the last simulated month, flows from the
        cut-off: what a headline reduces to (end stocks; flows per calendar year after the
        cut-off). Memory per draw is one month per year of horizon, never per month."""
        last = len(prep.months) - 1 if until is None else min(int(until), len(prep.months) - 1)
        if last <= prep.cutoff_index:
            return cls(np.array([last]))
        decembers = [i for i in range(prep.cutoff_index + 1, last)
                     if prep.months[i].month == 12]
        months = np.array([prep.cutoff_index, *decembers, last])
        return cls(months, flows_from=prep.cutoff_index)

    @property
    def first_flow_month(self) -> int:
        """The first month whose flows are counted (``flows_from`` or the first month)."""
        if self.flows_from is not None:
            return self.flows_from
        return int(self.months[0]) if self.months.size else 0


@dataclass
class ChunkResult:
    """Recorded arrays of one chunk of draws.

    ``stocks`` (D, R, C, N_STOCKS) end-of-month stocks and ``flows`` (D, R, C, N_FLOWS) flows
    summed over each recorded interval (see :class:`Recording`), both int32 counts;
    ``months`` (R,) the recorded month indices into ``prep.months``; ``territory`` (D, R);
    ``flows_from`` the first month counted in the first record's flows; ``expected`` (D, R,
    N_EXPECTED) float64, summed like the flows: the expected numbers of attacks linked to
    foreign fighters executed in Western countries and of those with 12 or more deaths
    (given the simulated stocks), when the run asked for them, else zeros; ``reporting``
    (D, 6) each draw's reporting bias and noise per kind of source
    (:data:`ffcast.scenario.reporting.COMPONENTS` order), which the results turn into the
    figures an authority would publish.
    """

    draws: np.ndarray
    stocks: np.ndarray
    flows: np.ndarray
    territory: np.ndarray
    months: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    timings: dict[str, float] = field(default_factory=dict)
    flows_from: int = 0  # the first month counted in flows[:, 0]
    expected: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, L.N_EXPECTED)))
    reporting: np.ndarray = field(default_factory=lambda: np.zeros((0, len(REPORTING_COMPONENTS))))


def _recording(prep: Prepared, record: Recording | None, n_months: int) -> Recording:
    if record is None:
        return Recording(np.arange(min(prep.record_from, n_months), n_months))
    if record.months.size and record.months[-1] >= n_months:
        raise FFCastError(f"record.months: month {int(record.months[-1])} is after the last "
                          f"simulated month {n_months - 1}")
    return record


def _status_message(code: int) -> str:
    if code >= TOO_MANY_ATTACKS:
        target = L.TARGETS[code - TOO_MANY_ATTACKS]
        return (f"mass_casualty_attacks[{target}]: more than 100,000 in one country-month; the "
                "inputs are implausible (check plot-rate and attack parameter overrides)")
    if code >= OVERFLOW_FLOW:
        name = L.FLOW_NAMES[code - OVERFLOW_FLOW]
    else:
        name = L.STOCK_NAMES[code - OVERFLOW_STOCK]
    return (f"{name}: a recorded count exceeds the int32 range (2,147,483,647); the inputs "
            "are implausible (check parameter overrides)")


def run_chunk(prep: Prepared, seed: int, draws: np.ndarray, *, latent: Latent | None = None,
              until: int | None = None, record: Recording | None = None,
              theatre_only: bool = False, timings: dict[str, float] | None = None,
              expected: bool = False) -> ChunkResult:
    """Simulate ``draws`` (array of draw indices) and return the recorded arrays.

    ``draws`` index the random streams; ``latent`` (optional) replaces the uniforms behind
    the parameters (calibration particles, posterior draws). ``until`` stops after that
    month index (e.g. the cut-off). ``record`` chooses the months written out (default:
    every month from ``prep.record_from``; memory is D x R x C x 40 x 4 bytes, so ask for
    the few months a summary needs). ``theatre_only`` skips the home pipeline and plots
    (calibration needs only arrivals, theatre stocks and return flows): returnees are
    counted in the flows but enter no home stock, so people are NOT conserved in the
    stocks. ``expected`` also records the expected attacks in the West (``ChunkResult.
    expected``; calibration's likelihood of the attack record). Pass a dict as ``timings``
    to accumulate seconds: ``parameters`` and each step
    of ``STEP_ORDER`` (the compiled loop's time split by the CPU cycles each step took;
    profiling costs a few per cent).
    Raises :class:`FFCastError` if a recorded count would not fit in int32.
    """
    t0 = time.perf_counter()
    draws = np.asarray(draws, dtype=np.int64)
    if draws.ndim != 1:
        raise ScenarioError("draws: give a 1-D array of draw indices")
    n_t = len(prep.months) if until is None else min(int(until) + 1, len(prep.months))
    rec = _recording(prep, record, n_t)
    dp = sample_parameters(prep, seed, draws, latent, until=n_t - 1, theatre_only=theatre_only)
    n_d, n_c, n_r = len(draws), len(prep.countries), rec.months.size
    stocks = np.empty((n_d, n_r, n_c, L.N_STOCKS), dtype=np.int32)
    flows = np.empty((n_d, n_r, n_c, L.N_FLOWS), dtype=np.int32)
    expected_out = np.zeros((n_d, n_r, L.N_EXPECTED))
    status = np.zeros(n_d, dtype=np.int64)
    clock = np.zeros((n_d, N_STEPS if timings is not None else 0), dtype=np.uint64)
    drive = np.ascontiguousarray(prep.shape[:, None] * prep.border)
    t1 = time.perf_counter()
    # Dynamic scheduling, one draw at a time: a static split would leave the run waiting for
    # whichever thread shares its core with another process (draws cost the same to start).
    chunksize = numba.set_parallel_chunksize(1)
    try:
        loop.simulate_chunk(
            stream_keys(seed, draws), np.ascontiguousarray(dp.travellers, dtype=np.float64),
            drive, dp.params_pre, dp.params_post, dp.pathways_pre, dp.pathways_post,
            dp.theatres, np.ascontiguousarray(dp.pressure), np.ascontiguousarray(dp.capacity),
            np.ascontiguousarray(dp.routes, dtype=np.float64), prep.codes,
            np.ascontiguousarray(prep.west, dtype=np.bool_), int(prep.policy_index),
            int(prep.cutoff_index), int(n_t), bool(theatre_only),
            bool(expected and not theatre_only), rec.months, rec.first_flow_month, stocks,
            flows, expected_out, status, clock)
    finally:
        numba.set_parallel_chunksize(chunksize)
    t2 = time.perf_counter()
    bad = np.flatnonzero(status)
    if bad.size:
        raise FFCastError(f"draw {int(draws[bad[0]])}: {_status_message(int(status[bad[0]]))}")
    if timings is not None:
        timings["parameters"] = timings.get("parameters", 0.0) + t1 - t0
        cycles = clock.sum(axis=0, dtype=np.float64)
        share = cycles / cycles.sum() if cycles.sum() > 0 else np.zeros(N_STEPS)
        for step, s in zip(STEP_ORDER, share, strict=True):
            timings[step] = timings.get(step, 0.0) + float(s) * (t2 - t1)
    return ChunkResult(draws=draws, stocks=stocks, flows=flows,
                       territory=dp.territory[:, rec.months], months=rec.months.copy(),
                       timings=dict(timings) if timings else {},
                       flows_from=rec.first_flow_month, expected=expected_out,
                       reporting=dp.reporting)
