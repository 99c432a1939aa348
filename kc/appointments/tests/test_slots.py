"""Free slots: weekly hours ∩ opening days of the business calendar, minus absences and
bookings (with buffer), never in the past or inside the lead time, on the grid, DST-safe."""

import datetime
from datetime import UTC, time, timedelta

from kc.appointments.slots import AdvisorPlan, Problem, Rules, free_slots, slot_problem
from kc.appointments.tests.factories import at
from kc.core.business_calendar import (
    DEFAULT_CALENDAR,
    DEFAULT_WEEKLY_HOURS,
    BusinessCalendar,
    OpeningInterval,
)

MONDAY = datetime.date(2027, 3, 8)
WORKDAYS = {day: [(time(9), time(12)), (time(13), time(17))] for day in range(6)}
PLAN = AdvisorPlan(advisor_id=1, weekly=WORKDAYS)
LONG_AGO = at(datetime.date(2027, 1, 4), 8)


def rules(now: datetime.datetime = LONG_AGO, *, lead: int = 120, grid: int = 30) -> Rules:
    return Rules(
        duration=timedelta(minutes=60),
        buffer=timedelta(minutes=15),
        grid=timedelta(minutes=grid),
        earliest=now + timedelta(minutes=lead),
    )


def local_starts(plan: AdvisorPlan, day: datetime.date, **kwargs: object) -> list[str]:
    now = kwargs.pop("now", LONG_AGO)
    assert isinstance(now, datetime.datetime)
    calendar = kwargs.pop("calendar", DEFAULT_CALENDAR)
    assert isinstance(calendar, BusinessCalendar)
    found = free_slots([plan], calendar, rules(now, **kwargs), day, day, now=now)  # type: ignore[arg-type]
    return [f"{slot.starts_at.astimezone(calendar.tz):%H:%M}" for slot in found]


def test_a_free_day_has_every_grid_slot_that_fits_the_intervals() -> None:
    assert local_starts(PLAN, MONDAY) == [
        "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip


def test_the_grid_is_configurable() -> None:
    assert local_starts(PLAN, MONDAY, grid=60) == [
        "09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"
    ]  # fmt: skip


def test_a_booking_blocks_its_time_and_its_buffer_and_needs_the_new_ones_buffer() -> None:
    busy = AdvisorPlan(1, WORKDAYS, busy=[(at(MONDAY, 14), at(MONDAY, 15, 15))])
    # 13:00 would end 14:00 and need its 15 minutes buffer up to 14:15: taken.
    # 15:00 starts inside the other's buffer; 15:30 is the first free one after it.
    assert local_starts(busy, MONDAY)[5:] == ["15:30", "16:00"]
    assert "13:00" not in local_starts(busy, MONDAY)


def test_an_absence_removes_every_slot_it_touches() -> None:
    absent = AdvisorPlan(1, WORKDAYS, absences=[(at(MONDAY, 9, 30), at(MONDAY, 10, 30))])
    assert local_starts(absent, MONDAY)[:2] == ["10:30", "11:00"]


def test_sundays_and_nrw_holidays_have_no_slots() -> None:
    every_day = AdvisorPlan(1, {day: [(time(9), time(12))] for day in range(7)})
    assert local_starts(every_day, datetime.date(2027, 3, 7)) == []  # Sunday
    assert local_starts(every_day, datetime.date(2026, 12, 25)) == []  # Christmas (Friday)
    assert local_starts(every_day, datetime.date(2027, 5, 27)) == []  # Corpus Christi, NRW
    assert local_starts(every_day, datetime.date(2027, 5, 28)) != []


def test_nothing_in_the_past_or_inside_the_lead_time() -> None:
    now = at(MONDAY, 10, 10)
    assert local_starts(PLAN, MONDAY, now=now, lead=0) == [
        "10:30", "11:00", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"
    ]  # fmt: skip
    assert local_starts(PLAN, MONDAY, now=now, lead=120)[0] == "13:00"
    assert local_starts(PLAN, MONDAY, now=at(MONDAY, 18), lead=0) == []


def test_weekly_hours_outside_the_calendars_opening_hours_are_cut() -> None:
    early = AdvisorPlan(1, {0: [(time(6), time(10))]})
    assert local_starts(early, MONDAY) == ["08:00", "08:30", "09:00"]


def test_slots_keep_their_wall_clock_time_across_the_october_change() -> None:
    saturday, monday = datetime.date(2026, 10, 24), datetime.date(2026, 10, 26)
    found = free_slots([PLAN], DEFAULT_CALENDAR, rules(at(saturday, 0)), saturday, monday,
                       now=at(saturday, 0))  # fmt: skip
    firsts = {
        slot.starts_at.astimezone(DEFAULT_CALENDAR.tz).date(): slot.starts_at
        for slot in reversed(found)
    }
    assert firsts[saturday].astimezone(UTC).hour == 7  # 09:00 CEST
    assert firsts[monday].astimezone(UTC).hour == 8  # 09:00 CET
    assert datetime.date(2026, 10, 25) not in firsts  # the Sunday of the change
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=1) for slot in found)


def night_calendar() -> BusinessCalendar:
    """A calendar open around the clock on Sundays, to put slots on the changing hour."""
    always = (OpeningInterval(time(0), time(0)),)
    return BusinessCalendar(weekly_hours=(*DEFAULT_WEEKLY_HOURS[:6], always))


def test_the_march_change_has_no_slot_in_the_missing_hour() -> None:
    sunday = datetime.date(2027, 3, 28)
    night = AdvisorPlan(1, {6: [(time(0), time(6))]})
    starts = local_starts(night, sunday, calendar=night_calendar(), grid=60)
    assert starts == ["00:00", "01:00", "03:00", "04:00", "05:00"]  # five real hours


def test_the_october_change_has_the_repeated_hour_twice() -> None:
    sunday = datetime.date(2026, 10, 25)
    night = AdvisorPlan(1, {6: [(time(0), time(6))]})
    calendar = night_calendar()
    found = free_slots([night], calendar, rules(at(sunday, 0) - timedelta(days=1), grid=60),
                       sunday, sunday, now=at(sunday, 0) - timedelta(days=1))  # fmt: skip
    assert [f"{s.starts_at.astimezone(calendar.tz):%H:%M}" for s in found] == [
        "00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"
    ]  # fmt: skip
    utc_starts = [slot.starts_at for slot in found]
    assert len(set(utc_starts)) == 7


def test_each_refusal_has_its_reason() -> None:
    plan = AdvisorPlan(
        1,
        WORKDAYS,
        absences=[(at(MONDAY, 15), at(MONDAY, 17))],
        busy=[(at(MONDAY, 9), at(MONDAY, 10, 15))],
    )
    now = at(MONDAY, 7)

    def problem(when: datetime.datetime) -> Problem | None:
        return slot_problem(plan, DEFAULT_CALENDAR, rules(now, lead=60), when, now=now)

    assert problem(at(MONDAY, 6)) == Problem.PAST
    assert problem(at(MONDAY, 7, 30)) == Problem.TOO_SOON
    assert problem(at(datetime.date(2027, 3, 14), 10)) == Problem.CLOSED_DAY  # Sunday
    assert problem(at(datetime.date(2027, 3, 29), 10)) == Problem.CLOSED_DAY  # Easter Monday
    assert problem(at(MONDAY, 12)) == Problem.OUTSIDE_HOURS  # lunch
    assert problem(at(MONDAY, 11, 30)) == Problem.OUTSIDE_HOURS  # would end 12:30
    assert problem(at(MONDAY, 15, 30)) == Problem.ABSENT
    assert problem(at(MONDAY, 10)) == Problem.TAKEN  # inside the other's buffer
    assert problem(at(MONDAY, 10, 15)) is None
    assert problem(at(MONDAY, 11, 0)) is None
