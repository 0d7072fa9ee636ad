"""Turn a source's wording of a date ("2015", "2015-10-end", "2012-2016") into one date.

Rule: a period becomes its **last day**, because the figures are cumulative counts "as of"
the period and the end is the latest moment the statement can describe. Exact dates stay.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_YEAR = r"(?P<y>(19|20)\d{2})"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^{_YEAR}-(?P<m>\d{{2}})-(?P<d>\d{{2}})$"), "day"),
    (re.compile(rf"^{_YEAR}-(?P<m>\d{{2}})(-end)?$"), "month"),
    (re.compile(rf"^{_YEAR}$"), "year"),
    # "2015/2016" and "2012-2016": a span; its end is the end of the second year
    (re.compile(r"^(19|20)\d{2}\s*[/-]\s*(?P<y>(19|20)\d{2})$"), "year"),
    (re.compile(rf"^mid-{_YEAR}$"), "mid"),
    (re.compile(rf"^early {_YEAR}$"), "early"),
)


def end_of_period(wording: str) -> date:
    """Last day of the period a source's date wording names.

    "2015" -> 2015-12-31; "2015-10" and "2015-10-end" -> 2015-10-31; "2015/2016" and
    "2012-2016" -> 2016-12-31; "mid-2015" -> 2015-06-30; "early 2017" -> 2017-04-30;
    "2015 (peak)" -> 2015-12-31 (a trailing parenthetical is a comment and is dropped).

    Raises:
        ValueError: the wording matches none of the forms above or names an impossible date.
    """
    text = re.sub(r"\s*\(.*\)\s*$", "", wording.strip())
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match["y"])
        if kind == "day":
            return date(year, int(match["m"]), int(match["d"]))
        if kind == "month":
            month = int(match["m"])
            if not 1 <= month <= 12:
                raise ValueError(f"month {month} out of range in {wording!r}")
            return date(year, month, calendar.monthrange(year, month)[1])
        if kind == "mid":
            return date(year, 6, 30)
        if kind == "early":
            # "early" = first third of the year; its end is the latest it can mean
            return date(year, 4, 30)
        return date(year, 12, 31)
    raise ValueError(f"unrecognised date wording {wording!r}")
