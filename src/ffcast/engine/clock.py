"""Per-step profiles of the compiled loop: the CPU's cycle counter, read between steps.

Warning first: this only measures when asked (``run_chunk(..., timings={})``); otherwise the
clock is an empty array and every reading is skipped. Cycles are turned into seconds by
sharing out the compiled loop's wall time in proportion, so the split is exact in total and
approximate per step (a reading costs ~20 cycles, a country-month a few hundred).
"""

from __future__ import annotations

import time

import llvmlite.ir as ir
import numpy as np
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic, overload


def cycles() -> int:
    """The CPU's cycle counter (compiled); nanoseconds in pure Python."""
    return time.perf_counter_ns()


@intrinsic
def _read_cycle_counter(typingctx):  # type: ignore[no-untyped-def]
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fnty = ir.FunctionType(ir.IntType(64), [])
        return builder.call(cgutils.get_or_insert_function(builder.module, fnty,
                                                           "llvm.readcyclecounter"), [])

    return types.uint64(), codegen


@overload(cycles)
def _cycles_overload():  # type: ignore[no-untyped-def]
    return lambda: _read_cycle_counter()


@njit(cache=True, inline="always", error_model="numpy")
def start(clock: np.ndarray) -> np.uint64:
    """The cycle counter now when profiling (``clock`` non-empty), else 0."""
    return cycles() if clock.shape[0] else np.uint64(0)


@njit(cache=True, inline="always", error_model="numpy")
def tick(clock: np.ndarray, step: int, since: np.uint64) -> np.uint64:
    """Add the cycles since ``since`` to ``clock[step]`` when profiling (``clock`` non-empty)."""
    if clock.shape[0] == 0:
        return since
    now = cycles()
    clock[step] += now - since
    return now
