"""SEPA direct debit per contract account: grant a mandate, change the bank account, revoke."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kc.core.form_views import call_service, form_page, submitted
from kc.customers.models import ContractAccount
from kc.payments import mandates
from kc.payments.models import Creditor, SepaMandate
from kc.portal.forms_services import BankChangeForm, MandateForm, RevokeForm
from kc.portal.views.common import CustomerRequest, customer_required, scope


@customer_required
@require_http_methods(["GET", "POST"])
def mandate(request: CustomerRequest, account_id: int) -> HttpResponse:
    """The active mandate, or the mandate text and the form to grant one."""
    customer = scope(request)
    account = customer.account(account_id)
    active = customer.active_mandate(account)
    form = MandateForm(request.POST or None) if active is None else None
    if form is not None and submitted(request, form):
        granted = call_service(form, on_iban_field(lambda: _grant(request, account, form)))
        if granted is not None:
            messages.success(
                request,
                _(
                    "Vielen Dank: Ihr SEPA-Lastschriftmandat ist erteilt (Mandatsreferenz "
                    "%(reference)s). Die Bestätigung schicken wir Ihnen als Brief."
                )
                % {"reference": granted.reference},
            )
            return redirect("portal:mandate", account_id=account.pk)
    if request.method == "POST" and form is None:  # a repeated grant: the mandate exists
        messages.info(request, _("Für dieses Vertragskonto besteht bereits ein Mandat."))
        return redirect("portal:mandate", account_id=account.pk)
    context = {
        "account": account,
        "mandate": active,
        "creditor": _creditor(),
        "form": form,
        "history": customer.mandates()
        .filter(account=account)
        .exclude(status=SepaMandate.Status.ACTIVE)[:5],
    }
    return form_page(request, "portal/mandate.html", context)


def _grant(request: CustomerRequest, account: ContractAccount, form: MandateForm) -> SepaMandate:
    """An electronic mandate signed today; refused (not replaced) if one is active."""
    return mandates.grant(
        account=account,
        iban=form.cleaned_data["iban"],
        account_holder=form.cleaned_data["account_holder"],
        signed_on=timezone.localdate(),
        origin=SepaMandate.Origin.ELECTRONIC,
        actor=request.user,
        replace_active=False,
    )


def on_iban_field[T](action: Callable[[], T]) -> Callable[[], T]:
    """The service's IBAN check (schwifty) speaks for the whole call; show it on the field."""

    def run() -> T:
        try:
            return action()
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            if any(item.code == "invalid_iban" for item in error.error_list):
                raise ValidationError({"iban": error.error_list}) from error
            raise

    return run


def _creditor() -> Creditor | None:
    try:
        return mandates.current_creditor()
    except ValidationError:
        return None


@customer_required
@require_http_methods(["GET", "POST"])
def mandate_bank(request: CustomerRequest, account_id: int) -> HttpResponse:
    """A new bank account under the same mandate (an amendment)."""
    customer = scope(request)
    account = customer.account(account_id)
    active = customer.active_mandate(account)
    if active is None:
        return _no_mandate(request, account)
    form = BankChangeForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        changed = call_service(
            form,
            on_iban_field(
                lambda: mandates.change_bank_account(
                    active,
                    iban=data["iban"],
                    account_holder=data["account_holder"],
                    actor=request.user,
                )
            ),
        )
        if changed is not None:
            messages.success(
                request,
                _(
                    "Ihre neue Bankverbindung (IBAN endet auf %(last)s) ist gespeichert. "
                    "Die Bestätigung schicken wir Ihnen als Brief."
                )
                % {"last": changed.iban[-4:]},
            )
            return redirect("portal:mandate", account_id=account.pk)
    context = {"account": account, "mandate": active, "form": form}
    return form_page(request, "portal/mandate_bank.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def mandate_revoke(request: CustomerRequest, account_id: int) -> HttpResponse:
    """Revocation after a confirmation step; the account then pays by transfer."""
    customer = scope(request)
    account = customer.account(account_id)
    active = customer.active_mandate(account)
    if active is None:
        return _no_mandate(request, account)
    form = RevokeForm(request.POST or None)
    if submitted(request, form):
        revoked = call_service(
            form,
            lambda: mandates.revoke(
                active, reason=_("Widerruf im Kundenportal"), actor=request.user
            ),
        )
        if revoked is not None:
            messages.success(
                request,
                _(
                    "Ihr Lastschriftmandat ist widerrufen. Bitte überweisen Sie fällige "
                    "Beträge ab jetzt selbst."
                ),
            )
            return redirect("portal:mandate", account_id=account.pk)
    context = {"account": account, "mandate": active, "form": form}
    return form_page(request, "portal/mandate_revoke.html", context)


def _no_mandate(request: CustomerRequest, account: ContractAccount) -> HttpResponse:
    messages.info(request, _("Für dieses Vertragskonto besteht kein aktives Lastschriftmandat."))
    return redirect("portal:mandate", account_id=account.pk)
