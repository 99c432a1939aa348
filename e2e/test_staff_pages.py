"""Staff pages in the browser: forms with errors, the audit log, a phone screen, the keyboard."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.core import roles
from kc.customers.tests.factories import ContractAccountFactory, PostalAddressFactory
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory, RegisterFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _customer() -> int:
    account = ContractAccountFactory(partner__last_name="Überall")
    PostalAddressFactory(partner=account.partner)
    contract = ContractFactory(account=account)
    MeterReadingFactory(register=RegisterFactory(meter__market_location=contract.market_location))
    return int(account.partner_id)


def test_new_customer_form_shows_errors_accessibly(page: Page, base_url: str) -> None:
    make_staff("admin", roles.ADMIN)
    log_in(page, base_url, "admin")
    page.get_by_role("link", name="Neuer Kunde").click()
    assert_accessible(page)
    page.get_by_label("PLZ").fill("1234")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("keine gültige deutsche Postleitzahl")).to_be_visible()
    assert_accessible(page)


def test_audit_log_lists_the_read(page: Page, base_url: str) -> None:
    partner_id = _customer()
    make_staff("admin", roles.ADMIN)
    log_in(page, base_url, "admin")
    page.goto(f"{base_url}/kunden/{partner_id}/")
    page.get_by_role("link", name="Protokoll").click()
    expect(page.locator("table.results tbody tr").first).to_contain_text("gelesen")
    assert_accessible(page)


def test_customer_page_on_a_phone(page: Page, base_url: str) -> None:
    partner_id = _customer()
    make_staff("agent", roles.AGENT)
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, base_url, "agent")
    page.goto(f"{base_url}/kunden/{partner_id}/")
    expect(page.locator("h1")).to_contain_text("Überall")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone screen"
    assert_accessible(page)


def test_keyboard_reaches_search_and_result(page: Page, base_url: str) -> None:
    partner_id = _customer()
    make_staff("agent", roles.AGENT)
    log_in(page, base_url, "agent")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_label("Kunde suchen").focus()
    page.keyboard.type("Überall")
    page.keyboard.press("Enter")
    result = page.get_by_role("link", name=re.compile("Überall"))
    expect(result).to_be_visible()
    result.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/kunden/{partner_id}/$"))
