"""ffcast: probabilistic forecasts of what becomes of the Islamic State's foreign fighters.

Aggregate counts only: ffcast never stores or infers anything about a named person.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ffcast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
