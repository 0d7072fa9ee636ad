"""Compile (or load) the engine's numba code once, so no later run pauses for it.

Warning first: numba compiles on first use and caches the machine code on disk (in
``src/ffcast/engine/__pycache__`` or ``NUMBA_CACHE_DIR``). ``make run`` calls this right
after installing, so a newcomer's first ``ffcast`` command loads the cache (~0.4 s)
instead of compiling (~30-50 s on a 2-core machine). Safe to run any time.

    python -m ffcast.engine.warm
"""

from __future__ import annotations

import time


def warm_up() -> float:
    """Run every compiled engine path on a tiny problem; returns the seconds it took."""
    import numpy as np

    from ffcast.engine import Recording, prepare, run_chunk

    t0 = time.perf_counter()
    prep = prepare("baseline", end="2017-06", countries=["FRA", "TUN"])
    run_chunk(prep, 0, np.arange(2))
    run_chunk(prep, 0, np.arange(2), record=Recording.summary(prep), theatre_only=True,
              timings={})
    return time.perf_counter() - t0


def main() -> None:
    """Print how long compiling or loading the engine took."""
    print(f"ffcast engine ready ({warm_up():.1f} s; compiled code cached on disk)")


if __name__ == "__main__":
    main()
