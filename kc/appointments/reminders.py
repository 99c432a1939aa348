"""The reminder before an appointment: once per booking (a conditional UPDATE claims it),
never for a cancelled one, and not for a booking made inside the reminder window (its
confirmation has just gone out)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kc.appointments import notify
from kc.appointments.models import Booking


def window() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.KC_APPOINTMENT_REMINDER_HOURS)


def due_ids(now: datetime.datetime) -> list[int]:
    return list(
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + window(),
            created_at__lt=F("starts_at") - window(),
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def send_reminder(booking_id: int, now: datetime.datetime) -> bool:
    """True when this call sent the reminder (a second call, or a cancelled booking: False)."""
    claimed = Booking.objects.filter(
        pk=booking_id, status=Booking.Status.BOOKED, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now)
    if not claimed:
        return False
    booking = Booking.objects.select_related(
        "case", "partner", "advisor__user", "appointment_type"
    ).get(pk=booking_id)
    notify.send(booking, notify.REMINDER, actor=None)
    return True


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return sum(send_reminder(booking_id, now) for booking_id in due_ids(now))
