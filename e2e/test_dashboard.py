"""The live dashboard in the browser: a team lead keeps it open, a new case arrives through the
cases service, and the waiting count and the announced summary change without a reload. The
page through axe, and the page without JavaScript."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import TIMEOUT_MS, close_quietly, log_in
from kc.cases import services
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import NumberRange

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def case_numbers() -> None:
    # transaction=True tests flush the tables, including the number ranges of the migrations.
    NumberRange.objects.get_or_create(
        key="case", defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8}
    )


def test_waiting_count_changes_without_a_reload_when_a_case_arrives(
    page: Page, base_url: str, settings: Settings
) -> None:
    settings.KC_DASHBOARD_POLL_SECONDS = 1
    settings.KC_DASHBOARD_CACHE_SECONDS = 0
    case_numbers()
    queue = QueueFactory(name="Kundenservice")
    QueueFactory(name="Abrechnung", is_default=False)
    make_staff("lead", roles.TEAM_LEAD)

    log_in(page, base_url, "lead", check_a11y=False)
    page.get_by_role("link", name="Lagebild").click()
    expect(page.get_by_role("heading", name="Lagebild", level=1)).to_be_visible()
    waiting = page.locator(f'td[data-queue="{queue.pk}"]')
    summary = page.locator("#dashboard-summary")
    expect(waiting).to_have_text("0")
    expect(summary).to_have_text(re.compile(r"^0 Vorgänge warten"))
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("link", name="Neu laden")).to_be_visible()
    assert_accessible(page)

    # A reload would drop this mark and show a new document.
    page.evaluate("() => { window.kcStillTheSamePage = true; }")
    stand = page.locator("#dashboard-stand")
    first_stand = stand.inner_text()
    expect(stand).not_to_have_text(first_stand, timeout=TIMEOUT_MS)  # the poll runs

    services.open_case(subject="Zählerstand gemeldet", channel="email", actor=None, queue=queue)

    expect(waiting).to_have_text("1", timeout=TIMEOUT_MS)
    expect(summary).to_have_text(re.compile(r"^1 Vorgang wartet"))
    expect(page.locator("#waiting-total")).to_have_text("1")
    assert page.evaluate("() => window.kcStillTheSamePage === true")
    assert page.url.endswith("/lage/")
    assert_accessible(page)


def test_without_javascript_the_page_is_complete_and_reloads_by_link(
    browser: Browser, base_url: str, settings: Settings
) -> None:
    settings.KC_DASHBOARD_CACHE_SECONDS = 0
    case_numbers()
    queue = QueueFactory(name="Kundenservice")
    make_staff("vorort", roles.CUSTOMER_CENTER)
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, base_url, "vorort", check_a11y=False)
        page.goto(f"{base_url}/lage/")
        waiting = page.locator(f'td[data-queue="{queue.pk}"]')
        expect(waiting).to_have_text("0")
        expect(page.get_by_role("heading", name=re.compile(r"^Druckraum"))).to_be_visible()
        services.open_case(subject="Brief eingescannt", channel="letter", actor=None)
        page.get_by_role("link", name="Neu laden").click()
        expect(waiting).to_have_text("1")
        expect(page.locator("#dashboard-stand")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    finally:
        close_quietly(context)
