"""The outbox: delivery state of outgoing case e-mail, claimed by one sender at a time."""

import datetime

from django.db import models

from kc.cases.models import Message
from kc.core.outbox import Outbox

# A claim older than this belongs to a worker that died while sending.
SEND_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_SEND_ATTEMPTS = 6

OUTBOX = Outbox.with_states(
    Message,
    Message.Delivery,
    scope=models.Q(kind=Message.Kind.EMAIL_OUT),
    state_field="delivery",
    claimed_at_field="send_claimed_at",
    attempts_field="send_attempts",
    timeout=SEND_CLAIM_TIMEOUT,
    max_attempts=MAX_SEND_ATTEMPTS,
)


def claim_for_sending(message_id: int) -> Message | None:
    """Take a queued mail for one worker (a conditional UPDATE: only one wins)."""
    return OUTBOX.claim(message_id, Message.objects.select_related("case"))


def mark_sent(message: Message) -> None:
    OUTBOX.mark_done(message, delivery_detail="")


def mark_send_failed(message: Message, detail: str) -> bool:
    """Back to the queue for another try, or failed for good; True when it will be retried."""
    return OUTBOX.mark_failed(message, delivery_detail=detail[:300])


def queued_email_ids() -> list[int]:
    """Mails waiting in the outbox, and those whose sender died (for the periodic sweep)."""
    return list(OUTBOX.waiting().values_list("pk", flat=True))
