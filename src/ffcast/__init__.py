"""ffcast: probabilistic forecasts of what becomes of the Islamic State's foreign fighters.

Aggregate counts only: ffcast never stores or infers anything about a named person.
"""

from ffcast.version import __version__

__all__ = ["__version__"]
