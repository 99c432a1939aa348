"""Case pages in the browser: list, case with timeline and composer, task list, with axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_writes_a_note_on_a_case(page: Page, base_url: str) -> None:
    make_staff("agent", roles.AGENT)
    queue = QueueFactory()
    case = CaseFactory(
        queue=queue,
        subject="Abschlag zu hoch",
        partner=BusinessPartnerFactory(email="kunde@example.org"),
    )
    log_in(page, base_url, "agent")
    page.get_by_role("link", name="Vorgänge").first.click()
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=case.number).click()
    expect(page.locator("h1")).to_contain_text("Abschlag zu hoch")
    assert_accessible(page)
    page.get_by_label("Interne Notiz (nur für uns)").check()
    page.locator("#id_text").fill("Kunde ruft morgen zurück.")
    page.get_by_role("button", name="Speichern oder senden").click()
    expect(page.locator(".timeline .entry.internal")).to_contain_text("Kunde ruft morgen zurück.")
    assert_accessible(page)
    page.get_by_role("link", name="Aufgaben").first.click()
    expect(page).to_have_url(re.compile(r"/vorgaenge/aufgaben/"))
    assert_accessible(page)
