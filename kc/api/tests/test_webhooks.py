"""Outgoing webhooks against a real HTTP server on 127.0.0.1 that checks the signature and
drops replays, as a receiver should (docs/api.md)."""

import datetime
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kc.api import webhooks
from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.api.tests.conftest import Bearer, sent_order
from kc.cases import services as case_services
from kc.cases.models import Case
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core.models import User

pytestmark = pytest.mark.django_db
SECRET = "geheim-1234567890"
TOLERANCE_SECONDS = 300


@dataclass
class Receiver:
    """What the test server saw; `answers` are status codes to give in turn (then 200)."""

    url: str = ""
    secret: str = SECRET
    answers: list[int] = field(default_factory=list)
    processed: list[dict[str, Any]] = field(default_factory=list)
    replays: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    headers: list[dict[str, str]] = field(default_factory=list)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        self.headers.append(headers)
        parts = dict(p.split("=", 1) for p in headers.get("x-kc-signature", "").split(","))
        timestamp = int(parts.get("t", "0"))
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            self.refused.append("signature")
            return 401
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            self.refused.append("stale")
            return 401
        # The id inside the signed body, not the header: a header can be changed in a replay.
        delivery_id = str(json.loads(body)["id"])
        if delivery_id in self.seen_ids:
            self.replays.append(delivery_id)
            return 200  # already processed: acknowledge, do nothing
        self.seen_ids.add(delivery_id)
        self.processed.append(json.loads(body))
        return self.answers.pop(0) if self.answers else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = state.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def endpoint(url: str, events: str = "case.created,case.updated,case.resolved") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Leitstelle", url=url, secret=SECRET, events=events)


def only_delivery(event: str) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event=event)


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_try_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_case_events_are_signed_delivered_once_and_queued_as_tasks(
    receiver: Receiver, agent: User
) -> None:
    endpoint(receiver.url)
    case = CaseFactory()
    created = only_delivery("case.created")
    assert DBTaskResult.objects.filter(task_path="kc.api.tasks.deliver_webhook").count() == 1
    assert webhooks.send(created.pk) == "delivered"
    assert receiver.processed[0]["event"] == "case.created"
    assert receiver.processed[0]["data"]["case"] == case.number
    assert receiver.processed[0]["id"] == receiver.headers[0]["x-kc-delivery"]
    assert receiver.headers[0]["x-kc-event"] == "case.created"

    case_services.change_status(case=case, status=Case.Status.RESOLVED, actor=agent)
    assert webhooks.send_due() == 2
    events = [p["event"] for p in receiver.processed]
    assert sorted(events[1:]) == ["case.resolved", "case.updated"]
    resolved = next(p for p in receiver.processed if p["event"] == "case.resolved")
    assert resolved["data"]["previous_status"] == "new" and resolved["data"]["status"] == "resolved"
    # Sending a delivered one again posts nothing: it stays delivered once.
    assert webhooks.send(created.pk) == "delivered"
    assert len(receiver.headers) == 3 and receiver.refused == []
    created.refresh_from_db()
    assert created.attempts == 1 and created.response_code == 200


def test_a_wrong_secret_fails_and_is_retried_with_growing_delays(receiver: Receiver) -> None:
    hook = endpoint(receiver.url)
    receiver.secret = "ein-anderes-geheimnis"
    CaseFactory()
    delivery = only_delivery("case.created")
    before = timezone.now()
    assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert receiver.refused == ["signature"] and delivery.response_code == 401
    assert delivery.attempts == 1
    assert delivery.next_try_at is not None
    assert datetime.timedelta(seconds=59) <= delivery.next_try_at - before
    assert delivery.next_try_at - before <= datetime.timedelta(seconds=62)
    assert webhooks.send_due() == 0  # not due yet
    make_due(delivery)
    second_try = timezone.now()
    assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_try_at - second_try >= datetime.timedelta(seconds=119)
    # The receiver gets the right secret: the sweep delivers the retry.
    receiver.secret = hook.secret
    make_due(delivery)
    assert webhooks.send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3


def test_a_retry_after_a_lost_answer_is_dropped_by_the_receiver_as_a_replay(
    receiver: Receiver,
) -> None:
    """The receiver processed the event but answered 500: our retry carries the same
    delivery id and a fresh signature, and the receiver acknowledges without processing."""
    endpoint(receiver.url)
    receiver.answers = [500]
    CaseFactory()
    delivery = only_delivery("case.created")
    assert webhooks.send(delivery.pk) == "pending"
    make_due(delivery)
    assert webhooks.send(delivery.pk) == "delivered"
    assert len(receiver.processed) == 1 and receiver.replays == [str(delivery.delivery_id)]
    assert receiver.refused == []  # both tries carried a valid signature of their own time


def test_a_captured_request_replayed_later_is_refused(receiver: Receiver) -> None:
    endpoint(receiver.url)
    CaseFactory()
    delivery = only_delivery("case.created")
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    old = int(time.time()) - 3600
    stale = {
        "x-kc-signature": webhooks.signature_header(SECRET, old, body),
        "x-kc-delivery": "a-new-id-to-get-past-the-id-check",
    }
    assert receiver.handle(stale, body) == 401 and receiver.refused == ["stale"]
    tampered = body.replace(b"case.created", b"case.resolved")
    fresh = {
        "x-kc-signature": webhooks.signature_header(SECRET, int(time.time()), body),
        "x-kc-delivery": "another-id",
    }
    assert receiver.handle(fresh, tampered) == 401


def test_a_replay_within_the_tolerance_under_a_new_delivery_header_is_dropped(
    receiver: Receiver,
) -> None:
    """X-KC-Delivery is not signed: the signed body's id is what receivers dedupe on."""
    endpoint(receiver.url)
    CaseFactory()
    delivery = only_delivery("case.created")
    assert webhooks.send(delivery.pk) == "delivered"
    captured = receiver.headers[0]
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert json.loads(body)["id"] == captured["x-kc-delivery"]
    replay = {**captured, "x-kc-delivery": "a-new-id-to-get-past-the-id-check"}
    assert receiver.handle(replay, body) == 200
    assert len(receiver.processed) == 1 and receiver.replays == [str(delivery.delivery_id)]


def test_only_one_claim_gets_a_delivery(receiver: Receiver) -> None:
    endpoint(receiver.url)
    CaseFactory()
    delivery = only_delivery("case.created")
    assert webhooks._claim(delivery.pk) is not None
    assert webhooks._claim(delivery.pk) is None  # leased: a second worker skips it
    assert webhooks.send(delivery.pk) == "pending"
    assert receiver.headers == []


def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(receiver: Receiver) -> None:
    endpoint("http://127.0.0.1:9/nobody-listens")
    CaseFactory()
    delivery = only_delivery("case.created")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1)
    assert webhooks.send(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.last_error


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    endpoint(receiver.url)
    receiver.answers = [302]
    CaseFactory()
    delivery = only_delivery("case.created")
    assert webhooks.send(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.response_code == 302


def test_nothing_is_sent_for_a_change_that_rolls_back(receiver: Receiver) -> None:
    endpoint(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        CaseFactory()
        raise RuntimeError("abort")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path="kc.api.tasks.deliver_webhook").exists()


def test_an_endpoint_gets_only_its_events_and_an_event_only_once(receiver: Receiver) -> None:
    endpoint(receiver.url, events="case.resolved")
    queue = QueueFactory()
    case = CaseFactory(queue=queue)
    case.priority = Case.Priority.HIGH
    case.save()
    assert not WebhookDelivery.objects.exists()
    assert webhooks.emit("case.resolved", "k1", {}) and not webhooks.emit("case.resolved", "k1", {})
    assert WebhookDelivery.objects.count() == 1


def test_field_order_events(receiver: Receiver, client: Client, bearer: Bearer) -> None:
    endpoint(receiver.url, events="order.created,order.confirmed,order.cancelled")
    order = sent_order()
    assert only_delivery("order.created").payload["data"]["order"] == order.number
    body = {"executed_at": timezone.now().isoformat(), "done": True}
    url = f"/api/v1/auftraege/{order.number}/bestaetigung"
    headers = bearer("orders")
    for _ in range(2):  # the second confirmation changes nothing, so no second event
        client.post(url, body, content_type="application/json", headers=headers)
    confirmed = only_delivery("order.confirmed")
    assert confirmed.payload["data"]["status"] == "done"
    assert webhooks.send_due() == 2
    assert [p["event"] for p in receiver.processed] == ["order.created", "order.confirmed"]


def test_a_paused_endpoint_keeps_its_deliveries_until_it_is_active_again(
    receiver: Receiver,
) -> None:
    hook = endpoint(receiver.url)
    CaseFactory()
    WebhookEndpoint.objects.filter(pk=hook.pk).update(active=False)
    assert webhooks.send_due() == 0 and receiver.headers == []
    assert only_delivery("case.created").status == "pending"
    WebhookEndpoint.objects.filter(pk=hook.pk).update(active=True)
    assert webhooks.send_due() == 1 and len(receiver.processed) == 1


def test_a_withdrawn_order_is_announced(receiver: Receiver, agent: User) -> None:
    from kc.disconnection import chain

    endpoint(receiver.url, events="order.cancelled")
    order = sent_order()
    chain.stop(order.case, reason="Gesundheitsgefahr", actor=agent)
    cancelled = only_delivery("order.cancelled")
    assert cancelled.payload["data"]["order"] == order.number
    assert cancelled.payload["data"]["status"] == "cancelled"
    assert webhooks.send_due() == 1
