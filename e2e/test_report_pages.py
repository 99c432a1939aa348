"""Reports in the browser: the team lead opens /berichte/, every section has its SVG chart
and table, the page passes axe, a queue name with markup stays text, a preset and a bad
period work without a crash, and a CSV downloads for German Excel."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.models import Call
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVIL = "<script>document.title='pwned'</script>"


def some_figures() -> None:
    now = timezone.now()
    queue = QueueFactory(name=EVIL, is_default=False)
    for hours, channel in ((30, "email"), (20, "phone"), (2, "portal")):
        received = now - datetime.timedelta(hours=hours)
        CaseFactory(
            queue=queue,
            channel=channel,
            received_at=received,
            first_response_at=received + datetime.timedelta(hours=1),
            first_response_due=received + datetime.timedelta(hours=4),
        )
    for n, wait in enumerate((5, 40, None)):
        started = now - datetime.timedelta(hours=3)
        Call.objects.create(
            call_id=f"e2e-{n}",
            direction="in",
            from_number="0201 123",
            to_number="0800 1234",
            started_at=started,
            state="ended",
            answered_at=started + datetime.timedelta(seconds=wait) if wait else None,
        )


def test_team_lead_reads_the_reports(page: Page, base_url: str) -> None:
    some_figures()
    make_staff("lead", roles.TEAM_LEAD)
    log_in(page, base_url, "lead", check_a11y=False)
    page.get_by_role("link", name="Berichte").first.click()
    expect(page.get_by_role("heading", name="Berichte", level=1)).to_be_visible()
    page.get_by_role("link", name="Letzte 7 Tage").click()
    expect(page.get_by_role("heading", name="SLA-Einhaltung")).to_be_visible()
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(13)
    expect(page.locator("table")).to_have_count(13)
    expect(page.get_by_role("img", name="Neue Vorgänge nach Eingangskanal")).to_be_visible()
    # the queue's name is shown as text, never run
    expect(page.get_by_role("rowheader", name=EVIL)).to_be_visible()
    assert page.title() != "pwned"
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV herunterladen: Vorgänge nach Warteschlange").click()
    download = download_info.value
    assert download.suggested_filename.startswith("kontakte-warteschlange_")
    content = download.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and EVIL.encode() in content

    page.get_by_role("textbox", name="Von:").fill("2026-11-30")
    page.get_by_role("textbox", name="Bis:").fill("2026-11-01")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Das Enddatum liegt vor dem Anfangsdatum.")
    expect(page.locator("svg[role=img]")).to_have_count(0)
    assert_accessible(page)
