from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.core.business_calendar import DEFAULT_CALENDAR
from kc.core.sla import SlaClock, SlaPolicy, StatusPeriod, TargetState, merge_pauses

BERLIN = ZoneInfo("Europe/Berlin")
POLICY = SlaPolicy(first_response=timedelta(hours=4), resolution=timedelta(hours=16))
# Monday 30 November 2026, 10:00 in Berlin.
RECEIVED = datetime(2026, 11, 30, 10, tzinfo=BERLIN)


def berlin(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def waiting(start: datetime, end: datetime | None) -> StatusPeriod:
    return StatusPeriod(start=start, end=end, paused=True)


# --- due dates and states -------------------------------------------------------------------


def test_due_dates_in_business_time() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=POLICY)
    first = clock.first_response(berlin(11, 30, 12))
    resolution = clock.resolution(berlin(11, 30, 12))
    assert first is not None and resolution is not None
    assert first.due_at == berlin(11, 30, 14)
    # 10 h on Monday, 6 h on Tuesday.
    assert resolution.due_at == berlin(12, 1, 14)
    assert (first.state, first.elapsed, first.remaining) == (
        TargetState.RUNNING,
        hours(2),
        hours(2),
    )
    # 20 % of 4 h is 48 min: at risk from 13:12.
    assert first.at_risk_from == berlin(11, 30, 13, 12)


def test_at_risk_then_breached_then_met_late() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=POLICY)
    assert clock.first_response(berlin(11, 30, 13, 11)).state is TargetState.RUNNING  # type: ignore[union-attr]
    at_risk = clock.first_response(berlin(11, 30, 13, 30))
    assert at_risk is not None
    assert (at_risk.state, at_risk.remaining) == (TargetState.AT_RISK, timedelta(minutes=30))
    breached = clock.first_response(berlin(11, 30, 14, 1))
    assert breached is not None
    assert (breached.state, breached.remaining) == (TargetState.BREACHED, -timedelta(minutes=1))
    late = SlaClock(received_at=RECEIVED, policy=POLICY, first_response_at=berlin(11, 30, 15))
    assert late.first_response(berlin(12, 5, 10)).state is TargetState.BREACHED  # type: ignore[union-attr]


def test_met_and_achievement_after_now_does_not_count_yet() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=POLICY, first_response_at=berlin(11, 30, 13))
    met = clock.first_response(berlin(12, 3, 9))
    assert met is not None
    assert (met.state, met.elapsed, met.achieved_at) == (
        TargetState.MET,
        hours(3),
        berlin(11, 30, 13),
    )
    before = clock.first_response(berlin(11, 30, 12))
    assert before is not None
    assert (before.state, before.achieved_at) == (TargetState.RUNNING, None)


def test_breached_after_closing_time_although_no_business_time_passed() -> None:
    # Received Friday 16:00, due Friday 20:00; Saturday 08:00 is late.
    clock = SlaClock(received_at=berlin(11, 27, 16), policy=POLICY)
    status = clock.first_response(berlin(11, 28, 8))
    assert status is not None
    assert (status.due_at, status.state, status.remaining) == (
        berlin(11, 27, 20),
        TargetState.BREACHED,
        hours(0),
    )


def test_resolution_counts_as_first_response() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=POLICY, resolved_at=berlin(11, 30, 11))
    assert clock.first_response(berlin(12, 1, 9)).state is TargetState.MET  # type: ignore[union-attr]
    assert clock.resolution(berlin(12, 1, 9)).state is TargetState.MET  # type: ignore[union-attr]


def test_utc_inputs_give_berlin_due_dates() -> None:
    clock = SlaClock(received_at=datetime(2026, 11, 30, 9, tzinfo=UTC), policy=POLICY)
    status = clock.first_response(datetime(2026, 11, 30, 10, tzinfo=UTC))
    assert status is not None
    assert status.due_at == berlin(11, 30, 14)
    assert status.due_at.tzinfo == BERLIN  # type: ignore[union-attr]


def test_no_target_no_status() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=SlaPolicy(resolution=hours(8)))
    assert clock.first_response(berlin(12, 1, 9)) is None
    assert len(clock.statuses(berlin(12, 1, 9))) == 1


# --- pauses -------------------------------------------------------------------------------


PAUSE = waiting(berlin(11, 30, 16), berlin(12, 2, 10))  # Monday 16:00 to Wednesday 10:00


def test_pause_pushes_resolution_due_by_paused_business_time() -> None:
    clock = SlaClock(received_at=RECEIVED, policy=POLICY, periods=(PAUSE,))
    # 6 h before the pause, 10 h after it: Wednesday 10:00 to 20:00. The pause holds 18 business
    # hours (4 Monday, 12 Tuesday, 2 Wednesday), so the due date moved by exactly those.
    during = clock.resolution(berlin(12, 1, 12))
    assert during is not None
    assert during.due_at == berlin(12, 2, 20)
    assert DEFAULT_CALENDAR.add_business_time(berlin(12, 1, 14), hours(18)) == during.due_at
    assert (during.state, during.paused, during.remaining) == (TargetState.PAUSED, True, hours(10))
    after = clock.resolution(berlin(12, 2, 12))
    assert after is not None
    assert (after.state, after.elapsed, after.paused) == (TargetState.RUNNING, hours(8), False)


def test_first_response_is_not_paused() -> None:
    clock = SlaClock(
        received_at=RECEIVED, policy=POLICY, periods=(waiting(berlin(11, 30, 11), None),)
    )
    status = clock.first_response(berlin(11, 30, 14, 1))
    assert status is not None
    assert (status.due_at, status.state) == (berlin(11, 30, 14), TargetState.BREACHED)


def test_open_pause_has_no_due_date() -> None:
    clock = SlaClock(
        received_at=RECEIVED, policy=POLICY, periods=(waiting(berlin(11, 30, 16), None),)
    )
    status = clock.resolution(berlin(12, 4, 12))
    assert status is not None
    assert (status.due_at, status.at_risk_from, status.state) == (None, None, TargetState.PAUSED)
    assert status.remaining == hours(10)


def test_breach_before_a_pause_stays_a_breach_but_does_not_escalate() -> None:
    policy = SlaPolicy(resolution=hours(2))
    clock = SlaClock(
        received_at=RECEIVED, policy=policy, periods=(waiting(berlin(11, 30, 13), None),)
    )
    status = clock.resolution(berlin(11, 30, 15))
    assert status is not None
    assert (status.due_at, status.state, status.paused) == (
        berlin(11, 30, 12),
        TargetState.BREACHED,
        True,
    )
    assert not clock.escalation_due(berlin(11, 30, 15))
    assert clock.next_escalation_at(berlin(11, 30, 15)) is None


def test_resolved_during_an_open_pause_is_met() -> None:
    clock = SlaClock(
        received_at=RECEIVED,
        policy=POLICY,
        periods=(StatusPeriod(RECEIVED, berlin(11, 30, 11), paused=False), PAUSE),
        first_response_at=berlin(11, 30, 11),
        resolved_at=berlin(12, 1, 15),
    )
    status = clock.resolution(berlin(12, 3, 9))
    assert status is not None
    assert (status.state, status.elapsed) == (TargetState.MET, hours(6))


def test_merge_pauses_clips_sorts_and_merges() -> None:
    periods = [
        waiting(berlin(12, 3, 9), berlin(12, 3, 10)),
        waiting(berlin(11, 30, 9), berlin(11, 30, 11)),  # starts before receipt
        waiting(berlin(11, 30, 10, 30), berlin(11, 30, 12)),  # overlaps
        StatusPeriod(berlin(11, 30, 12), berlin(12, 1, 9), paused=False),
        waiting(berlin(12, 1, 9), berlin(12, 1, 10)),
        waiting(berlin(12, 1, 10), None),  # adjacent and open: swallows what follows
        waiting(berlin(12, 2, 9), berlin(12, 2, 10)),
        waiting(berlin(11, 29, 9), berlin(11, 29, 10)),  # wholly before receipt
    ]
    assert merge_pauses(periods, RECEIVED) == [
        (berlin(11, 30, 10).astimezone(UTC), berlin(11, 30, 12).astimezone(UTC)),
        (berlin(12, 1, 9).astimezone(UTC), None),
    ]


# --- escalation ---------------------------------------------------------------------------


def test_escalation_only_inside_business_hours() -> None:
    # Received Saturday 18:00, first response (2 h) due Saturday 20:00.
    clock = SlaClock(received_at=berlin(11, 28, 18), policy=SlaPolicy(first_response=hours(2)))
    saturday_night = berlin(11, 28, 21)
    assert clock.first_response(saturday_night).state is TargetState.BREACHED  # type: ignore[union-attr]
    assert not clock.escalation_due(saturday_night)
    assert clock.next_escalation_at(saturday_night) == berlin(11, 30, 8)
    assert clock.escalation_due(berlin(11, 30, 8))
    assert clock.next_escalation_at(berlin(11, 30, 8, 5)) == berlin(11, 30, 8, 5)


def test_next_escalation_when_the_target_turns_at_risk() -> None:
    # Received Friday 18:00, 2 h 30 min target: at risk when 30 min remain, Friday 20:00, which
    # is closing time, so the reminder goes out Saturday 08:00.
    policy = SlaPolicy(first_response=timedelta(hours=2, minutes=30))
    clock = SlaClock(received_at=berlin(11, 27, 18), policy=policy)
    assert not clock.escalation_due(berlin(11, 27, 19))
    assert clock.next_escalation_at(berlin(11, 27, 19)) == berlin(11, 28, 8)
    assert clock.first_response(berlin(11, 27, 20, 30)).state is TargetState.AT_RISK  # type: ignore[union-attr]
    assert not clock.escalation_due(berlin(11, 27, 20, 30))
    assert clock.escalation_due(berlin(11, 28, 8))


def test_nothing_to_escalate_once_met() -> None:
    clock = SlaClock(
        received_at=RECEIVED,
        policy=POLICY,
        first_response_at=berlin(11, 30, 11),
        resolved_at=berlin(11, 30, 12),
    )
    assert not clock.escalation_due(berlin(12, 5, 10))
    assert clock.next_escalation_at(berlin(12, 5, 10)) is None


# --- policy -------------------------------------------------------------------------------


def test_policy_config_round_trip() -> None:
    config = {"first_response_minutes": 240, "resolution_minutes": None, "at_risk_percent": 25}
    policy = SlaPolicy.from_config(config)
    assert policy == SlaPolicy(first_response=hours(4), at_risk_percent=25)
    assert policy.to_config() == config
    assert policy.at_risk_threshold(hours(4)) == hours(1)


@pytest.mark.parametrize(
    "config",
    [{"first_response_minutes": 0}, {"at_risk_percent": 101}, {"resolution_hours": 8}],
)
def test_bad_policies_are_refused(config: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SlaPolicy.from_config(config)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        SlaClock(received_at=datetime(2026, 11, 30, 10), policy=POLICY)


# --- property: at the due date nothing remains, a moment later it is breached ---------------


@settings(max_examples=150, deadline=None)
@given(
    received=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    target_minutes=st.integers(min_value=1, max_value=5 * 12 * 60),
    pause_offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
    pause_length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_resolution_due_date_property(
    received: datetime, target_minutes: int, pause_offset: timedelta, pause_length: timedelta
) -> None:
    target = timedelta(minutes=target_minutes)
    pause_start = received + pause_offset
    pause = waiting(pause_start, pause_start + pause_length)
    clock = SlaClock(received_at=received, policy=SlaPolicy(resolution=target), periods=(pause,))
    unpaused_due = DEFAULT_CALENDAR.add_business_time(received, target)
    due = clock.resolution(received).due_at  # type: ignore[union-attr]
    assert due is not None and due >= unpaused_due
    at_due = clock.resolution(due)
    assert at_due is not None
    assert at_due.remaining == timedelta(0)
    assert at_due.state in (TargetState.AT_RISK, TargetState.PAUSED)
    assert clock.resolution(due + timedelta(microseconds=1)).state is TargetState.BREACHED  # type: ignore[union-attr]
    paused_business = DEFAULT_CALENDAR.business_time_between(pause.start, pause.end)  # type: ignore[arg-type]
    if pause_start < unpaused_due:
        assert DEFAULT_CALENDAR.business_time_between(received, due) == target + paused_business
