"""Tokens (scope, expiry, last use), rate limits, the one error shape, the OpenAPI schema."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from kc.api.api import api
from kc.api.models import ApiToken
from kc.api.tests.conftest import Bearer
from kc.core.models import User
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db
KUNDEN = "/api/v1/kunden/"


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_missing_unknown_and_revoked_tokens_get_401(client: Client, bearer: Bearer) -> None:
    error_of(client.get(KUNDEN), 401, "unauthorized")
    error_of(client.get(KUNDEN, headers={"Authorization": "Bearer falsch"}), 401, "unknown_token")
    headers = bearer("customers")
    assert client.get(KUNDEN, headers=headers).status_code == 200
    ApiToken.objects.update(active=False)
    error_of(client.get(KUNDEN, headers=headers), 401, "unknown_token")


def test_an_expired_token_gets_401_with_its_own_code(client: Client, bearer: Bearer) -> None:
    headers = bearer("customers", expires_at=timezone.now() - datetime.timedelta(seconds=1))
    error = error_of(client.get(KUNDEN, headers=headers), 401, "token_expired")
    assert "abgelaufen" in error["message"]
    still = bearer("customers", expires_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get(KUNDEN, headers=still).status_code == 200


def test_a_token_without_the_scope_gets_403_naming_it(client: Client, bearer: Bearer) -> None:
    error = error_of(client.get(KUNDEN, headers=bearer("cases")), 403, "missing_scope")
    assert error["details"] == {"required_scope": "customers"}


def test_use_is_recorded_on_the_token(client: Client, bearer: Bearer) -> None:
    headers = bearer("customers")
    assert ApiToken.objects.get().last_used_at is None
    client.get(KUNDEN, headers=headers)
    used = ApiToken.objects.get().last_used_at
    assert used is not None and timezone.now() - used < datetime.timedelta(seconds=10)


@override_settings(KC_API_RATE_LIMIT_PER_MINUTE=3)
def test_the_rate_limit_counts_per_token(client: Client, bearer: Bearer) -> None:
    first, second = bearer("customers"), bearer("customers")
    assert [client.get(KUNDEN, headers=first).status_code for _ in range(3)] == [200] * 3
    over = client.get(KUNDEN, headers=first)
    error = error_of(over, 429, "rate_limited")
    assert 1 <= int(over["Retry-After"]) <= 61 and error["details"]["limit"] == 3
    assert client.get(KUNDEN, headers=second).status_code == 200


def test_malformed_json_is_400_not_500(client: Client, bearer: Bearer) -> None:
    answer = client.post(
        "/api/v1/vorgaenge/V1/notizen",
        "{nicht json",
        content_type="application/json",
        headers=bearer("cases", "cases:write"),
    )
    error_of(answer, 400, "bad_request")


def test_validation_errors_use_the_shape_with_details(client: Client, bearer: Bearer) -> None:
    error = error_of(client.get(KUNDEN + "?limit=0", headers=bearer("customers")), 422)
    assert error["code"] == "validation_failed"
    assert any("limit" in detail["loc"] for detail in error["details"])


@override_settings(KC_API_MAX_REQUEST_BYTES=1000)
def test_an_oversized_body_is_refused_before_it_is_read(client: Client, bearer: Bearer) -> None:
    answer = client.post(
        "/api/v1/vorgaenge/V1/notizen",
        {"text": "x" * 2000},
        content_type="application/json",
        headers=bearer("cases", "cases:write"),
    )
    error = error_of(answer, 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": 1000}


def test_unknown_objects_are_404_in_the_shape(client: Client, bearer: Bearer) -> None:
    error_of(client.get(KUNDEN + "4711", headers=bearer("customers")), 404, "not_found")


def test_unexpected_errors_are_500_in_the_shape(
    client: Client, bearer: Bearer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kc.api import customers

    def broken(*args: object) -> None:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(customers, "_search", broken)
    error = error_of(client.get(KUNDEN, headers=bearer("customers")), 500, "server_error")
    assert "kaputt" not in error["message"]


def test_the_openapi_schema_is_for_token_holders_and_staff(
    client: Client, bearer: Bearer, agent_client: Client
) -> None:
    error_of(client.get("/api/v1/openapi.json"), 401)
    error_of(
        client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer falsch"}),
        401,
        "unknown_token",
    )
    schema = client.get("/api/v1/openapi.json", headers=bearer("orders")).json()
    assert schema["openapi"].startswith("3.") and "/api/v1/kunden/" in schema["paths"]
    # The interactive docs stay a page for staff with admin access: a token does not open it.
    assert client.get("/api/v1/docs", headers=bearer("orders")).status_code == 302
    error_of(agent_client.get("/api/v1/openapi.json"), 401)  # no admin access
    User.objects.filter(username="agent").update(is_staff=True)
    assert agent_client.get("/api/v1/openapi.json").status_code == 200
    assert agent_client.get("/api/v1/docs").status_code == 200


def test_every_token_operation_declares_its_error_answers() -> None:
    """Honest responses for the fuzzing run: each operation behind a token declares the
    refusals the auth and validation layers can give."""
    schema = api.get_openapi_schema()
    checked = 0
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/cti/"):
            continue  # the PBX protocol (kc/api/cti.py) keeps its own answers
        for operation in operations.values():
            declared = {str(status) for status in operation["responses"]}
            assert {"400", "401", "403", "413", "422", "429"} <= declared, (path, declared)
            if "{" in path:
                assert "404" in declared, path
            checked += 1
    assert checked >= 14


def test_a_person_can_be_found_by_name_or_number(client: Client, bearer: Bearer) -> None:
    partner = BusinessPartnerFactory(last_name="Özdemir")
    headers = bearer("customers")
    by_name = client.get(KUNDEN, {"q": "özdemir"}, headers=headers).json()
    by_number = client.get(KUNDEN, {"q": partner.number}, headers=headers).json()
    assert [c["number"] for c in by_name["items"]] == [partner.number]
    assert [c["number"] for c in by_number["items"]] == [partner.number]


def test_unknown_paths_and_wrong_methods_are_answered_in_the_shape(
    client: Client, bearer: Bearer
) -> None:
    error_of(client.get("/api/v1/gibt-es-nicht"), 404, "not_found")
    wrong = client.delete(KUNDEN, headers=bearer("customers"))
    error_of(wrong, 405, "method_not_allowed")
    assert "GET" in wrong["Allow"]


def test_nul_characters_are_refused_at_the_door(client: Client, bearer: Bearer) -> None:
    """PostgreSQL text cannot hold NUL: refused as bad input on every database alike."""
    from kc.cases.tests.factories import CaseFactory

    case = CaseFactory()
    headers = bearer("customers", "cases:write")
    error_of(client.get(KUNDEN, {"q": "a\x00b"}, headers=headers), 400, "invalid_characters")
    note = client.post(
        f"/api/v1/vorgaenge/{case.number}/notizen",
        '{"text": "Null\\u0000zeichen"}',
        content_type="application/json",
        headers=headers,
    )
    error_of(note, 400, "bad_request")
    assert not case.messages.exists()


def test_a_database_outage_is_503_with_retry_after(
    client: Client, bearer: Bearer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from kc.api import customers

    headers = bearer("customers")

    def restarting(*args: object) -> None:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(customers, "_search", restarting)
    answer = client.get(KUNDEN, headers=headers)
    error = error_of(answer, 503, "unavailable")
    assert answer["Retry-After"] == "5" and "administrator" not in error["message"]


def test_a_collision_of_two_writes_is_409(
    client: Client, bearer: Bearer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    from kc.api import customers

    def collided(*args: object) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(customers, "_search", collided)
    error_of(client.get(KUNDEN, headers=bearer("customers")), 409, "conflict")
