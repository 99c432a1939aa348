"""The report's fast business clock gives the calendar's own business_time_between."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.core.business_calendar import DEFAULT_CALENDAR, BusinessCalendar
from kc.desk.reports.business_clock import BusinessClock

BERLIN = DEFAULT_CALENDAR.tz
FIRST, LAST = datetime.date(2026, 3, 1), datetime.date(2026, 12, 31)
MIDNIGHT = BusinessCalendar.from_config(
    {
        "timezone": "Europe/Berlin",
        "weekly_hours": {
            "mon": [["08:00", "12:00"], ["13:00", "00:00"]],
            "sat": [["02:00", "03:00"]],
        },
        "holidays": {"country": "DE", "subdivision": "NW"},
        "closed_dates": ["2026-10-26"],
    }
)
CLOCKS = {
    "default": (DEFAULT_CALENDAR, BusinessClock(DEFAULT_CALENDAR, FIRST, LAST)),
    "midnight": (MIDNIGHT, BusinessClock(MIDNIGHT, FIRST, LAST)),
}
# Moments between March and December 2026: both DST switches, Easter and other holidays.
moments = st.datetimes(
    min_value=datetime.datetime(2026, 3, 2),
    max_value=datetime.datetime(2026, 12, 30),
    timezones=st.just(datetime.UTC),
).map(lambda moment: moment.replace(microsecond=0))  # the tables count whole seconds


@settings(max_examples=300, deadline=None)
@given(start=moments, end=moments, which=st.sampled_from(sorted(CLOCKS)))
def test_same_as_the_calendar(start: datetime.datetime, end: datetime.datetime, which: str) -> None:
    calendar, clock = CLOCKS[which]
    expected = calendar.business_time_between(start, end)
    assert clock.between(start, end) == int(expected.total_seconds())


def test_known_spans() -> None:
    _calendar, clock = CLOCKS["default"]
    saturday = datetime.datetime(2026, 11, 7, 19, 55, tzinfo=BERLIN)
    monday = datetime.datetime(2026, 11, 9, 8, 5, tzinfo=BERLIN)
    assert clock.between(saturday, monday) == 600
    assert clock.between(monday, saturday) == -600
    # 29 March 2026, clocks go forward; Sunday closed anyway: Sat 19:00 → Mon 9:00 is 2 h
    assert (
        clock.between(
            datetime.datetime(2026, 3, 28, 19, tzinfo=BERLIN),
            datetime.datetime(2026, 3, 30, 9, tzinfo=BERLIN),
        )
        == 7200
    )


def test_outside_its_days_is_refused() -> None:
    _calendar, clock = CLOCKS["default"]
    with pytest.raises(ValueError, match="outside"):
        clock.position(datetime.datetime(2027, 1, 5, 10, tzinfo=BERLIN))
