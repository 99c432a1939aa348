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
from kc.channels.models import MailboxFetch, ProcessedMail
from kc.core.enqueue import enqueue_with_transaction

log = logging.getLogger(__name__)

# Mails stored per transaction: fewer commits and IMAP round trips, same exactly-once rule.
BATCH_SIZE = 25


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


def ingest_one(fetched: FetchedMail, box: str, own: frozenset[str], report: IngestReport) -> None:
    """Store one fetched mail inside the caller's transaction (a savepoint of its own)."""
    key = {"mailbox": box, "uidvalidity": fetched.uidvalidity, "uid": fetched.uid}
    if ProcessedMail.objects.filter(**key).exists():
        report.already_done += 1
        return
    parsed = parse_message(fetched.raw, size=fetched.size if fetched.headers_only else None)
    with transaction.atomic(savepoint=False):  # the batch gives each mail its savepoint
        received = receive_email(to_inbound(parsed, own), own_addresses=own)
        ProcessedMail.objects.create(
            **key,
            mail_message_id=parsed.message_id[:255],
            content_hash=parsed.content_hash,
            case_message=received.message,
        )
        if not received.duplicate:
            _queue_scans(list(received.message.attachments.values_list("pk", flat=True)))
    report.duplicates += received.duplicate
    report.new_cases += received.new_case
    report.stored += not received.duplicate


def _queue_scans(attachment_ids: list[int]) -> None:
    """A virus scan per attachment, committed with the mail (closed until scanned)."""
    from kc.channels.tasks import scan_attachment  # tasks imports this module

    for attachment_id in attachment_ids:
        enqueue_with_transaction(scan_attachment, attachment_id)


def ingest_mailbox(
    config: ImapConfig, *, own_addresses: Iterable[str], limit: int = 200
) -> IngestReport:
    report = IngestReport()
    own = frozenset(a.lower() for a in own_addresses)
    box = mailbox_name(config)
    with ImapMailbox(config) as mailbox:
        batch: list[FetchedMail] = []
        for fetched in mailbox.fetch_unseen(limit=limit):
            report.fetched += 1
            batch.append(fetched)
            if len(batch) == BATCH_SIZE:
                _store_batch(mailbox, batch, box, own, report)
                batch = []
        if batch:
            _store_batch(mailbox, batch, box, own, report)
    # Read through and logged out without an error (single mails may have failed: they are
    # counted in report.failed, and the mailbox itself was reachable).
    MailboxFetch.objects.update_or_create(mailbox=box, defaults={"succeeded_at": timezone.now()})
    return report


def _store_batch(
    mailbox: ImapMailbox,
    batch: list[FetchedMail],
    box: str,
    own: frozenset[str],
    report: IngestReport,
) -> None:
    """One transaction for the batch (a savepoint per mail), then one IMAP mark for it.

    A mail that fails is rolled back alone and stays unmarked for the next run; a crash
    before the commit leaves the whole batch unmarked, and it comes again.
    """
    done: list[FetchedMail] = []
    with transaction.atomic():
        for fetched in batch:
            try:
                with transaction.atomic():  # a savepoint: a failure rolls back this mail only
                    ingest_one(fetched, box, own, report)
            except Exception as exc:  # one bad mail must not stop the others
                log.exception("mail %s uid %s could not be stored", box, fetched.uid)
                report.failed.append(f"{fetched.uid}: {type(exc).__name__}")
            else:
                done.append(fetched)
    if done:
        mailbox.mark_processed_many([f.uid for f in done], uidvalidity=done[0].uidvalidity)
