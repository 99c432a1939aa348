import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.core.business_calendar import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    CalendarClosedError,
    OpeningInterval,
)

BERLIN = ZoneInfo("Europe/Berlin")
CAL = DEFAULT_CALENDAR


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- hand-computed examples ----------------------------------------------------------------


def test_friday_evening_runs_into_saturday_morning() -> None:
    # 27 Nov 2026 is a Friday.
    assert CAL.add_business_time(berlin(2026, 11, 27, 19, 30), hours(1)) == berlin(
        2026, 11, 28, 8, 30
    )


def test_saturday_evening_skips_sunday() -> None:
    assert CAL.add_business_time(berlin(2026, 11, 28, 19), hours(2)) == berlin(2026, 11, 30, 9)


def test_duration_ending_at_closing_time_stays_on_that_day() -> None:
    assert CAL.add_business_time(berlin(2026, 11, 27, 19), hours(1)) == berlin(2026, 11, 27, 20)


def test_start_while_closed_begins_at_next_opening() -> None:
    assert CAL.add_business_time(berlin(2026, 11, 29, 3), hours(1)) == berlin(2026, 11, 30, 9)
    assert CAL.add_business_time(berlin(2026, 11, 29, 3), timedelta(0)) == berlin(2026, 11, 30, 8)


def test_easter_monday_is_skipped() -> None:
    # Good Friday 3 April and Easter Monday 6 April 2026 are holidays, Saturday 4 April is open.
    assert CAL.add_business_time(berlin(2026, 4, 2, 19), hours(2)) == berlin(2026, 4, 4, 9)
    assert CAL.add_business_time(berlin(2026, 4, 4, 19), hours(2)) == berlin(2026, 4, 7, 9)
    assert not CAL.is_open(berlin(2026, 4, 6, 10))


def test_corpus_christi_is_a_holiday_in_nrw_only() -> None:
    # Thursday 4 June 2026: Fronleichnam, a holiday in NRW, not in Berlin (BE).
    assert CAL.add_business_time(berlin(2026, 6, 3, 19), hours(2)) == berlin(2026, 6, 5, 9)
    berlin_state = BusinessCalendar(holiday_subdivision="BE")
    assert berlin_state.add_business_time(berlin(2026, 6, 3, 19), hours(2)) == berlin(2026, 6, 4, 9)


def test_christmas_days_are_skipped_christmas_eve_is_open_by_default() -> None:
    # 24 Dec 2026 Thursday (open), 25/26 holidays (Fri/Sat), 27 Sunday.
    assert CAL.is_open(berlin(2026, 12, 24, 10))
    assert CAL.add_business_time(berlin(2026, 12, 24, 19), hours(3)) == berlin(2026, 12, 28, 10)
    assert CAL.business_time_between(berlin(2026, 12, 24, 8), berlin(2026, 12, 28, 8)) == hours(12)


def test_yearly_closed_days() -> None:
    cal = BusinessCalendar(closed_every_year=frozenset({"12-24", "12-31"}))
    assert not cal.is_open(berlin(2026, 12, 24, 10))
    assert not cal.is_open(berlin(2027, 12, 31, 10))
    assert cal.add_business_time(berlin(2026, 12, 23, 19), hours(2)) == berlin(2026, 12, 28, 9)


def test_spring_forward_weekend() -> None:
    # Clocks go forward on Sunday 29 March 2026 (CET +01:00 -> CEST +02:00).
    start = berlin(2026, 3, 28, 19)
    due = CAL.add_business_time(start, hours(2))
    assert due == berlin(2026, 3, 30, 9)
    assert start.utcoffset() == hours(1)
    assert due.utcoffset() == hours(2)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert CAL.business_time_between(start, due) == hours(2)


def test_fall_back_weekend() -> None:
    # Clocks go back on Sunday 25 October 2026.
    due = CAL.add_business_time(berlin(2026, 10, 24, 19), hours(2))
    assert due == berlin(2026, 10, 26, 9)
    assert due.utcoffset() == hours(1)


def test_hours_across_the_night_of_the_dst_change_are_real_hours() -> None:
    # A calendar open around the clock: the spring night has 23 hours, the autumn night 25.
    always = BusinessCalendar(
        weekly_hours=((OpeningInterval(time(0), time(0)),),) * 7, holiday_country=None
    )
    assert always.business_time_between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == hours(23)
    assert always.business_time_between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == hours(25)
    assert always.add_business_time(berlin(2026, 3, 29, 1), hours(1)) == berlin(2026, 3, 29, 3)


def test_utc_input_gives_berlin_output() -> None:
    # Friday 27 Nov 2026 18:30 UTC is 19:30 in Berlin.
    due = CAL.add_business_time(datetime(2026, 11, 27, 18, 30, tzinfo=UTC), hours(1))
    assert due == datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
    assert due.tzinfo == BERLIN
    assert (due.hour, due.minute) == (8, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.is_open(datetime(2026, 11, 27, 10))
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_time(berlin(2026, 11, 27, 10), hours(-1))


def test_is_open_and_next_open_at_the_edges() -> None:
    assert CAL.is_open(berlin(2026, 11, 27, 8))
    assert not CAL.is_open(berlin(2026, 11, 27, 20))
    assert CAL.next_open(berlin(2026, 11, 27, 12)) == berlin(2026, 11, 27, 12)
    assert CAL.next_open(berlin(2026, 11, 27, 20)) == berlin(2026, 11, 28, 8)
    assert CAL.next_open(berlin(2026, 11, 28, 21)) == berlin(2026, 11, 30, 8)


def test_open_intervals() -> None:
    assert CAL.open_intervals(date(2026, 11, 30)) == [
        (berlin(2026, 11, 30, 8), berlin(2026, 11, 30, 20))
    ]
    assert CAL.open_intervals(date(2026, 11, 29)) == []  # Sunday
    assert CAL.open_intervals(date(2026, 10, 3)) == []  # Day of German Unity, a Saturday


def test_business_time_between() -> None:
    # Friday 19:00 to Monday 09:00: 1 h Friday, 12 h Saturday, 1 h Monday.
    assert CAL.business_time_between(berlin(2026, 11, 27, 19), berlin(2026, 11, 30, 9)) == hours(14)
    assert CAL.business_time_between(berlin(2026, 11, 30, 9), berlin(2026, 11, 27, 19)) == hours(
        -14
    )
    assert CAL.business_time_between(berlin(2026, 11, 29, 1), berlin(2026, 11, 29, 23)) == hours(0)


def test_weeks_long_durations() -> None:
    # 6 weeks of 6 days of 12 h; the span from Monday 8:00 (7 Dec) has 25 and 26 Dec and
    # 1 Jan as holidays on weekdays that would be open (Fri, Sat, Fri).
    start = berlin(2026, 12, 7, 8)
    due = CAL.add_business_time(start, hours(6 * 6 * 12))
    assert due == berlin(2027, 1, 20, 20)
    assert CAL.business_time_between(start, due) == hours(6 * 6 * 12)


# --- several intervals, special days, config ------------------------------------------------


LUNCH_BREAK_CONFIG = {
    "timezone": "Europe/Berlin",
    "weekly_hours": {
        "mon": [["08:00", "12:00"], ["13:00", "18:00"]],
        "tue": [["08:00", "12:00"], ["13:00", "18:00"]],
        "wed": [["08:00", "12:00"]],
        "thu": [["13:00", "18:00"], ["08:00", "12:00"]],
        "fri": [["08:00", "14:30"]],
    },
    "holidays": {"country": "DE", "subdivision": "NW"},
    "closed_dates": ["2026-12-30"],
    "closed_every_year": ["12-24", "12-31"],
    "open_dates": {"2026-11-29": [["10:00", "16:00"]]},
}


def test_custom_calendar_from_config() -> None:
    cal = BusinessCalendar.from_config(LUNCH_BREAK_CONFIG)
    # Monday 11:30 + 1 h skips the lunch break.
    assert cal.add_business_time(berlin(2026, 11, 30, 11, 30), hours(1)) == berlin(
        2026, 11, 30, 13, 30
    )
    # Friday 14:00 + 1 h: 30 min Friday, Saturday closed, Sunday 29 Nov is an extra open day.
    assert cal.add_business_time(berlin(2026, 11, 27, 14), hours(1)) == berlin(2026, 11, 29, 10, 30)
    assert not cal.is_open(berlin(2026, 12, 30, 9))
    assert not cal.is_open(berlin(2026, 11, 28, 9))
    assert cal.open_intervals(date(2026, 12, 3))[0] == (
        berlin(2026, 12, 3, 8),
        berlin(2026, 12, 3, 12),
    )


def test_config_round_trip_is_json_able() -> None:
    cal = BusinessCalendar.from_config(LUNCH_BREAK_CONFIG)
    config = json.loads(json.dumps(cal.to_config()))
    assert BusinessCalendar.from_config(config) == cal
    assert config["weekly_hours"]["thu"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert config["weekly_hours"]["sat"] == []
    assert BusinessCalendar.from_config(DEFAULT_CALENDAR.to_config()) == DEFAULT_CALENDAR
    assert BusinessCalendar.from_config({}) == DEFAULT_CALENDAR


def test_open_date_overrides_a_holiday_and_midnight_end() -> None:
    cal = BusinessCalendar.from_config(
        {"holidays": None, "open_dates": {"2026-12-25": [["18:00", "24:00"]]}}
    )
    assert cal.is_open(berlin(2026, 12, 25, 23, 59))
    assert cal.open_intervals(date(2026, 12, 25)) == [
        (berlin(2026, 12, 25, 18), berlin(2026, 12, 26))
    ]
    assert cal.to_config()["open_dates"] == {"2026-12-25": [["18:00", "24:00"]]}
    assert cal.to_config()["holidays"] is None


@pytest.mark.parametrize(
    "config",
    [
        {"weekly_hours": {"mon": [["10:00", "09:00"]]}},
        {"weekly_hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}},
        {"weekly_hours": {"monday": []}},
        {"weekly_hours": {"mon": [["8 Uhr", "12:00"]]}},
        {"holidays": {"country": "DE", "subdivision": "XX"}},
        {"holidays": {"country": "QQ"}},
        {"closed_dates": ["24.12.2026"]},
        {"closed_every_year": ["02-30"]},
        {"open_dates": {"2026-12-27": []}},
        {"timezone": "Europe/Nowhere"},
        {"hours": {}},
    ],
)
def test_bad_configs_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar.from_config(config)


def test_a_calendar_that_never_opens_says_so() -> None:
    never = BusinessCalendar(weekly_hours=((),) * 7)
    with pytest.raises(CalendarClosedError):
        never.next_open(berlin(2026, 11, 27, 10))
    assert never.business_time_between(berlin(2026, 1, 1), berlin(2030, 1, 1)) == hours(0)


# --- property: business_time_between inverts add_business_time ------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(weeks=8))


@settings(max_examples=300, deadline=None)
@given(start=moments, duration=durations)
def test_business_time_between_inverts_add_business_time(
    start: datetime, duration: timedelta
) -> None:
    due = CAL.add_business_time(start, duration)
    assert due >= start
    assert CAL.business_time_between(start, due) == duration
    if CAL.is_open(start):
        assert CAL.add_business_time(start, CAL.business_time_between(start, due)) == due


@settings(max_examples=200, deadline=None)
@given(start=moments, end=moments)
def test_add_business_time_reaches_any_open_end(start: datetime, end: datetime) -> None:
    if end >= start and CAL.is_open(end):
        assert CAL.add_business_time(start, CAL.business_time_between(start, end)) == end
