"""A consultation confirmation through the real SMTP sink: the outbox sends the case mail with
its text/calendar part (method=REQUEST), which parses back to the booking's event."""

import datetime
from email import message_from_bytes

import icalendar
import pytest

from kc.appointments import booking as appointments
from kc.appointments.models import Booking
from kc.appointments.tests.factories import advisor, appointment_type, at
from kc.cases.models import Message
from kc.cases.tests.factories import QueueFactory
from kc.channels.email.outbox import send_queued_email
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = [pytest.mark.mailserver, pytest.mark.timeout(900), pytest.mark.django_db]


def test_the_confirmation_carries_the_invitation(mail_servers) -> None:  # type: ignore[no-untyped-def]
    QueueFactory(is_default=True)
    partner = BusinessPartnerFactory(email="termin-ics@example.org")
    booking = appointments.book(
        partner=partner,
        appointment_type=appointment_type(),
        advisor=advisor(),
        starts_at=at(datetime.date(2027, 3, 8), 10),
        topic="Wärmepumpe",
        channel=Booking.Channel.PORTAL,
        actor=None,
        now=at(datetime.date(2027, 3, 1), 12),
    )
    message = booking.case.messages.get(kind=Message.Kind.EMAIL_OUT)
    assert send_queued_email(message.pk, mail_servers.smtp_config()).sent
    raws = [raw for raw in mail_servers.sent_mails(wait_for=1) if b"termin-ics@" in raw]
    mail = message_from_bytes(raws[-1])
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "termin.ics"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    (event,) = icalendar.Calendar.from_ical(payload).walk("VEVENT")
    assert str(event["UID"]) == booking.ical_uid
    assert event.decoded("DTSTART") == booking.starts_at
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
