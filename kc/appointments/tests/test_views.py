"""Staff pages: the day list, booking for a customer from the week's free slots, reschedule,
cancel with reason, the advisor's outcome with a follow-up task; permissions."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.appointments import booking as service
from kc.appointments.models import Advisor, Booking
from kc.appointments.tests.factories import advisor, appointment_type, at
from kc.cases.models import CaseTask
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


def client_for(role: str | None, username: str) -> Client:
    client = Client()
    client.force_login(make_staff(username, role))
    return client


def a_week_ahead() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=14)


def slot_values(page: str) -> list[str]:
    return re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', page)


def book_page(client: Client, number: str, type_pk: int) -> str:
    query = f"?customer={number}&appointment_type={type_pk}&woche={a_week_ahead():%Y-%m-%d}"
    response = client.get(reverse("appointments:book") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_books_for_a_customer_and_a_taken_slot_is_refused() -> None:
    agent = client_for(roles.AGENT, "agentin")
    erika, kind = advisor(), appointment_type()
    partner = BusinessPartnerFactory(last_name="Sonnig")
    page = book_page(agent, partner.number, kind.pk)
    assert "Sonnig" in page and erika.name in page
    values = slot_values(page)
    assert len(values) > 10
    data = {"slot": values[0], "topic": "Heizung und Wärmepumpe", "contact_phone": "0211 1"}
    url = reverse("appointments:book") + f"?customer={partner.number}&appointment_type={kind.pk}"
    response = agent.post(url + f"&woche={a_week_ahead():%Y-%m-%d}", data)
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:detail", args=[booking.pk])
    assert booking.partner == partner and booking.channel == Booking.Channel.AGENT
    assert booking.case.case_type == "consultation"
    again = agent.post(url + f"&woche={a_week_ahead():%Y-%m-%d}", data)
    assert again.status_code == 400
    assert "schon vergeben" in again.content.decode()
    assert Booking.objects.count() == 1


def test_a_forged_slot_outside_the_offer_books_nothing() -> None:
    agent = client_for(roles.AGENT, "agentin")
    erika, kind = advisor(), appointment_type()
    partner = BusinessPartnerFactory()
    sunday = a_week_ahead() + datetime.timedelta(days=6)
    forged = f"{erika.pk}@{int(at(sunday, 10).timestamp())}"
    url = reverse("appointments:book") + f"?customer={partner.number}&appointment_type={kind.pk}"
    response = agent.post(url, {"slot": forged, "topic": "Sonstiges"})
    assert response.status_code == 400 and not Booking.objects.exists()


def test_unknown_customer_number_says_so() -> None:
    agent = client_for(roles.AGENT, "agentin")
    response = agent.get(reverse("appointments:book") + "?customer=999")
    assert "Kein Kunde mit dieser Nummer" in response.content.decode()


def booked(start: datetime.datetime, now: datetime.datetime, **kw) -> Booking:  # type: ignore[no-untyped-def]
    return service.book(
        partner=BusinessPartnerFactory(),
        appointment_type=kw.pop("appointment_type", None) or appointment_type(),
        advisor=kw.pop("advisor", None) or advisor(),
        starts_at=start,
        topic="Strom sparen",
        channel=Booking.Channel.PORTAL,
        actor=None,
        now=now,
    )


def test_calendar_reschedule_and_cancel_with_reason() -> None:
    agent = client_for(roles.AGENT, "agentin")
    monday = a_week_ahead()
    booking = booked(at(monday, 10), timezone.now())
    day = agent.get(reverse("appointments:calendar") + f"?tag={monday:%Y-%m-%d}")
    assert booking.number in day.content.decode()
    url = reverse("appointments:reschedule", args=[booking.pk])
    page = agent.get(url + f"?woche={monday:%Y-%m-%d}").content.decode()
    target = next(v for v in slot_values(page) if v.endswith(str(int(at(monday, 14).timestamp()))))
    assert agent.post(url + f"?woche={monday:%Y-%m-%d}", {"slot": target}).status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == at(monday, 14) and booking.ical_sequence == 1
    cancel = reverse("appointments:cancel", args=[booking.pk])
    assert agent.post(cancel, {"reason": ""}).status_code == 400
    assert agent.post(cancel, {"reason": "Beraterin krank"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_advisor_records_the_outcome_with_a_follow_up_task() -> None:
    advisor_client = client_for(roles.ENERGY_ADVISOR, "beraterin")
    agent = client_for(roles.AGENT, "agentin")
    erika = Advisor.objects.create(user=make_staff("erika", roles.ENERGY_ADVISOR))
    for weekday in range(6):
        erika.availability.create(weekday=weekday, start=datetime.time(8), end=datetime.time(18))
    today = timezone.localdate()
    past_day = today - datetime.timedelta(days=7 + today.weekday())  # a Monday in the past
    booking = booked(at(past_day, 10), at(past_day, 6), advisor=erika)
    url = reverse("appointments:outcome", args=[booking.pk])
    data = {"outcome": "done", "notes": "Heizung alt", "follow_up": "Förderung prüfen"}
    assert agent.post(url, data).status_code == 403
    assert advisor_client.post(url, data).status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DONE
    assert CaseTask.objects.filter(case=booking.case, title="Förderung prüfen").exists()
    future = booked(at(a_week_ahead(), 10), timezone.now(), advisor=erika)
    refused = advisor_client.post(reverse("appointments:outcome", args=[future.pk]), data)
    assert refused.status_code == 400 and "noch nicht begonnen" in refused.content.decode()


def test_pages_need_the_permissions() -> None:
    window = client_for(roles.CUSTOMER_CENTER, "vorort")
    assert window.get(reverse("appointments:calendar")).status_code == 403
    assert window.get(reverse("appointments:book")).status_code == 403


def test_the_admin_sets_up_advisors_hours_absences_and_types() -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from kc.core.models import User

    boss = User.objects.create_superuser("chefin", "chefin@example.org", "x")
    TOTP.activate(boss, "JBSWY3DPEHPK3PXP")  # staff pass MFA
    client = Client()
    client.force_login(boss)
    erika = advisor()
    appointment_type()
    for name in ("advisor", "weeklyavailability", "absence", "appointmenttype", "booking"):
        assert client.get(reverse(f"admin:appointments_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:appointments_advisor_change", args=[erika.pk]))
    assert page.status_code == 200 and "Beratungszeiten" in page.content.decode()
    assert client.get(reverse("admin:appointments_appointmenttype_add")).status_code == 200


@pytest.mark.parametrize("tag", ["9999-12-31", "0001-01-01", "kein-datum", ""])
def test_the_day_list_shows_today_for_an_unusable_day(tag: str) -> None:
    advisor_client = client_for(roles.ENERGY_ADVISOR, "beraterin")
    response = advisor_client.get(reverse("appointments:calendar") + f"?tag={tag}")
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
