"""Invoicing (Fakturierung): the bills of a contract account become one invoice.

Billing rates each contract; invoicing collects what a contract account's bills came to, takes
the Abschläge of the billed periods into account, posts the result to the open-items ledger
and writes the invoice letter with what §40 EnWG asks for (readings and how they were
obtained, consumption against last year, prices, VAT, the complaint and arbitration note).

Abschläge in the ledger: each due date is a claim. The invoice takes back the claims of its
periods (paid or not) and charges the billed amount instead; what was paid on the claims then
settles the invoice, so the customer owes the difference or has it as credit. A correction is
a credit note that reverses the invoice posting (the claims and payments are back as they
were) and a new bill and invoice for the same periods.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing import gas, payment_terms, plans, services
from kc.billing.models import (
    BillingDocument,
    Invoice,
    InvoiceInstalment,
    InvoiceItem,
)
from kc.core import audit
from kc.core.models import NumberRange, User
from kc.core.money import format_decimal_de, format_eur
from kc.core.numbers import next_number
from kc.core.validation import Refusal
from kc.customers.models import ContractAccount
from kc.letters import services as letters
from kc.letters.document import Column, Table
from kc.letters.placeholders import Bold, Value
from kc.payments import ledger
from kc.payments.collections import is_target_day
from kc.payments.models import Clearing, LedgerDocument, LedgerLine
from kc.supply.models import Division, MeterReading, Unit

ZERO = Decimal("0.00")


class InvoiceError(Refusal):
    """The invoice cannot be made as asked; nothing was written."""


def ensure_number_range() -> None:
    # Invoices and credit notes share one gap-free range, as the tax office sees them.
    NumberRange.objects.get_or_create(
        key="invoice",
        defaults={"prefix": "R", "next_value": 1, "max_value": 99_999_999, "width": 8},
    )


def due_date(issue_date: datetime.date) -> datetime.date:
    """Two weeks after the letter is received (§17 StromGVV/GasGVV), on a bank business day
    so that a direct debit can be collected that day."""
    day = issue_date + datetime.timedelta(
        days=settings.KC_LETTER_RECEIPT_DAYS + settings.KC_INVOICE_PAYMENT_DAYS
    )
    while not is_target_day(day):
        day += datetime.timedelta(days=1)
    return day


def uninvoiced(account: ContractAccount | int) -> list[BillingDocument]:
    """Bills of the account not yet on an invoice that stands."""
    return list(
        BillingDocument.objects.filter(
            contract__account=account, status=BillingDocument.Status.BILLED
        )
        .exclude(invoices__status=Invoice.Status.ISSUED)
        .select_related("contract__tariff", "contract__market_location")
        .order_by("contract__number", "period_start")
    )


@transaction.atomic
def invoice_account(
    account: ContractAccount,
    *,
    actor: User | None = None,
    issue_date: datetime.date | None = None,
    documents: Sequence[BillingDocument] | None = None,
    next_plans: bool = True,
) -> Invoice:
    """One invoice for the account's uninvoiced bills; posts it and writes the letter. With
    `next_plans`, each contract still supplied gets its new Abschlag plan (§13 StromGVV), and a
    credit from the invoice goes against its first claims (§40c EnWG: within two weeks)."""
    account = (
        ContractAccount.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=account.pk)
    )
    bills = list(documents) if documents is not None else uninvoiced(account)
    if not bills:
        raise InvoiceError(_("Für das Vertragskonto liegt keine offene Abrechnung vor."))
    issue_date = issue_date or timezone.localdate()
    due = due_date(issue_date)
    claims = _instalment_claims(bills)
    gross = sum((bill.gross_total for bill in bills), ZERO)
    number = next_number("invoice")  # inside this transaction: a rollback returns it
    kind = (
        Invoice.Kind.FINAL
        if all(bill.kind == BillingDocument.Kind.FINAL for bill in bills)
        else Invoice.Kind.INVOICE
    )
    posting = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.INVOICE,
        source=f"billing.invoice:{number}",
        reference=number,
        text=_("Rechnung {number}").format(number=number),
        booking_date=issue_date,
        entries=[
            *(
                ledger.Entry(
                    amount=bill.gross_total,
                    text=_bill_text(bill),
                    due_on=due,
                    contract_id=bill.contract_id,
                    prenotified_on=issue_date,
                )
                for bill in bills
                if bill.gross_total
            ),
            *(
                ledger.Entry(
                    amount=-line.amount,
                    text=_("Angerechnet: {text}").format(text=line.text),
                    contract_id=line.contract_id,
                    offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
                )
                for line, _paid in claims
            ),
        ],
        offset=LedgerLine.Offset.REVENUE,
        actor=actor,
    )
    _take_back_claims(posting, [line for line, _paid in claims])
    ledger.settle_account(account, posting)
    paid = sum((paid for _line, paid in claims), ZERO)
    invoice = Invoice.objects.create(
        number=number,
        kind=kind,
        account=account,
        issue_date=issue_date,
        due_date=due,
        gross_total=gross,
        instalments=paid,
        result=gross - paid,
        ledger_document=posting,
        created_by=actor,
    )
    InvoiceItem.objects.bulk_create(InvoiceItem(invoice=invoice, document=bill) for bill in bills)
    InvoiceInstalment.objects.bulk_create(
        InvoiceInstalment(invoice=invoice, line=line, paid=paid) for line, paid in claims
    )
    audit.record(
        actor=actor, action=audit.Action.CREATE, obj=invoice, partner_id=account.partner_id
    )
    letter = letters.create_letter(
        kind="final_invoice" if kind == Invoice.Kind.FINAL else "invoice",
        partner=account.partner,
        account=account,
        actor=actor,
        values=_letter_values(invoice, bills),
    )
    invoice.letter_number = letter.number
    invoice.save(update_fields=["letter_number"])
    if next_plans:
        _next_plans(account, bills, actor)
    return invoice


def _next_plans(
    account: ContractAccount, bills: Sequence[BillingDocument], actor: User | None
) -> None:
    latest: dict[int, BillingDocument] = {}
    for bill in sorted(bills, key=lambda b: b.period_end):
        if bill.kind != BillingDocument.Kind.FINAL:
            latest[bill.contract_id] = bill
    planned = False
    for bill in latest.values():
        try:
            plans.plan_after_bill(bill, actor=actor)
            planned = True
        except plans.PlanError:
            continue  # no price sheet for the coming months: the agent sets the plan by hand
    if planned:
        posting = LedgerDocument.objects.filter(
            account=account, kind=LedgerDocument.Kind.INSTALMENT
        ).latest("id")
        ledger.settle_account(account, posting)


def _instalment_claims(bills: Sequence[BillingDocument]) -> list[tuple[LedgerLine, Decimal]]:
    """Abschlag claims due inside the billed periods that no standing invoice took yet, each
    with what was paid on it."""
    taken = InvoiceInstalment.objects.filter(invoice__status=Invoice.Status.ISSUED).values(
        "line_id"
    )
    claims: list[tuple[LedgerLine, Decimal]] = []
    for bill in bills:
        lines = LedgerLine.objects.filter(
            side=LedgerLine.Offset.CUSTOMER,
            document__kind=LedgerDocument.Kind.INSTALMENT,
            contract_id=bill.contract_id,
            amount__gt=0,
            due_on__gte=bill.period_start,
            due_on__lte=bill.period_end,
        ).exclude(pk__in=taken)
        # A replaced plan's withdrawn claims were never owed: not paid, not to take back.
        lines = lines.exclude(clearings_as_receivable__document__source__startswith=plans.WITHDRAWN)
        for line in ledger.with_open_amounts(lines).order_by("due_on", "id"):
            claims.append((line, line.settled_as_receivable))  # type: ignore[attr-defined]
    return claims


def _take_back_claims(posting: LedgerDocument, claims: list[LedgerLine]) -> None:
    """The payments on the claims become free credit (they will settle the invoice), and the
    invoice's take-back lines close the claims."""
    for line in claims:
        ledger.undo_settlements(line, posting)
    take_backs = list(ledger.customer_lines(posting).filter(amount__lt=0))
    Clearing.objects.bulk_create(
        Clearing(receivable=claim, credit=take_back, amount=claim.amount, document=posting)
        for claim, take_back in zip(claims, take_backs, strict=True)
    )


@transaction.atomic
def correct(invoice: Invoice, *, reason: str, actor: User | None) -> Invoice:
    """Cancel an invoice by credit note; its bills are cancelled so the periods can be billed
    again (after the data is fixed) and invoiced anew."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE or invoice.status != Invoice.Status.ISSUED:
        raise InvoiceError(_("Nur eine gestellte Rechnung kann storniert werden."))
    if not reason.strip():
        raise InvoiceError(_("Bitte den Grund der Korrektur angeben."))
    mirror = ledger.reverse(
        invoice.ledger_document,
        text=_("Gutschrift zur Rechnung {number}").format(number=invoice.number),
        actor=actor,
    )
    ledger.settle_account(invoice.account, mirror)
    number = next_number("invoice")
    credit_note = Invoice.objects.create(
        number=number,
        kind=Invoice.Kind.CREDIT_NOTE,
        account=invoice.account,
        issue_date=timezone.localdate(),
        due_date=timezone.localdate(),
        gross_total=-invoice.gross_total,
        instalments=-invoice.instalments,
        result=-invoice.result,
        cancels=invoice,
        ledger_document=mirror,
        created_by=actor,
    )
    invoice.status = Invoice.Status.CANCELLED
    invoice.save(update_fields=["status"])
    BillingDocument.objects.filter(pk__in=invoice.items.values("document_id")).update(
        status=BillingDocument.Status.CANCELLED
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=credit_note,
        partner_id=invoice.account.partner_id,
        changes={"grund": ["", reason.strip()]},
    )
    letter = letters.create_letter(
        kind="credit_note",
        partner=invoice.account.partner,
        account=invoice.account,
        actor=actor,
        values={
            "gutschriftsnummer": number,
            "rechnungsnummer": invoice.number,
            "rechnungsdatum": f"{invoice.issue_date:%d.%m.%Y}",
            "betrag": format_eur(invoice.gross_total),
            "grund": reason.strip()[:200],
        },
    )
    credit_note.letter_number = letter.number
    credit_note.save(update_fields=["letter_number"])
    return credit_note


@transaction.atomic
def rebill(invoice: Invoice, *, actor: User | None, next_plans: bool = True) -> Invoice:
    """After the credit note (and the fix of the data): bill the same periods again and
    invoice them. Raises the billing error when the data still does not allow it."""
    if invoice.status != Invoice.Status.CANCELLED:
        raise InvoiceError(_("Die Rechnung ist nicht storniert."))
    bills: list[BillingDocument] = []
    old = list(invoice.documents.select_related("contract"))
    for contract_id in sorted({bill.contract_id for bill in old}):
        until = max(bill.period_end for bill in old if bill.contract_id == contract_id)
        contract = next(bill.contract for bill in old if bill.contract_id == contract_id)
        bills.extend(services.bill_contract(contract, until=until))
    return invoice_account(invoice.account, actor=actor, documents=bills, next_plans=next_plans)


# --- invoicing run -------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRunResult:
    invoices: int
    errors: list[tuple[str, str]]


def invoice_all(
    *,
    actor: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> InvoiceRunResult:
    """Invoice every account with uninvoiced bills; one account's error stops only that one.
    Idempotent: an invoiced bill is not invoiced again."""
    accounts = (
        BillingDocument.objects.filter(status=BillingDocument.Status.BILLED)
        .exclude(invoices__status=Invoice.Status.ISSUED)
        .values_list("contract__account_id", flat=True)
        .distinct()
        .order_by("contract__account_id")
    )
    count, errors = 0, []
    for account_id in accounts.iterator(chunk_size=1000):
        account = ContractAccount.objects.get(pk=account_id)
        try:
            invoice_account(account, actor=actor)
        except (InvoiceError, ledger.LedgerError, ValueError) as error:
            errors.append((account.number, str(error)))
            continue
        count += 1
        if progress is not None and count % 500 == 0:
            progress(count)
    return InvoiceRunResult(count, errors)


# --- the letter ----------------------------------------------------------------------------


def _bill_text(bill: BillingDocument) -> str:
    division = Division(bill.contract.division).label
    return _("{division} {start} bis {end}").format(
        division=division, start=f"{bill.period_start:%d.%m.%Y}", end=f"{bill.period_end:%d.%m.%Y}"
    )


HOW_OBTAINED = {
    MeterReading.Source.CUSTOMER: "Kundenablesung",
    MeterReading.Source.METER_READER: "Ablesung durch Ableser/in",
    MeterReading.Source.GRID_OPERATOR: "Ablesung Netzbetreiber",
    MeterReading.Source.SMART_METER: "Messsystem",
    MeterReading.Source.UTILITY: "Schätzung",
}


def _how(reading: MeterReading) -> str:
    text = HOW_OBTAINED.get(MeterReading.Source(reading.source), reading.source)
    if reading.estimated:
        return (
            f"geschätzt: {reading.estimation_reason}" if reading.estimation_reason else "geschätzt"
        )
    return text


def _quantity(value: Decimal) -> str:
    """Whole numbers without decimals (meter readings, kWh), else three places (m³, days)."""
    return format_decimal_de(value, 0 if value == value.to_integral() else 3)


def _readings_table(bills: Sequence[BillingDocument]) -> Table:
    rows: list[tuple[str, ...]] = []
    for bill in bills:
        in_m3 = False
        for reading in (bill.start_reading, bill.end_reading):
            if reading is None:
                continue
            rows.append(
                (
                    reading.register.meter.number,
                    f"{reading.read_on:%d.%m.%Y}",
                    _quantity(reading.value),
                    _how(reading)[:40],
                )
            )
            in_m3 = reading.register.unit == Unit.CUBIC_METRE
        if in_m3 and bill.contract.division == Division.GAS:
            rows.extend(_conversion_rows(bill))
    return Table(
        (
            Column("Zähler", 40),
            Column("Datum", 28),
            Column("Stand", 30, "right"),
            Column("Ermittlung", 62),
        ),
        tuple(rows),
    )


def _conversion_rows(bill: BillingDocument) -> list[tuple[str, ...]]:
    """Gas metered in m³ (DVGW G 685): the m³ of each working line with the Zustandszahl and
    the Brennwert it was converted with, and the kWh billed (from the line texts, which
    kc.billing.gas writes)."""
    rows: list[tuple[str, ...]] = [
        ("Umrechnung in kWh", "ab", "m³", "× Zustandszahl × Brennwert = kWh")
    ]
    for line in bill.lines.filter(kind="working").order_by("position"):
        found = gas.TEXT_PATTERN.search(line.text)
        if found is None:
            continue
        rows.append(
            (
                "",
                f"{line.start:%d.%m.%Y}",
                f"{found['volume']} m³",
                f"× {found['z']} × {found['hs']} kWh/m³ = {found['energy']} kWh",
            )
        )
    return rows


def _positions_table(bills: Sequence[BillingDocument], claimed_paid: Decimal) -> Table:
    rows: list[tuple[str, ...]] = []
    vat_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    net_total = ZERO
    for bill in bills:
        rows.append((_bill_text(bill), "", ""))
        for line in bill.lines.order_by("position"):
            price = format_decimal_de(line.unit_price, 4)
            rows.append(
                (
                    f"  {line.text}"[:60],
                    f"{_quantity(line.quantity)} {line.unit} × {price} €",
                    format_eur(line.net),
                )
            )
            vat_by_rate[line.vat_rate] += line.net
            net_total += line.net
    totals: list[tuple[str, ...]] = [("Summe netto", "", format_eur(net_total))]
    vat_total = sum((bill.vat_total for bill in bills), ZERO)
    rates = ", ".join(f"{format_decimal_de(rate * 100, 0)} %" for rate in sorted(vat_by_rate))
    totals.append((f"Umsatzsteuer ({rates})", "", format_eur(vat_total)))
    gross = sum((bill.gross_total for bill in bills), ZERO)
    totals.append(("Rechnungsbetrag brutto", "", format_eur(gross)))
    totals.append(("abzüglich gezahlter Abschläge", "", format_eur(-claimed_paid)))
    return Table(
        (Column("Position", 70), Column("Menge × Preis netto", 60), Column("Betrag", 30, "right")),
        tuple(rows),
        totals=tuple(totals),
    )


def _consumption(bills: Sequence[BillingDocument], *, last_year: bool) -> str:
    parts = []
    for bill in bills:
        if last_year:
            previous = (
                BillingDocument.objects.filter(
                    contract=bill.contract,
                    status=BillingDocument.Status.BILLED,
                    period_end__lt=bill.period_start,
                )
                .order_by("-period_end")
                .first()
            )
            if previous is None:
                parts.append(_("keine Vorjahresabrechnung"))
                continue
            bill = previous
        parts.append(f"{format_decimal_de(bill.consumption, 0)} {bill.unit}")
    return "; ".join(parts)


def _letter_values(invoice: Invoice, bills: Sequence[BillingDocument]) -> dict[str, Value]:
    first = min(bill.period_start for bill in bills)
    last = max(bill.period_end for bill in bills)
    result = invoice.result
    if result > 0:
        outcome = Bold(f"Ihre Nachzahlung: {format_eur(result)}")
    elif result < 0:
        outcome = Bold(f"Ihr Guthaben: {format_eur(-result)}")
    else:
        outcome = Bold("Ihre Abschläge decken den Rechnungsbetrag genau.")
    return {
        "rechnungsnummer": invoice.number,
        "zeitraum": f"{first:%d.%m.%Y} bis {last:%d.%m.%Y}",
        "rechnungsbetrag": format_eur(invoice.gross_total),
        "ergebnis": outcome,
        "faellig_am": f"{invoice.due_date:%d.%m.%Y}",
        "zahlweise": payment_terms.invoice_terms(
            invoice.account, result, invoice.due_date, invoice.number
        ),
        "verbrauch": _consumption(bills, last_year=False),
        "verbrauch_vorjahr": _consumption(bills, last_year=True),
        "positionen": _positions_table(bills, invoice.instalments),
        "zaehlerstaende": _readings_table(bills),
    }
