"""Consultation booking in the portal: the week's free slots as radio buttons, booking once per
form token, own appointments, reschedule and cancel; another customer's booking is 404, a
started one cannot be cancelled here."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kc.appointments import booking as service
from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.appointments.tests.factories import advisor, appointment_type, at, future_booking
from kc.cases.models import CaseType, Message
from kc.cases.tests.factories import QueueFactory
from kc.core.models import User
from kc.customers.models import BusinessPartner
from kc.portal.tests.factories import customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


@pytest.fixture
def kind() -> AppointmentType:
    advisor("erika", hours=((9, 12), (13, 17)))
    return appointment_type(name="Telefonberatung", description="Wir rufen Sie an.")


def next_week() -> str:
    today = timezone.localdate()
    return (
        f"{today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7):%Y-%m-%d}"
    )


def page_form(client: Client, url: str) -> tuple[str, list[str], str]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token is not None
    return html, re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', html), token.group(1)


def test_the_customer_books_a_slot_once_and_sees_it(
    customer_client: Client, partner: BusinessPartner, kind: AppointmentType
) -> None:
    start = customer_client.get(reverse("portal:consultation_book")).content.decode()
    assert "Telefonberatung" in start and 'name="art"' in start
    url = reverse("portal:consultation_book") + f"?art={kind.pk}&woche={next_week()}"
    html, slots, token = page_form(customer_client, url)
    assert len(slots) >= 20 and "Erika" not in html  # the customer does not pick the advisor
    assert 'name="contact_email"' not in html  # the invitation goes to the login address
    data = {"slot": slots[0], "topic": "Heizung und Wärmepumpe", "contact_phone": "0211 99",
            "contact_email": "fremd@example.org", "form_token": token}  # fmt: skip
    first = customer_client.post(url, data)
    booking = Booking.objects.get(partner=partner)
    assert first.status_code == 302
    assert first["Location"] == reverse("portal:consultation_booking", args=[booking.pk])
    assert customer_client.post(url, data).status_code == 302  # double click: once
    assert Booking.objects.filter(partner=partner).count() == 1
    assert booking.channel == Booking.Channel.PORTAL and booking.contact_phone == "0211 99"
    login = User.objects.get(portal_account__partner=partner)
    assert booking.contact_email == login.email != "fremd@example.org"
    assert booking.case.case_type == CaseType.CONSULTATION
    assert booking.case.messages.filter(kind=Message.Kind.EMAIL_OUT).count() == 1
    detail = customer_client.get(first["Location"]).content.decode()
    assert booking.number in detail and "Termin absagen" in detail
    listing = customer_client.get(reverse("portal:consultation")).content.decode()
    assert "Heizung und Wärmepumpe" in listing


def test_a_slot_taken_meanwhile_is_refused_with_a_reason(
    customer_client: Client, partner: BusinessPartner, kind: AppointmentType
) -> None:
    url = reverse("portal:consultation_book") + f"?art={kind.pk}&woche={next_week()}"
    _html, slots, token = page_form(customer_client, url)
    other = customer(last_name="Schneller")
    advisor_id, starts_at = slots[0].split("@")
    service.book(
        partner=other,
        appointment_type=kind,
        advisor=Advisor.objects.get(pk=advisor_id),
        starts_at=datetime.datetime.fromtimestamp(int(starts_at), tz=datetime.UTC),
        topic="Sonstiges",
        channel=Booking.Channel.AGENT,
        actor=None,
    )
    data = {"slot": slots[0], "topic": "Sonstiges", "contact_phone": "0211 1",
            "form_token": token}  # fmt: skip
    response = customer_client.post(url, data)
    assert response.status_code == 400
    assert "schon vergeben" in response.content.decode()
    assert not Booking.objects.filter(partner=partner).exists()


def test_reschedule_and_cancel_own_booking(
    customer_client: Client, partner: BusinessPartner
) -> None:
    booking = future_booking(partner)
    url = reverse("portal:consultation_reschedule", args=[booking.pk])
    monday = booking.starts_at.date() + datetime.timedelta(days=7)
    url += f"?woche={monday:%Y-%m-%d}"
    _html, slots, token = page_form(customer_client, url)
    moved = customer_client.post(url, {"slot": slots[-1], "form_token": token})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.ical_sequence == 1 and booking.starts_at > timezone.now()
    detail = reverse("portal:consultation_booking", args=[booking.pk])
    _html, _slots, token = page_form(customer_client, detail)
    cancel = reverse("portal:consultation_cancel", args=[booking.pk])
    assert customer_client.post(cancel, {"reason": "", "form_token": token}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert (
        customer_client.get(
            reverse("portal:consultation_reschedule", args=[booking.pk])
        ).status_code
        == 404
    )


def test_a_started_appointment_cannot_be_cancelled_in_the_portal(
    customer_client: Client, partner: BusinessPartner, kind: AppointmentType
) -> None:
    today = timezone.localdate()
    past_monday = today - datetime.timedelta(days=7 + today.weekday())
    booking = service.book(
        partner=partner,
        appointment_type=kind,
        advisor=Advisor.objects.get(),
        starts_at=at(past_monday, 10),
        topic="Sonstiges",
        channel=Booking.Channel.PORTAL,
        actor=None,
        now=at(past_monday, 6),
    )
    cancel = reverse("portal:consultation_cancel", args=[booking.pk])
    response = customer_client.post(cancel, {"reason": "", "form_token": "x" * 24})
    assert response.status_code == 400
    assert "begonnen" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_another_customers_booking_is_404(customer_client: Client) -> None:
    theirs = future_booking(customer(last_name="Fremd"))
    for name in ("consultation_booking", "consultation_reschedule", "consultation_cancel"):
        url = reverse(f"portal:{name}", args=[theirs.pk])
        assert customer_client.get(url).status_code == 404
        assert customer_client.post(url, {"reason": "x", "form_token": "y" * 24}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.BOOKED and theirs.ical_sequence == 0


@pytest.mark.parametrize("seconds", ["253402300799", "253402214400"])
def test_a_slot_value_at_the_edge_of_time_is_refused_on_the_form(
    customer_client: Client, kind: AppointmentType, seconds: str
) -> None:
    """A hand-made slot value on 31 December 9999 matches the field's pattern; it is refused
    with a reason, not a 500 from a day after it, and books nothing."""
    erika = Advisor.objects.get(user__username="erika")
    url = reverse("portal:consultation_book") + f"?art={kind.pk}"
    _html, _slots, token = page_form(customer_client, url)
    data = {"slot": f"{erika.pk}@{seconds}", "topic": "Sonstiges", "contact_phone": "0211 1",
            "form_token": token}  # fmt: skip
    response = customer_client.post(url, data)
    assert response.status_code == 400
    assert "angebotenen Termine" in response.content.decode()
    assert not Booking.objects.exists()
