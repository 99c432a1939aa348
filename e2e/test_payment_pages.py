"""Payments in the browser: an agent reads an account's balance and items on the customer page,
opens its postings, records a SEPA mandate (a mistyped IBAN first), then the team lead works
the unmatched transfers and looks at the files. Every page through axe."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.core import roles
from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.letters.models import Letter
from kc.letters.tests.factories import customer_with_address
from kc.payments import ledger
from kc.payments.models import (
    BankImport,
    BankTransaction,
    DirectDebitFile,
    LedgerDocument,
    LedgerLine,
    SepaMandate,
)
from kc.payments.tests.factories import creditor, receivable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_reads_the_account_and_grants_a_mandate(page: Page, base_url: str) -> None:
    # transaction=True tests flush the tables, including the ledger number range.
    ledger.ensure_number_range()
    creditor()
    today = timezone.localdate()
    partner = customer_with_address(last_name="Lastschrift")
    account = ContractAccountFactory(
        partner=partner, payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="", bic=""
    )
    receivable(account, "85.00", due_on=today - datetime.timedelta(days=5))
    receivable(account, "85.00", due_on=today + datetime.timedelta(days=25))
    make_staff("agent", roles.AGENT)

    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/kunden/{partner.pk}/")
    section = page.get_by_role("region", name=re.compile(rf"^Zahlungen.*{account.number}"))
    expect(section).to_contain_text("170,00 € offen")
    expect(section).to_contain_text("Kein Mandat")
    expect(page.get_by_role("table", name=re.compile(r"^Offene Posten"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Alle Buchungen")).click()
    expect(page).to_have_url(re.compile(rf"/zahlungen/konten/{account.pk}/$"))
    expect(page.get_by_role("columnheader", name="Offen")).to_be_visible()
    expect(page.get_by_role("cell", name="Abschlagsforderung").first).to_be_visible()
    assert_accessible(page)

    page.goto(f"{base_url}/kunden/{partner.pk}/")
    page.get_by_role("link", name=re.compile(r"^Mandat erfassen")).click()
    expect(page).to_have_url(re.compile(rf"/zahlungen/konten/{account.pk}/mandat/neu/$"))
    expect(page.get_by_text("DE98ZZZ09999999999")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Ich ermächtige Stadtwerke Musterstadt"))).to_be_visible()
    assert_accessible(page)

    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # one digit off
    page.get_by_label("Kontoinhaber/in").fill("Erika Lastschrift")
    page.get_by_label("Herkunft").select_option(label="Papier")
    page.get_by_label(re.compile(r"^Die Kundin/der Kunde hat dem Mandatstext")).check()
    page.get_by_role("button", name="Mandat anlegen").click()
    expect(page.get_by_text("Prüfziffer der IBAN stimmt nicht")).to_be_visible()
    assert not SepaMandate.objects.exists()
    assert_accessible(page)  # the form with its error

    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_label(re.compile(r"^Die Kundin/der Kunde hat dem Mandatstext")).check()
    page.get_by_role("button", name="Mandat anlegen").click()

    expect(page).to_have_url(re.compile(rf"/kunden/{partner.pk}/$"))
    mandate = SepaMandate.objects.get(account=account)
    expect(page.locator(".messages")).to_contain_text(f"SEPA-Mandat {mandate.reference}")
    expect(section).to_contain_text(mandate.reference)
    expect(section).to_contain_text("DE89 **** 3000")
    assert Letter.objects.filter(kind="sepa_mandate", account=account).exists()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Bankverbindung des Mandats ändern")).click()
    expect(page.get_by_role("heading", name="Neue Bankverbindung")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base_url}/zahlungen/mandate/{mandate.pk}/widerruf/")
    expect(page.get_by_label("Grund des Widerrufs")).to_be_visible()
    assert_accessible(page)


def test_team_lead_assigns_a_transfer_and_sees_the_files(page: Page, base_url: str) -> None:
    ledger.ensure_number_range()
    today = timezone.localdate()
    partner = customer_with_address(last_name="Überweiser")
    account = ContractAccountFactory(partner=partner)
    receivable(account, "42.00", due_on=today - datetime.timedelta(days=3))
    bank_file = BankImport.objects.create(
        sha256="1" * 64, filename="camt054.xml", kind="camt.054", message_id="M1", unmatched=1
    )
    tx = BankTransaction.objects.create(
        bank_import=bank_file,
        key="k-1",
        direction="credit",
        amount=Decimal("42.00"),
        booking_date=today,
        reference="Abschlag",
        counterparty_name="Petra Überweiser",
        counterparty_iban="DE02120300000000202051",
        outcome=BankTransaction.Outcome.UNMATCHED,
        note="Kein Vertragskonto sicher erkannt.",
    )
    DirectDebitFile.objects.create(
        message_id="KC-LS-1",
        collection_date=today,
        path="var/sepa/ls.xml",
        sha256="2" * 64,
        count=1,
        total=Decimal("42.00"),
    )
    make_staff("lead", roles.TEAM_LEAD)

    log_in(page, base_url, "lead", check_a11y=False)
    page.get_by_role("link", name="Zahlungsklärung").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Eingang 42,00 €"))).to_be_visible()
    assert_accessible(page)
    field = page.get_by_label("Vertragskonto")
    field.fill("499999999999")
    page.get_by_role("button", name=re.compile(r"^Zuordnen und buchen")).click()
    expect(
        page.get_by_text("Es gibt kein Vertragskonto mit der Nummer 499999999999.")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Vertragskonto").fill(account.number)
    page.get_by_role("button", name=re.compile(r"^Zuordnen und buchen")).click()
    expect(page.locator(".messages")).to_contain_text("zugeordnet und gebucht")
    expect(page.get_by_text("Keine Umsätze zu klären.")).to_be_visible()
    tx.refresh_from_db()
    assert tx.outcome == BankTransaction.Outcome.ASSIGNED
    assert LedgerLine.objects.filter(
        document__kind=LedgerDocument.Kind.PAYMENT, account=account, side="customer"
    ).exists()
    assert_accessible(page)

    page.get_by_role("link", name="Zahlungsdateien").click()
    expect(page.get_by_role("cell", name="KC-LS-1")).to_be_visible()
    assert_accessible(page)
