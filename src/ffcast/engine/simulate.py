"""Run the engine on a chunk of draws: parameters in Python, then one compiled loop.

Warning first: results are a pure function of (scenario, seed, draw indices, months
simulated). Chunking draws differently, another thread count, other processes or a Dask
cluster give bit-identical numbers, because every random number is addressed by (seed,
draw, stream, month, country, slot) rather than drawn from a shared generator (see
:mod:`ffcast.engine.rng`). The simulation starts in 2011-01, or after the month of a
:class:`Snapshot` (the same numbers as simulating those months with the same streams); a
:class:`Recording` only chooses which months are written out, never what is simulated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numba
import numpy as np

from ffcast.engine import groups as G
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
    "Recording", "Snapshot", "_sample_travellers", "pathway_means", "prepare", "run_chunk",
    "sample_parameters", "snapshot",
]


@dataclass(frozen=True)
class Recording:
    """Which months a chunk writes out, and from which month its flows are counted.

    ``months``: sorted, unique indices into ``prep.months``. Stocks are recorded at the end
    of each of these months; the flows of record r are summed over the months
    (months[r-1], months[r]], and for r = 0 over [flows_from, months[0]]. ``flows_from``
    defaults to months[0], so recording every month gives monthly flows; ``flows_from=0``
    makes the cumulative sum over r a count since 2011-01 (calibration, backtests).
    ``groups`` (a subset of ``months``, default none): the months at which each group's
    quantities are also recorded (``ChunkResult.groups``; their flows are those of the
    record's interval ending that month).
    Raises :class:`FFCastError` for months that are not sorted and unique, or a
    ``flows_from`` after the first month.
    """

    months: np.ndarray
    flows_from: int | None = None
    groups: np.ndarray | None = None

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
        if self.groups is not None:
            g = np.atleast_1d(np.asarray(self.groups)).astype(np.int64, copy=True)
            if g.ndim != 1 or not np.isin(g, months).all() or np.any(np.diff(g) <= 0):
                raise FFCastError("record.groups: give sorted, unique months that are "
                                  "recorded (a subset of record.months)")
            g.setflags(write=False)
            object.__setattr__(self, "groups", g)

    @classmethod
    def summary(cls, prep: Prepared, until: int | None = None,
                origin: int | None = None) -> Recording:
        """The origin (default the cut-off), each December after it and the last simulated
        month, flows from the origin: what a headline reduces to (end stocks; flows per
        calendar year after the origin). Memory per draw is one month per year of
        horizon, never per month."""
        last = len(prep.months) - 1 if until is None else min(int(until), len(prep.months) - 1)
        k = prep.cutoff_index if origin is None else int(origin)
        if last <= k:
            return cls(np.array([last]), groups=np.array([last]))
        decembers = [i for i in range(k + 1, last) if prep.months[i].month == 12]
        months = np.array([k, *decembers, last])
        return cls(months, flows_from=k, groups=months[1:])

    @classmethod
    def every_month(cls, prep: Prepared, n_months: int | None = None,
                    groups: str | None = None) -> Recording:
        """Every month from ``prep.record_from`` to the last simulated one (the default);
        the groups' quantities at every month (``groups="all"``), at each December and the
        last month (``"yearly"``), or not at all (None)."""
        n = len(prep.months) if n_months is None else n_months
        months = np.arange(min(prep.record_from, n), n)
        if groups == "all":
            return cls(months, groups=months)
        if groups == "yearly":
            yearly = [m for m in months[:-1] if prep.months[m].month == 12]
            return cls(months, groups=np.array([*yearly, *months[-1:]], dtype=np.int64))
        return cls(months)

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
    (D, K) each draw's reporting bias and noise per kind of source and scope per quantity
    (:data:`ffcast.scenario.reporting.COMPONENTS` order), which the results turn into the
    figures an authority would publish; ``groups`` (D, RG, C, N_GROUPS,
    N_GROUP_QUANTITIES) each group's :data:`ffcast.engine.layout.GROUP_QUANTITIES` (int32)
    at the months ``group_months`` (:attr:`Recording.groups`), else None.
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
    captured: tuple[np.ndarray, np.ndarray] | None = None  # (state, ring) at ``capture``
    groups: np.ndarray | None = None  # (D, RG, C, N_GROUPS, N_GROUP_QUANTITIES) when asked
    group_months: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@dataclass(frozen=True)
class Snapshot:
    """The state of a set of draws (or particles) at the end of month ``month``.

    Everything a run needs to go on from ``month + 1`` as if it had simulated the months
    before: ``state`` (D, C, N_STATE) the person stocks and the bookkeeping (radicalised
    inmates, attacks already scheduled; one row per origin and group, origin x N_GROUPS +
    group), ``ring`` (D, N_EXPECTED, MAX_LAG) the expected West
    attacks already scheduled; and what a record at ``month`` holds: ``month_flows`` (D, C,
    N_FLOWS) the flows of that month alone, ``total_flows`` those since 2011-01,
    ``month_expected`` / ``total_expected`` (D, N_EXPECTED) likewise, ``month_groups`` /
    ``total_groups`` (D, C, N_GROUPS, N_GROUP_QUANTITIES) the groups' record at the month
    (their flows: of the month, or since 2011-01). ``countries`` the
    iso3 codes of axis C. A run from a snapshot gives the same numbers as one that simulates
    those months with the same streams (``tests/engine/test_snapshot.py``).
    """

    month: int
    countries: tuple[str, ...]
    state: np.ndarray
    ring: np.ndarray
    month_flows: np.ndarray
    total_flows: np.ndarray
    month_expected: np.ndarray
    total_expected: np.ndarray
    month_groups: np.ndarray
    total_groups: np.ndarray

    ARRAYS = ("state", "ring", "month_flows", "total_flows", "month_expected",
              "total_expected", "month_groups", "total_groups")

    def __len__(self) -> int:
        return int(self.state.shape[0])

    def take(self, index: np.ndarray) -> Snapshot:
        """The snapshot of a subset (or resampling) of its draws."""
        return Snapshot(self.month, self.countries,
                        **{a: getattr(self, a)[index] for a in self.ARRAYS})

    def for_countries(self, iso3: list[str]) -> Snapshot:
        """The snapshot of ``iso3``: countries do not interact in the people and attacks
        simulated, so the subset resumes exactly like its own run; the *expected* West
        attacks already scheduled (``ring``) sum over the countries captured and cannot be
        split, so they become NaN (a run of a subset that asks for them gets NaN for the
        months they fall due, never a wrong number).
        Raises :class:`FFCastError` for a country the snapshot lacks."""
        if tuple(iso3) == self.countries:
            return self
        col = {c: i for i, c in enumerate(self.countries)}
        missing = [c for c in iso3 if c not in col]
        if missing:
            raise FFCastError(f"snapshot: no stored state for {', '.join(missing)}")
        idx = np.array([col[c] for c in iso3], dtype=np.int64)
        rows = (idx[:, None] * L.N_GROUPS + np.arange(L.N_GROUPS)[None, :]).ravel()
        nan = np.full_like
        return Snapshot(self.month, tuple(iso3), self.state[:, rows], nan(self.ring, np.nan),
                        self.month_flows[:, idx], self.total_flows[:, idx],
                        nan(self.month_expected, np.nan), nan(self.total_expected, np.nan),
                        self.month_groups[:, idx], self.total_groups[:, idx])

    def resumes(self, record: Recording) -> bool:
        """Whether a run recording ``record`` can start from this snapshot: every record at
        or after ``month``, and one at ``month`` counting its flows from ``month`` or from
        2011-01 (the snapshot holds both); a first record after ``month`` must not count
        flows from before it."""
        m = record.months
        if not m.size or m[0] < self.month:
            return False
        if m[0] == self.month:
            return record.first_flow_month in (self.month, 0)
        return record.first_flow_month > self.month


def _recording(prep: Prepared, record: Recording | None, n_months: int) -> Recording:
    if record is None:
        return Recording.every_month(prep, n_months, groups="all")
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
              expected: bool = False, start: Snapshot | None = None,
              history_keys: np.ndarray | None = None, history_until: int = -1,
              capture: int | None = None) -> ChunkResult:
    """Simulate ``draws`` (array of draw indices) and return the recorded arrays.

    ``draws`` index the random streams; ``latent`` (optional) replaces the uniforms behind
    the parameters (calibration particles, posterior draws). ``until`` stops after that
    month index (e.g. the cut-off). ``record`` chooses the months written out (default:
    every month from ``prep.record_from``, with the groups; memory is D x R x C x 40 x 4
    bytes, so ask for
    the few months a summary needs). ``theatre_only`` skips the home pipeline and plots
    (calibration needs only arrivals, theatre stocks and return flows): returnees are
    counted in the flows but enter no home stock, so people are NOT conserved in the
    stocks. ``expected`` also records the expected attacks in the West (``ChunkResult.
    expected``; calibration's likelihood of the attack record). Pass a dict as ``timings``
    to accumulate seconds: ``parameters`` and each step
    of ``STEP_ORDER`` (the compiled loop's time split by the CPU cycles each step took;
    profiling costs a few per cent). ``start`` (a :class:`Snapshot` of these draws, in
    ``prep``'s countries) simulates only the months after ``start.month``; ``record`` must
    then satisfy ``start.resumes`` (a record at ``start.month`` is filled from it).
    ``history_keys`` (D, streams) are the streams of months up to ``history_until`` (a
    particle's own history; :func:`ffcast.engine.rng.stream_keys`), ``seed`` and ``draws``
    those of later months. ``capture`` (a month index) also returns the state at the end
    of that month (``ChunkResult.captured``; use :func:`snapshot` for a whole
    :class:`Snapshot`).
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
    first, init_state, init_ring = 0, _NO_STATE, _NO_RING
    if start is not None:
        _check_start(prep, start, rec, n_d, theatre_only)
        first = start.month + 1
        init_state = np.ascontiguousarray(start.state, dtype=np.int64)
        init_ring = np.ascontiguousarray(start.ring, dtype=np.float64)
        if rec.months.size and rec.months[0] == start.month:
            _fill_first_record(start, rec, stocks, flows,
                               expected_out if expected and not theatre_only else None)
    hist = _NO_KEYS if history_keys is None else np.ascontiguousarray(history_keys,
                                                                      dtype=np.uint64)
    if history_keys is not None and hist.shape[0] != n_d:
        raise FFCastError("history_keys: give one row of stream keys per draw")
    status = np.zeros(n_d, dtype=np.int64)
    clock = np.zeros((n_d, N_STEPS if timings is not None else 0), dtype=np.uint64)
    drive = np.ascontiguousarray(G.rows(prep.arrivals * prep.border))
    capture_month = -1 if capture is None else int(capture)
    capture_state = (np.zeros((n_d, n_c * L.N_GROUPS, L.N_STATE), dtype=np.int64)
                     if capture is not None else _NO_STATE)
    group_months = rec.groups if rec.groups is not None else _NO_MONTHS
    groups_out = (np.zeros((n_d, group_months.size, n_c, L.N_GROUPS, L.N_GROUP_QUANTITIES),
                           dtype=np.int32) if group_months.size else _NO_GROUPS)
    if start is not None and group_months.size and group_months[0] == start.month:
        whole = rec.first_flow_month == 0
        groups_out[:, 0] = _int32(start.total_groups if whole else start.month_groups,
                                  "group count")
    capture_ring = (np.zeros((n_d, L.N_EXPECTED, L.MAX_LAG)) if capture is not None
                    else _NO_RING)
    t1 = time.perf_counter()
    # Dynamic scheduling, one draw at a time: a static split would leave the run waiting for
    # whichever thread shares its core with another process (draws cost the same to start).
    chunksize = numba.set_parallel_chunksize(1)
    try:
        loop.simulate_chunk(
            stream_keys(seed, draws), np.ascontiguousarray(dp.travellers, dtype=np.float64),
            drive, dp.params_pre, dp.params_post, dp.pathways_pre, dp.pathways_post,
            dp.pathways_pre_policy, dp.pathways_post_policy,
            dp.theatres, np.ascontiguousarray(dp.pressure), np.ascontiguousarray(dp.capacity),
            np.ascontiguousarray(dp.routes, dtype=np.float64), G.row_codes(prep.codes),
            np.ascontiguousarray(G.rows(prep.west, axis=0), dtype=np.bool_),
            int(prep.policy_index),
            int(prep.cutoff_index), int(n_t), bool(theatre_only),
            bool(expected and not theatre_only), rec.months, rec.first_flow_month, stocks,
            flows, expected_out, status, clock, int(first), init_state, init_ring, hist,
            int(history_until) if history_keys is not None else -1, int(capture_month),
            capture_state, capture_ring, np.ascontiguousarray(dp.births, dtype=np.float64),
            group_months, groups_out)
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
                       reporting=dp.reporting,
                       captured=None if capture is None else (capture_state, capture_ring),
                       groups=groups_out if group_months.size else None,
                       group_months=group_months.copy())


_NO_STATE = np.zeros((0, 0, L.N_STATE), dtype=np.int64)
_NO_RING = np.zeros((0, L.N_EXPECTED, L.MAX_LAG))
_NO_KEYS = np.zeros((0, 0), dtype=np.uint64)
_NO_GROUPS = np.zeros((0, 0, 0, 0, 0), dtype=np.int32)
_NO_MONTHS = np.zeros(0, dtype=np.int64)


def _check_start(prep: Prepared, start: Snapshot, rec: Recording, n_d: int,
                 theatre_only: bool) -> None:
    if len(start) != n_d or start.state.shape[1] != len(prep.countries) * L.N_GROUPS:
        raise FFCastError(f"start: a snapshot of {len(start)} draws x "
                          f"{start.state.shape[1]} engine rows for {n_d} draws x "
                          f"{len(prep.countries)} countries x {L.N_GROUPS} groups (a state "
                          "stored before men, women and minors were simulated apart: "
                          "recalibrate, or run without the stored states)")
    if tuple(prep.countries["iso3"]) != start.countries:
        raise FFCastError("start: the snapshot's countries differ from the run's; use "
                          "Snapshot.for_countries")
    if theatre_only:
        raise FFCastError("start: a theatre-only run cannot start from a snapshot")
    if not 0 <= start.month < len(prep.months) - 1:
        raise FFCastError(f"start: month {start.month} leaves nothing to simulate")
    if not start.resumes(rec):
        raise FFCastError(f"record: a run from the state at month {start.month} can record "
                          "only that month and later ones, with flows counted from it")


def _int32(values: np.ndarray, what: str) -> np.ndarray:
    if values.size and values.max() > np.iinfo(np.int32).max:
        raise FFCastError(f"start: a {what} exceeds the int32 range")
    return values.astype(np.int32)


def _fill_first_record(start: Snapshot, rec: Recording, stocks: np.ndarray,
                       flows: np.ndarray, expected: np.ndarray | None) -> None:
    """The record at the snapshot's month, from the snapshot (checked for int32)."""
    whole = rec.first_flow_month == 0
    per_row = start.state[..., :L.N_STOCKS]
    folded = per_row.reshape(per_row.shape[0], -1, L.N_GROUPS, L.N_STOCKS).sum(axis=2)
    parts = ((folded, stocks, "stock"),
             (start.total_flows if whole else start.month_flows, flows, "flow"))
    for src, out, what in parts:
        if src.size and (src.max() > np.iinfo(np.int32).max):
            raise FFCastError(f"start: a {what} at month {start.month} exceeds the int32 range")
        out[:, 0] = src
    if expected is not None:
        expected[:, 0] = start.total_expected if whole else start.month_expected


def snapshot(prep: Prepared, seed: int, draws: np.ndarray, month: int, *,
             latent: Latent | None = None) -> Snapshot:
    """Simulate ``draws`` from 2011-01 to the end of ``month`` (with the expected West
    attacks) and return their :class:`Snapshot` there."""
    month = int(month)
    if not 1 <= month < len(prep.months):
        raise FFCastError(f"snapshot: month {month} is outside the run (1..{len(prep.months) - 1})")
    both = np.array([month - 1, month])
    ch = run_chunk(prep, seed, draws, latent=latent, until=month,
                   record=Recording(both, flows_from=0, groups=both), expected=True,
                   capture=month)
    assert ch.captured is not None and ch.groups is not None
    state, ring = ch.captured
    month_flows = ch.flows[:, 1].astype(np.int64)
    month_groups = ch.groups[:, 1].astype(np.int64)
    total_groups = month_groups.copy()  # persons at the month; flows since 2011-01
    total_groups[..., L.GQ_ARRIVALS:] += ch.groups[:, 0, ..., L.GQ_ARRIVALS:]
    return Snapshot(month, tuple(prep.countries["iso3"]), state, ring, month_flows,
                    ch.flows[:, 0].astype(np.int64) + month_flows, ch.expected[:, 1].copy(),
                    ch.expected[:, 0] + ch.expected[:, 1], month_groups, total_groups)
