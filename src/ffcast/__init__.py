"""ffcast: probabilistic forecasts of what becomes of the Islamic State's foreign fighters.

Aggregate counts only: ffcast never stores or infers anything about a named person.

The notebook API (each call validates its arguments and raises :class:`FFCastError`):

    >>> import ffcast
    >>> ds = ffcast.simulate("baseline", draws=100, seed=1)       # xarray.Dataset
    >>> fc = ffcast.forecast(cutoff="2016-12", until="2019-12")   # the posterior, forward
    >>> diff = ffcast.compare("baseline", "prosecute-all", draws=200)
    >>> head = ffcast.run("baseline", draws=1000, out="runs/baseline.nc")  # headline + file
    >>> up = ffcast.update("2016-12", "new.csv", until="2017-06", out="p.nc")  # new statements

The functions are loaded on first use, so ``import ffcast.data`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ffcast.errors import FFCastError
from ffcast.version import __version__

if TYPE_CHECKING:
    from ffcast.living import update
    from ffcast.runner import compare, forecast, run, simulate

__all__ = ["FFCastError", "__version__", "compare", "forecast", "run", "simulate", "update"]
_API = ("compare", "forecast", "run", "simulate", "update")


def __getattr__(name: str) -> Any:
    # PEP 562: the public calls live in ffcast.runner; importing it loads the engine (numba),
    # which a user of ffcast.data or ffcast.scenario alone should not pay for.
    if name == "update":
        from ffcast import living

        return living.update
    if name in _API:
        from ffcast import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'ffcast' has no attribute {name!r}")
