"""The reminder: about a day before, once, never for a cancelled booking, not for a booking made
inside the window; a reschedule allows a new one. The periodic job is in the schedule."""

import datetime

import pytest
from django.conf import settings

from kc.appointments import booking as service
from kc.appointments import reminders, tasks
from kc.appointments.models import Booking
from kc.appointments.tests.factories import advisor, appointment_type, at
from kc.cases.models import Message
from kc.cases.tests.factories import QueueFactory
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2027, 3, 8)
BOOKED_AT = at(datetime.date(2027, 3, 1), 12)


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


def book(when: datetime.datetime, now: datetime.datetime = BOOKED_AT, **kw) -> Booking:  # type: ignore[no-untyped-def]
    return service.book(
        partner=BusinessPartnerFactory(),
        appointment_type=appointment_type(),
        advisor=kw.pop("advisor", None) or advisor(),
        starts_at=when,
        topic="Strom sparen",
        channel=Booking.Channel.PORTAL,
        actor=None,
        now=now,
    )


def reminder_mails(booking: Booking) -> int:
    return booking.case.messages.filter(
        kind=Message.Kind.EMAIL_OUT, subject__startswith="Erinnerung"
    ).count()


def test_one_reminder_a_day_before_and_never_twice() -> None:
    booking = book(at(MONDAY, 10))
    assert reminders.send_due_reminders(at(MONDAY - datetime.timedelta(days=2), 10)) == 0
    the_day_before = at(MONDAY - datetime.timedelta(days=1), 10, 30)
    assert reminders.send_due_reminders(the_day_before) == 1
    assert reminders.send_due_reminders(the_day_before) == 0
    assert reminders.send_reminder(booking.pk, the_day_before) is False
    booking.refresh_from_db()
    assert booking.reminder_sent_at == the_day_before
    assert reminder_mails(booking) == 1


def test_no_reminder_for_a_cancelled_booking_or_one_booked_inside_the_window() -> None:
    cancelled = book(at(MONDAY, 10))
    service.cancel(booking=cancelled, reason="verhindert", actor=None, now=BOOKED_AT)
    late = book(at(MONDAY, 14), now=at(MONDAY, 8), advisor=cancelled.advisor)
    assert reminders.send_due_reminders(at(MONDAY, 9)) == 0
    assert reminder_mails(cancelled) == reminder_mails(late) == 0


def test_a_reschedule_allows_a_new_reminder() -> None:
    booking = book(at(MONDAY, 10))
    assert reminders.send_due_reminders(at(MONDAY, 9)) == 1
    tuesday = MONDAY + datetime.timedelta(days=1)
    service.reschedule(booking=booking, starts_at=at(tuesday, 10), actor=None, now=at(MONDAY, 9))
    assert reminders.send_due_reminders(at(tuesday, 9)) == 1
    assert reminder_mails(booking) == 2


def test_the_periodic_job_is_scheduled_and_runs() -> None:
    job = settings.KC_PERIODIC_TASKS["appointment_reminders"]
    assert job["task"] == "kc.appointments.tasks.send_reminders"
    assert tasks.send_reminders.call() == 0
