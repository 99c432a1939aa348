"""Letters in the browser: an agent writes a letter from the customer page; on-site staff
build a print batch in the print room. Every page through axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.core import roles
from kc.customers.tests.factories import ContractAccountFactory, PostalAddressFactory
from kc.letters.models import Letter, PrintBatch
from kc.letters.tests.factories import LetterheadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_writes_a_letter_and_on_site_staff_batch_it(page: Page, base_url: str) -> None:
    LetterheadFactory()
    account = ContractAccountFactory(partner__last_name="Überall")
    PostalAddressFactory(partner=account.partner, street="Gärtnerstraße", house_number="12a")
    make_staff("agent", roles.AGENT)
    make_staff("vorort", roles.CUSTOMER_CENTER)

    log_in(page, base_url, "agent")
    page.goto(f"{base_url}/kunden/{account.partner_id}/")
    expect(page.get_by_role("heading", name="Briefe")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Neuer Brief").click()
    expect(page.locator("h1")).to_contain_text("Neuer Brief")
    assert_accessible(page)
    page.get_by_label("Vertragskonto").select_option(label=account.number)
    page.get_by_label("Betreff").fill("Ihre Rückfrage zum Zähler")
    page.get_by_label(re.compile(r"^Text")).fill(
        "wir haben Ihren Zähler geprüft.\n\nEr zählt richtig."
    )
    page.get_by_role("button", name="Brief erstellen").click()

    expect(page).to_have_url(re.compile(r"/briefe/B\d+/$"))
    letter = Letter.objects.get()
    expect(page.locator("h1")).to_contain_text(letter.number)
    expect(page.locator(".messages")).to_contain_text(f"Brief {letter.number} erstellt")
    expect(page.get_by_role("heading", name="Post: Wartet")).to_be_visible()
    expect(page.get_by_role("cell", name="Zum Druck eingereiht")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Überall").first.click()
    expect(page.get_by_role("link", name=letter.number)).to_be_visible()

    page.context.clear_cookies()
    log_in(page, base_url, "vorort", check_a11y=False)
    page.get_by_role("link", name="Druckraum").click()
    expect(page.locator("h1")).to_have_text("Druckraum")
    expect(page.get_by_text("kein Drucker eingerichtet")).to_be_visible()
    expect(page.get_by_role("cell", name="Standardbrief")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Stapel jetzt bilden").click()

    batch = PrintBatch.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"1 Stapel gebildet: {batch.number}")
    expect(page.get_by_role("heading", name=f"Stapel {batch.number}")).to_be_visible()
    expect(page.get_by_text("Das PDF wird erstellt.").last).to_be_visible()
    assert_accessible(page)
