"""POST /api/v1/cti/<token>: token, payload shapes, every event path through the HTTP layer."""

import json
import logging

import pytest
from django.test import Client

from kc.api.models import CtiToken
from kc.api.services import check_cti_token, hash_token, issue_cti_token
from kc.cases.models import Call, Case
from kc.cases.tests.factories import QueueFactory
from kc.core.models import AuditLogEntry
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token() -> str:
    return issue_cti_token(name="Telefonanlage", actor=None)[1]


@pytest.fixture
def pbx(token):
    client = Client(enforce_csrf_checks=True)

    def post(data: dict[str, object], *, as_json: bool = True, url_token: str | None = None):
        url = f"/api/v1/cti/{url_token or token}"
        if as_json:
            return client.post(url, json.dumps(data), content_type="application/json")
        return client.post(url, data)

    return post


def new_call(call_id="c1", **extra):
    return {
        "event": "newCall",
        "callId": call_id,
        "from": "0211 7654321",
        "to": "0800 1234567",
        "direction": "in",
        **extra,
    }


def test_token_is_stored_as_hash_with_prefix_only(token):
    stored = CtiToken.objects.get()
    assert stored.token_hash == hash_token(token)
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.prefix == token[:8]
    assert check_cti_token(token) == stored
    assert check_cti_token(token + "x") is None
    assert check_cti_token("") is None


def test_inactive_token_is_refused(token, pbx):
    CtiToken.objects.update(active=False)
    assert pbx(new_call()).status_code == 401


def test_bad_token_is_401_without_reason_and_writes_nothing(pbx, token, caplog):
    audit_rows = AuditLogEntry.objects.count()
    with caplog.at_level(logging.WARNING, logger="kc.cti"):
        response = pbx(new_call(), url_token="wrong-" + token)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert not Call.objects.exists()
    assert AuditLogEntry.objects.count() == audit_rows
    assert "invalid token" in caplog.text
    assert token not in caplog.text


def test_new_call_json_then_answer_then_hangup(pbx, agent):
    partner = BusinessPartnerFactory(phone="0211 7654321")
    assert pbx(new_call(queue="Hotline")).json() == {}
    call = Call.objects.get(call_id="c1")
    assert (call.state, call.partner, call.pbx_queue) == ("ringing", partner, "Hotline")
    assert call.caller_e164 == "+492117654321"

    answer = {"event": "answer", "callId": "c1", "user": "agent", "direction": "in"}
    assert pbx(answer).status_code == 200
    call.refresh_from_db()
    assert (call.state, call.agent) == ("answered", agent)

    hangup = {"event": "hangup", "callId": "c1", "cause": "normalClearing", "direction": "in"}
    assert pbx(hangup).status_code == 200
    call.refresh_from_db()
    assert (call.state, call.cause) == ("ended", "normalClearing")
    assert call.talk_seconds is not None


def test_form_data_is_accepted_like_json(pbx, agent):
    assert pbx(new_call("f1"), as_json=False).json() == {}
    # Zammad sends the users to notify as user[]; the answer names the one who picked up.
    answer = {"event": "answer", "callId": "f1", "user[]": ["agent"], "direction": "in"}
    assert pbx(answer, as_json=False).status_code == 200
    assert Call.objects.get(call_id="f1").agent == agent


def test_duplicate_new_call_is_idempotent(pbx, caplog):
    pbx(new_call())
    with caplog.at_level(logging.WARNING, logger="kc.cti"):
        response = pbx(new_call(**{"from": "0170 999999"}))
    assert response.status_code == 200
    assert Call.objects.count() == 1
    assert Call.objects.get().from_number == "0211 7654321"
    assert "repeated" in caplog.text


@pytest.mark.parametrize("event", ["answer", "hangup"])
def test_unknown_call_id_is_404_and_creates_nothing(pbx, event, caplog):
    with caplog.at_level(logging.WARNING, logger="kc.cti"):
        response = pbx({"event": event, "callId": "nope", "user": "agent"})
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown callId"}
    assert not Call.objects.exists()
    assert not Case.objects.exists()
    assert "unknown call nope" in caplog.text


def test_blocked_number_is_rejected_busy_and_journaled(pbx, settings):
    settings.KC_CTI_BLOCKED_NUMBERS = ["+49 211 7654321"]
    QueueFactory()
    assert pbx(new_call()).json() == {"action": "reject", "reason": "busy"}
    assert pbx(new_call()).json() == {"action": "reject", "reason": "busy"}
    assert pbx({"event": "hangup", "callId": "c1", "cause": "busy"}).status_code == 200
    call = Call.objects.get()
    assert (call.state, call.cause) == ("ended", "blocked")
    assert not Case.objects.exists()


def test_other_numbers_are_not_rejected(pbx, settings):
    settings.KC_CTI_BLOCKED_NUMBERS = ["+49 211 1111111"]
    assert pbx(new_call()).json() == {}


def test_missed_call_via_api_opens_one_callback_case(pbx):
    QueueFactory()
    pbx(new_call())
    hangup = {"event": "hangup", "callId": "c1", "cause": "cancel"}
    assert pbx(hangup).status_code == 200
    assert pbx(hangup).status_code == 200
    assert Case.objects.count() == 1
    assert Call.objects.get().state == "missed"


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        ("{not json", "application/json", "body is not valid JSON"),
        ("[1, 2]", "application/json", "JSON body must be an object"),
        ('{"event": "ring", "callId": "x"}', "application/json", "event must be"),
        ('{"event": "newCall"}', "application/json", "callId is missing"),
        ('{"event": "newCall", "callId": "x"}', "application/json", "direction"),
        ("<xml/>", "text/xml", "unsupported content type"),
    ],
)
def test_malformed_requests_are_400(token, body, content_type, detail):
    response = Client().post(f"/api/v1/cti/{token}", body, content_type=content_type)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not Call.objects.exists()


def test_audit_rows_do_not_contain_the_token(pbx, token):
    pbx(new_call())
    paths = list(AuditLogEntry.objects.values_list("request_path", flat=True))
    assert paths
    assert all(token not in path for path in paths)


def test_get_is_not_allowed(token):
    assert Client().get(f"/api/v1/cti/{token}").status_code == 405


def test_api_docs_are_for_staff_only(client):
    assert client.get("/api/v1/docs").status_code == 302


def test_urlencoded_form_is_accepted(token):
    body = "event=newCall&callId=u1&from=%2B492117654321&to=0800&direction=in&user%5B%5D=agent"
    response = Client().post(
        f"/api/v1/cti/{token}", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.json() == {}
    assert Call.objects.get().caller_e164 == "+492117654321"
