"""Numba's on-disk cache for the engine, invalidated when *any* engine source changes.

Warning first: numba keys a cached function on its own file only. The compiled chunk loop
inlines code from the kernel, the samplers, the RNG and the layout constants (and the prior
table's parameter positions), so after editing ``kernel.py`` numba would happily load a
stale ``loop.py`` cache and run the old model. Importing this module (``ffcast.engine``
does, before anything is compiled) makes every engine function's cache stamp a hash of all
those files together, so one edit recompiles them all and nothing stale is ever run.

It uses numba's cache-locator hook (``numba.core.caching.CacheImpl._locator_classes``); if
a numba release renames it, the engine falls back to numba's per-file stamps (and a warning
tells you to clear ``__pycache__`` after editing the engine).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parent
# Everything the compiled engine reads at compile time: its numba modules and the
# constants they fold in (array layout, parameter positions and categories of the prior
# table, the region list the priors are keyed on). A new numba module must be added here
# (tests/engine/test_plan.py checks that every compiled engine function is covered).
COMPILED_MODULES: tuple[str, ...] = ("attacks", "clock", "hazards", "home", "kernel", "layout",
                                     "loop", "rng", "sampling", "slots", "theatre")
SOURCES: tuple[Path, ...] = (
    *(ENGINE_DIR / f"{name}.py" for name in COMPILED_MODULES),
    ENGINE_DIR.parent / "scenario" / "priors.py",
    ENGINE_DIR.parent / "data" / "regions.py",
)


@functools.lru_cache(maxsize=1)
def fingerprint() -> bytes:
    """SHA-256 over the contents of :data:`SOURCES` (computed once per process)."""
    h = hashlib.sha256()
    for path in SOURCES:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.digest()


def _is_engine(py_file: str) -> bool:
    try:
        path = Path(py_file).resolve()
    except OSError:
        return False
    return path.parent == ENGINE_DIR and path.stem in COMPILED_MODULES


def _install() -> bool:
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - numba is a hard dependency
        return False
    def find(name: str) -> type | None:  # public in numba >= 0.60, private before
        return getattr(caching, name, None) or getattr(caching, f"_{name}", None)

    impl = find("CacheImpl")
    bases = [find(name) for name in
             ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    if impl is None or not hasattr(impl, "_locator_classes") or None in bases:
        return False

    def engine_locator(base: type) -> type:
        class EngineLocator(base):  # type: ignore[valid-type, misc]
            def get_source_stamp(self) -> bytes:
                return fingerprint()

            @classmethod
            def from_function(cls, py_func, py_file):  # type: ignore[no-untyped-def]
                if not _is_engine(py_file):
                    return None
                return super().from_function(py_func, py_file)

        EngineLocator.__name__ = f"Engine{base.__name__}"
        return EngineLocator

    mine = [engine_locator(b) for b in bases]
    if not any(getattr(c, "__name__", "").startswith("Engine") for c in impl._locator_classes):
        impl._locator_classes[0:0] = mine
    return True


if not _install():  # pragma: no cover - depends on numba internals
    warnings.warn("ffcast.engine: numba's cache locators changed; after editing the engine, "
                  "delete src/ffcast/engine/__pycache__ so no stale kernel is loaded",
                  RuntimeWarning, stacklevel=1)
