"""Customers (business partners), their contract accounts and contracts (scope "customers").

GET /api/v1/kunden/?q=                       search by customer number or name
                                             (restricted customers are left out)
GET /api/v1/kunden/{number}                  one customer
GET /api/v1/kunden/{number}/vertragskonten   the customer's contract accounts
GET /api/v1/vertragskonten/{number}/vertraege  the account's contracts

Every customer, account or contract shown writes an audit row.
"""

import datetime

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from kc.api import reads
from kc.api.auth import TokenAuth
from kc.api.errors import REFUSALS, ErrorOut
from kc.api.paging import PageMeta, PageQuery, page_of
from kc.core.text import search_key
from kc.customers.models import BusinessPartner, ContractAccount
from kc.supply.models import Contract

router = Router(auth=TokenAuth("customers"))
ERRORS = REFUSALS
ERRORS_404 = ERRORS | {404: ErrorOut}


class CustomerOut(Schema):
    number: str
    kind: str
    display_name: str
    first_name: str
    last_name: str
    organisation_name: str
    email: str
    phone: str
    preferred_channel: str
    processing_restricted: bool


class CustomerPage(PageMeta):
    items: list[CustomerOut]


class AccountOut(Schema):
    number: str
    customer: str
    payment_method: str
    masked_iban: str
    created_at: datetime.datetime


class AccountPage(PageMeta):
    items: list[AccountOut]


class ContractOut(Schema):
    number: str
    account: str
    division: str
    market_location: str
    tariff: str
    start_date: datetime.date
    end_date: datetime.date | None


class ContractPage(PageMeta):
    items: list[ContractOut]


def customer_out(partner: BusinessPartner) -> CustomerOut:
    return CustomerOut(
        number=partner.number,
        kind=partner.kind,
        display_name=partner.display_name,
        first_name=partner.first_name,
        last_name=partner.last_name,
        organisation_name=partner.organisation_name,
        email=partner.email,
        phone=partner.phone,
        preferred_channel=partner.preferred_channel,
        processing_restricted=partner.is_restricted,
    )


def account_out(account: ContractAccount) -> AccountOut:
    return AccountOut(
        number=account.number,
        customer=account.partner.number,
        payment_method=account.payment_method,
        masked_iban=account.masked_iban,
        created_at=account.created_at,
    )


def contract_out(contract: Contract) -> ContractOut:
    return ContractOut(
        number=contract.number,
        account=contract.account.number,
        division=contract.division,
        market_location=contract.market_location.malo_id,
        tariff=str(contract.tariff),
        start_date=contract.start_date,
        end_date=contract.end_date,
    )


def _search(q: str) -> QuerySet[BusinessPartner]:
    # Restricted customers (Art. 18 GDPR, kc.privacy) are not found, as in the agent search;
    # a known number still opens the customer, marked processing_restricted.
    partners = BusinessPartner.objects.filter(processing_restricted_at__isnull=True).order_by(
        "number", "pk"
    )
    q = q.strip()
    if not q:
        return partners
    # The search keys are normalised on save (umlauts, case), so any database matches alike.
    key = search_key(q)
    return partners.filter(
        Q(number__istartswith=q) | Q(name_key__startswith=key) | Q(first_name_key__startswith=key)
    )


@router.get("/kunden/", response={200: CustomerPage} | ERRORS, summary="Search customers")
def customers(request: HttpRequest, page: PageQuery, q: str = "") -> CustomerPage:
    items, meta = page_of(_search(q[:100]), page)
    reads.record_many(request, [(p, p.pk) for p in items])
    return CustomerPage(items=[customer_out(p) for p in items], **meta.dict())


@router.get("/kunden/{number}", response={200: CustomerOut} | ERRORS_404, summary="One customer")
def customer(request: HttpRequest, number: str) -> CustomerOut:
    partner = get_object_or_404(BusinessPartner, number=number)
    reads.record(request, partner, partner_id=partner.pk)
    return customer_out(partner)


@router.get(
    "/kunden/{number}/vertragskonten",
    response={200: AccountPage} | ERRORS_404,
    summary="A customer's contract accounts",
)
def accounts(request: HttpRequest, number: str, page: PageQuery) -> AccountPage:
    partner = get_object_or_404(BusinessPartner, number=number)
    rows = ContractAccount.objects.filter(partner=partner).select_related("partner")
    items, meta = page_of(rows.order_by("number", "pk"), page)
    reads.record_many(request, [(a, partner.pk) for a in items])
    return AccountPage(items=[account_out(a) for a in items], **meta.dict())


@router.get(
    "/vertragskonten/{number}/vertraege",
    response={200: ContractPage} | ERRORS_404,
    summary="An account's contracts",
)
def contracts(request: HttpRequest, number: str, page: PageQuery) -> ContractPage:
    account = get_object_or_404(ContractAccount, number=number)
    rows = Contract.objects.filter(account=account).select_related(
        "account", "market_location", "tariff"
    )
    items, meta = page_of(rows.order_by("start_date", "pk"), page)
    reads.record_many(request, [(c, account.partner_id) for c in items])
    return ContractPage(items=[contract_out(c) for c in items], **meta.dict())
