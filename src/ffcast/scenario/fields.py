"""Field types shared by every door that takes a month, a seed or a count from a user.

Warning first: these bounds are what the engine can represent, not what is plausible. A
month is ``YYYY-MM`` between 2011-01 (the simulation starts there) and 2100-12; a seed is a
whole number in [0, 2**63 - 1] (the counter-based generator hashes it as a signed 64-bit
integer); a cut-off is a month from :data:`CUTOFF_MIN` (the data support nothing earlier);
a count is a whole number (``2.5`` draws is an error, not 3 draws). Each check
raises ``ValueError`` with a message that names the rule and the fix; pydantic models and
the library door turn it into :class:`ffcast.errors.FFCastError` subclasses.
"""

from __future__ import annotations

import numbers
import re
from typing import Annotated

import numpy as np
from pydantic import BeforeValidator

from ffcast.errors import echo

MONTH_MIN = "2011-01"  # the engine simulates from here (everyone who travelled is counted)
MONTH_MAX = "2100-12"  # a horizon beyond this is not a forecast of these people
SEED_MAX = 2**63 - 1
# The earliest cut-off the embedded data support: a run needs the number of travellers per
# country known by the cut-off (published from 2013-12) *and* the shape of the travel wave,
# whose first public statement ("more than 1,000 a month", CIA) dates from 2014-11. Before
# it the engine would have no inflow to spread the travellers over.
CUTOFF_MIN = "2014-11"
# The latest cut-off: the embedded data hold what was published by the end of 2016 (the
# essay's vantage point); the few later figures ship only to score forecasts. A later cut-off
# would pretend to know 2017 (it read an IHS territory figure published in January 2017 and
# an attack record of "none" for months nobody had counted). Statements published later come
# in through `ffcast update`, which moves a posterior's origin, not its cut-off.
CUTOFF_MAX = "2016-12"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_month(value: object) -> str:
    """``value`` as a ``YYYY-MM`` string within [MONTH_MIN, MONTH_MAX], or ValueError."""
    text = str(value).strip() if isinstance(value, str) else None
    if text is None or not _MONTH.match(text):
        raise ValueError(f"{echo(value)} is not a month; fix: write YYYY-MM, e.g. 2019-12")
    if not MONTH_MIN <= text <= MONTH_MAX:
        raise ValueError(f"{text} is outside {MONTH_MIN}..{MONTH_MAX}; fix: use a month in "
                         "that range")
    return text


def check_cutoff(value: object) -> str:
    """A cut-off: a month in [CUTOFF_MIN, CUTOFF_MAX] (see :data:`CUTOFF_MIN`), or ValueError."""
    text = check_month(value)
    if text < CUTOFF_MIN:
        raise ValueError(f"{text} is before {CUTOFF_MIN}, the earliest cut-off the embedded "
                         "data support (the first published estimate of the monthly inflow); "
                         f"fix: use {CUTOFF_MIN} or later")
    if text > CUTOFF_MAX:
        raise ValueError(f"{text} is after {CUTOFF_MAX}, the last month the embedded data "
                         "know (what was published by the end of 2016); fix: use "
                         f"{CUTOFF_MAX} or earlier, and fold later statements in with "
                         "`ffcast update`")
    return text


def check_origin(value: object) -> str:
    """The month an update brings a posterior's particles to (``--until``): a month from
    :data:`CUTOFF_MIN` that leaves one to forecast before :data:`MONTH_MAX` (unlike a
    cut-off, it may lie after 2016-12: its statements are the user's), or ValueError."""
    text = check_month(value)
    if text < CUTOFF_MIN:
        raise ValueError(f"{text} is before {CUTOFF_MIN}; fix: use a later month")
    if text >= MONTH_MAX:
        raise ValueError(f"{text} leaves no month to forecast before {MONTH_MAX}; fix: use "
                         "an earlier month")
    return text


def check_whole(value: object, low: int, high: int, what: str = "a whole number") -> int:
    """``value`` as an int in [low, high] (ints and NumPy integers only), or ValueError."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{echo(value)} is not {what}; fix: give a whole number from {low:,} "
                         f"to {high:,}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number:,} is outside {low:,}..{high:,}; fix: give a whole number "
                         "in that range")
    return number


def check_seed(value: object) -> int:
    """A seed: a whole number in [0, 2**63 - 1]."""
    return check_whole(value, 0, SEED_MAX, "a seed")


Month = Annotated[str, BeforeValidator(check_month)]
Cutoff = Annotated[str, BeforeValidator(check_cutoff)]
Seed = Annotated[int, BeforeValidator(check_seed)]
