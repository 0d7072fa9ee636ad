"""The stepped stock-and-flow engine (pure numerics; no I/O, no pandas in the inner loop).

It reads the scenario layer (priors, scenario models) and is read by results, calibration and
the run loop; it never imports anything above it.
"""

from ffcast.engine import jit  # noqa: F401  (first: cache stamps over all engine sources)
from ffcast.engine.simulate import (
    STEP_ORDER,
    ChunkResult,
    Latent,
    Prepared,
    Recording,
    Snapshot,
    prepare,
    run_chunk,
    sample_parameters,
    snapshot,
)

__all__ = [
    "STEP_ORDER",
    "ChunkResult",
    "Latent",
    "Prepared",
    "Recording",
    "Snapshot",
    "prepare",
    "run_chunk",
    "sample_parameters",
    "snapshot",
]
