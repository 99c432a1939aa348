"""The demo data command: two advisors with weekly hours, three types, two bookings; again
changes nothing."""

import pytest
from django.core.management import call_command

from kc.appointments.models import Advisor, AppointmentType, Booking, WeeklyAvailability
from kc.cases.tests.factories import QueueFactory
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Advisor.objects.count(),
        WeeklyAvailability.objects.count(),
        AppointmentType.objects.count(),
        Booking.objects.count(),
    )


def test_seed_demo_appointments_is_idempotent() -> None:
    QueueFactory(is_default=True)
    BusinessPartnerFactory(), BusinessPartnerFactory()
    call_command("seed_demo_appointments")
    first = counts()
    assert first[0] == 2 and first[2] == 3 and first[3] == 2 and first[1] >= 10
    call_command("seed_demo_appointments")
    assert counts() == first
