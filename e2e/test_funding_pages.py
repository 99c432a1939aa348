"""Funding in the browser: the funding clerk opens the queue, reads an application, is refused
an approval before the checklist is done, ticks the checklist, approves and pays it out; the
program page shows the budget used. Every page through axe."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, roles
from kc.core.numbers import ensure_base_ranges
from kc.funding.models import FundingApplication
from kc.funding.tests.factories import apply, category, jpeg, supplied_contract
from kc.letters import services as letter_services
from kc.payments import ledger
from kc.portal.tests.factories import PASSWORD, portal_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_clerk_reviews_ticks_the_checklist_approves_and_pays(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # transaction=True tests flush the tables, including what the migrations seeded.
    ensure_base_ranges()
    letter_services.ensure_number_ranges()
    letter_services.ensure_default_templates()
    ledger.ensure_number_range()
    QueueFactory(is_default=True)
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )
    application = apply(supplied_contract(), category(), price="3000.00")
    make_staff("foerderung", roles.FUNDING_CLERK)

    log_in(page, base_url, "foerderung", check_a11y=False)
    page.get_by_role("link", name="Förderanträge").click()
    expect(page.get_by_role("heading", name="Förderanträge", level=1)).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Offene Anträge"))).to_contain_text(
        application.number
    )
    assert_accessible(page)

    page.get_by_role("link", name=application.number).click()
    heading = page.get_by_role("heading", name=re.compile(rf"^Förderantrag {application.number}"))
    expect(heading).to_contain_text("eingegangen")
    expect(page.get_by_role("link", name=re.compile(r"^rechnung-"))).to_be_visible()
    assert_accessible(page)

    # Approving before the checklist is done is refused, with the reason on top.
    page.get_by_role("button", name="Bewilligen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Prüfliste ist nicht vollständig")
    assert_accessible(page)

    for label in (
        "Rechnung lautet auf die Antragsteller",
        "Gerät passt zur Förderkategorie",
        "Inbetriebnahmedatum ist belegt",
        "Kaufpreis stimmt mit der Rechnung überein",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Prüfliste speichern").click()
    expect(page.locator(".messages")).to_contain_text("Prüfliste gespeichert")
    expect(heading).to_contain_text("in Prüfung")
    assert_accessible(page)

    page.get_by_role("button", name="Bewilligen").click()
    expect(page.locator(".messages")).to_contain_text("Antrag bewilligt: 300,00 €")
    expect(heading).to_contain_text("bewilligt")
    expect(page.get_by_role("heading", name="Briefe")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Auszahlen").click()
    expect(page.locator(".messages")).to_contain_text("Förderung ausgezahlt")
    expect(heading).to_contain_text("ausgezahlt")
    application.refresh_from_db()
    assert application.status == FundingApplication.Status.PAID
    assert_accessible(page)

    page.get_by_role("link", name="Klingen Plus").first.click()
    budgets = page.get_by_role("table", name=re.compile(r"^Je Jahr"))
    expect(budgets).to_contain_text("300,00 €")
    assert_accessible(page)


def test_a_customer_checks_the_conditions_then_applies_in_the_portal(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_base_ranges()
    letter_services.ensure_number_ranges()
    letter_services.ensure_default_templates()
    QueueFactory(is_default=True)
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )
    category()
    contract = supplied_contract()
    user = portal_login(contract.account.partner)

    page.goto(f"{base_url}{reverse('portal:login')}")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.goto(f"{base_url}{reverse('portal:funding')}")
    expect(page.get_by_role("table", name=re.compile(r"^Förderkategorien"))).to_contain_text(
        "10 % des Kaufpreises, höchstens 500,00 €"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Förderung beantragen").click()
    page.get_by_label("Was haben Sie gekauft?").fill("Wärmepumpe WP 8")
    page.get_by_label("Kaufpreis in Euro (brutto)").fill("3.000,00")
    late = timezone.localdate() - datetime.timedelta(weeks=13)
    date_field = page.get_by_label(re.compile(r"^Datum der Inbetriebnahme"))
    date_field.fill(late.isoformat())
    page.get_by_role("button", name="Voraussetzungen prüfen").click()
    expect(page.get_by_role("alert")).to_contain_text("12 Wochen nach der Inbetriebnahme")
    assert_accessible(page)

    page.get_by_label(re.compile(r"^Datum der Inbetriebnahme")).fill(
        (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    )
    page.get_by_role("button", name="Voraussetzungen prüfen").click()
    expect(page.get_by_role("status").first).to_contain_text("Voraussichtliche Förderung: 300,00 €")
    assert_accessible(page)

    page.get_by_label("Rechnung").set_input_files(
        {"name": "rechnung.jpg", "mimeType": "image/jpeg", "buffer": jpeg("white")}
    )
    page.get_by_label("Nachweis der Inbetriebnahme oder Entsorgung").set_input_files(
        {"name": "protokoll.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_role("button", name="Antrag absenden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Förderantrag F")
    expect(page.locator(".messages")).to_contain_text("ist eingegangen")
    assert FundingApplication.objects.get().requested_amount == 300
    assert_accessible(page)
