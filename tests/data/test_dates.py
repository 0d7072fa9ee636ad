"""Date wordings become the last day of the period they name."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ffcast.data.dates import end_of_period


@pytest.mark.parametrize(
    ("wording", "expected"),
    [("2015", date(2015, 12, 31)), ("2015-10-end", date(2015, 10, 31)),
     ("2015/2016", date(2016, 12, 31)), ("2012-2016", date(2016, 12, 31)),
     ("2016-01", date(2016, 1, 31)), ("2016-02", date(2016, 2, 29)),
     ("2013-12-17", date(2013, 12, 17)), ("2015 (peak)", date(2015, 12, 31)),
     ("2016-12-31 (end of 2016)", date(2016, 12, 31)), ("mid-2016", date(2016, 6, 30)),
     ("early 2017", date(2017, 4, 30))],
)
def test_examples(wording: str, expected: date) -> None:
    assert end_of_period(wording) == expected


@pytest.mark.parametrize("wording", ["", "n.d.", "2015-13", "Jan 2015", "2016-02-30", "15"])
def test_rejects(wording: str) -> None:
    with pytest.raises(ValueError):
        end_of_period(wording)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_month_wording_ends_on_or_after_every_day_in_it(day: date) -> None:
    end = end_of_period(f"{day:%Y-%m}")
    assert end >= day and end.day == calendar.monthrange(day.year, day.month)[1]
    assert end_of_period(f"{day:%Y}") == date(day.year, 12, 31)
    assert end_of_period(day.isoformat()) == day
