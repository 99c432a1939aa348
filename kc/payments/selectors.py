"""Read-only queries of the payment pages and of the payments part of the customer page.

The customer page shows every contract account's balance, open items, unused credits and
active mandate in a fixed number of queries: `with_payments` annotates the accounts' queryset
with the balance and prefetches only the lines that are still open, with their open amounts
computed in SQL (the same rule as kc.payments.ledger: a receivable minus what settled it, a
credit plus what it settled). `account_payments` then works on what was loaded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from kc.core.money import round_cents
from kc.customers.models import ContractAccount
from kc.payments import ledger
from kc.payments.models import (
    BankImport,
    BankTransaction,
    DirectDebitFile,
    LedgerLine,
    PayoutFile,
    SepaMandate,
)

ZERO = Decimal("0.00")
CUSTOMER = LedgerLine.Offset.CUSTOMER
LEDGER_PAGE_SIZE = 50
FILES_SHOWN = 30
IMPORTS_SHOWN = 20
UNMATCHED_SHOWN = 200
_MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class AccountPayments:
    """What an agent reads out about one contract account's money."""

    account: ContractAccount
    balance: Decimal  # positive: the customer owes it; negative: credit in their favour
    due_now: Decimal  # open items due by today less unused credits (ledger.due_balance)
    open_items: list[ledger.OpenItem]  # oldest due first
    open_credits: list[ledger.OpenItem]  # oldest first, amounts negative
    mandate: SepaMandate | None

    @property
    def owes(self) -> bool:
        return self.balance > 0

    @property
    def in_credit(self) -> bool:
        return self.balance < 0

    @property
    def credit(self) -> Decimal:
        return -self.balance

    @property
    def due_credit(self) -> Decimal:
        """What is left in the customer's favour after everything due (as a positive amount)."""
        return -self.due_now

    @property
    def credit_rows(self) -> list[tuple[LedgerLine, Decimal]]:
        """Unused credits with what is still available of each, as positive amounts."""
        return [(item.line, -item.open_amount) for item in self.open_credits]


def _open_lines() -> QuerySet[LedgerLine]:
    """Customer lines with something left open, annotated by ledger.with_open_amounts."""
    lines = ledger.with_open_amounts(
        LedgerLine.objects.filter(side=CUSTOMER).select_related("document")
    )
    return lines.filter(
        (Q(amount__gt=0) & Q(amount__gt=F("settled_as_receivable")))
        | (Q(amount__lt=0) & Q(amount__lt=-F("settled_as_credit")))
    ).order_by("due_on", "id")


def with_payments(accounts: QuerySet[ContractAccount]) -> QuerySet[ContractAccount]:
    """Accounts with `ledger_balance`, `open_lines` and `active_mandates` (two extra queries
    for any number of accounts: the balance rides in the accounts' own query)."""
    balance = (
        LedgerLine.objects.filter(account=OuterRef("pk"), side=CUSTOMER)
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return accounts.annotate(
        ledger_balance=Coalesce(Subquery(balance, output_field=_MONEY), Value(ZERO, _MONEY))
    ).prefetch_related(
        Prefetch("ledger_lines", queryset=_open_lines(), to_attr="open_lines"),
        Prefetch(
            "mandates",
            queryset=SepaMandate.objects.filter(status=SepaMandate.Status.ACTIVE),
            to_attr="active_mandates",
        ),
    )


def account_payments(account: ContractAccount, *, today: datetime.date) -> AccountPayments:
    """From an account loaded through `with_payments`; no queries."""
    lines: list[LedgerLine] = account.open_lines  # type: ignore[attr-defined]
    # The SQL filter is a coarse one (SQLite compares sums of decimals as floats); the open
    # amounts to the cent decide, as in ledger.open_items and ledger.open_credits.
    opened = [ledger.OpenItem(line, ledger.open_amount(line)) for line in lines]
    items = [item for item in opened if item.line.amount > 0 and item.open_amount > 0]
    credits = sorted(
        (item for item in opened if item.line.amount < 0 and item.open_amount < 0),
        key=lambda item: item.line.pk,
    )
    # As ledger.due_balance: receivables with a due date up to today, all unused credits.
    due = sum(
        (i.open_amount for i in items if i.line.due_on is not None and i.line.due_on <= today),
        ZERO,
    )
    unused = sum((item.open_amount for item in credits), ZERO)
    mandates: list[SepaMandate] = account.active_mandates  # type: ignore[attr-defined]
    return AccountPayments(
        account=account,
        # SQLite sums decimals as floating point: back to cents, as ledger.balance does.
        balance=round_cents(account.ledger_balance),  # type: ignore[attr-defined]
        due_now=due + unused,
        open_items=items,
        open_credits=credits,
        mandate=mandates[0] if mandates else None,
    )


# --- ledger page ---------------------------------------------------------------------------


def account_for_page(account_id: int) -> ContractAccount:
    return get_object_or_404(ContractAccount.objects.select_related("partner"), pk=account_id)


def account_with_payments(account_id: int, *, today: datetime.date) -> AccountPayments:
    accounts = with_payments(ContractAccount.objects.select_related("partner"))
    return account_payments(get_object_or_404(accounts, pk=account_id), today=today)


@dataclass(frozen=True)
class PostingRow:
    line: LedgerLine
    open_amount: Decimal


def postings_page(
    account: ContractAccount, page_number: str | None
) -> tuple[Page[LedgerLine], list[PostingRow]]:
    """The customer-side lines of the account, newest posting first, 50 a page."""
    lines = ledger.with_open_amounts(
        LedgerLine.objects.filter(account=account, side=CUSTOMER)
        .select_related("document", "document__reverses")
        .order_by("-document__booking_date", "-document_id", "id")
    )
    page = Paginator(lines, LEDGER_PAGE_SIZE).get_page(page_number)
    rows = [PostingRow(line, ledger.open_amount(line)) for line in page]
    return page, rows


# --- mandates ------------------------------------------------------------------------------


def mandate_for_page(mandate_id: int) -> SepaMandate:
    return get_object_or_404(
        SepaMandate.objects.select_related("account__partner", "creditor"), pk=mandate_id
    )


# --- unmatched bank transactions and files -------------------------------------------------


def unmatched_transactions() -> list[BankTransaction]:
    """Oldest first: the queue is worked from the front."""
    return list(
        BankTransaction.objects.filter(outcome=BankTransaction.Outcome.UNMATCHED)
        .select_related("bank_import")
        .order_by("booking_date", "id")[:UNMATCHED_SHOWN]
    )


def unmatched_count() -> int:
    return BankTransaction.objects.filter(outcome=BankTransaction.Outcome.UNMATCHED).count()


def account_by_number(number: str) -> ContractAccount | None:
    return ContractAccount.objects.select_related("partner").filter(number=number).first()


def recent_direct_debit_files() -> list[DirectDebitFile]:
    return list(DirectDebitFile.objects.order_by("-created_at", "-id")[:FILES_SHOWN])


def recent_payout_files() -> list[PayoutFile]:
    return list(PayoutFile.objects.order_by("-created_at", "-id")[:FILES_SHOWN])


def recent_bank_imports() -> list[BankImport]:
    return list(BankImport.objects.order_by("-imported_at", "-id")[:IMPORTS_SHOWN])
