"""Disconnection in the browser: the on-site colleague photographs a receipt at the window on
a phone (360 px wide) and watches the result update itself; the agent reads the disconnection
document and accepts the proof in one action; the team lead's reconnection dashboard. Every
page through axe."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import TIMEOUT_MS, close_quietly, log_in
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, roles
from kc.core.models import NumberRange
from kc.disconnection import chain, proofs, receipts
from kc.disconnection.models import DisconnectionCase, PaymentProof
from kc.disconnection.tests.factories import claim, household_contract
from kc.disconnection.tests.receipt_images import transfer_receipt
from kc.letters.tests.factories import LetterheadFactory
from kc.payments import ledger

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THREAT_DAY = datetime.date(2026, 11, 20)
PHONE: ViewportSize = {"width": 360, "height": 740}


def disconnected_case() -> DisconnectionCase:
    """Threat, announcement, order, execution: 300 € arrears plus 95 € costs to pay."""
    QueueFactory(is_default=True)
    # transaction=True tests flush the tables, including the number ranges of the migrations.
    NumberRange.objects.get_or_create(
        key="case", defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8}
    )
    ledger.ensure_number_range()
    LetterheadFactory()
    contract = household_contract(monthly="100.00")
    for day in (
        datetime.date(2026, 9, 15),
        datetime.date(2026, 10, 15),
        datetime.date(2026, 11, 15),
    ):
        claim(contract, "100.00", day)
    case = chain.threaten(contract, on=THREAT_DAY)
    case = chain.announce(case, on=THREAT_DAY + datetime.timedelta(days=1))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    case.refresh_from_db()
    return case


def assert_fits(page: Page) -> None:
    """Nothing scrolls sideways on the phone."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px phone"


def test_window_capture_on_a_phone_then_the_document_and_the_dashboard(
    browser: Browser, page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = disconnected_case()
    account = case.account
    make_staff("vorort", roles.CUSTOMER_CENTER)
    make_staff("agent", roles.AGENT)
    make_staff("lead", roles.TEAM_LEAD)

    # --- the window, on a phone ---
    phone = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    phone.set_default_timeout(TIMEOUT_MS)
    window = phone.new_page()
    try:
        log_in(window, base_url, "vorort", check_a11y=False)
        window.get_by_role("link", name="Zahlbeleg am Fenster").click()
        expect(window.get_by_role("heading", name="Zahlbeleg am Fenster")).to_be_visible()
        assert_accessible(window)
        assert_fits(window)
        window.get_by_label("Vertragskonto- oder Kundennummer").fill(account.number)
        window.get_by_role("button", name="Suchen").click()
        expect(window.get_by_role("heading", name="Zahlbeleg aufnehmen")).to_be_visible()
        expect(window.get_by_text("395,00 €")).to_be_visible()  # what reconnection needs
        file_input = window.get_by_label("Zahlbeleg fotografieren oder Datei wählen")
        expect(file_input).to_have_attribute("capture", "environment")
        expect(file_input).to_have_attribute("accept", "image/*,application/pdf")
        assert_accessible(window)
        assert_fits(window)

        # A file that is no receipt first: the message on the field.
        file_input.set_input_files(
            {"name": "beleg.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\0" * 64}
        )
        window.get_by_role("button", name="Beleg senden").click()
        expect(window.get_by_text(re.compile(r"Dateityp nicht erlaubt"))).to_be_visible()
        assert_accessible(window)
        assert_fits(window)

        photo = transfer_receipt(
            amount="395,00", reference=f"Vertragskonto {account.number}", photo=True, scale=0.5
        )
        window.get_by_label("Zahlbeleg fotografieren oder Datei wählen").set_input_files(
            {"name": "IMG_0815.jpg", "mimeType": "image/jpeg", "buffer": photo}
        )
        window.get_by_role("button", name="Beleg senden").click()
        expect(window.get_by_role("heading", name="wird geprüft …")).to_be_visible()
        expect(window.get_by_role("link", name="Aktualisieren")).to_be_visible()
        proof = PaymentProof.objects.get()
        assert proof.source == PaymentProof.Source.WINDOW and proof.case_id == case.pk
        assert_accessible(window)
        assert_fits(window)

        # The worker checks it (clamd and Tesseract stood in for): the page updates itself.
        monkeypatch.setattr(clamd, "scan_bytes", lambda data, **kw: clamd.ScanVerdict(clean=True))
        text = (
            "Überweisungsbeleg\nBetrag 395,00 EUR\nAusführungsdatum 27.11.2026\n"
            f"Verwendungszweck Vertragskonto {account.number}"
        )
        monkeypatch.setattr(
            receipts,
            "ocr",
            lambda data, **kw: receipts.OcrResult(text=text, confidence=95, seconds=0.1),
        )
        assert proofs.check(proof.pk) == PaymentProof.Status.COVERS
        expect(
            window.get_by_role(
                "heading", name="deckt den Betrag — Entsperrung kann beauftragt werden"
            )
        ).to_be_visible()
        expect(window.get_by_role("link", name="Aktualisieren")).to_have_count(0)
        assert_accessible(window)
        assert_fits(window)
    finally:
        close_quietly(phone)

    # --- the document: the agent accepts the proof ---
    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/kunden/{account.partner_id}/")
    page.get_by_role("link", name=case.number).click()
    expect(page).to_have_url(re.compile(rf"/sperrung/vorgaenge/{case.pk}/$"))
    expect(
        page.get_by_role("heading", name=re.compile(rf"^Sperrvorgang {case.number}"))
    ).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Alle Schritte"))).to_contain_text(
        "Sperre angedroht"
    )
    expect(page.get_by_role("link", name="Beleg ansehen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Anerkennen").click()
    expect(page.locator(".messages")).to_contain_text("Zahlbeleg anerkannt")
    expect(
        page.get_by_role("heading", name=re.compile(rf"^Sperrvorgang {case.number}"))
    ).to_contain_text("Entsperrung beauftragt")
    case.refresh_from_db()
    assert case.status == DisconnectionCase.Status.RECONNECTION_ORDERED
    assert_accessible(page)

    # --- the dashboard ---
    page.goto(f"{base_url}/sperrung/entsperrungen/")
    rows = page.get_by_role("table", name=re.compile(r"offene Entsperrung"))
    expect(rows).to_contain_text(case.number)
    expect(rows).to_contain_text("erteilt")
    expect(page.get_by_role("heading", name=re.compile(r"^Durchlaufzeiten"))).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base_url}/sperrung/")
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    assert_accessible(page)
