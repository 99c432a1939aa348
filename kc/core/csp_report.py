"""Receiver for the browsers' Content-Security-Policy violation reports (`report-uri`).

A violation in the field means a page is broken for someone (a blocked script or style) or
that someone tries to inject one. Each report becomes one structured log line and a count
in `kc_csp_violations_total{directive}`; nothing is stored in the database, so a flood of
reports costs nothing lasting. The endpoint is open (browsers send no CSRF token and no
login is needed), so it reads at most MAX_REPORT_BYTES, counts per client in the shared
cache, and keeps URLs to scheme, host and path: query strings may carry personal data or
one-time tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from prometheus_client import Counter

from kc.core import ratelimit
from kc.core.http import declared_length
from kc.core.middleware import client_ip

MAX_REPORT_BYTES = 16 * 1024
WINDOW_SECONDS = 60
# `report-uri` sends application/csp-report; the Reporting API application/reports+json.
ACCEPTED_TYPES = frozenset(
    {"application/csp-report", "application/reports+json", "application/json"}
)
# Label values are bounded: a directive we do not know is counted as "other".
KNOWN_DIRECTIVES = frozenset(
    {
        "default-src",
        "script-src",
        "script-src-elem",
        "script-src-attr",
        "style-src",
        "style-src-elem",
        "style-src-attr",
        "img-src",
        "connect-src",
        "font-src",
        "object-src",
        "base-uri",
        "frame-src",
        "frame-ancestors",
        "form-action",
        "media-src",
        "worker-src",
        "manifest-src",
    }
)
# Keywords browsers put in blocked-uri instead of a URL.
BLOCKED_KEYWORDS = frozenset(
    {"inline", "eval", "wasm-eval", "data", "blob", "self", "trusted-types-sink"}
)

csp_log = structlog.stdlib.get_logger("kc.csp")

VIOLATIONS = Counter(
    "kc_csp_violations",
    "CSP violation reports received from browsers, by violated directive",
    ["directive"],
)


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    if request.content_type not in ACCEPTED_TYPES:
        return HttpResponse(status=415)
    if declared_length(request) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    if not _within_rate(client_ip(request) or "unknown"):
        return HttpResponse(status=429, headers={"Retry-After": str(WINDOW_SECONDS)})
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return HttpResponse(status=400)
    reports = list(_reports_of(payload))
    if not reports:
        return HttpResponse(status=400)
    for report in reports:
        violation = describe(report)
        VIOLATIONS.labels(directive=violation["directive"]).inc()
        csp_log.warning("csp violation", **violation)
    return HttpResponse(status=204)


def _within_rate(client: str) -> bool:
    """A fixed window per client and minute: one broken page open in many tabs is fine,
    a client posting thousands of reports is not logged."""
    window = ratelimit.hit(f"csp-report:{client}", WINDOW_SECONDS)
    return window.count <= settings.KC_CSP_REPORTS_PER_MINUTE


def _reports_of(payload: Any) -> Iterator[Mapping[str, Any]]:
    """`report-uri` posts {"csp-report": {...}} with kebab-case keys; the Reporting API posts
    a list of {"type": "csp-violation", "body": {...}} with camelCase keys."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        yield payload["csp-report"]
    elif isinstance(payload, list):
        for item in payload[:20]:
            if (
                isinstance(item, dict)
                and item.get("type") == "csp-violation"
                and isinstance(item.get("body"), dict)
            ):
                yield _kebab(item["body"])


def _kebab(body: Mapping[str, Any]) -> dict[str, Any]:
    names = {
        "documentURL": "document-uri",
        "blockedURL": "blocked-uri",
        "effectiveDirective": "effective-directive",
        "sourceFile": "source-file",
        "lineNumber": "line-number",
        "columnNumber": "column-number",
        "disposition": "disposition",
    }
    return {kebab: body[camel] for camel, kebab in names.items() if camel in body}


def describe(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the log line keeps of one report: bounded, without query strings."""
    raw_directive = str(report.get("effective-directive") or report.get("violated-directive") or "")
    directive = raw_directive.split(" ", 1)[0].strip().lower()
    return {
        "directive": directive if directive in KNOWN_DIRECTIVES else "other",
        "blocked": _blocked(report.get("blocked-uri")),
        "page": _path_only(report.get("document-uri")),
        "source": _path_only(report.get("source-file")),
        "line": _small_int(report.get("line-number")),
        "column": _small_int(report.get("column-number")),
        "report_only": report.get("disposition") == "report",
    }


def _blocked(value: Any) -> str:
    text = str(value or "")[:500]
    if text in BLOCKED_KEYWORDS:
        return text
    parts = urlsplit(text)
    if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]
    return parts.scheme or "other"  # data:, blob:, chrome-extension: ... without their content


def _path_only(value: Any) -> str | None:
    if not value:
        return None
    parts = urlsplit(str(value)[:500])
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]
    return parts.scheme or None


def _small_int(value: Any) -> int | None:
    return value if isinstance(value, int) and 0 <= value < 10_000_000 else None
