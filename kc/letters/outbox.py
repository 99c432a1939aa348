"""E-mail and portal deliveries waiting for the mail channel, claimed by one sender at a time."""

import datetime

from django.db import models
from django.utils import timezone

from kc.letters.models import Delivery, LetterEvent

SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_SEND_ATTEMPTS = 6
MAIL_CHANNELS = (Delivery.Channel.EMAIL, Delivery.Channel.PORTAL)


def _waiting() -> models.QuerySet[Delivery]:
    stale = timezone.now() - SEND_CLAIM_TIMEOUT
    return Delivery.objects.filter(channel__in=MAIL_CHANNELS).filter(
        models.Q(state=Delivery.State.QUEUED)
        | models.Q(state=Delivery.State.SENDING, claimed_at__lt=stale)
    )


def claim(delivery_id: int) -> Delivery | None:
    """Take a waiting delivery for one worker (a conditional UPDATE: only one wins)."""
    claimed = (
        _waiting()
        .filter(pk=delivery_id)
        .update(
            state=Delivery.State.SENDING,
            claimed_at=timezone.now(),
            attempts=models.F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("letter", "letter__partner").get(pk=delivery_id)


def mark_sent(delivery: Delivery) -> None:
    if Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
        state=Delivery.State.SENT, detail="", claimed_at=None
    ):
        kind = (
            LetterEvent.Kind.PORTAL
            if delivery.channel == Delivery.Channel.PORTAL
            else LetterEvent.Kind.EMAILED
        )
        LetterEvent.objects.create(letter=delivery.letter, kind=kind)


def mark_failed(delivery: Delivery, detail: str) -> bool:
    """Back to wait for another try, or failed for good (then by post); True when retried."""
    retry = delivery.attempts < MAX_SEND_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
        state=Delivery.State.QUEUED if retry else Delivery.State.FAILED,
        detail=detail[:300],
        claimed_at=None,
    )
    if not retry:
        LetterEvent.objects.create(
            letter=delivery.letter, kind=LetterEvent.Kind.EMAIL_FAILED, detail=detail[:300]
        )
        # The letter must still arrive: it goes by post instead.
        if not delivery.letter.deliveries.filter(channel=Delivery.Channel.POST).exists():
            from kc.letters.services import queue_for_print

            queue_for_print(delivery.letter, None, required_by_law=False)
    return retry


def waiting_ids() -> list[int]:
    return list(_waiting().values_list("pk", flat=True))
