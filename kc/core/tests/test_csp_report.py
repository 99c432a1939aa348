"""CSP violation reports: accepted in both browser formats, bounded, logged without query
strings, counted per directive, and refused when oversized, malformed or flooding."""

import io
import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from conftest import make_staff
from kc.core import csp_report, roles
from kc.portal.tests.factories import customer, portal_login

URL = "/csp-report"
REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://kc.example.org/portal/rechnungen/?kunde=Jana+Maier&token=abc",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example.net/x.js?session=secret",
        "line-number": 12,
        "column-number": 3,
        "source-file": "https://kc.example.org/static/kc.js?v=1",
        "status-code": 200,
    }
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def violations(stream: io.StringIO) -> list[dict[str, object]]:
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [r for r in records if r.get("event") == "csp violation"]


def counted(directive: str) -> float:
    return REGISTRY.get_sample_value("kc_csp_violations_total", {"directive": directive}) or 0.0


def post(client: Client, body: object, content_type: str = "application/csp-report", **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(URL, raw, content_type=content_type, **extra)


def test_every_page_names_the_receiver_in_its_policy(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert "report-uri /csp-report" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_report_uri_report_is_logged_without_query_strings_and_counted(
    json_log: io.StringIO,
) -> None:
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    before = counted("script-src-elem")
    response = post(client, REPORT_URI_BODY)
    assert response.status_code == 204
    assert counted("script-src-elem") == before + 1
    [line] = violations(json_log)
    assert line["directive"] == "script-src-elem"
    assert line["blocked"] == "https://evil.example.net/x.js"
    assert line["page"] == "https://kc.example.org/portal/rechnungen/"
    assert line["source"] == "https://kc.example.org/static/kc.js"
    assert line["line"] == 12 and line["report_only"] is False
    written = json_log.getvalue()
    assert "Jana" not in written and "secret" not in written and "token=abc" not in written


@pytest.mark.django_db
def test_reporting_api_batches_are_read_and_other_report_types_ignored(
    client: Client, json_log: io.StringIO
) -> None:
    batch = [
        {
            "type": "csp-violation",
            "age": 10,
            "url": "https://kc.example.org/lage/",
            "body": {
                "documentURL": "https://kc.example.org/lage/",
                "blockedURL": "inline",
                "effectiveDirective": "style-src-attr",
                "disposition": "report",
                "lineNumber": 4,
            },
        },
        {"type": "deprecation", "body": {"message": "x"}},
    ]
    response = post(client, batch, content_type="application/reports+json")
    assert response.status_code == 204
    [line] = violations(json_log)
    assert line["directive"] == "style-src-attr"
    assert line["blocked"] == "inline"
    assert line["report_only"] is True


@pytest.mark.django_db
def test_unknown_directives_and_odd_values_stay_bounded(
    client: Client, json_log: io.StringIO
) -> None:
    body = {
        "csp-report": {
            "violated-directive": "x" * 5000,
            "blocked-uri": "data:text/html;base64," + "A" * 3000,
            "line-number": "12; DROP",
            "document-uri": "javascript:alert(1)",
        }
    }
    assert post(client, body).status_code == 204
    [line] = violations(json_log)
    assert line["directive"] == "other"
    assert line["blocked"] == "data"
    assert line["line"] is None
    assert line["page"] == "javascript"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/csp-report", 400),
        (b"\xff\xfe", "application/csp-report", 400),
        (json.dumps({"something": "else"}).encode(), "application/csp-report", 400),
        (
            json.dumps([{"type": "csp-violation", "body": "x"}]).encode(),
            "application/reports+json",
            400,
        ),
        (json.dumps(REPORT_URI_BODY).encode(), "text/plain", 415),
        (b"{" + b" " * (csp_report.MAX_REPORT_BYTES + 10) + b"}", "application/csp-report", 413),
    ],
)
def test_bad_reports_are_refused(
    client: Client, body: bytes, content_type: str, status: int
) -> None:
    assert post(client, body, content_type=content_type).status_code == status


@pytest.mark.django_db
def test_only_post(client: Client) -> None:
    assert client.get(URL).status_code == 405


@pytest.mark.django_db
@override_settings(KC_CSP_REPORTS_PER_MINUTE=3)
def test_a_flooding_client_is_cut_off_but_others_are_not(
    client: Client, json_log: io.StringIO
) -> None:
    statuses = [post(client, REPORT_URI_BODY).status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429]
    assert len(violations(json_log)) == 3
    other = post(client, REPORT_URI_BODY, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 204


@pytest.mark.django_db
def test_logged_in_customers_and_staff_without_mfa_can_report() -> None:
    """The customer area and the MFA gate answer other paths with a redirect or 403: the
    reports of exactly these browsers would be lost."""
    customer_client = Client()
    customer_client.force_login(portal_login(customer()))
    assert post(customer_client, REPORT_URI_BODY).status_code == 204
    staff_client = Client(REMOTE_ADDR="192.0.2.8")
    staff_client.force_login(make_staff("neu", roles.AGENT, with_mfa=False))
    assert post(staff_client, REPORT_URI_BODY).status_code == 204
