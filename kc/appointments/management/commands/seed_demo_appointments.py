"""Demo data of the energy-saving consultations for `make run`: two advisors with weekly
hours (the demo login "berater" and a colleague), three kinds of consultation and, when demo
customers exist, two booked appointments; idempotent (run it again and nothing doubles)."""

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kc.appointments import booking as service
from kc.appointments.models import Advisor, AppointmentType, Booking, Mode, WeeklyAvailability
from kc.appointments.slots import open_slots
from kc.core import roles
from kc.core.calendars import default_calendar
from kc.core.models import User
from kc.customers.models import BusinessPartner

T = datetime.time
# username, first, last, weekly hours {weekday: [(start, end), ...]}
ADVISORS: list[tuple[str, str, str, dict[int, list[tuple[T, T]]]]] = [
    (
        "berater",
        "Emre",
        "Yilmaz",
        {day: [(T(9), T(12)), (T(13), T(17))] for day in range(5)},
    ),
    (
        "beraterin",
        "Anja",
        "Vogt",
        {1: [(T(14), T(19, 30))], 3: [(T(14), T(19, 30))], 5: [(T(9), T(14))]},
    ),
]
# name, mode, minutes, buffer, description
TYPES = [
    ("Telefonberatung", Mode.PHONE, 45, 15, "Wir rufen Sie zur vereinbarten Zeit an."),
    (
        "Videoberatung",
        Mode.VIDEO,
        60,
        15,
        "Den Link zum Videoraum schicken wir mit der Bestätigung.",
    ),
    (
        "Beratung im Kunden-Center",
        Mode.ON_SITE,
        60,
        30,
        "Bringen Sie gern Ihre letzte Jahresabrechnung mit.",
    ),
]
LOCATION = "Kunden-Center, Markt 1, 42651 Musterstadt"


class Command(BaseCommand):
    help = "Seed demo advisors, weekly hours, appointment types and two bookings (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            advisors = [self._advisor(*row) for row in ADVISORS]
            kinds = [
                AppointmentType.objects.get_or_create(
                    name=name,
                    defaults={
                        "mode": mode,
                        "duration_minutes": minutes,
                        "buffer_minutes": buffer,
                        "description": text,
                        "location": LOCATION if mode == Mode.ON_SITE else "",
                    },
                )[0]
                for name, mode, minutes, buffer, text in TYPES
            ]
        booked = self._bookings(advisors, kinds)
        self.stdout.write(
            f"seed_demo_appointments: {len(advisors)} advisors, {len(kinds)} types, "
            f"{booked} new bookings"
        )

    def _advisor(
        self, username: str, first: str, last: str, hours: dict[int, list[tuple[T, T]]]
    ) -> Advisor:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_unusable_password()  # a colleague without a demo login
            user.save(update_fields=["password"])
            group = Group.objects.filter(name=roles.ENERGY_ADVISOR).first()
            if group is not None:
                user.groups.add(group)
        advisor, _new = Advisor.objects.get_or_create(
            user=user, defaults={"video_url": f"https://video.example/{username}"}
        )
        if not advisor.availability.exists():
            for weekday, intervals in hours.items():
                for start, end in intervals:
                    WeeklyAvailability.objects.create(
                        advisor=advisor, weekday=weekday, start=start, end=end
                    )
        return advisor

    def _bookings(self, advisors: list[Advisor], kinds: list[AppointmentType]) -> int:
        if Booking.objects.exists():
            return 0
        partners = list(BusinessPartner.objects.exclude(email="").order_by("pk")[:2])
        today = timezone.localdate()
        made = 0
        for partner, kind, topic in zip(
            partners, kinds, ["Heizung und Wärmepumpe", "Photovoltaik und Speicher"], strict=False
        ):
            slots = open_slots(
                kind,
                default_calendar(),
                today + datetime.timedelta(days=2),
                today + datetime.timedelta(days=21),
                advisors=advisors,
            )
            if slots:
                service.book(
                    partner=partner,
                    appointment_type=kind,
                    advisor=next(a for a in advisors if a.pk == slots[0].advisor_id),
                    starts_at=slots[0].starts_at,
                    topic=topic,
                    channel=Booking.Channel.AGENT,
                    actor=None,
                )
                made += 1
        return made
