"""Funding in the browser: the funding clerk opens the queue, reads an application, is refused
an approval before the checklist is done, ticks the checklist, approves and pays it out; the
program page shows the budget used. Every page through axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, roles
from kc.core.numbers import ensure_base_ranges
from kc.funding.models import FundingApplication
from kc.funding.tests.factories import apply, category, supplied_contract
from kc.letters import services as letter_services
from kc.payments import ledger

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
