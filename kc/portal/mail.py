"""The portal's own mails (address check, password reset): an outbox row in the same
transaction as the change, sent by a worker, retried with backoff, claimed once."""

import datetime
import logging
import smtplib

from django.conf import settings
from django.utils import timezone

from kc.channels.email.outbox import smtp_config
from kc.channels.email.smtp import SmtpConfig, build_message, send_message
from kc.core.enqueue import enqueue_with_transaction
from kc.core.outbox import Outbox
from kc.portal.models import PortalMail

CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 6
log = logging.getLogger(__name__)

OUTBOX = Outbox.with_states(
    PortalMail, PortalMail.State, timeout=CLAIM_TIMEOUT, max_attempts=MAX_ATTEMPTS
)


def queue_mail(*, to: str, subject: str, body: str) -> PortalMail:
    from kc.portal.tasks import send_portal_mail

    mail = PortalMail.objects.create(to=to, subject=subject, body=body)
    enqueue_with_transaction(send_portal_mail, mail.pk)
    return mail


def claim(mail_id: int) -> PortalMail | None:
    return OUTBOX.claim(mail_id)


def send(mail_id: int, config: SmtpConfig | None = None) -> tuple[bool, bool]:
    """Send one queued mail; returns (sent, retry)."""
    mail = claim(mail_id)
    if mail is None:
        return False, False
    message = build_message(
        from_addr=settings.KC_MAIL_FROM,
        from_name=settings.KC_UTILITY_NAME,
        to=[mail.to],
        subject=mail.subject,
        text=mail.body,
        auto_submitted="auto-generated",
        msgid_domain=settings.KC_MAIL_DOMAIN,
    )
    try:
        send_message(config or smtp_config(), message, envelope_from=settings.KC_MAIL_FROM)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("portal mail %s failed: %s", mail.pk, exc)
        return False, OUTBOX.mark_failed(mail, last_error=str(exc)[:300])
    OUTBOX.mark_done(mail, sent_at=timezone.now())
    return True, False


def waiting_ids(limit: int = 200) -> list[int]:
    """For the sweep: mails whose sender died, and queued ones older than a claim timeout
    (a fresh one has its own task on the way)."""
    fresh = timezone.now() - CLAIM_TIMEOUT
    waiting = OUTBOX.waiting().exclude(state=PortalMail.State.QUEUED, created_at__gte=fresh)
    return list(waiting.values_list("pk", flat=True)[:limit])
