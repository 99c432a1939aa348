"""The field service's API: bearer token with the orders scope, open orders, confirmation."""

import pytest
from django.test import Client
from django.utils import timezone

from kc.api.services import issue_api_token
from kc.api.tests.conftest import sent_order
from kc.core.models import AuditLogEntry
from kc.disconnection import chain
from kc.disconnection.models import DisconnectionCase, FieldOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def order() -> FieldOrder:
    return sent_order()


def bearer(scopes: list[str]) -> dict[str, str]:
    _, raw = issue_api_token(name=f"Netz {scopes}", scopes=scopes, actor=None)
    return {"Authorization": f"Bearer {raw}"}


def test_without_a_valid_token_or_scope_nothing_is_shown(client: Client, order: FieldOrder) -> None:
    assert client.get("/api/v1/auftraege/").status_code == 401
    assert (
        client.get("/api/v1/auftraege/", headers={"Authorization": "Bearer falsch"}).status_code
        == 401
    )
    assert client.get("/api/v1/auftraege/", headers=bearer(["cases"])).status_code == 403


def test_open_orders_and_confirmation(client: Client, order: FieldOrder) -> None:
    headers = bearer(["orders"])
    listed = client.get("/api/v1/auftraege/", headers=headers).json()
    assert [o["number"] for o in listed] == [order.number]
    assert listed[0]["kind"] == "disconnect" and listed[0]["market_location"]
    # The address is personal data: the list is audited per order, for the customer.
    seen = AuditLogEntry.objects.get(object_type="disconnection.fieldorder")
    assert seen.partner_id == order.case.contract.account.partner_id
    assert seen.actor_name.startswith("API-Token ")
    url = f"/api/v1/auftraege/{order.number}/bestaetigung"
    body = {"executed_at": timezone.now().isoformat(), "done": True, "meter_reading": "4711.5"}
    answer = client.post(url, body, content_type="application/json", headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "done"
    again = client.post(url, body, content_type="application/json", headers=headers)
    assert again.status_code == 200 and again.json()["status"] == "done"
    assert DisconnectionCase.objects.get().status == DisconnectionCase.Status.DISCONNECTED
    assert client.get("/api/v1/auftraege/", headers=headers).json() == []
    missing = client.post(
        "/api/v1/auftraege/AU99999999/bestaetigung",
        body,
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 404
    bad = client.post(url, {"done": True}, content_type="application/json", headers=headers)
    assert bad.status_code == 422


def test_a_confirmation_without_an_offset_is_read_as_local_time(
    client: Client, order: FieldOrder
) -> None:
    body = {"executed_at": "2026-12-28T10:00:00", "done": True}
    answer = client.post(
        f"/api/v1/auftraege/{order.number}/bestaetigung",
        body,
        content_type="application/json",
        headers=bearer(["orders"]),
    )
    assert answer.status_code == 200
    order.refresh_from_db()
    assert timezone.localtime(order.executed_at).hour == 10


def test_done_on_a_withdrawn_order_is_refused_and_raises_the_alarm(
    client: Client, order: FieldOrder, agent
) -> None:  # type: ignore[no-untyped-def]
    from kc.cases.models import Case

    chain.stop(order.case, reason="Attest", actor=agent)
    body = {"executed_at": timezone.now().isoformat(), "done": True}
    answer = client.post(
        f"/api/v1/auftraege/{order.number}/bestaetigung",
        body,
        content_type="application/json",
        headers=bearer(["orders"]),
    )
    assert answer.status_code == 409 and "storniert" in answer.json()["error"]["message"]
    case = DisconnectionCase.objects.get()
    assert case.events.filter(kind="cancelled_but_done").exists()
    assert Case.objects.get(number=case.case_number).priority == Case.Priority.URGENT
