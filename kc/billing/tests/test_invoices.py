"""Invoices per contract account: numbers, due date, Abschläge, ledger, letter, correction."""

import datetime
from decimal import Decimal

import pytest

from kc.billing import invoices, services
from kc.billing.models import BillingDocument, Invoice
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.customers.models import ContractAccount
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine
from kc.payments.tests.factories import creditor, mandated_account
from kc.supply.models import Contract, Division, MeterReading
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory

pytestmark = pytest.mark.django_db
D = Decimal
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
ISSUED = datetime.date(2026, 1, 20)  # a Tuesday


def billed(account: ContractAccount, *, kwh: str = "3500", code: str = "strom") -> Contract:
    tariff = priced_tariff(code, f"Tarif {code}")
    contract, register = metered_contract(tariff=tariff, start=START, account=account)
    MeterReadingFactory(
        register=register,
        read_on=END,
        value=D(1000) + D(kwh),
        source=MeterReading.Source.CUSTOMER,
    )
    services.bill_contract(contract, until=END)
    return contract


def claims(contract: Contract, amount: str, *, paid: int) -> None:
    """Abschläge Feb–Dec 2025; the first `paid` of them paid by transfer."""
    dates = [datetime.date(2025, month, 15) for month in range(2, 13)]
    ledger.post(
        account=contract.account,
        kind=LedgerDocument.Kind.INSTALMENT,
        source=f"test-plan:{contract.pk}",
        text="Abschlagsplan",
        entries=[
            ledger.Entry(
                amount=D(amount), text=f"Abschlag {d:%m/%Y}", due_on=d, contract_id=contract.pk
            )
            for d in dates
        ],
        offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
    )
    if paid:
        payment = ledger.post(
            account=contract.account,
            kind=LedgerDocument.Kind.PAYMENT,
            source=f"test-pay:{contract.pk}",
            text="Zahlungen",
            entries=[ledger.Entry(amount=-D(amount) * paid, text="Überweisungen")],
            offset=LedgerLine.Offset.BANK,
        )
        ledger.settle_account(contract.account, payment)


def test_one_invoice_for_all_contracts_of_the_account_nets_the_paid_abschlaege() -> None:
    creditor()
    account, _ = mandated_account()
    power = billed(account)
    claims(power, "100.00", paid=10)
    gas_tariff_contract = billed(account, kwh="1000", code="zweit")
    invoice = invoices.invoice_account(account, issue_date=ISSUED, next_plans=False)
    # Power: (3,500 kWh × 0.30 + 120) × 1.19 = 1,392.30; second: (1,000 × 0.30 + 120) × 1.19.
    assert invoice.gross_total == D("1392.30") + D("499.80")
    assert invoice.instalments == D("1000.00")
    assert invoice.result == D("892.10")
    assert invoice.items.count() == 2
    assert invoice.number == "R00000001"
    # Claims are closed; the payments settled the invoice; the rest is open until the due date.
    open_items = ledger.open_items(account)
    assert {i.line.document_id for i in open_items} == {invoice.ledger_document_id}
    assert [i.open_amount for i in open_items] == [D("392.30"), D("499.80")]  # per contract
    assert ledger.balance(account) == D("892.10")
    posting = invoice.ledger_document
    assert posting.reference == invoice.number
    assert sum(line.amount for line in posting.lines.all()) == 0
    assert gas_tariff_contract.account_id == account.pk


def test_due_date_is_two_weeks_after_receipt_on_a_bank_day(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_LETTER_RECEIPT_DAYS, settings.KC_INVOICE_PAYMENT_DAYS = 4, 14
    assert invoices.due_date(ISSUED) == datetime.date(2026, 2, 9)  # Monday after 18 days
    # 18 days after 4 Dec 2026 is 22 Dec; after 7 Dec it is Christmas: moved to 28 Dec.
    assert invoices.due_date(datetime.date(2026, 12, 7)) == datetime.date(2026, 12, 28)


def test_the_letter_shows_readings_consumption_last_year_and_the_prenotification() -> None:
    creditor()
    account, mandate = mandated_account()
    contract = billed(account)
    invoice = invoices.invoice_account(account, issue_date=ISSUED, next_plans=False)
    letter = Letter.objects.get(number=invoice.letter_number)
    assert letter.kind == "invoice"
    values = letter.values
    assert values["rechnungsnummer"] == invoice.number
    assert values["verbrauch"] == "3.500 kWh"
    assert values["verbrauch_vorjahr"] == "keine Vorjahresabrechnung"
    assert mandate.reference in values["zahlweise"] and "09.02.2026" in values["zahlweise"]
    assert "Kundenablesung" in str(values["zaehlerstaende"])
    assert "Schlichtungsstelle" in letter.template_version.body
    line = ledger.open_items(account)[0].line
    assert line.prenotified_on == ISSUED and line.due_on == invoice.due_date
    assert contract.division == Division.POWER


def test_overpaid_abschlaege_leave_a_credit() -> None:
    account = ContractAccountFactory_transfer()
    contract = billed(account)
    claims(contract, "140.00", paid=11)
    invoice = invoices.invoice_account(account, issue_date=ISSUED, next_plans=False)
    assert invoice.result == D("1392.30") - D("1540.00")
    assert ledger.open_items(account) == []
    assert ledger.balance(account) == D("-147.70")
    letter = Letter.objects.get(number=invoice.letter_number)
    assert "Guthaben" in str(letter.values["ergebnis"])


def ContractAccountFactory_transfer() -> ContractAccount:
    from kc.customers.tests.factories import ContractAccountFactory

    return ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER)


def test_numbers_have_no_gaps_when_an_invoice_fails(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first_account = ContractAccountFactory_transfer()
    billed(first_account)
    second_account = ContractAccountFactory_transfer()
    billed(second_account, code="b")

    def broken(*args: object, **kwargs: object) -> None:
        raise ledger.LedgerError("kaputt")

    monkeypatch.setattr("kc.letters.services.create_letter", broken)
    with pytest.raises(ledger.LedgerError):
        invoices.invoice_account(first_account, issue_date=ISSUED, next_plans=False)
    monkeypatch.undo()
    assert not Invoice.objects.exists()
    assert (
        invoices.invoice_account(second_account, issue_date=ISSUED, next_plans=False).number
        == "R00000001"
    )
    assert (
        invoices.invoice_account(first_account, issue_date=ISSUED, next_plans=False).number
        == "R00000002"
    )


def test_invoicing_twice_invoices_nothing_twice() -> None:
    account = ContractAccountFactory_transfer()
    billed(account)
    result = invoices.invoice_all()
    assert (result.invoices, result.errors) == (1, [])
    assert invoices.invoice_all().invoices == 0
    with pytest.raises(invoices.InvoiceError):
        invoices.invoice_account(account)


def test_correction_by_credit_note_and_new_invoice(agent) -> None:  # type: ignore[no-untyped-def]
    account = ContractAccountFactory_transfer()
    contract = billed(account)
    claims(contract, "100.00", paid=11)
    wrong = invoices.invoice_account(account, issue_date=ISSUED, next_plans=False)
    assert wrong.result == D("292.30")
    # The end reading was mistyped: a credit note cancels, the fixed reading bills again.
    credit_note = invoices.correct(wrong, reason="Zählerstand vertippt", actor=agent)
    assert credit_note.kind == Invoice.Kind.CREDIT_NOTE and credit_note.cancels == wrong
    assert credit_note.gross_total == -wrong.gross_total
    wrong.refresh_from_db()
    assert wrong.status == Invoice.Status.CANCELLED
    assert set(wrong.documents.values_list("status", flat=True)) == {"cancelled"}
    # Back to before the invoice: claims paid, nothing else open.
    assert ledger.balance(account) == D("0.00")
    assert Letter.objects.filter(kind="credit_note", account=account).exists()
    reading = MeterReading.objects.get(read_on=END)
    MeterReading.objects.filter(pk=reading.pk).update(value=D("4000"))
    fixed = invoices.rebill(wrong, actor=agent, next_plans=False)
    assert fixed.number == "R00000003"
    assert fixed.gross_total == D("1213.80")  # (3,000 kWh × 0.30 + 120) × 1.19
    assert fixed.result == D("113.80")
    assert ledger.balance(account) == D("113.80")
    assert BillingDocument.objects.filter(contract=contract, status="billed").count() == 1
    with pytest.raises(invoices.InvoiceError):
        invoices.correct(credit_note, reason="x", actor=agent)
    assert ContractFactory is not None


def test_the_next_plan_follows_and_a_credit_pays_its_first_claims() -> None:
    account = ContractAccountFactory_transfer()
    contract = billed(account)
    claims(contract, "140.00", paid=11)
    invoice = invoices.invoice_account(account, issue_date=ISSUED)
    assert invoice.result == D("-147.70")
    plan = contract.budget_plans.get(status="active")
    # (3,500 kWh × 0.30 + 120) × 1.19 / 11 = 126.57 → 127 € from 15 January on.
    assert plan.instalment == D("127")
    # The credit of 147.70 € pays the first claim and 20.70 € of the second.
    open_items = ledger.open_items(account)
    assert len(open_items) == 10 and open_items[0].open_amount == D("106.30")
    assert ledger.balance(account) == D("-147.70") + 11 * D("127")
    assert Letter.objects.filter(kind="budget_plan", account=account).exists()


def test_invoice_run_command_reports_and_is_repeatable() -> None:
    from io import StringIO

    from django.core.management import call_command

    account = ContractAccountFactory_transfer()
    billed(account)
    out = StringIO()
    call_command("invoice_run", stdout=out)
    assert "1 Rechnungen, 0 Fehler" in out.getvalue()
    out = StringIO()
    call_command("invoice_run", stdout=out)
    assert "0 Rechnungen, 0 Fehler" in out.getvalue()
