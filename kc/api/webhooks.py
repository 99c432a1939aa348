"""Outgoing webhooks: record an event for every endpoint that wants it, send it signed,
retry with exponential backoff.

A delivery is claimed before it is sent (attempts n -> n+1 by a conditional update, and
next_try_at moves a lease ahead), so two workers never send it at once; a worker that dies
mid-send leaves the lease to expire and the sweep sends again (at least once - receivers
drop replays by the X-KC-Delivery id). It is marked delivered only by the claim that sent
it, and only once.

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
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from kc.api import outbound
from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.core.enqueue import enqueue_with_transaction

logger = logging.getLogger("kc.api.webhooks")

MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 6 * 3600
LEASE_EXTRA_SECONDS = 30
USER_AGENT = "Kundencenter-Webhooks/1"
Status = WebhookDelivery.Status


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
        delivery = WebhookDelivery(
            endpoint=endpoint,
            event=event,
            event_key=key[:120],
            payload={},
            next_try_at=occurred_at,
        )
        delivery.payload = _json_safe(
            {
                "id": str(delivery.delivery_id),
                "event": event,
                "occurred_at": occurred_at,
                "data": dict(data),
            }
        )
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
    delivery, attempt = claimed
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    code, error = _post(delivery, body)
    return _record(delivery, attempt, code, error)


def send_due(limit: int = 200) -> int:
    """The sweep: every pending delivery whose (re)try is due, oldest first."""
    # A paused endpoint's deliveries wait for it without holding up the others.
    due = WebhookDelivery.objects.filter(
        status=Status.PENDING, next_try_at__lte=timezone.now(), endpoint__active=True
    ).order_by("next_try_at", "pk")
    sent = 0
    for delivery_id in list(due.values_list("pk", flat=True)[:limit]):
        if send(delivery_id) == Status.DELIVERED:
            sent += 1
    return sent


def retry_delay(attempts: int) -> datetime.timedelta:
    seconds = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return datetime.timedelta(seconds=seconds)


def _claim(delivery_id: int) -> tuple[WebhookDelivery, int] | None:
    """Take the delivery for one attempt by a conditional update (no lock held while
    sending): only one caller moves attempts from n to n+1."""
    now = timezone.now()
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=Status.PENDING, next_try_at__lte=now)
        .first()
    )
    if delivery is None or not delivery.endpoint.active:
        return None
    lease = datetime.timedelta(seconds=settings.KC_WEBHOOK_TIMEOUT_SECONDS + LEASE_EXTRA_SECONDS)
    attempt = delivery.attempts + 1
    taken = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts
    ).update(attempts=attempt, next_try_at=now + lease)
    if not taken:
        return None
    delivery.attempts = attempt
    return delivery, attempt


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


def _record(delivery: WebhookDelivery, attempt: int, code: int | None, error: str) -> str:
    now = timezone.now()
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=attempt)
    if code is not None and 200 <= code < 300:
        mine.update(status=Status.DELIVERED, delivered_at=now, response_code=code, last_error="")
        return Status.DELIVERED
    logger.warning("webhook %s to %s failed: %s", delivery.event, delivery.endpoint, error or code)
    if attempt >= MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, response_code=code, last_error=error)
        return Status.FAILED
    mine.update(next_try_at=now + retry_delay(attempt), response_code=code, last_error=error)
    return Status.PENDING


def _json_safe(value: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return result
