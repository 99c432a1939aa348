"""Security settings: __Host- cookies and HSTS in production, the CSP everywhere, upload
limits, the secret key only from the environment, and templates the CSP can allow."""

import json
import re
from pathlib import Path

import pytest
from django.core.checks import Error, Warning
from django.test import Client
from django.utils.csp import CSP

from kc.core import checks
from kc.core.tests.test_settings import PRODUCTION_ENV, ROOT, _manage

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
    "for k in ['SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_DOMAIN', 'CSRF_COOKIE_DOMAIN', 'SESSION_COOKIE_PATH', "
    "'CSRF_COOKIE_PATH', 'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', "
    "'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SECURE_CSP', 'SECURE_CSP_REPORT_ONLY', "
    "'DATA_UPLOAD_MAX_MEMORY_SIZE', 'FILE_UPLOAD_MAX_MEMORY_SIZE', 'KC_MAX_REQUEST_BYTES']}))"
)


def _settings(tmp_path: Path, env: dict[str, str]) -> dict[str, object]:
    result = _manage("shell", "-c", SHOW, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_production_uses_host_prefixed_secure_cookies_and_hsts(tmp_path: Path) -> None:
    values = _settings(tmp_path, PRODUCTION_ENV)
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    # What the __Host- prefix demands of the cookie, or the browser drops it.
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_DOMAIN"] is None and values["CSRF_COOKIE_DOMAIN"] is None
    assert values["SESSION_COOKIE_PATH"] == "/" and values["CSRF_COOKIE_PATH"] == "/"
    assert values["CSRF_COOKIE_HTTPONLY"] is True  # no script reads it
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True


def test_preload_is_the_utilitys_choice(tmp_path: Path) -> None:
    values = _settings(tmp_path, {**PRODUCTION_ENV, "KC_HSTS_PRELOAD": "0"})
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_plain_http_keeps_the_usual_cookie_names(tmp_path: Path) -> None:
    # A __Host- cookie without Secure is dropped by the browser: the dev server and the
    # browser tests run on http://, so the prefix comes only with KC_SECURE=1.
    values = _settings(tmp_path, {})
    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["CSRF_COOKIE_NAME"] == "csrftoken"
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_the_csp_is_enforced_in_every_environment_without_unsafe_inline(tmp_path: Path) -> None:
    for env in ({}, PRODUCTION_ENV):
        values = _settings(tmp_path, env)
        policy = values["SECURE_CSP"]
        assert isinstance(policy, dict) and not values["SECURE_CSP_REPORT_ONLY"]
        assert policy["default-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["script-src"][0] == "'self'"
        assert set(policy["script-src"]) <= {"'self'", str(CSP.NONCE)}
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
        assert "unsafe" not in json.dumps(policy)


def test_report_only_switch_moves_the_same_policy(tmp_path: Path) -> None:
    values = _settings(tmp_path, {"KC_CSP_REPORT_ONLY": "1"})
    assert values["SECURE_CSP"] == {}
    enforced = _settings(tmp_path, {})["SECURE_CSP"]
    assert values["SECURE_CSP_REPORT_ONLY"] == enforced


def test_upload_limits_are_set_deliberately(tmp_path: Path) -> None:
    values = _settings(tmp_path, {})
    assert values["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 2_621_440
    assert values["FILE_UPLOAD_MAX_MEMORY_SIZE"] == 2_621_440
    assert values["KC_MAX_REQUEST_BYTES"] == 25 * 1024 * 1024


@pytest.mark.django_db
def test_pages_send_the_policy_header(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "style-src 'self'" in policy and "img-src 'self' data:" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_a_weak_secret_key_is_refused(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_SECRET_KEY_FROM_ENV = True
    settings.SECRET_KEY = "changeme"
    found = checks.check_configured_secret_key(None)
    assert [m.id for m in found] == ["kc.E002"] and isinstance(found[0], Error)
    settings.SECRET_KEY = "a" * 60  # long, but one repeated character
    assert [m.id for m in checks.check_configured_secret_key(None)] == ["kc.E002"]
    settings.SECRET_KEY = "Kx9" + "q7Zr2LmPw4" * 6
    assert checks.check_configured_secret_key(None) == []


def test_a_generated_key_is_not_for_production(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_SECRET_KEY_FROM_ENV = False
    found = checks.check_secret_key_from_environment(None)
    assert [m.id for m in found] == ["kc.W003"] and isinstance(found[0], Warning)
    settings.KC_SECRET_KEY_FROM_ENV = True
    assert checks.check_secret_key_from_environment(None) == []


def test_deploy_check_names_the_missing_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "KC_SECRET_KEY"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and "kc.W003" in result.stdout + result.stderr


def test_a_weak_key_stops_manage_commands(tmp_path: Path) -> None:
    result = _manage("check", env={"KC_SECRET_KEY": "changeme"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "kc.E002" in result.stdout + result.stderr


# What the CSP would block: inline style attributes/blocks, inline scripts without a nonce,
# inline event handlers and htmx expressions that need eval.
CSP_BREAKERS = [
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"<script\b(?![^>]*\b(src|nonce)=)[^>]*>", re.I),
    re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    re.compile(r"\bhx-on\b|\bhx-on:|hx-(vals|vars)\s*=\s*'\s*(js|javascript):", re.I),
    re.compile(r"href\s*=\s*[\"']\s*javascript:", re.I),
]


def test_templates_and_html_snippets_need_no_unsafe_inline() -> None:
    offenders = []
    sources = [*ROOT.glob("kc/**/templates/**/*.html"), ROOT / "kc/desk/reports/svg.py"]
    for path in sources:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(pattern.search(line) for pattern in CSP_BREAKERS):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db
def test_login_and_csrf_work_with_host_prefixed_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    """allauth's login with CSRF checks on, under the production cookie names over HTTPS."""
    from conftest import STAFF_PASSWORD, make_staff
    from kc.core import roles

    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    make_staff("agent", roles.AGENT)
    client = Client(enforce_csrf_checks=True)
    origin = {"Origin": "https://testserver"}
    client.get("/accounts/login/", secure=True)
    csrf = client.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]
    refused = client.post(
        "/accounts/login/",
        {"login": "agent", "password": STAFF_PASSWORD},
        secure=True,
        headers=origin,
    )
    assert refused.status_code == 403  # no token: the renamed cookie alone is not enough
    response = client.post(
        "/accounts/login/",
        {"login": "agent", "password": STAFF_PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        headers=origin,
    )
    assert response.status_code == 302  # on to the second factor
    session = client.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/"
    assert not session["domain"] and "sessionid" not in client.cookies
