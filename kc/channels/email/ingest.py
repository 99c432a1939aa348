"""IMAP mailbox → cases, exactly once.

Per mail: parse, then in one transaction store the case message and a ProcessedMail row
keyed by (mailbox, UIDVALIDITY, UID); only after the commit mark the mail in IMAP. A crash
before the commit leaves the mail unmarked and it comes again; a crash after the commit
finds the row next time and only marks the mail. Duplicates by Message-ID are dropped by
kc.cases.inbound.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from kc.cases.inbound import InboundAttachment, InboundEmail, receive_email
from kc.channels.email.imap import FetchedMail, ImapConfig, ImapMailbox
from kc.channels.email.parse import ParsedMail, is_automatic, parse_message
from kc.channels.email.sanitize import html_to_text, sanitize_html
from kc.channels.models import ProcessedMail

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    fetched: int = 0
    stored: int = 0
    new_cases: int = 0
    duplicates: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)


def configured_mailbox() -> ImapConfig | None:
    """The mailbox of settings.KC_IMAP, or None when no host is set."""
    options: dict[str, Any] = settings.KC_IMAP
    if not options["host"]:
        return None
    if options["security"] not in ("ssl", "starttls", "plain"):
        raise ImproperlyConfigured("KC_IMAP_SECURITY must be ssl, starttls or plain")
    return ImapConfig(**options)


def own_addresses() -> frozenset[str]:
    return frozenset(a.lower() for a in [settings.KC_MAIL_FROM, *settings.KC_MAIL_OWN_ADDRESSES])


def mailbox_name(config: ImapConfig) -> str:
    return f"{config.user}@{config.host}:{config.port}/{config.folder}"


def to_inbound(parsed: ParsedMail, own_addresses: Iterable[str]) -> InboundEmail:
    text = parsed.text or (html_to_text(parsed.html) if parsed.html else "")
    if parsed.too_large:
        text = "[Die E-Mail war zu groß und wurde nicht vollständig übernommen.]\n" + text
    return InboundEmail(
        message_id=parsed.message_id,
        sender=parsed.from_address.lower(),
        sender_name=parsed.from_name,
        subject=parsed.subject,
        # Arrival, not the sender's Date header: the SLA runs from when we got it.
        received_at=timezone.now(),
        text=text,
        html=sanitize_html(parsed.html) if parsed.html else "",
        recipients=", ".join(a.address for a in parsed.to),
        in_reply_to=parsed.in_reply_to or "",
        references=tuple(parsed.references),
        automatic=is_automatic(parsed, own_addresses=frozenset(own_addresses)),
        attachments=tuple(
            InboundAttachment(
                filename=a.filename,
                content_type=a.content_type,
                content=a.content,
                content_id=a.content_id or "",
                inline=a.inline,
            )
            for a in parsed.attachments
        ),
    )


def ingest_one(fetched: FetchedMail, box: str, own: frozenset[str], report: IngestReport) -> bool:
    """Store one fetched mail; True when it may now be marked in IMAP."""
    key = {"mailbox": box, "uidvalidity": fetched.uidvalidity, "uid": fetched.uid}
    if ProcessedMail.objects.filter(**key).exists():
        report.already_done += 1
        return True
    parsed = parse_message(fetched.raw, size=fetched.size if fetched.headers_only else None)
    with transaction.atomic():
        received = receive_email(to_inbound(parsed, own), own_addresses=own)
        ProcessedMail.objects.create(
            **key,
            mail_message_id=parsed.message_id[:255],
            content_hash=parsed.content_hash,
            case_message=received.message,
        )
        if not received.duplicate:
            _scan_on_commit(list(received.message.attachments.values_list("pk", flat=True)))
    report.duplicates += received.duplicate
    report.new_cases += received.new_case
    report.stored += not received.duplicate
    return True


def _scan_on_commit(attachment_ids: list[int]) -> None:
    """Once the mail is committed, queue a virus scan per attachment (closed until then)."""
    from kc.channels.tasks import scan_attachment  # tasks imports this module

    def enqueue() -> None:
        for attachment_id in attachment_ids:
            scan_attachment.enqueue(attachment_id)

    if attachment_ids:
        transaction.on_commit(enqueue)


def ingest_mailbox(
    config: ImapConfig, *, own_addresses: Iterable[str], limit: int = 200
) -> IngestReport:
    report = IngestReport()
    own = frozenset(a.lower() for a in own_addresses)
    box = mailbox_name(config)
    with ImapMailbox(config) as mailbox:
        for fetched in mailbox.fetch_unseen(limit=limit):
            report.fetched += 1
            try:
                done = ingest_one(fetched, box, own, report)
            except Exception as exc:
                log.exception("mail %s uid %s could not be stored", box, fetched.uid)
                report.failed.append(f"{fetched.uid}: {type(exc).__name__}")
                continue
            if done:
                mailbox.mark_processed(fetched.uid, uidvalidity=fetched.uidvalidity)
    return report
