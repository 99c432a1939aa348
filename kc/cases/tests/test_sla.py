"""Cases get SLA due dates on their queue's business calendar; waiting for the customer pauses."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kc.cases import services
from kc.cases.models import Case
from kc.cases.tests.factories import QueueFactory
from kc.core.models import CalendarSetting

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime.datetime]:
    now = [at(27, 19, 30)]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    return now


@pytest.mark.django_db
def test_reconnection_due_dates_skip_the_night(clock: list[datetime.datetime], agent) -> None:  # type: ignore[no-untyped-def]
    QueueFactory()
    case = services.open_case(
        subject="Entsperrung",
        channel="phone",
        actor=agent,
        case_type="reconnection",
        received_at=at(27, 19, 30),
    )
    # Friday 19:30 + 1 business hour = Saturday 08:30; + 12 h = Saturday 19:30.
    assert case.first_response_due == at(28, 8, 30)
    assert case.resolution_due == at(28, 19, 30)


@pytest.mark.django_db
def test_waiting_for_customer_moves_the_resolution_due_date(
    clock: list[datetime.datetime],
    agent,  # type: ignore[no-untyped-def]
) -> None:
    QueueFactory()
    clock[0] = at(23, 9)
    case = services.open_case(subject="Frage", channel="email", actor=agent, received_at=at(23, 9))
    assert case.resolution_due == at(28, 9)  # 60 business hours, Monday 9:00 → Saturday 9:00
    clock[0] = at(24, 10)
    services.change_status(case=case, status="waiting_customer", actor=agent)
    case = Case.objects.get(pk=case.pk)
    assert case.resolution_due is None  # no due date while the clock stands still
    assert case.first_response_due is not None
    clock[0] = at(24, 14)
    services.customer_replied(case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert case.resolution_due == at(28, 13)  # four paused business hours later


@pytest.mark.django_db
def test_queue_calendar_is_used(clock: list[datetime.datetime], agent) -> None:  # type: ignore[no-untyped-def]
    weekdays_only = CalendarSetting.objects.create(
        name="Mo–Fr 8–16",
        config={
            "weekly_hours": {
                day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
            }
        },
    )
    queue = QueueFactory(calendar=weekdays_only)
    case = services.open_case(
        subject="x",
        channel="email",
        actor=agent,
        queue=queue,
        case_type="reconnection",
        received_at=at(27, 15, 30),
    )
    assert case.first_response_due == at(30, 8, 30)  # Friday 15:30 + 1 h → Monday 8:30
