"""The production topology with real TLS (issue 11 points 4+5, docs/production.md, security.md).

`KC_PROD_TLS=1 scripts/production.sh start` makes a throwaway CA and a certificate for
127.0.0.1, renders deploy/nginx/kundencenter.conf with its TLS server and runs the app servers
with KC_SECURE=1. Everything here goes through nginx like a browser would: HTTPS verified
against that CA, the TLS versions and ciphers nginx accepts, the redirect from http://, the
security headers, the `__Host-` cookies of a staff login with CSRF, nginx's body limits and the
blocked /metrics; finally `manage.py check --deploy` with the very environment that ran.
"""

from __future__ import annotations

import socket
import ssl
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.urls import reverse

from kc.core.tests.production_support import (
    Topology,
    UnavailableError,
    env_of,
    nginx_available,
    postgres_url,
    production,
)
from kc.core.totp import current_totp

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(600),
]

PASSWORD = "Kundencenter-TLS-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
MB = 1024 * 1024
STAFF = """
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from kc.core import roles
from kc.core.models import User
user = User.objects.create_user(username="tls-agent", password="{password}")
user.groups.add(Group.objects.get(name=roles.AGENT))
TOTP.activate(user, "{secret}")
"""


@dataclass(frozen=True)
class TLSTopology:
    top: Topology

    @property
    def dir(self) -> Path:
        return self.top.dir

    @property
    def http_port(self) -> int:
        return self.top.http_port

    @property
    def https_port(self) -> int:
        assert self.top.https_port is not None
        return self.top.https_port

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ca(self) -> str:
        return str(self.dir / "tls" / "ca.pem")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSTopology]:
    database_url = postgres_url(f"kc_prodtls_{uuid.uuid4().hex[:8]}")
    if database_url is None:
        pytest.skip("production topology: runs on the PostgreSQL pass (make test-postgres)")
    if not nginx_available():
        pytest.skip("SKIPPING production TLS: nginx is not installed and only root can install it")
    directory = tmp_path_factory.mktemp("tls") / "prod"
    settings = {"KC_PROD_GUNICORN_WORKERS": "1"}
    try:
        with production(directory, database_url, settings, tls=True, timeout=400) as top:
            assert f"https=127.0.0.1:{top.https_port}" in top.started
            top.manage("shell", "-c", STAFF.format(password=PASSWORD, secret=TOTP_SECRET))
            yield TLSTopology(top)
    except UnavailableError as exc:
        pytest.skip(f"SKIPPING production TLS: {exc}")


def _handshake(
    top: TLSTopology, version: ssl.TLSVersion, ciphers: str | None = None
) -> tuple[str | None, str]:
    """(negotiated version, cipher) of a handshake offering only `version`; raises SSLError."""
    context = ssl.create_default_context(cafile=top.ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1/TLSv1_1 are deprecated
        context.minimum_version = context.maximum_version = version
    if ciphers:
        context.set_ciphers(ciphers)
    with (
        socket.create_connection(("127.0.0.1", top.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as conn,
    ):
        cipher = conn.cipher()
        return conn.version(), cipher[0] if cipher else ""


def test_only_tls_1_2_and_1_3_with_forward_secrecy(tls: TLSTopology) -> None:
    # The certificate verifies against the throwaway CA for 127.0.0.1 (and Python's strict
    # X.509 checks); TLS 1.3 and TLS 1.2 with ECDHE are what nginx speaks.
    assert _handshake(tls, ssl.TLSVersion.TLSv1_3)[0] == "TLSv1.3"
    version, cipher = _handshake(tls, ssl.TLSVersion.TLSv1_2)
    assert version == "TLSv1.2" and cipher.startswith("ECDHE-")
    # TLS 1.0 and 1.1: the client offers them (security level 0 lets OpenSSL do so) and the
    # *server* answers with a protocol_version alert; a client-side refusal would read
    # differently ("no protocols/ciphers available") and fail the test.
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises(ssl.SSLError) as refused:
            _handshake(tls, old, "DEFAULT:@SECLEVEL=0")
        assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value
    # TLS 1.2 without forward secrecy (RSA key exchange) or with CBC: handshake failure.
    for weak in ("AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"):
        with pytest.raises(ssl.SSLError) as refused:
            _handshake(tls, ssl.TLSVersion.TLSv1_2, weak)
        assert refused.value.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", (weak, refused.value)
    # Without the CA the certificate is not trusted (it is not some system certificate).
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls.base}/healthz", timeout=10)


def test_plain_http_only_redirects_to_https(tls: TLSTopology) -> None:
    plain = f"http://127.0.0.1:{tls.http_port}"
    target = f"https://127.0.0.1:{tls.https_port}/accounts/login/?next=/desk/"
    response = requests.get(
        f"{plain}/accounts/login/?next=/desk/", allow_redirects=False, timeout=10
    )
    assert response.status_code == 301
    assert response.headers["Location"] == target
    # The configured name, not whatever Host the request claims.
    foreign = requests.get(
        f"{plain}/accounts/login/?next=/desk/",
        headers={"Host": "evil.example"},
        allow_redirects=False,
        timeout=10,
    )
    assert foreign.headers["Location"] == target
    # Not even a login form (or a cookie) over plain HTTP, not even for /metrics or the API.
    for path in ("/metrics", "/api/v1/vorgaenge/", "/healthz"):
        answer = requests.post(f"{plain}{path}", data="x", allow_redirects=False, timeout=10)
        assert answer.status_code == 301 and "Set-Cookie" not in answer.headers, path


def _set_cookies(response: requests.Response) -> dict[str, dict[str, str]]:
    """Set-Cookie headers as {name: {attribute (lower case): value}}, value under ''."""
    cookies = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        name, value = first.split("=", 1)
        parsed = {"": value}
        for attribute in attributes:
            key, _, attribute_value = attribute.partition("=")
            parsed[key.lower()] = attribute_value
        cookies[name] = parsed
    return cookies


def test_security_headers_and_host_prefixed_cookies(tls: TLSTopology) -> None:
    page = requests.get(f"{tls.base}/accounts/login/", verify=tls.ca, timeout=10)
    assert page.status_code == 200
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "Content-Security-Policy-Report-Only" not in headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    cookies = _set_cookies(page)
    assert set(cookies) == {"__Host-csrftoken"}, cookies
    csrf = cookies["__Host-csrftoken"]
    assert "secure" in csrf and csrf["path"] == "/" and "domain" not in csrf, csrf
    assert csrf["samesite"] == "Lax" and "httponly" in csrf, csrf


def test_staff_login_with_csrf_over_https(tls: TLSTopology) -> None:
    login = f"{tls.base}/accounts/login/"
    browser = requests.Session()
    browser.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
    browser.verify = tls.ca
    # A browser sends its origin; on HTTPS Django's CSRF check also wants a matching Referer.
    browser.headers.update({"Origin": tls.base, "Referer": login})
    assert browser.get(login, timeout=10).status_code == 200
    token = browser.cookies["__Host-csrftoken"]
    form = {"login": "tls-agent", "password": PASSWORD}
    refused = browser.post(login, data=form, allow_redirects=False, timeout=10)
    assert refused.status_code == 403  # the cookie alone is not enough
    foreign = browser.post(
        login,
        data={**form, "csrfmiddlewaretoken": token},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
        allow_redirects=False,
        timeout=10,
    )
    assert foreign.status_code == 403  # a token from another origin's form is refused
    password_step = browser.post(
        login, data={**form, "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=10
    )
    assert password_step.status_code == 302, password_step.text[:500]
    assert password_step.headers["Location"] == reverse("mfa_authenticate")
    session = _set_cookies(password_step)["__Host-sessionid"]
    assert "secure" in session and "httponly" in session and session["samesite"] == "Lax"
    assert session["path"] == "/" and "domain" not in session, session
    token = browser.cookies["__Host-csrftoken"]  # rotated by the login
    second = browser.post(
        f"{tls.base}{reverse('mfa_authenticate')}",
        data={"code": current_totp(TOTP_SECRET), "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert second.status_code == 302, second.text[:500]
    desk = browser.get(f"{tls.base}{reverse('desk:home')}", allow_redirects=False, timeout=10)
    assert desk.status_code == 200
    assert "tls-agent" in desk.text


def _is_nginx_413(response: requests.Response) -> bool:
    return response.status_code == 413 and "<center>nginx" in response.text


def test_nginx_refuses_bodies_over_its_limits(tls: TLSTopology) -> None:
    def post(path: str, size: int) -> requests.Response:
        return requests.post(
            f"{tls.base}{path}",
            data=b"x" * size,
            headers={"Content-Type": "application/octet-stream"},
            verify=tls.ca,
            timeout=60,
        )

    # 25 MB everywhere (= KC_MAX_REQUEST_BYTES), 1 MB on /api/ (= KC_API_MAX_REQUEST_BYTES):
    # just over is refused by nginx itself, just under reaches Django (which answers 403/405).
    assert _is_nginx_413(post("/accounts/login/", 25 * MB + 1))
    assert not _is_nginx_413(post("/accounts/login/", 2 * MB))
    assert _is_nginx_413(post("/api/v1/vorgaenge/", MB + 1))
    under = post("/api/v1/vorgaenge/", MB - 1024)
    assert under.status_code != 413 and under.headers["Content-Type"] == "application/json"
    errors = (tls.dir / "log" / "nginx-error.log").read_text()
    assert errors.count("client intended to send too large body") >= 2


def test_metrics_are_denied_from_outside(tls: TLSTopology) -> None:
    response = requests.get(f"{tls.base}/metrics", verify=tls.ca, timeout=10)
    assert response.status_code == 403 and "<center>nginx" in response.text
    # Only /metrics: the rest of the site is there (Prometheus scrapes the app servers).
    assert requests.get(f"{tls.base}/healthz", verify=tls.ca, timeout=10).status_code == 200


def test_check_deploy_passes_with_the_environment_that_ran(tls: TLSTopology) -> None:
    env = env_of(tls.dir)
    assert env["KC_SECURE"] == "1" and env["KC_DEBUG"] == "0"
    origins = env["KC_CSRF_TRUSTED_ORIGINS"].split(",")
    assert len(origins) == 2 and all(o.startswith("https://") for o in origins), origins
    done = tls.top.manage("check", "--deploy", "--fail-level", "WARNING")
    assert "System check identified no issues" in done, done
