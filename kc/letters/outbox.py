"""E-mail and portal deliveries waiting for the mail channel, claimed by one sender at a time."""

import datetime

from django.db import models

from kc.core.outbox import Outbox
from kc.letters.models import Delivery, LetterEvent

SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_SEND_ATTEMPTS = 6
MAIL_CHANNELS = (Delivery.Channel.EMAIL, Delivery.Channel.PORTAL)

OUTBOX = Outbox.with_states(
    Delivery,
    Delivery.State,
    scope=models.Q(channel__in=MAIL_CHANNELS),
    timeout=SEND_CLAIM_TIMEOUT,
    max_attempts=MAX_SEND_ATTEMPTS,
)


def claim(delivery_id: int) -> Delivery | None:
    """Take a waiting delivery for one worker (a conditional UPDATE: only one wins)."""
    return OUTBOX.claim(delivery_id, Delivery.objects.select_related("letter", "letter__partner"))


def mark_sent(delivery: Delivery) -> None:
    if OUTBOX.mark_done(delivery, detail=""):
        kind = (
            LetterEvent.Kind.PORTAL
            if delivery.channel == Delivery.Channel.PORTAL
            else LetterEvent.Kind.EMAILED
        )
        LetterEvent.objects.create(letter=delivery.letter, kind=kind)


def mark_failed(delivery: Delivery, detail: str) -> bool:
    """Back to wait for another try, or failed for good (then by post); True when retried."""
    retry = OUTBOX.mark_failed(delivery, detail=detail[:300])
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
    return list(OUTBOX.waiting().values_list("pk", flat=True))
