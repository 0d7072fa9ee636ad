"""The one error type users see.

Every bad input (a misspelled scenario key, shares that do not sum to 1, an unknown country,
a corrupt data file) raises a subclass of :class:`FFCastError` whose message names the field
(or file and row) and the fix. The CLI turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations


class FFCastError(Exception):
    """Base class for user-facing errors: the message is written for the user, not a traceback."""


class DataValidationError(FFCastError):
    """An embedded or user-supplied data file breaks a rule (message names file, row and rule)."""


class ScenarioError(FFCastError):
    """A scenario (preset or YAML file) is invalid (message names the field and the fix)."""


class ObservationError(FFCastError):
    """An observations file for backtesting is invalid (message names the row and the rule)."""
