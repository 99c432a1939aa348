"""Send queued case e-mails over SMTP. Only one worker can claim a mail; failures retry."""

import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kc.cases import outbox as case_outbox
from kc.cases.models import Attachment, Message
from kc.channels.email.smtp import OutgoingAttachment, SmtpConfig, build_message, send_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    sent: bool
    retry: bool = False


def smtp_config() -> SmtpConfig:
    options: dict[str, Any] = settings.KC_SMTP
    security = options["security"]
    if security not in ("ssl", "starttls", "plain"):
        raise ImproperlyConfigured("KC_SMTP_SECURITY must be ssl, starttls or plain")
    return SmtpConfig(
        host=options["host"],
        port=options["port"],
        security=security,
        user=options["user"],
        password=options["password"],
        timeout=options["timeout"],
    )


def send_queued_email(message_id: int, config: SmtpConfig | None = None) -> SendResult:
    message = case_outbox.claim_for_sending(message_id)
    if message is None:
        return SendResult(sent=False)  # sent already, or another worker has it
    mail = build_message(
        from_addr=settings.KC_MAIL_FROM,
        from_name=settings.KC_UTILITY_NAME,
        to=[message.recipients],
        subject=message.subject,
        text=message.body_text,
        in_reply_to=message.in_reply_to or None,
        references=message.references.split(),
        auto_submitted="auto-replied" if message.automatic else None,
        message_id=message.message_id,
        attachments=_attachments(message),
    )
    try:
        send_message(config or smtp_config(), mail, envelope_from=settings.KC_MAIL_FROM)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("sending message %s failed: %s", message.pk, exc)
        return SendResult(sent=False, retry=case_outbox.mark_send_failed(message, str(exc)))
    case_outbox.mark_sent(message)
    return SendResult(sent=True)


def _attachments(message: Message) -> list[OutgoingAttachment]:
    """Files kept on the outgoing message (only scanned or self-made ones go out)."""
    files = []
    for attachment in message.attachments.filter(scan=Attachment.Scan.CLEAN).order_by("pk"):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        files.append(OutgoingAttachment(attachment.filename, content, attachment.content_type))
    return files


def is_queued(message_id: int) -> bool:
    return Message.objects.filter(pk=message_id, delivery=Message.Delivery.QUEUED).exists()
