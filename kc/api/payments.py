"""Payments of a contract account (scope "payments"), from kc.payments.ledger.

GET /api/v1/vertragskonten/{number}/saldo          balance and what is due today
GET /api/v1/vertragskonten/{number}/offene-posten  open receivables, oldest due first

Amounts are decimal strings in euros with two places (never floats).
"""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from kc.api import reads
from kc.api.auth import TokenAuth
from kc.api.errors import REFUSALS, ErrorOut
from kc.api.paging import PageMeta, PageQuery, page_of_list
from kc.customers.models import ContractAccount
from kc.payments import ledger

router = Router(auth=TokenAuth("payments"))
ERRORS = REFUSALS | {404: ErrorOut}


class BalanceOut(Schema):
    account: str
    balance: Decimal
    due_today: Decimal
    currency: str = "EUR"


class OpenItemOut(Schema):
    document: str
    text: str
    amount: Decimal
    open_amount: Decimal
    due_on: datetime.date | None
    is_due: bool
    disputed: bool


class OpenItemPage(PageMeta):
    items: list[OpenItemOut]


@router.get(
    "/vertragskonten/{number}/saldo", response={200: BalanceOut} | ERRORS, summary="Balance"
)
def balance(request: HttpRequest, number: str) -> BalanceOut:
    account = get_object_or_404(ContractAccount, number=number)
    reads.record(request, account, partner_id=account.partner_id, changes={"view": "balance"})
    return BalanceOut(
        account=account.number,
        balance=ledger.balance(account),
        due_today=ledger.due_balance(account, on=timezone.localdate()),
    )


@router.get(
    "/vertragskonten/{number}/offene-posten",
    response={200: OpenItemPage} | ERRORS,
    summary="Open items, oldest due first",
)
def open_items(request: HttpRequest, number: str, page: PageQuery) -> OpenItemPage:
    account = get_object_or_404(ContractAccount, number=number)
    items, meta = page_of_list(ledger.open_items(account), page)
    reads.record(request, account, partner_id=account.partner_id, changes={"view": "open_items"})
    return OpenItemPage(
        items=[
            OpenItemOut(
                document=item.line.document.number,
                text=item.line.text,
                amount=item.line.amount,
                open_amount=item.open_amount,
                due_on=item.line.due_on,
                is_due=item.is_due,
                disputed=item.line.disputed,
            )
            for item in items
        ],
        **meta.dict(),
    )
