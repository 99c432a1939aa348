"""The customer's login security: second factor on or off, login history."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kc.core.form_views import form_page, submitted
from kc.portal import accounts
from kc.portal.forms import CodeForm, DisableTotpForm
from kc.portal.views.common import CustomerRequest, customer_required

TOTP_SESSION_KEY = "kc_portal_totp_secret"
HISTORY_ROWS = 30


@customer_required
def security(request: CustomerRequest) -> HttpResponse:
    account = request.user.portal_account
    return render(
        request,
        "portal/security.html",
        {
            "account": account,
            "has_totp": accounts.has_totp(request.user),
            "events": account.login_events.all()[:HISTORY_ROWS],
        },
    )


@customer_required
def totp_activate(request: CustomerRequest) -> HttpResponse:
    if accounts.has_totp(request.user):
        return redirect("portal:security")
    secret = request.session.get(TOTP_SESSION_KEY) or generate_totp_secret()
    request.session[TOTP_SESSION_KEY] = secret
    form = CodeForm(request.POST or None)
    if submitted(request, form):
        if accounts.activate_totp(request.user, secret, form.cleaned_data["code"]):
            request.session.pop(TOTP_SESSION_KEY, None)
            messages.success(request, _("Die Zwei-Faktor-Anmeldung ist eingeschaltet."))
            return redirect("portal:security")
        form.add_error("code", _("Der Code stimmt nicht. Bitte nehmen Sie den aktuellen."))
    adapter = get_adapter()
    url = adapter.build_totp_url(request.user, secret)
    context = {"form": form, "secret": secret, "qr_svg": adapter.build_totp_svg(url)}
    return form_page(request, "portal/totp_activate.html", context)


@customer_required
def totp_deactivate(request: CustomerRequest) -> HttpResponse:
    form = DisableTotpForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        if accounts.deactivate_totp(request.user, data["password"], data["code"]):
            messages.success(request, _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."))
            return redirect("portal:security")
        form.add_error(None, _("Passwort oder Code stimmen nicht."))
    return form_page(request, "portal/totp_deactivate.html", {"form": form})
