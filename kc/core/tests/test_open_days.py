"""Counting open days of the business calendar, forward and backward (one method serves the
dashboard's horizon and the complaint escalation day)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc.core.business_calendar import (
    DEFAULT_CALENDAR,
    DEFAULT_WEEKLY_HOURS,
    BusinessCalendar,
    CalendarClosedError,
)

CAL = DEFAULT_CALENDAR  # Mon–Sat open, German and NRW holidays


def test_forward_skips_sundays_and_public_holidays() -> None:
    new_years_eve = date(2026, 12, 31)  # Thursday; Friday 1 January is a holiday
    assert CAL.add_open_days(new_years_eve, 1) == date(2027, 1, 2)  # Saturday is open
    assert CAL.add_open_days(new_years_eve, 2) == date(2027, 1, 4)  # Sunday is not
    # Christmas 2026: Friday 25 and Saturday 26 December are holidays, 27th a Sunday.
    assert CAL.add_open_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_backward_skips_easter() -> None:
    # Easter 2026: Good Friday 3 April, Sunday 5, Easter Monday 6 April closed.
    assert CAL.add_open_days(date(2026, 4, 7), -1) == date(2026, 4, 4)
    assert CAL.add_open_days(date(2026, 4, 7), -3) == date(2026, 4, 1)
    # Corpus Christi (NRW, Thursday 4 June 2026) is closed; in Berlin it is not.
    assert CAL.add_open_days(date(2026, 6, 5), -1) == date(2026, 6, 3)
    berlin = BusinessCalendar(holiday_subdivision="BE")
    assert berlin.add_open_days(date(2026, 6, 5), -1) == date(2026, 6, 4)


def test_a_weekend_closed_calendar_skips_saturday_too() -> None:
    weekdays = (*DEFAULT_WEEKLY_HOURS[:5], (), ())
    office = BusinessCalendar(weekly_hours=weekdays, closed_dates=frozenset({date(2026, 11, 30)}))
    friday = date(2026, 11, 27)
    assert office.add_open_days(friday, 1) == date(2026, 12, 1)  # Mon 30th closed by date
    assert office.add_open_days(date(2026, 12, 1), -1) == friday
    assert CAL.add_open_days(friday, 1) == date(2026, 11, 28)


def test_zero_is_the_day_itself_and_the_day_itself_never_counts() -> None:
    sunday = date(2026, 11, 29)
    assert CAL.add_open_days(sunday, 0) == sunday
    assert CAL.add_open_days(sunday, 1) == date(2026, 11, 30)
    assert CAL.add_open_days(sunday, -1) == date(2026, 11, 28)
    assert CAL.is_open_day(date(2026, 11, 28)) and not CAL.is_open_day(sunday)


def test_a_calendar_that_never_opens_is_refused_both_ways() -> None:
    never = BusinessCalendar(weekly_hours=((),) * 7)
    with pytest.raises(CalendarClosedError, match="no open day"):
        never.add_open_days(date(2026, 11, 27), 1)
    with pytest.raises(CalendarClosedError, match="no open day"):
        never.add_open_days(date(2026, 11, 27), -1)


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    count=st.integers(min_value=1, max_value=30),
)
def test_forward_and_back_are_inverse_and_count_open_days(start: date, count: int) -> None:
    ahead = CAL.add_open_days(start, count)
    between = [start + timedelta(days=n) for n in range(1, (ahead - start).days + 1)]
    assert sum(CAL.is_open_day(day) for day in between) == count and CAL.is_open_day(ahead)
    back = CAL.add_open_days(ahead, -count)
    assert back <= start and all(not CAL.is_open_day(d) for d in _days(back, start)[1:])
    if CAL.is_open_day(start):
        assert back == start


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
