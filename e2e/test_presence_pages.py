"""Presence in the browser: an agent sets home office and "available" in the start page's
widget (htmx, no reload); the team lead's overview shows it and updates itself when the agent
takes a break; the team lead plans a shift. The overview, the shift plan and its form
through axe."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import TIMEOUT_MS, close_quietly, log_in
from kc.core import roles
from kc.desk.models import Location
from kc.desk.shifts import save_shift

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_sets_presence_and_team_lead_sees_it(
    browser: Browser, page: Page, base_url: str, settings: pytest.FixtureRequest
) -> None:
    settings.KC_PRESENCE_POLL_SECONDS = 2  # type: ignore[attr-defined]
    agent = make_staff("heike", roles.AGENT)
    agent.first_name, agent.last_name = "Heike", "Brandt"
    agent.save()
    lead = make_staff("lead", roles.TEAM_LEAD)
    lead.first_name, lead.last_name = "Karin", "Krause"
    lead.save()
    save_shift(
        user=agent,
        day=timezone.localdate(),
        start=datetime.time(0, 0),
        end=datetime.time(23, 0),
        location=Location.HOME_OFFICE,
    )

    # --- the agent, on the start page ---
    log_in(page, base_url, "heike", check_a11y=False)
    widget = page.locator("#presence-widget")
    expect(widget).to_contain_text("Heute noch nicht gesetzt.")
    assert_accessible(page)
    widget.get_by_label("Wo arbeiten Sie heute?").select_option(label="Homeoffice")
    widget.get_by_label("Status").select_option(label="verfügbar")
    url_before = page.url
    widget.get_by_role("button", name="Speichern").click()
    expect(widget.get_by_role("status")).to_have_text("Gespeichert.")
    expect(widget).to_contain_text("Heute: Homeoffice, verfügbar")
    assert page.url == url_before  # htmx: no reload
    expect(widget.get_by_role("button", name="Speichern")).to_be_focused()  # not lost to <body>

    # --- the team lead, in a second browser ---
    lead_context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    lead_context.set_default_timeout(TIMEOUT_MS)
    lead_page = lead_context.new_page()
    log_in(lead_page, base_url, "lead", check_a11y=False)
    lead_page.get_by_role("link", name="Wer ist wo?").first.click()
    expect(lead_page.get_by_role("heading", name="Wer ist wo?", level=1)).to_be_visible()
    home_office = lead_page.locator("section", has=lead_page.locator("#presence-group-home_office"))
    expect(home_office.get_by_role("row", name="Heike Brandt")).to_contain_text("verfügbar")
    not_set = lead_page.locator("section", has=lead_page.locator("#presence-group-not_set"))
    expect(not_set.get_by_role("row", name="Karin Krause")).to_contain_text("noch nicht gesetzt")
    assert_accessible(lead_page)

    # The agent takes a break; the overview follows without a reload.
    widget.get_by_label("Status").select_option(label="Pause")
    widget.get_by_role("button", name="Speichern").click()
    expect(widget).to_contain_text("Heute: Homeoffice, Pause")
    expect(home_office.get_by_role("row", name="Heike Brandt")).to_contain_text("Pause")

    # --- the shift plan ---
    lead_page.get_by_role("link", name="Schichtplan").first.click()
    expect(lead_page.get_by_role("heading", name="Schichtplan", level=1)).to_be_visible()
    expect(lead_page.get_by_role("row", name="Heike Brandt")).to_contain_text("00:00–23:00")
    assert_accessible(lead_page)
    lead_page.get_by_role("link", name="Schicht anlegen").click()
    assert_accessible(lead_page)
    lead_page.get_by_label("Mitarbeiter/in").select_option(label="Karin Krause")
    lead_page.get_by_label("Beginn").fill("09:00")
    lead_page.get_by_label("Ende").fill("12:30")
    lead_page.get_by_label("Ort").select_option(label="Call-Center")
    lead_page.get_by_role("button", name="Speichern").click()
    expect(lead_page.get_by_text("Die Schicht ist gespeichert.")).to_be_visible()
    expect(lead_page.get_by_role("row", name="Karin Krause")).to_contain_text("09:00–12:30")
    assert_accessible(lead_page)
    close_quietly(lead_context)
