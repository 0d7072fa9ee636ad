"""The compiled loop of one chunk: draws in parallel, each draw month by month (numba).

Warning first: this is one parallel region per chunk (``prange`` over draws), and inside it
no Python at all: a draw's whole state (a few tens of KB) stays in the core's cache while
its months run, each month being the plan of :mod:`ffcast.engine.kernel` (every step over
every country). Draws are handed to threads one at a time (dynamic scheduling, set by the
caller), and never share anything but read-only inputs, so the thread count cannot
change a number; every random number is addressed by (seed, draw, stream, month, country,
slot), so neither can chunking.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array, populate_array

from ffcast.engine import layout as L
from ffcast.engine.hazards import N_HAZARD_COLUMNS, N_HAZARD_ROWS, stock_hazards
from ffcast.engine.kernel import month


def borrow(arr: np.ndarray) -> np.ndarray:
    """The same array without its reference count (valid only while ``arr`` is alive).

    Why: numba increments and decrements an array's shared reference count, atomically,
    whenever a view of it is made or handed to a function it does not inline. In the hot
    loop that is millions of atomic operations on one cache line that both threads write,
    which cost more than the model itself. A borrowed array has no reference count, so
    those operations become a null check. Use it only for arrays that outlive the loop.
    In pure Python (``NUMBA_DISABLE_JIT=1``, ``.py_func``) it returns ``arr`` itself.
    """
    return arr


@intrinsic
def _borrow(typingctx, arr):  # type: ignore[no-untyped-def]
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        src = make_array(arr)(context, builder, args[0])
        out = make_array(arr)(context, builder)
        populate_array(out, data=src.data, shape=src.shape, strides=src.strides,
                       itemsize=src.itemsize, meminfo=None, parent=None)
        return out._getvalue()

    return arr(arr), codegen


@overload(borrow)
def _borrow_overload(arr):  # type: ignore[no-untyped-def]
    if isinstance(arr, types.Array):
        return lambda arr: _borrow(arr)
    return None


@njit(cache=True, error_model="numpy")
def simulate_draw(i: int, keys: np.ndarray, travellers: np.ndarray, drive: np.ndarray,
                  params_pre: np.ndarray, params_post: np.ndarray, paths_pre: np.ndarray,
                  paths_post: np.ndarray, paths_pre_policy: np.ndarray,
                  paths_post_policy: np.ndarray, theatres: np.ndarray, pressure: np.ndarray,
                  capacity: np.ndarray, routes: np.ndarray, codes: np.ndarray, west: np.ndarray,
                  policy_index: int, cutoff_index: int, n_months: int, theatre_only: bool,
                  expect: bool, rec_months: np.ndarray, flows_from: int,
                  stocks_out: np.ndarray, flows_out: np.ndarray, expected_out: np.ndarray,
                  clock: np.ndarray, t0: int, init_state: np.ndarray, init_ring: np.ndarray,
                  hist_keys: np.ndarray, hist_until: int, capture_month: int,
                  cap_state: np.ndarray, cap_ring: np.ndarray, births: np.ndarray,
                  group_months: np.ndarray, groups_out: np.ndarray) -> int:
    """Simulate draw ``i`` (row i of every per-draw input) from month ``t0``; returns a status.

    ``t0 > 0`` starts from ``init_state[i]`` and ``init_ring[i]`` (the draw's state at the
    end of month ``t0 - 1``); months ``t <= hist_until`` read the random streams of
    ``hist_keys[i]`` (the particle's own history) and later months those of ``keys[i]``;
    at the end of month ``capture_month`` the state and the ring are copied to
    ``cap_state[i]`` and ``cap_ring[i]``.
    """
    n_c = codes.shape[0]  # engine rows: origin x N_GROUPS + group
    n_o = n_c // L.N_GROUPS
    owned = (np.zeros((n_c, L.N_STATE), dtype=np.int64),
             np.zeros((n_c, L.N_FLOWS), dtype=np.int64),
             np.zeros((n_c, 4), dtype=np.int64))
    tables = (np.zeros((n_c, N_HAZARD_ROWS, N_HAZARD_COLUMNS)),
              np.zeros((n_c, N_HAZARD_ROWS, N_HAZARD_COLUMNS)))
    spare_owned = (np.zeros((n_o, L.N_STOCKS), dtype=np.int32),
                   np.zeros((n_o, L.N_FLOWS), dtype=np.int32),
                   np.zeros((0, 0, 0), dtype=np.int32))
    floats = (np.zeros((L.N_EXPECTED, L.MAX_LAG)), np.zeros(L.N_EXPECTED),
              np.zeros(L.N_EXPECTED))
    # Everything below runs on borrowed arrays (see `borrow`): no reference counting.
    state, flows, home_bound = borrow(owned[0]), borrow(owned[1]), borrow(owned[2])
    spare_stocks, spare_flows = borrow(spare_owned[0]), borrow(spare_owned[1])
    no_groups = borrow(spare_owned[2])
    n_grp = group_months.shape[0] if groups_out.shape[0] > 0 else 0
    rg = 0
    while rg < n_grp and group_months[rg] < t0:
        rg += 1
    born = births[i] / 12.0  # births per woman and month
    travellers, pressure = borrow(travellers[i]), borrow(pressure[i])
    capacity, routes = borrow(capacity[i]), borrow(routes[i])
    ring, expected, spare_expected = borrow(floats[0]), borrow(floats[1]), borrow(floats[2])
    params_pre, params_post = borrow(params_pre[i]), borrow(params_post[i])
    hazards_pre, hazards_post = borrow(tables[0]), borrow(tables[1])
    stock_hazards(params_pre, hazards_pre)
    stock_hazards(params_post, hazards_post)
    paths_pre, paths_post = borrow(paths_pre[i]), borrow(paths_post[i])
    paths_pre_policy = borrow(paths_pre_policy[i])
    paths_post_policy = borrow(paths_post_policy[i])
    theatres, clock = borrow(theatres[i]), borrow(clock[i])
    own_keys = borrow(keys[i])
    past_keys = borrow(hist_keys[i]) if hist_until >= 0 else own_keys
    drive, codes, west = borrow(drive), borrow(codes), borrow(west)
    if t0 > 0:
        state[:, :] = init_state[i]
        ring[:, :] = init_ring[i]
    n_rec = rec_months.shape[0]
    r = 0
    while r < n_rec and rec_months[r] < t0:
        r += 1  # records before the start are the caller's (from the stored state)
    status = 0
    for t in range(t0, n_months):
        month_keys = past_keys if t <= hist_until else own_keys
        after = t >= policy_index
        params = params_post if after else params_pre
        hazards = hazards_post if after else hazards_pre
        if t > cutoff_index:  # the scenario's shares after the cut-off, the levers' from start
            paths = paths_post_policy if after else paths_post
        else:
            paths = paths_pre_policy if after else paths_pre
        recording = r < n_rec and rec_months[r] == t
        grouping = recording and rg < n_grp and group_months[rg] == t
        group_row = groups_out[i, rg] if grouping else no_groups
        stock_row = stocks_out[i, r] if recording else spare_stocks
        flow_row = flows_out[i, r] if recording else spare_flows
        expected_row = expected_out[i, r] if recording and expect else spare_expected
        before = t < flows_from
        status = month(state, flows, params, hazards, paths, theatres, travellers, drive,
                       pressure[t], capacity[t], routes[t, 0], routes[t, 1], routes[t, 2],
                       routes[t, 3], routes[t, 4], month_keys, t, codes, theatre_only,
                       stock_row, flow_row,
                       recording, before, home_bound, west, ring, expected, expected_row,
                       expect, clock, born, group_row)
        if status:
            break
        if recording:
            r += 1
        if grouping:
            rg += 1
        if t == capture_month:
            cap_state[i] = state
            cap_ring[i] = ring
    # The owned arrays must outlive every use of their borrowed views above.
    owned[0][0, 0] += 0
    tables[0][0, 0, 0] += 0.0
    spare_owned[0][0, 0] += 0
    floats[0][0, 0] += 0.0
    return status


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def simulate_chunk(keys: np.ndarray, travellers: np.ndarray, drive: np.ndarray,
                   params_pre: np.ndarray, params_post: np.ndarray, paths_pre: np.ndarray,
                   paths_post: np.ndarray, paths_pre_policy: np.ndarray,
                   paths_post_policy: np.ndarray, theatres: np.ndarray, pressure: np.ndarray,
                   capacity: np.ndarray, routes: np.ndarray, codes: np.ndarray,
                   west: np.ndarray, policy_index: int, cutoff_index: int, n_months: int,
                   theatre_only: bool, expect: bool, rec_months: np.ndarray,
                   flows_from: int, stocks_out: np.ndarray, flows_out: np.ndarray,
                   expected_out: np.ndarray, status: np.ndarray, clock: np.ndarray,
                   t0: int, init_state: np.ndarray, init_ring: np.ndarray,
                   hist_keys: np.ndarray, hist_until: int, capture_month: int,
                   cap_state: np.ndarray, cap_ring: np.ndarray, births: np.ndarray,
                   group_months: np.ndarray, groups_out: np.ndarray) -> None:
    """Every draw of a chunk, in parallel; ``status[i]`` is draw i's status code.

    Per-draw inputs lead with the draw axis: ``keys`` (D, streams), ``travellers`` (D, C),
    ``params_*`` (D, C, P), ``paths_*`` (D, C, 5), ``theatres`` (D, C, 7), ``pressure`` and
    ``capacity`` (D, T), ``births`` (D,) per woman and year; C counts engine rows (origin x
    N_GROUPS + group); ``drive`` (T, C) is the share of a row's travellers arriving
    each month, ``routes`` (D, T, 5) the post-collapse regime (return ease, route closure, what
    is left of the external-operations network, the security response at home and its
    review of the returnees already home:
    ``ffcast.engine.parameters.routes``), ``west``
    (C,) whether an origin is
    Western. Outputs ``stocks_out`` (D, R, O, N_STOCKS) and ``flows_out`` (D, R, O,
    N_FLOWS) per origin (O = C / N_GROUPS) at months ``rec_months``, ``groups_out`` (D, R,
    O, N_GROUPS, N_GROUP_QUANTITIES) at ``group_months`` (a subset of ``rec_months``) when
    it has draws (else (0, 0, 0, 0, 0)), and with ``expect`` the expected attacks in the West
    ``expected_out`` (D, R, N_EXPECTED); ``clock`` is (D, 5)
    cycle counts per step when profiling, else (D, 0). ``t0``, ``init_*``, ``hist_*`` and
    ``capture_*``: start from a stored state, read a particle's own streams up to a month,
    copy the state out at a month (see :func:`simulate_draw`; unused ones are (D, 0, ...)
    arrays). Releases the GIL (a server thread keeps answering while a chunk runs).
    """
    for i in prange(keys.shape[0]):
        status[i] = simulate_draw(i, keys, travellers, drive, params_pre, params_post,
                                  paths_pre, paths_post, paths_pre_policy, paths_post_policy,
                                  theatres, pressure, capacity, routes,
                                  codes, west, policy_index, cutoff_index, n_months,
                                  theatre_only, expect, rec_months, flows_from, stocks_out,
                                  flows_out, expected_out, clock, t0, init_state, init_ring,
                                  hist_keys, hist_until, capture_month, cap_state, cap_ring,
                                  births, group_months, groups_out)
