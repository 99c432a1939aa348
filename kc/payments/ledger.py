"""Posting to the open-items ledger and reading it: the only module that writes postings.

Every posting is one balanced document (customer lines against one offset line). A source
(an invoice, a bank entry, a plan's instalment) is posted once per kind: posting it again
returns the first document, which makes imports and runs idempotent. Credits (payments,
credit notes) settle the oldest due receivables first, as customers expect and as §366 BGB
orders it when the payer names no item.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.models import NumberRange, User
from kc.core.money import round_cents
from kc.core.numbers import next_number
from kc.core.validation import Refusal
from kc.customers.models import ContractAccount
from kc.payments.models import Clearing, LedgerDocument, LedgerLine

ZERO = Decimal("0.00")
CUSTOMER = LedgerLine.Offset.CUSTOMER


class LedgerError(Refusal):
    """The posting would be wrong; nothing was written."""


@dataclass(frozen=True)
class Entry:
    """A customer-side line: positive = the customer owes it, negative = in their favour."""

    amount: Decimal
    text: str
    due_on: datetime.date | None = None
    contract_id: int | None = None
    prenotified_on: datetime.date | None = None
    # The other side of this line when it is not the document's offset (e.g. an invoice
    # books consumption to revenue and takes back instalment claims).
    offset: str = ""


@dataclass(frozen=True)
class OpenItem:
    line: LedgerLine
    open_amount: Decimal

    @property
    def is_due(self) -> bool:
        return self.line.due_on is None or self.line.due_on <= timezone.localdate()


def ensure_number_range() -> None:
    NumberRange.objects.get_or_create(
        key="ledger",
        defaults={"prefix": "BU", "next_value": 1, "max_value": 9_999_999_999, "width": 10},
    )


@transaction.atomic
def post(
    *,
    account: ContractAccount,
    kind: str,
    source: str,
    text: str,
    entries: Sequence[Entry],
    offset: str,
    booking_date: datetime.date | None = None,
    actor: User | None = None,
    reverses: LedgerDocument | None = None,
    reference: str = "",
) -> LedgerDocument:
    """Post `entries` against `offset`; the same source and kind again returns the first one."""
    existing = LedgerDocument.objects.filter(source=source, kind=kind).first()
    if existing is not None:
        return existing
    if not entries:
        raise LedgerError(_("Eine Buchung braucht mindestens eine Zeile."))
    if offset == CUSTOMER or any(entry.offset == CUSTOMER for entry in entries):
        raise LedgerError(_("Die Gegenbuchung darf nicht auf das Kundenkonto gehen."))
    for entry in entries:
        if entry.amount != entry.amount.quantize(Decimal("0.01")) or entry.amount == 0:
            raise LedgerError(_("Beträge müssen von null verschieden und auf Cent genau sein."))
    document = LedgerDocument.objects.create(
        number=next_number("ledger"),
        kind=kind,
        account=account,
        booking_date=booking_date or timezone.localdate(),
        text=text[:200],
        source=source[:120],
        reference=reference,
        reverses=reverses,
        posted_by=actor,
    )
    lines = [
        LedgerLine(
            document=document,
            account=account,
            side=CUSTOMER,
            amount=entry.amount,
            due_on=entry.due_on,
            contract_id=entry.contract_id,
            text=entry.text[:200],
            prenotified_on=entry.prenotified_on,
        )
        for entry in entries
    ]
    offsets: dict[str, Decimal] = {}
    for entry in entries:
        side = entry.offset or offset
        offsets[side] = offsets.get(side, ZERO) + entry.amount
    lines.extend(
        LedgerLine(document=document, account=account, side=side, amount=-total, text=text[:200])
        for side, total in offsets.items()
        if total != 0
    )
    LedgerLine.objects.bulk_create(lines)
    audit.record(
        actor=actor, action=audit.Action.CREATE, obj=document, partner_id=account.partner_id
    )
    return document


def customer_lines(document: LedgerDocument) -> QuerySet[LedgerLine]:
    return document.lines.filter(side=CUSTOMER).order_by("id")


def _cleared(field: str) -> Subquery:
    sums = (
        Clearing.objects.filter(**{field: OuterRef("pk")})
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(sums, output_field=DecimalField(max_digits=12, decimal_places=2))


def with_open_amounts(lines: QuerySet[LedgerLine]) -> QuerySet[LedgerLine]:
    """Annotate `open_amount`: receivables minus what settled them, credits minus what they
    settled (as a negative number, like the credit itself)."""
    zero = Value(ZERO, output_field=DecimalField(max_digits=12, decimal_places=2))
    return lines.annotate(
        settled_as_receivable=Coalesce(_cleared("receivable"), zero),
        settled_as_credit=Coalesce(_cleared("credit"), zero),
    )


def open_amount(line: LedgerLine) -> Decimal:
    """Of a line annotated by `with_open_amounts` (to the cent: SQLite sums floats)."""
    if line.amount > 0:
        return round_cents(line.amount - line.settled_as_receivable)  # type: ignore[attr-defined]
    return round_cents(line.amount + line.settled_as_credit)  # type: ignore[attr-defined]


def open_items(
    account: ContractAccount | int, *, due_until: datetime.date | None = None
) -> list[OpenItem]:
    """Receivables not yet settled, oldest due first."""
    lines = LedgerLine.objects.filter(account=account, side=CUSTOMER, amount__gt=0)
    if due_until is not None:
        lines = lines.filter(due_on__lte=due_until)
    items = [
        OpenItem(line, open_amount(line))
        for line in with_open_amounts(lines.select_related("document")).order_by("due_on", "id")
    ]
    return [item for item in items if item.open_amount > 0]


def open_credits(account: ContractAccount | int) -> list[OpenItem]:
    """Payments and credits not yet used to settle a receivable, oldest first."""
    lines = LedgerLine.objects.filter(account=account, side=CUSTOMER, amount__lt=0)
    items = [
        OpenItem(line, open_amount(line))
        for line in with_open_amounts(lines.select_related("document")).order_by("id")
    ]
    return [item for item in items if item.open_amount < 0]


def balance(account: ContractAccount | int) -> Decimal:
    """What the customer owes in total (negative: what the utility owes them)."""
    total = LedgerLine.objects.filter(account=account, side=CUSTOMER).aggregate(
        total=Sum("amount")
    )["total"]
    # SQLite sums decimals as floating point: back to cents (exact up to 10^13 €).
    return round_cents(total or ZERO)


def due_balance(account: ContractAccount | int, *, on: datetime.date) -> Decimal:
    """Open receivables due by `on` less unused credits: what is overdue or payable now.

    In SQL (the customer page and the portal ask for it on every view): receivables due by
    `on` less what settled them, plus credits plus what they settled (credits are negative)."""
    due_lines = Q(side=CUSTOMER, amount__gt=0, due_on__lte=on)
    credit_lines = Q(side=CUSTOMER, amount__lt=0)
    lines = LedgerLine.objects.filter(account=account).aggregate(
        due=Sum("amount", filter=due_lines), credits=Sum("amount", filter=credit_lines)
    )
    settled_due = Clearing.objects.filter(
        receivable__account=account,
        receivable__side=CUSTOMER,
        receivable__amount__gt=0,
        receivable__due_on__lte=on,
    ).aggregate(total=Sum("amount"))["total"]
    settled_by_credits = Clearing.objects.filter(
        credit__account=account, credit__side=CUSTOMER, credit__amount__lt=0
    ).aggregate(total=Sum("amount"))["total"]
    total = (
        (lines["due"] or ZERO)
        - (settled_due or ZERO)
        + (lines["credits"] or ZERO)
        + (settled_by_credits or ZERO)
    )
    return round_cents(total)  # SQLite sums decimals as floating point


def settle(
    document: LedgerDocument,
    receivables: Iterable[OpenItem],
    credits: Iterable[OpenItem],
) -> Decimal:
    """Settle receivables with credits in the given order; returns the amount settled."""
    pending = [(item.line, item.open_amount) for item in receivables if item.open_amount > 0]
    settled = ZERO
    rows: list[Clearing] = []
    for credit in credits:
        available = -credit.open_amount
        while available > 0 and pending:
            line, still_open = pending[0]
            amount = min(available, still_open)
            rows.append(
                Clearing(receivable=line, credit=credit.line, amount=amount, document=document)
            )
            available -= amount
            settled += amount
            if still_open == amount:
                pending.pop(0)
            else:
                pending[0] = (line, still_open - amount)
    Clearing.objects.bulk_create(rows)
    return settled


@transaction.atomic
def settle_account(account: ContractAccount, document: LedgerDocument) -> Decimal:
    """Use every unused credit of the account on its receivables, oldest due first.

    Receivables not yet due are settled too (a credit pays the next Abschlag) so that a
    credit is never collected again by direct debit."""
    ContractAccount.objects.select_for_update().filter(pk=account.pk).first()
    return settle(document, open_items(account), open_credits(account))


@transaction.atomic
def reverse(document: LedgerDocument, *, text: str, actor: User | None = None) -> LedgerDocument:
    """Cancel a posting with its mirror image and undo the settlements its lines took part in."""
    if LedgerDocument.objects.filter(reverses=document).exists():
        raise LedgerError(
            _("Der Beleg {number} ist bereits storniert.").format(number=document.number)
        )
    lines = list(document.lines.order_by("id"))
    mirror = LedgerDocument.objects.create(
        number=next_number("ledger"),
        kind=LedgerDocument.Kind.REVERSAL,
        account=document.account,
        booking_date=timezone.localdate(),
        text=text[:200],
        source=f"reversal:{document.number}",
        reverses=document,
        posted_by=actor,
    )
    LedgerLine.objects.bulk_create(
        LedgerLine(
            document=mirror,
            account=line.account,
            side=line.side,
            amount=-line.amount,
            due_on=line.due_on,
            contract_id=line.contract_id,
            text=line.text,
        )
        for line in lines
    )
    _undo_clearings([line.pk for line in lines if line.side == CUSTOMER], mirror)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=mirror,
        partner_id=document.account.partner_id,
    )
    # The mirror lines settle the original ones, so neither stays open.
    originals = LedgerLine.objects.filter(document=document, side=CUSTOMER).order_by("id")
    mirrors = LedgerLine.objects.filter(document=mirror, side=CUSTOMER).order_by("id")
    Clearing.objects.bulk_create(
        Clearing(
            receivable=a if a.amount > 0 else b,
            credit=b if a.amount > 0 else a,
            amount=abs(a.amount),
            document=mirror,
        )
        for a, b in zip(originals, mirrors, strict=True)
    )
    return mirror


def _undo_clearings(line_ids: list[int], document: LedgerDocument) -> None:
    """Negative clearings for every net settlement the lines took part in."""
    net = (
        Clearing.objects.filter(Q(receivable_id__in=line_ids) | Q(credit_id__in=line_ids))
        .values("receivable_id", "credit_id")
        .annotate(total=Sum("amount"))
    )
    Clearing.objects.bulk_create(
        Clearing(
            receivable_id=row["receivable_id"],
            credit_id=row["credit_id"],
            amount=-row["total"],
            document=document,
        )
        for row in net
        if row["total"]
    )


def undo_settlements(line: LedgerLine, document: LedgerDocument) -> None:
    """Re-open what `line` settled (a returned debit): negative clearings, nothing deleted."""
    _undo_clearings([line.pk], document)


@transaction.atomic
def set_disputed(line: LedgerLine, *, disputed: bool, reason: str, actor: User | None) -> None:
    """The customer disputes an item (or the dispute is settled): a disputed item is neither
    collected by direct debit nor counted for dunning and disconnection."""
    if line.side != CUSTOMER or line.amount <= 0:
        raise LedgerError(_("Nur eine Forderung kann bestritten werden."))
    if not reason.strip():
        raise LedgerError(_("Bitte den Grund angeben."))
    LedgerLine.objects.filter(pk=line.pk).update(disputed=disputed)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=line,
        partner_id=line.account.partner_id,
        changes={"disputed": [str(line.disputed), str(disputed)], "reason": ["", reason.strip()]},
    )
    line.disputed = disputed
