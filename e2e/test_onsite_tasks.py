"""On-site tasks in the browser: an agent asks the customer center to scan paper mail, the
on-site colleague confirms it with the scan, the agent sees the answer; axe on each page."""

import io

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.tests.factories import CaseFactory, QueueFactory, TeamFactory
from kc.core import roles
from kc.core.models import Team

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_paper_mail_scanned_on_site_and_reported_back(page: Page, base_url: str) -> None:
    site = TeamFactory(name="Kunden-Center", kind=Team.Kind.CUSTOMER_CENTER)
    QueueFactory(name="Kunden-Center vor Ort", team=site, is_default=False)
    case = CaseFactory(queue=QueueFactory(), subject="Widerspruch per Brief")
    make_staff("agent", roles.AGENT)
    on_site = make_staff("vorort", roles.CUSTOMER_CENTER)
    on_site.team = site
    on_site.save()

    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/vorgaenge/{case.number}/")
    page.locator("#id_task-kind").select_option("scan_mail")
    page.locator("#id_task-note").fill("Brief liegt im Posteingang")
    page.get_by_role("button", name="Aufgabe übergeben").click()
    expect(page.get_by_text("Aufgabe an Kunden-Center vor Ort übergeben.")).to_be_visible()
    page.context.clear_cookies()

    log_in(page, base_url, "vorort", check_a11y=False)
    page.get_by_role("link", name="Aufgaben").first.click()
    row = page.get_by_role("row").filter(has_text=case.number)
    expect(row).to_contain_text("Papierpost scannen")
    expect(row).to_contain_text("agent")
    assert_accessible(page)
    row.get_by_label("Rückmeldung").fill("2 Seiten gescannt")
    row.get_by_label("Scan (PDF oder Foto)").set_input_files(
        {"name": "post.png", "mimeType": "image/png", "buffer": _png()}
    )
    row.get_by_role("button", name="Erledigt").click()
    expect(page.get_by_text("Aufgabe erledigt und an den Vorgang gemeldet.")).to_be_visible()
    page.context.clear_cookies()

    cache.clear()  # the agent's TOTP code of this half-minute was used at the first login
    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/vorgaenge/aufgaben/meine-auftraege/")
    expect(page.get_by_role("row").filter(has_text=case.number)).to_contain_text(
        "2 Seiten gescannt"
    )
    assert_accessible(page)
