"""Sign-up, login with the optional second factor, logout, password reset."""

import time

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kc.core.enqueue import enqueue_with_transaction
from kc.core.form_views import call_service, form_page, submitted
from kc.core.models import User
from kc.portal import accounts, tasks
from kc.portal.forms import (
    CodeForm,
    CodeLetterForm,
    EmailForm,
    LoginForm,
    NewPasswordForm,
    SignupForm,
)
from kc.portal.models import LoginEvent, PortalAccount
from kc.portal.views.common import portal_account

BACKEND = "django.contrib.auth.backends.ModelBackend"
PENDING_KEY = "kc_portal_pending_login"
PENDING_SECONDS = 300  # the second step must follow the password within five minutes


def _throttled(form: object) -> None:
    form.add_error(  # type: ignore[attr-defined]
        None,
        _("Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut."),
    )


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        if not ratelimit.consume(request, action="portal_signup", key=data["customer_number"]):
            _throttled(form)
        else:
            call_service(
                form,
                lambda: accounts.sign_up(
                    customer_number=data["customer_number"],
                    account_number=data["account_number"],
                    invoice_amount=data["invoice_amount"],
                    code=data["code"],
                    email=data["email"],
                    password=data["password"],
                ),
            )
            if not form.errors:  # an address already in use gets a mail; same page
                return redirect("portal:signup_done")
    return form_page(request, "portal/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/signup_done.html")


def code_letter(request: HttpRequest) -> HttpResponse:
    form = CodeLetterForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        if ratelimit.consume(request, action="portal_signup", key=data["customer_number"]):
            enqueue_with_transaction(
                tasks.send_code_letter, data["customer_number"], data["postal_code"]
            )
            return render(request, "portal/code_letter_done.html")
        _throttled(form)
    return form_page(request, "portal/code_letter.html", {"form": form})


def verify(request: HttpRequest, token: str) -> HttpResponse:
    account = accounts.verify_email(token)
    if account is None:
        return render(request, "portal/verify_failed.html", status=400)
    messages.success(request, _("Ihre E-Mail-Adresse ist bestätigt. Sie können sich anmelden."))
    return redirect("portal:login")


def login_view(request: HttpRequest) -> HttpResponse:
    if portal_account(request.user) is not None:
        return redirect("portal:home")
    form = LoginForm(request.POST or None)
    if submitted(request, form):
        email = form.cleaned_data["email"].lower()
        if not ratelimit.consume(request, action="portal_login_failed", key=email, dry_run=True):
            _note(email, LoginEvent.Outcome.THROTTLED)
            _throttled(form)
        else:
            user = accounts.check_password(email, form.cleaned_data["password"])
            if user is None:
                ratelimit.consume(request, action="portal_login_failed", key=email)
                _note(email, LoginEvent.Outcome.WRONG_PASSWORD)
                form.add_error(None, _("E-Mail-Adresse oder Passwort stimmen nicht."))
            else:
                return _after_password(request, user)
    return form_page(request, "portal/login.html", {"form": form})


def _after_password(request: HttpRequest, user: User) -> HttpResponse:
    account: PortalAccount = user.portal_account
    if account.email_verified_at is None:
        accounts.record_login(account, LoginEvent.Outcome.UNVERIFIED)
        accounts.send_verification(account)
        return render(request, "portal/verify_pending.html", status=403)
    if accounts.has_totp(user):
        request.session[PENDING_KEY] = {"user": user.pk, "at": time.time()}
        return redirect(_with_next(request, "portal:login_code"))
    return _complete_login(request, user)


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY) or {}
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_customer=True).first()
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Bitte melden Sie sich erneut an."))
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if submitted(request, form):
        key = str(user.pk)
        if not ratelimit.consume(request, action="portal_mfa_failed", key=key, dry_run=True):
            accounts.record_login(user.portal_account, LoginEvent.Outcome.THROTTLED)
            _throttled(form)
        elif accounts.check_totp(user, form.cleaned_data["code"]):
            return _complete_login(request, user)
        else:
            ratelimit.consume(request, action="portal_mfa_failed", key=key)
            accounts.record_login(user.portal_account, LoginEvent.Outcome.WRONG_CODE)
            form.add_error("code", _("Der Code stimmt nicht. Bitte nehmen Sie den aktuellen."))
    return form_page(request, "portal/login_code.html", {"form": form})


def _complete_login(request: HttpRequest, user: User) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    login(request, user, backend=BACKEND)  # a new session key: no fixation
    request.session.pop(PENDING_KEY, None)
    accounts.record_login(user.portal_account, LoginEvent.Outcome.SUCCESS)
    if next_url.startswith("/portal/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return redirect(next_url)
    return redirect("portal:home")


def _with_next(request: HttpRequest, name: str) -> str:
    next_url = request.GET.get("next", "")
    url = reverse(name)
    return f"{url}?next={next_url}" if next_url.startswith("/portal/") else url


def _note(email: str, outcome: str) -> None:
    user = accounts.customer_by_email(email)
    if user is not None:
        accounts.record_login(user.portal_account, outcome)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    account = portal_account(request.user)
    if account is not None:
        accounts.record_login(account, LoginEvent.Outcome.LOGOUT)
    logout(request)
    messages.info(request, _("Sie sind abgemeldet."))
    return redirect("portal:login")


def reset(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if submitted(request, form):
        email = form.cleaned_data["email"].lower()
        if ratelimit.consume(request, action="portal_reset", key=email):
            accounts.request_password_reset(email)
        # The same answer whether or not a login has this address (and when throttled).
        return render(request, "portal/reset_sent.html")
    return form_page(request, "portal/reset.html", {"form": form})


def reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = accounts.reset_user(uidb64, token)
    if user is None:
        return render(request, "portal/reset_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    if submitted(request, form):
        try:
            accounts.set_new_password(user, form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(
                request, _("Ihr neues Passwort ist gespeichert. Bitte melden Sie sich an.")
            )
            return redirect("portal:login")
    return form_page(request, "portal/reset_confirm.html", {"form": form})
