"""What the customer has: overview, contracts with meters, documents, cases."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kc.billing.models import BudgetBillingPlan, Invoice
from kc.cases.models import Case
from kc.core import audit
from kc.core.http import pdf_response
from kc.customers.models import ContractAccount
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import SepaMandate
from kc.portal.views.common import CustomerRequest, customer_required, scope

RECENT_DOCUMENTS = 5
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountSummary:
    account: ContractAccount
    balance: Decimal
    due_now: Decimal
    mandate: SepaMandate | None


def _summaries(request: CustomerRequest) -> list[AccountSummary]:
    today = timezone.localdate()
    mandates = {
        m.account_id: m for m in scope(request).mandates().filter(status=SepaMandate.Status.ACTIVE)
    }
    return [
        AccountSummary(
            account=account,
            balance=ledger.balance(account),
            due_now=ledger.due_balance(account, on=today),
            mandate=mandates.get(account.pk),
        )
        for account in scope(request).accounts()
    ]


@customer_required
def home(request: CustomerRequest) -> HttpResponse:
    customer = scope(request)
    today = timezone.localdate()
    active_plans = BudgetBillingPlan.objects.filter(status=BudgetBillingPlan.Status.ACTIVE)
    contracts = customer.current_contracts(today).prefetch_related(
        Prefetch("budget_plans", queryset=active_plans, to_attr="active_plans")
    )
    context = {
        "partner": customer.partner,
        "accounts": _summaries(request),
        "contracts": contracts,
        "invoices": customer.invoices()[:RECENT_DOCUMENTS],
        # Only cases with something the customer may read: an internal case's subject stays
        # internal (as in the mailbox).
        "cases": customer.mailbox().exclude(status__in=CLOSED_STATES)[:RECENT_DOCUMENTS],
    }
    return render(request, "portal/home.html", context)


CLOSED_STATES = (Case.Status.RESOLVED, Case.Status.CLOSED)  # the complement of Case.is_open


@customer_required
def contract_detail(request: CustomerRequest, contract_id: int) -> HttpResponse:
    customer = scope(request)
    contract = customer.contract(contract_id)
    meters = []
    for meter in customer.meters_of(contract).prefetch_related("registers"):
        registers = [
            (register, list(customer.readings(register, contract)[:12]))
            for register in meter.registers.all()
        ]
        meters.append((meter, registers))
    plan = contract.budget_plans.filter(status=BudgetBillingPlan.Status.ACTIVE).first()
    dues = plan.dues.order_by("due_on") if plan else []
    context = {"contract": contract, "meters": meters, "plan": plan, "dues": dues}
    return render(request, "portal/contract_detail.html", context)


@customer_required
def documents(request: CustomerRequest) -> HttpResponse:
    customer = scope(request)
    letters = {letter.number: letter for letter in customer.letters()}
    invoices = list(customer.invoices())
    invoice_letters = {invoice.letter_number for invoice in invoices}
    context = {
        "invoices": [(invoice, letters.get(invoice.letter_number)) for invoice in invoices],
        "letters": [letter for letter in letters.values() if letter.number not in invoice_letters],
    }
    return render(request, "portal/documents.html", context)


@customer_required
def invoice_pdf(request: CustomerRequest, invoice_id: int) -> FileResponse:
    invoice: Invoice = scope(request).invoice(invoice_id)
    if not invoice.letter_number:
        raise Http404
    return _letter_response(request, scope(request).letter_by_number(invoice.letter_number))


@customer_required
def letter_pdf(request: CustomerRequest, letter_id: int) -> FileResponse:
    return _letter_response(request, scope(request).letter(letter_id))


def _letter_response(request: CustomerRequest, letter: Letter) -> FileResponse:
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        obj=letter,
        partner_id=letter.partner_id,
    )
    try:
        document = letter.pdf.open("rb")
    except OSError as error:  # the archive lost the file: a 404 and a log line, not a 500
        log.error("letter %s: archived PDF missing: %s", letter.number, error)
        raise Http404 from error
    response = pdf_response(document, f"{letter.number}.pdf", download=True)
    response["Cache-Control"] = "private, no-store"
    return response
