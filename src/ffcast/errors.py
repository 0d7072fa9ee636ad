"""The one error type users see, and the helpers that word its messages.

Every bad input (a misspelled scenario key, shares that do not sum to 1, an unknown country,
a corrupt data file) raises a subclass of :class:`FFCastError` whose message names the field
(or file and row) and the fix. The CLI turns it into one line on stderr and exit code 2.
Messages never echo more than :data:`ECHO_LIMIT` characters of what the user typed.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable

ECHO_LIMIT = 80  # characters of user input repeated in a message, at most
SUGGEST_CUTOFF = 0.6  # difflib similarity a "did you mean" needs (one rule for every field)


class FFCastError(Exception):
    """Base class for user-facing errors: the message is written for the user, not a traceback."""


class DataValidationError(FFCastError):
    """An embedded or user-supplied data file breaks a rule (message names file, row and rule)."""


class ScenarioError(FFCastError):
    """A scenario (preset or YAML file) is invalid (message names the field and the fix)."""


class ObservationError(FFCastError):
    """An observations file for backtesting is invalid (message names the row and the rule)."""


class OptionsError(FFCastError):
    """An argument of a library call or command is invalid (message names it and the fix)."""


class OutputError(FFCastError):
    """An output path cannot be written (checked before any work starts)."""


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr`` of user input, cut to ``limit`` characters (so a message stays one line).

    Never builds more than it shows: strings are cut before ``repr``, containers are
    abbreviated (a YAML alias bomb of a billion items echoes in microseconds).
    """
    if isinstance(value, str):
        text = repr(value[: limit + 1].replace("\n", " "))
    else:
        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, limit, limit
        short.maxlist = short.maxtuple = short.maxdict = short.maxset = 6
        text = short.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def close_matches(word: object, choices: Iterable[str], n: int = 1) -> list[str]:
    """Up to ``n`` choices closest to ``word`` (difflib, cut-off :data:`SUGGEST_CUTOFF`)."""
    text = str(word)[:200]  # a 200,000-character typo is not worth comparing in full
    return difflib.get_close_matches(text, list(choices), n=n, cutoff=SUGGEST_CUTOFF)


def did_you_mean(word: object, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (see :func:`close_matches`), or None."""
    match = close_matches(word, choices)
    return match[0] if match else None


def suggestion(word: object, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` (for message tails)."""
    near = did_you_mean(word, choices)
    return f"; did you mean {near!r}?" if near else ""
