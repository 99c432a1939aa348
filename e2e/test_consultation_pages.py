"""Consultations in the browser: an agent opens the advisors' day list, books an appointment
for a customer from the week's free slots (an empty submit first: the error is announced) and
reschedules it; a customer books and cancels in the portal on a phone, with and without JavaScript.
Every page through axe (the other portal pages are walked by test_portal_pages.py)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from e2e.test_portal_pages import (
    PHONE,
    build_customer,
    new_context,
    portal_log_in,
    reference_data,
)
from kc.appointments.models import Booking
from kc.appointments.tests.factories import advisor, appointment_type
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.numbers import ensure_base_ranges
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_books_and_reschedules_a_consultation(page: Page, base_url: str) -> None:
    ensure_base_ranges()
    QueueFactory(is_default=True)
    advisor("erika", hours=((9, 12), (13, 17)))
    appointment_type(name="Energieberatung am Telefon")
    partner = BusinessPartnerFactory(last_name="Sparsam")
    make_staff("agent", roles.AGENT)
    log_in(page, base_url, "agent", check_a11y=False)

    page.get_by_role("link", name="Energieberatung").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Energieberatung")
    assert_accessible(page)

    page.get_by_role("link", name="Termin buchen").click()
    page.get_by_label("Kundennummer").fill(partner.number)
    page.get_by_label("Art der Beratung").select_option(index=0)
    page.get_by_role("button", name="Freie Termine zeigen").click()
    expect(page.get_by_role("heading", name=re.compile("Sparsam"))).to_be_visible()
    page.get_by_role("link", name="Nächste Woche").click()
    assert_accessible(page)

    page.get_by_role("button", name="Termin buchen").click()  # no slot chosen
    expect(page.get_by_role("alert").first).to_contain_text("Bitte wählen Sie einen Termin")
    expect(page).to_have_title(re.compile("^Fehler"))
    assert_accessible(page)

    page.get_by_role("radio").first.check()
    page.get_by_label("Thema der Beratung").select_option(label="Heizung und Wärmepumpe")
    page.get_by_role("button", name="Termin buchen").click()
    booking = Booking.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Beratungstermin {booking.number}")
    expect(page.get_by_role("status")).to_contain_text("gebucht")
    assert_accessible(page)

    page.get_by_role("link", name="Termin verlegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("verlegen")
    page.get_by_role("link", name="Nächste Woche").click()
    assert_accessible(page)
    page.get_by_role("radio").last.check()
    page.get_by_role("button", name="Termin verlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Beratungstermin {booking.number}")
    assert_accessible(page)
    moved = Booking.objects.get()
    assert moved.starts_at > booking.starts_at and moved.ical_sequence == 1
    assert moved.status == Booking.Status.BOOKED


@pytest.mark.parametrize("javascript", [True, False], ids=["axe", "no-js"])
def test_a_customer_books_and_cancels_in_the_portal_on_a_phone(
    browser: Browser, base_url: str, javascript: bool
) -> None:
    """With JavaScript every page goes through axe; without it the same flow works (axe needs
    JavaScript to run, so that pass checks the flow only)."""

    def check() -> None:
        if javascript:
            assert_accessible(page)

    reference_data()
    advisor("erika", hours=((9, 12), (13, 17)))
    appointment_type(name="Telefonberatung", description="Wir rufen Sie an.")
    me = build_customer(last_name="Ohneskript")
    context = new_context(browser, PHONE, javascript=javascript)
    page = context.new_page()
    try:
        portal_log_in(page, base_url, me)
        page.goto(f"{base_url}{reverse('portal:consultation')}")
        check()
        page.get_by_role("link", name="Termin buchen").click()
        page.get_by_label(re.compile("^Telefonberatung")).check()
        page.get_by_role("button", name="Freie Termine zeigen").click()
        page.get_by_role("link", name="Nächste Woche").click()
        expect(page.get_by_role("group", name="Termin", exact=True)).to_be_visible()
        check()
        page.get_by_role("radio").nth(2).check()
        page.get_by_label("Thema der Beratung").select_option(label="Energie sparen im Haushalt")
        page.get_by_role("button", name="Termin verbindlich buchen").click()
        expect(page.get_by_role("status")).to_contain_text("Ihr Termin ist gebucht")
        booking = Booking.objects.get(partner=me.partner)
        assert booking.channel == Booking.Channel.PORTAL
        check()
        page.get_by_role("button", name="Termin absagen").click()
        expect(page.get_by_role("status")).to_contain_text("abgesagt")
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        check()
    finally:
        context.close()
