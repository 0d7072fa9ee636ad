"""The stepped stock-and-flow engine (pure numerics; no I/O, no pandas in the inner loop).

The package attributes are resolved lazily (PEP 562) so that ``ffcast.engine.parameters``
can be imported by the scenario models without loading the simulation driver, which itself
imports the scenario package.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "STEP_ORDER",
    "ChunkResult",
    "Latent",
    "Prepared",
    "iter_chunks",
    "prepare",
    "run_chunk",
    "sample_parameters",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ffcast.engine import simulate

        return getattr(simulate, name)
    raise AttributeError(f"module 'ffcast.engine' has no attribute {name!r}")
