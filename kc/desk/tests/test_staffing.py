"""The staffing forecast from the call journal: Berlin hours, holidays, short history."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest

from kc.cases.models import Call
from kc.core.business_calendar import DEFAULT_CALENDAR
from kc.desk.staffing import DEFAULT_HANDLING_S, opening_hours, plan

BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
_ids = itertools.count()

pytestmark = pytest.mark.django_db


def _call(started: datetime.datetime, talk_s: int | None = 300, direction: str = "in") -> Call:
    answered = started + datetime.timedelta(seconds=10) if talk_s is not None else None
    ended = (answered or started) + datetime.timedelta(seconds=talk_s or 30)
    return Call.objects.create(
        call_id=f"c{next(_ids)}",
        direction=direction,
        from_number="+4921100000",
        to_number="08001234567",
        state=Call.State.ENDED if talk_s is not None else Call.State.MISSED,
        started_at=started,
        answered_at=answered,
        ended_at=ended,
    )


def test_opening_hours_of_the_hotline() -> None:
    hours = opening_hours(DEFAULT_CALENDAR)
    assert hours[0] == list(range(8, 20))
    assert hours[5] == list(range(8, 20))
    assert hours[6] == []


def test_no_history_explains_and_gives_no_numbers() -> None:
    result = plan(calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 4, 13), weeks=2)
    assert result.hours == []
    assert "keine" in result.explanation


def test_forecast_counts_berlin_hours_and_skips_holidays() -> None:
    # 30 March 2026 is the first Monday of summer time: 07:15 UTC is 09:15 in Berlin.
    for minute in (0, 15, 30):
        _call(datetime.datetime(2026, 3, 30, 7, minute, tzinfo=UTC))
    # Easter Monday (6 April) is a holiday: its calls and the day itself do not count.
    for minute in range(5):
        _call(datetime.datetime(2026, 4, 6, 7, minute, tzinfo=UTC))
    # One call on each Tuesday at 10:05 Berlin, one of them missed.
    _call(datetime.datetime(2026, 3, 31, 10, 5, tzinfo=BERLIN))
    _call(datetime.datetime(2026, 4, 7, 10, 5, tzinfo=BERLIN), talk_s=None)
    # Outbound calls are not hotline load.
    _call(datetime.datetime(2026, 3, 31, 11, 0, tzinfo=BERLIN), direction="out")

    result = plan(calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 4, 13), weeks=2)

    assert result.days_per_weekday[0] == 1  # 30 March only
    assert result.days_per_weekday[1] == 2
    monday_9 = result.hour(0, 9)
    assert monday_9 is not None and monday_9.calls == pytest.approx(3.0)
    tuesday_10 = result.hour(1, 10)
    assert tuesday_10 is not None and tuesday_10.calls == pytest.approx(1.0)
    tuesday_11 = result.hour(1, 11)
    assert tuesday_11 is not None and tuesday_11.calls == 0
    assert result.handling_s == pytest.approx(300)
    assert result.handling_measured
    # 3 calls × 5 min is a quarter Erlang, yet one agent answers only 76 % within 20 s.
    assert monday_9.staffing.agents == 2
    assert result.hour(6, 9) is None  # closed on Sunday


def test_short_history_is_averaged_over_the_days_it_covers() -> None:
    # The journal starts on Monday 6 July 2026; eight weeks are asked for.
    for day in (6, 13):
        for minute in range(0, 60, 3):  # 20 calls an hour
            _call(datetime.datetime(2026, 7, day, 9, minute, tzinfo=BERLIN), talk_s=540)
    result = plan(
        calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 7, 20), weeks=8, after_call_s=60
    )
    assert result.since == datetime.date(2026, 7, 6)
    monday_9 = result.hour(0, 9)
    assert monday_9 is not None and monday_9.calls == pytest.approx(20)
    # 20 calls × 600 s = 3.33 Erlang; 80 % within 20 s needs 6 agents.
    assert result.handling_s == pytest.approx(600)
    assert monday_9.staffing.agents == 6


def test_only_missed_calls_fall_back_to_the_default_handling_time() -> None:
    _call(datetime.datetime(2026, 7, 6, 9, 0, tzinfo=BERLIN), talk_s=None)
    result = plan(calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 7, 13), weeks=1)
    assert result.handling_s == DEFAULT_HANDLING_S
    assert not result.handling_measured


def test_calls_refused_from_blocked_numbers_are_no_demand() -> None:
    monday_9 = datetime.datetime(2026, 7, 6, 9, 0, tzinfo=BERLIN)
    _call(monday_9)
    for minute in range(1, 40):  # a nuisance caller on the block list, refused by the PBX
        refused = _call(monday_9 + datetime.timedelta(minutes=minute), talk_s=None)
        Call.objects.filter(pk=refused.pk).update(state=Call.State.ENDED, cause="blocked")
    result = plan(calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 7, 13), weeks=1)
    hour = result.hour(0, 9)
    assert hour is not None and hour.calls == 1
