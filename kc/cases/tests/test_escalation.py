import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kc.cases import escalation, services
from kc.cases.models import Case, Message
from kc.cases.tests.factories import QueueFactory

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def reconnection(monkeypatch: pytest.MonkeyPatch, agent) -> Case:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(timezone, "now", lambda: at(27, 19, 30))
    QueueFactory()
    # Friday 19:30 + 1 business hour: first response due Saturday 08:30.
    return services.open_case(
        subject="Entsperrung",
        channel="phone",
        actor=agent,
        case_type="reconnection",
        received_at=at(27, 19, 30),
    )


def notes(case: Case) -> list[str]:
    return list(case.messages.filter(kind=Message.Kind.NOTE).values_list("body_text", flat=True))


@pytest.mark.django_db
def test_one_reminder_per_state_inside_business_hours(reconnection: Case) -> None:
    assert escalation.send_reminders(at(28, 8, 5)) == 0  # 25 of 60 minutes left: fine
    assert escalation.send_reminders(at(28, 8, 20)) == 1  # 10 minutes left: at risk
    assert escalation.send_reminders(at(28, 8, 25)) == 0  # said already
    assert escalation.send_reminders(at(28, 8, 40)) == 1  # now breached
    assert escalation.send_reminders(at(28, 9, 0)) == 0
    texts = notes(reconnection)
    assert texts[0].startswith("SLA knapp: fällig am 28.11.2026 08:30")
    assert texts[1].startswith("SLA überschritten")
    reconnection.refresh_from_db()
    assert reconnection.sla_alert == "breached"


@pytest.mark.django_db
def test_no_reminder_while_closed(reconnection: Case) -> None:
    # Saturday 21:00 the case is breached, but the center is closed until Monday 8:00.
    assert escalation.send_reminders(at(28, 21, 0)) == 0
    assert escalation.send_reminders(at(29, 12, 0)) == 0  # Sunday
    assert escalation.send_reminders(at(30, 8, 0)) == 1


@pytest.mark.django_db
def test_answered_case_is_left_alone(reconnection: Case, agent) -> None:  # type: ignore[no-untyped-def]
    reconnection.contact_email = "kunde@example.org"
    reconnection.save()
    services.reply_by_email(case=reconnection, text="Wir kümmern uns.", actor=agent)
    assert escalation.send_reminders(at(28, 8, 20)) == 0
