"""Complaints in the browser: the complaint manager registers a phone complaint on its case,
answers it "not remedied" (first without reasons: refused), then reads the open complaints
and the monthly report. Every page through axe."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.cases.models import Complaint
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.core.models import NumberRange
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_answer_and_report_a_complaint(page: Page, base_url: str) -> None:
    # transaction=True tests flush the tables, including the number ranges of the migrations.
    NumberRange.objects.get_or_create(
        key="case", defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8}
    )
    LetterheadFactory()
    case = CaseFactory(
        queue=QueueFactory(),
        subject="Rechnung viel zu hoch",
        channel="phone",
        partner=customer_with_address(),
    )
    make_staff("beschwerde", roles.COMPLAINT_MANAGER)
    log_in(page, base_url, "beschwerde")

    page.goto(f"{base_url}/vorgaenge/{case.number}/")
    expect(page.locator("h1")).to_contain_text("Rechnung viel zu hoch")
    assert_accessible(page)
    page.get_by_label("Kategorie der Beschwerde").select_option("billing")
    page.get_by_role("button", name="Als Beschwerde erfassen").click()
    expect(page.get_by_text(re.compile(r"Antwort spätestens am \d\d\.\d\d\.\d{4}"))).to_be_visible()
    complaint = Complaint.objects.get(case=case)
    expect(page.locator("#complaint-heading + dl")).to_contain_text(
        f"{complaint.answer_due:%d.%m.%Y}"
    )
    assert_accessible(page)

    # Not remedied without reasons: refused on its own page, nothing answered.
    page.get_by_label("Ergebnis").select_option("not_remedied")
    page.get_by_role("button", name="Antwortschreiben erstellen").click()
    expect(page.get_by_role("alert")).to_contain_text("sind die Gründe anzugeben")
    assert_accessible(page)
    page.get_by_label("Ergebnis").select_option("not_remedied")
    page.get_by_label("Antwort und Begründung").fill("Der Arbeitspreis entspricht dem Preisblatt.")
    page.get_by_role("button", name="Antwortschreiben erstellen").click()
    expect(page.get_by_text("Beschwerde beantwortet: Antwortschreiben")).to_be_visible()
    expect(page.locator("#complaint-heading + dl")).to_contain_text("nicht abgeholfen")
    assert_accessible(page)
    complaint.refresh_from_db()
    assert complaint.answered_at is not None and complaint.answer_letter is not None

    page.get_by_role("link", name="Beschwerden").first.click()
    expect(page.locator("h1")).to_contain_text("Offene Beschwerden")
    assert_accessible(page)

    page.get_by_role("link", name="Monatsbericht").click()
    expect(page.locator("h1")).to_contain_text("Beschwerdebericht")
    month = f"{timezone.localdate():%Y-%m}"
    expect(page.get_by_label("Monat (JJJJ-MM)")).to_have_value(month)
    expect(page.get_by_role("row", name="fristgerecht beantwortet")).to_contain_text("1")
    assert_accessible(page)
    page.get_by_label("Monat (JJJJ-MM)").fill("2026-13")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("alert")).to_contain_text("kein gültiger Monat")
    assert_accessible(page)
