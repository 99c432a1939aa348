"""Agent pages of payments: an account's postings, SEPA mandates (grant, bank change,
revocation), the queue of unmatched incoming transfers and the overview of payment files.

Views parse input, call kc.payments.mandates / bank_import (or a selector) and render; the
services refuse what is not possible with a German message, which the pages show as it is.
The account or mandate in the URL is the only object a page acts on: a mandate's account is
taken from the mandate, never from input.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.money import format_eur
from kc.payments import bank_import, mandates, selectors
from kc.payments.forms import (
    AssignTransactionForm,
    ChangeBankAccountForm,
    GrantMandateForm,
    RevokeMandateForm,
)
from kc.payments.models import BankTransaction, Creditor, SepaMandate

VIEW_LEDGER = "payments.view_ledgerdocument"
GRANT_MANDATE = "payments.add_sepamandate"
CHANGE_MANDATE = "payments.change_sepamandate"
ASSIGN_TRANSACTION = "payments.change_banktransaction"
VIEW_FILES = "payments.view_directdebitfile"


def _read(request: StaffRequest, obj: Model, partner_id: int) -> None:
    """Every page that shows a customer's data leaves a READ row (as the customer page does)."""
    audit.record(actor=request.user, action=audit.Action.READ, obj=obj, partner_id=partner_id)


def _creditor() -> Creditor | None:
    try:
        return mandates.current_creditor()
    except ValidationError:
        return None


# --- postings of a contract account --------------------------------------------------------


@login_required
@permission_required(VIEW_LEDGER, raise_exception=True)
@require_GET
def account_ledger(request: StaffRequest, account_id: int) -> HttpResponse:
    payments = selectors.account_with_payments(account_id, today=timezone.localdate())
    account = payments.account
    page, rows = selectors.postings_page(account, request.GET.get("page"))
    _read(request, account, account.partner_id)
    context = {
        "account": account,
        "partner": account.partner,
        "payments": payments,
        "page": page,
        "rows": rows,
    }
    return render(request, "payments/account_ledger.html", context)


# --- SEPA mandates ---------------------------------------------------------------------------


@login_required
@permission_required(GRANT_MANDATE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def mandate_grant(request: StaffRequest, account_id: int) -> HttpResponse:
    """The mandate text with the creditor ID, then the customer's bank data."""
    account = selectors.account_for_page(account_id)
    holder = account.account_holder or account.partner.display_name
    form = GrantMandateForm(request.POST or None, initial={"account_holder": holder})
    if submitted(request, form):
        data = form.cleaned_data
        mandate = call_service(
            form,
            lambda: mandates.grant(
                account=account,
                iban=data["iban"],
                bic=data["bic"],
                account_holder=data["account_holder"],
                signed_on=data["signed_on"],
                origin=data["origin"],
                actor=request.user,
            ),
        )
        if mandate is not None:
            messages.success(
                request,
                _(
                    "SEPA-Mandat %(reference)s für Vertragskonto %(account)s angelegt; "
                    "das Bestätigungsschreiben ist erstellt."
                )
                % {"reference": mandate.reference, "account": account.number},
            )
            return redirect("desk:customer_detail", partner_id=account.partner_id)
    _read(request, account, account.partner_id)
    context = {
        "account": account,
        "partner": account.partner,
        "creditor": _creditor(),
        "current": mandates.active_mandate(account),
        "form": form,
    }
    return form_page(request, "payments/mandate_grant.html", context)


@login_required
@permission_required(CHANGE_MANDATE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def mandate_change_bank(request: StaffRequest, mandate_id: int) -> HttpResponse:
    """A new IBAN under the same mandate: the next direct-debit file carries the amendment."""
    mandate = selectors.mandate_for_page(mandate_id)
    form = ChangeBankAccountForm(
        request.POST or None, initial={"account_holder": mandate.account_holder}
    )
    if submitted(request, form):
        data = form.cleaned_data
        changed = call_service(
            form,
            lambda: mandates.change_bank_account(
                mandate,
                iban=data["iban"],
                bic=data["bic"],
                account_holder=data["account_holder"],
                actor=request.user,
                holder_spelling_checked=True,  # the form says: spelling only, else new mandate
            ),
        )
        if changed is not None:
            messages.success(
                request,
                _(
                    "Bankverbindung des Mandats %(reference)s geändert (neu: %(iban)s); "
                    "das Bestätigungsschreiben ist erstellt."
                )
                % {"reference": changed.reference, "iban": changed.masked_iban},
            )
            return redirect("desk:customer_detail", partner_id=changed.account.partner_id)
    return _mandate_page(request, mandate, form, "payments/mandate_change_bank.html")


@login_required
@permission_required(CHANGE_MANDATE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def mandate_revoke(request: StaffRequest, mandate_id: int) -> HttpResponse:
    """The customer withdraws the mandate; the account switches to transfer."""
    mandate = selectors.mandate_for_page(mandate_id)
    form = RevokeMandateForm(request.POST or None)
    if submitted(request, form):
        reason = form.cleaned_data["reason"]
        revoked = call_service(
            form, lambda: mandates.revoke(mandate, reason=reason, actor=request.user)
        )
        if revoked is not None:
            messages.success(
                request,
                _(
                    "Mandat %(reference)s widerrufen; Vertragskonto %(account)s zahlt jetzt "
                    "per Überweisung, sofern kein anderes Mandat aktiv ist."
                )
                % {"reference": revoked.reference, "account": revoked.account.number},
            )
            return redirect("desk:customer_detail", partner_id=revoked.account.partner_id)
    return _mandate_page(request, mandate, form, "payments/mandate_revoke.html")


def _mandate_page(
    request: StaffRequest, mandate: SepaMandate, form: BaseForm, template: str
) -> HttpResponse:
    account = mandate.account
    _read(request, mandate, account.partner_id)
    context = {
        "mandate": mandate,
        "account": account,
        "partner": account.partner,
        "is_active": mandate.status == SepaMandate.Status.ACTIVE,
        "form": form,
    }
    return form_page(request, template, context)


# --- unmatched incoming transfers ------------------------------------------------------------


@login_required
@permission_required(ASSIGN_TRANSACTION, raise_exception=True)
@require_GET
def unmatched_list(request: StaffRequest) -> HttpResponse:
    return _unmatched_page(request)


@login_required
@permission_required(ASSIGN_TRANSACTION, raise_exception=True)
@require_POST
def unmatched_assign(request: StaffRequest, transaction_id: int) -> HttpResponse:
    tx = get_object_or_404(BankTransaction, pk=transaction_id)
    form = AssignTransactionForm(request.POST, prefix=f"tx-{tx.pk}")
    if submitted(request, form):
        account = form.cleaned_data["account"]
        assigned = call_service(form, lambda: bank_import.assign(tx, account, actor=request.user))
        if assigned is not None:
            messages.success(
                request,
                _(
                    "%(amount)s von %(name)s dem Vertragskonto %(account)s (%(customer)s) "
                    "zugeordnet und gebucht."
                )
                % {
                    "amount": format_eur(assigned.amount),
                    "name": assigned.counterparty_name or _("unbekannt"),
                    "account": account.number,
                    "customer": account.partner.display_name,
                },
            )
            return redirect("payments:unmatched_list")
    return _unmatched_page(request, failed=(tx.pk, form))


def _unmatched_page(
    request: StaffRequest, failed: tuple[int, AssignTransactionForm] | None = None
) -> HttpResponse:
    rows: list[tuple[BankTransaction, AssignTransactionForm | None]] = []
    for tx in selectors.unmatched_transactions():
        form = None
        if tx.direction == "credit":  # returned debits without a known debit go to the bank
            form = AssignTransactionForm(prefix=f"tx-{tx.pk}")
            if failed is not None and failed[0] == tx.pk:
                form = failed[1]
        rows.append((tx, form))
    if failed is not None and all(tx.pk != failed[0] for tx, _form in rows):
        # Assigned meanwhile by someone else: say so instead of a form that is gone.
        for error in failed[1].non_field_errors():
            messages.error(request, str(error))
    context = {"rows": rows, "total": selectors.unmatched_count()}
    return render(request, "payments/unmatched_list.html", context, status=400 if failed else 200)


# --- payment files ---------------------------------------------------------------------------


@login_required
@permission_required(VIEW_FILES, raise_exception=True)
@require_GET
def files_overview(request: StaffRequest) -> HttpResponse:
    """Read-only: files are exported and released by command (sepa_export, import_bank)."""
    context = {
        "debit_files": selectors.recent_direct_debit_files(),
        "payout_files": selectors.recent_payout_files(),
        "imports": selectors.recent_bank_imports(),
    }
    return render(request, "payments/files_overview.html", context)
