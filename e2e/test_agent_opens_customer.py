"""An agent logs in with password and TOTP, searches a customer and opens the customer page."""

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.core import roles
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)
from kc.supply.tests.factories import ContractFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAST_NAME = "Quastenberg"


def test_agent_opens_customer(page: Page, base_url: str) -> None:
    make_staff("agent", roles.AGENT)
    partner = BusinessPartnerFactory(first_name="Hildegard", last_name=LAST_NAME)
    PostalAddressFactory(partner=partner)
    ContractFactory(account=ContractAccountFactory(partner=partner))

    log_in(page, base_url, "agent")
    assert_accessible(page)

    page.goto(f"{base_url}/kunden/?q={quote(LAST_NAME)}")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(LAST_NAME)).first.click()
    expect(page).to_have_url(re.compile(rf"/kunden/{partner.pk}/"))

    expect(page.locator("h1")).to_contain_text(LAST_NAME)
    assert_accessible(page)


def test_login_page_is_accessible(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    expect(page.locator("input[name=login]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    assert_accessible(page)
