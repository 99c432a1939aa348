"""The outbox: delivery state of outgoing case e-mail, claimed by one sender at a time."""

import datetime

from django.db import models
from django.utils import timezone

from kc.cases.models import Message

# A claim older than this belongs to a worker that died while sending.
SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_SEND_ATTEMPTS = 6


def claim_for_sending(message_id: int) -> Message | None:
    """Take a queued mail for one worker (a conditional UPDATE: only one wins)."""
    now = timezone.now()
    stale = now - SEND_CLAIM_TIMEOUT
    claimed = (
        Message.objects.filter(
            pk=message_id,
            kind=Message.Kind.EMAIL_OUT,
        )
        .filter(
            models.Q(delivery=Message.Delivery.QUEUED)
            | models.Q(delivery=Message.Delivery.SENDING, send_claimed_at__lt=stale)
        )
        .update(
            delivery=Message.Delivery.SENDING,
            send_claimed_at=now,
            send_attempts=models.F("send_attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Message.objects.select_related("case").get(pk=message_id)


def mark_sent(message: Message) -> None:
    Message.objects.filter(pk=message.pk, delivery=Message.Delivery.SENDING).update(
        delivery=Message.Delivery.SENT, delivery_detail="", send_claimed_at=None
    )


def mark_send_failed(message: Message, detail: str) -> bool:
    """Back to the queue for another try, or failed for good; True when it will be retried."""
    retry = message.send_attempts < MAX_SEND_ATTEMPTS
    Message.objects.filter(pk=message.pk, delivery=Message.Delivery.SENDING).update(
        delivery=Message.Delivery.QUEUED if retry else Message.Delivery.FAILED,
        delivery_detail=detail[:300],
        send_claimed_at=None,
    )
    return retry


def queued_email_ids() -> list[int]:
    """Mails waiting in the outbox, and those whose sender died (for the periodic sweep)."""
    stale = timezone.now() - SEND_CLAIM_TIMEOUT
    return list(
        Message.objects.filter(kind=Message.Kind.EMAIL_OUT)
        .filter(
            models.Q(delivery=Message.Delivery.QUEUED)
            | models.Q(delivery=Message.Delivery.SENDING, send_claimed_at__lt=stale)
        )
        .values_list("pk", flat=True)
    )
