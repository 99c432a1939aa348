"""Every token operation answers garbage with a declared status in the error shape, never
with a 500 (a small stand-in for the schemathesis run in CI)."""

from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from kc.api.api import api
from kc.api.models import ApiToken
from kc.api.tests.conftest import Bearer

pytestmark = pytest.mark.django_db
ALL_SCOPES = tuple(ApiToken.Scope.values)
PATH_VALUES = ["0", "ÄÖÜ-ß", "x" * 300, "%00", "-1"]
QUERIES: list[dict[str, str]] = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"offset": "99999999999"},
    {"q": "\x00"},
    {"status": "gibt-es-nicht"},
    {"limit": "200", "offset": "0", "q": "ä" * 500, "kunde": "1" * 50},
]
BODIES: list[str] = [
    "{",
    "[]",
    "null",
    '{"text": 5}',
    '{"read_on": "gestern", "value": "-1"}',
    '{"executed_at": "2026-13-45", "done": "vielleicht"}',
    '"' + "x" * 5000 + '"',
    '{"text": "Null\\u0000zeichen"}',
    '{"read_on": "2026-11-01", "value": "1e20", "obis_code": "\\u0000"}',
]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, ops in api.get_openapi_schema()["paths"].items():
        if path.startswith("/api/v1/cti/"):
            continue
        for method, operation in ops.items():
            found.append((method, path, operation))
    return found


def assert_shaped(response: Any, operation: dict[str, Any], where: str) -> None:
    assert response.status_code < 500, where
    declared = {str(status) for status in operation["responses"]}
    assert str(response.status_code) in declared, (where, response.status_code)
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}, where


@override_settings(KC_API_RATE_LIMIT_PER_MINUTE=100_000)  # the garbage, not the limit, is tested
def test_garbage_gets_declared_answers_in_the_error_shape(client: Client, bearer: Bearer) -> None:
    headers = bearer(*ALL_SCOPES)
    tried = 0
    statuses: set[int] = set()
    for method, path, operation in operations():
        for value in PATH_VALUES:
            url = path.replace("{number}", value)
            if method == "get":
                for query in QUERIES:
                    answer = client.get(url, query, headers=headers)
                    assert_shaped(answer, operation, f"GET {url} {query}")
                    statuses.add(answer.status_code)
                    tried += 1
            else:
                for body in BODIES:
                    answer = client.post(
                        url, body, content_type="application/json", headers=headers
                    )
                    assert_shaped(answer, operation, f"POST {url} {body[:40]}")
                    statuses.add(answer.status_code)
                    tried += 1
    assert tried > 300
    assert 429 not in statuses and {400, 404, 422} <= statuses
