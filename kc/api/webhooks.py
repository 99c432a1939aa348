"""Outgoing webhooks: record an event for every endpoint that wants it, send it signed,
retry with exponential backoff.

A delivery is claimed before it is sent (kc.core.outbox.LeaseOutbox: a conditional update
counts the attempt and moves next_try_at a lease ahead), so two workers never send it at
once; a worker that dies mid-send leaves the lease to expire and the sweep sends again (at
least once - receivers drop replays by the X-KC-Delivery id). It is marked delivered only by
the claim that sent it, and only once.

Headers: X-KC-Event, X-KC-Delivery (uuid, the same on every retry) and
X-KC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>.
"""

import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kc.api import outbound
from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.core.enqueue import enqueue_with_transaction
from kc.core.outbox import Backoff, LeaseOutbox

logger = logging.getLogger("kc.api.webhooks")

MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 6 * 3600
LEASE_EXTRA_SECONDS = 30
USER_AGENT = "Kundencenter-Webhooks/1"
Status = WebhookDelivery.Status
BACKOFF = Backoff.doubling(FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.KC_WEBHOOK_TIMEOUT_SECONDS + LEASE_EXTRA_SECONDS)


OUTBOX = LeaseOutbox(
    model=WebhookDelivery,
    # A paused endpoint's deliveries wait for it without holding up the others (a subquery,
    # not a join: the claim's UPDATE must keep its conditions on the delivery's own row).
    scope=Q(endpoint__in=WebhookEndpoint.objects.filter(active=True).values("pk")),
    state_field="status",
    due_field="next_try_at",
    pending=Status.PENDING,
    done=Status.DELIVERED,
    failed=Status.FAILED,
    lease=_lease,
    max_attempts=MAX_ATTEMPTS,
    backoff=BACKOFF,
)


def has_endpoints() -> bool:
    return WebhookEndpoint.objects.filter(active=True).exists()


def emit(event: str, key: str, data: Mapping[str, Any]) -> list[WebhookDelivery]:
    """Inside the caller's transaction: one delivery per endpoint wanting `event`, sent
    after the commit. `key` identifies the event; the same key twice is one delivery."""
    created = []
    occurred_at = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        if not endpoint.wants(event):
            continue
        delivery = _delivery(endpoint, event, key, data, occurred_at)
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:
            continue  # this event was recorded for this endpoint already
        created.append(delivery)
    if created:
        from kc.api.tasks import deliver_webhook

        for delivery in created:
            enqueue_with_transaction(deliver_webhook, delivery.pk)
    return created


type Occurrence = tuple[str, str, Mapping[str, Any]]  # event, key, data


def emit_many(events: Sequence[Occurrence]) -> int:
    """`emit` for many events at once (changes made in bulk): one query for the endpoints,
    one insert of all deliveries (a key recorded before is skipped) and one sweep task
    after the commit instead of a task per delivery. Returns the deliveries written."""
    if not events:
        return 0
    occurred_at = timezone.now()
    deliveries = [
        _delivery(endpoint, event, key, data, occurred_at)
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        for event, key, data in events
        if endpoint.wants(event)
    ]
    if deliveries:
        from kc.api.tasks import send_due_webhooks

        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        enqueue_with_transaction(send_due_webhooks)
    return len(deliveries)


def _delivery(
    endpoint: WebhookEndpoint,
    event: str,
    key: str,
    data: Mapping[str, Any],
    occurred_at: datetime.datetime,
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        endpoint=endpoint, event=event, event_key=key[:120], payload={}, next_try_at=occurred_at
    )
    delivery.payload = _json_safe(
        {
            "id": str(delivery.delivery_id),
            "event": event,
            "occurred_at": occurred_at,
            "data": dict(data),
        }
    )
    return delivery


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def send(delivery_id: int) -> str:
    """Try one delivery if it is due and nobody else holds it; returns its status."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
            or ""
        )
    delivery, _attempt = claimed
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    code, error = _post(delivery, body)
    return _record(delivery, code, error)


def send_due(limit: int = 200) -> int:
    """The sweep: every pending delivery whose (re)try is due, oldest first."""
    due = OUTBOX.waiting().order_by("next_try_at", "pk")
    sent = 0
    for delivery_id in list(due.values_list("pk", flat=True)[:limit]):
        if send(delivery_id) == Status.DELIVERED:
            sent += 1
    return sent


def retry_delay(attempts: int) -> datetime.timedelta:
    return BACKOFF.delay(attempts)


def _claim(delivery_id: int) -> tuple[WebhookDelivery, int] | None:
    """Take the delivery for one attempt (no lock held while sending); returns it with the
    number of this attempt."""
    delivery = OUTBOX.claim(delivery_id, WebhookDelivery.objects.select_related("endpoint"))
    if delivery is None:
        return None
    return delivery, delivery.attempts


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str]:
    url = delivery.endpoint.url
    if not url.lower().startswith(("https://", "http://")):
        return None, "only http(s) addresses are called"
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-KC-Event": delivery.event,
            "X-KC-Delivery": str(delivery.delivery_id),
            "X-KC-Signature": signature_header(delivery.endpoint.secret, timestamp, body),
        },
    )
    try:
        with outbound.opener().open(
            request, timeout=settings.KC_WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as failed:
        return int(failed.code), f"HTTP {failed.code}"
    except (urllib.error.URLError, OSError, ValueError) as failed:
        return None, str(getattr(failed, "reason", failed))[:300]


def _record(delivery: WebhookDelivery, code: int | None, error: str) -> str:
    """Only while this claim holds the delivery (OUTBOX.holding)."""
    if code is not None and 200 <= code < 300:
        OUTBOX.mark_done(delivery, delivered_at=timezone.now(), response_code=code, last_error="")
        return Status.DELIVERED
    logger.warning("webhook %s to %s failed: %s", delivery.event, delivery.endpoint, error or code)
    if OUTBOX.mark_failed(delivery, response_code=code, last_error=error):
        return Status.PENDING
    return Status.FAILED


def _json_safe(value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return result
