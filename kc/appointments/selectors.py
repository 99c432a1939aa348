"""Reads shared by the staff pages and the portal: weeks of free slots, days of bookings."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from kc.appointments.forms import day_label, days_of, slot_label, slot_value
from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.appointments.slots import first_free_per_time, open_slots
from kc.core.calendars import default_calendar
from kc.customers.models import BusinessPartner


@dataclass(frozen=True)
class Week:
    first_day: datetime.date
    last_day: datetime.date
    previous: datetime.date | None
    next: datetime.date | None


def week(requested: str | None, today: datetime.date) -> Week:
    """The week (Monday to Sunday) asked for by `?woche=YYYY-MM-DD`, from today to the
    booking horizon; anything unreadable or outside is this week."""
    this_monday = today - datetime.timedelta(days=today.weekday())
    horizon = today + datetime.timedelta(days=settings.KC_APPOINTMENT_HORIZON_DAYS)
    try:
        asked = datetime.date.fromisoformat(requested or "")
    except ValueError:
        asked = this_monday
    monday = asked - datetime.timedelta(days=asked.weekday())
    if monday < this_monday or monday > horizon:
        monday = this_monday
    sunday = monday + datetime.timedelta(days=6)
    return Week(
        first_day=max(monday, today),
        last_day=min(sunday, horizon),
        previous=monday - datetime.timedelta(days=7) if monday > this_monday else None,
        next=monday + datetime.timedelta(days=7)
        if monday + datetime.timedelta(days=7) <= horizon
        else None,
    )


@dataclass(frozen=True)
class SlotDay:
    label: str
    choices: list[tuple[str, str]]


def free_week(
    appointment_type: AppointmentType,
    span: Week,
    *,
    with_advisor: bool,
    now: datetime.datetime | None = None,
) -> list[SlotDay]:
    """The week's free slots by day, as radio choices; the portal gets one per time."""
    slots = open_slots(appointment_type, default_calendar(), span.first_day, span.last_day, now=now)
    names = None
    if with_advisor:
        names = {a.pk: a.name for a in Advisor.objects.select_related("user")}
    else:
        slots = first_free_per_time(slots)
    return [
        SlotDay(day_label(day), [(slot_value(slot), slot_label(slot, names)) for slot in day_slots])
        for day, day_slots in days_of(slots)
    ]


def bookings_on(day: datetime.date, advisor: Advisor | None = None) -> QuerySet[Booking]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    end = start + datetime.timedelta(days=1)
    bookings = Booking.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if advisor is not None:
        bookings = bookings.filter(advisor=advisor)
    return bookings.select_related("partner", "advisor__user", "appointment_type").order_by(
        "starts_at", "advisor_id"
    )


def partner_bookings(partner: BusinessPartner) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(partner=partner)
        .select_related("advisor__user", "appointment_type")
        .order_by("-starts_at", "-pk")
    )
