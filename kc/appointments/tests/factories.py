"""Advisors with weekly hours, appointment types and a consultation customer."""

import datetime
from zoneinfo import ZoneInfo

from kc.appointments.models import Advisor, AppointmentType, Booking, Mode, WeeklyAvailability
from kc.core.models import User
from kc.customers.models import BusinessPartner

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A wall-clock moment in Berlin."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def advisor(
    username: str = "berater",
    *,
    hours: tuple[tuple[int, int], ...] = ((9, 12), (13, 17)),
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    **fields: object,
) -> Advisor:
    user = User.objects.create_user(
        username=username, first_name="Erika", last_name=f"Berater-{username}"
    )
    found = Advisor.objects.create(user=user, video_url="https://video.example/raum-1", **fields)
    for weekday in weekdays:
        for start, end in hours:
            WeeklyAvailability.objects.create(
                advisor=found, weekday=weekday, start=datetime.time(start), end=datetime.time(end)
            )
    return found


def appointment_type(mode: str = Mode.PHONE, **fields: object) -> AppointmentType:
    values: dict[str, object] = {
        "name": f"Beratung {mode}",
        "mode": mode,
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "location": "Kunden-Center, Markt 1, 42651 Musterstadt",
    }
    values.update(fields)
    return AppointmentType.objects.create(**values)


def future_booking(partner: BusinessPartner) -> Booking:
    """A booked appointment of `partner` in the coming weeks (the first free slot, real time),
    with the shared demo advisor and a phone consultation type."""
    from django.utils import timezone

    from kc.appointments import booking as service
    from kc.appointments.slots import open_slots
    from kc.core.calendars import default_calendar

    found = Advisor.objects.filter(user__username="berater-test").first()
    the_advisor = found or advisor("berater-test", hours=((8, 18),))
    kind = AppointmentType.objects.filter(name="Beratung Telefon (Test)").first()
    kind = kind or appointment_type(name="Beratung Telefon (Test)")
    today = timezone.localdate()
    slot = open_slots(
        kind,
        default_calendar(),
        today + datetime.timedelta(days=3),
        today + datetime.timedelta(days=30),
        advisors=[the_advisor],
    )[0]
    return service.book(
        partner=partner,
        appointment_type=kind,
        advisor=the_advisor,
        starts_at=slot.starts_at,
        topic="Energie sparen im Haushalt",
        channel=Booking.Channel.PORTAL,
        actor=None,
    )
