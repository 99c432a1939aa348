"""Request-wide rules: session lifetime, request context for the audit log, staff MFA."""

import ipaddress
import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kc.core.context import RequestContext, current_request
from kc.core.http import declared_length

Handler = Callable[[HttpRequest], HttpResponse]

SESSION_STARTED_KEY = "kc_session_started"
SESSION_SEEN_KEY = "kc_session_seen"
# Refresh the idle clock at most once a minute: a session write per request
# would cost a database commit on every page.
SESSION_TOUCH_SECONDS = 60
# Pages send this header on their automatic polls (hx-headers), which must not keep an
# unattended session alive.
POLL_HEADER = "X-KC-Poll"


class SessionLifetimeMiddleware:
    """End a login after SESSION_IDLE_TIMEOUT without requests, and after
    SESSION_ABSOLUTE_TIMEOUT however active it was."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if "_auth_user_id" in session:
            now = time.time()
            started = session.setdefault(SESSION_STARTED_KEY, now)
            seen = session.get(SESSION_SEEN_KEY, now)
            if (
                now - started > settings.SESSION_ABSOLUTE_TIMEOUT
                or now - seen > settings.SESSION_IDLE_TIMEOUT
            ):
                session.flush()
            elif request.headers.get(POLL_HEADER):
                pass  # background polling (screen pop, presence) is not activity
            elif now - seen >= SESSION_TOUCH_SECONDS or SESSION_SEEN_KEY not in session:
                session[SESSION_SEEN_KEY] = now  # saves the session, renewing its expiry
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request body above KC_MAX_REQUEST_BYTES by its declared length, before
    Django reads a byte of it (Django limits form fields, not uploaded files). nginx applies
    the same limit in production; this keeps the app safe without it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.KC_MAX_REQUEST_BYTES
        if declared_length(request) > limit:
            message = _(
                "Die Datei ist zu groß: höchstens %(mb)s MB je Sendung. Bitte verkleinern Sie "
                "das Foto oder senden Sie weniger Dateien auf einmal."
            ) % {"mb": limit // (1024 * 1024)}
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(
            RequestContext(
                ip_address=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
                path=request.path,
            )
        )
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    # Behind nginx (KC_BEHIND_PROXY) the proxy sets X-Real-IP; else the socket peer. The
    # header counts only when the peer is the proxy (KC_TRUSTED_PROXIES): app servers are
    # reachable on the internal network (Prometheus, health checks), and a direct request
    # there could otherwise claim to be 127.0.0.1.
    peer = request.META.get("REMOTE_ADDR") or None
    real_ip = request.headers.get("x-real-ip")
    if settings.SECURE_PROXY_SSL_HEADER and real_ip and _is_trusted_proxy(peer):
        return real_ip
    return peer


def _is_trusted_proxy(peer: str | None) -> bool:
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(proxy, strict=False)
        for proxy in settings.KC_TRUSTED_PROXIES
    )


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/csp-report")
# The only paths a customer's portal login may use.
CUSTOMER_PREFIXES = ("/portal/", "/static/", "/healthz", "/i18n/", "/csp-report")
PORTAL_HOME = "/portal/"


class CustomerAreaMiddleware:
    """A customer's login opens the portal and nothing else: every staff page (many only
    ask for a login) answers a customer with the portal's start page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_customer", False)
            and not request.path.startswith(CUSTOMER_PREFIXES)
        ):
            if request.method != "GET" or request.headers.get("hx-request"):
                return HttpResponseForbidden()
            return redirect(PORTAL_HOME)
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    """Staff without a second factor may do nothing but set one up or log out."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not getattr(user, "is_customer", False)  # their second factor is optional
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not has_second_factor(user.pk)
        ):
            if not user.is_active:
                logout(request)
                return redirect(settings.LOGIN_URL)
            if request.method != "GET" or request.headers.get("hx-request"):
                return HttpResponseForbidden(
                    _("Bitte richten Sie zuerst die Zwei-Faktor-Anmeldung ein.")
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_second_factor(user_id: int) -> bool:
    return bool(
        Authenticator.objects.filter(
            user_id=user_id,
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
        ).exists()
    )
