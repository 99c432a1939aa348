"""Background tasks of the channels: load by id, call one function."""

import logging
from typing import Any

from django.conf import settings
from django.tasks import task

from kc.cases import attachments as case_attachments
from kc.cases import outbox as case_outbox
from kc.cases.models import Attachment
from kc.channels.email.ingest import configured_mailbox, ingest_mailbox, own_addresses
from kc.channels.email.letters import send_letter_delivery
from kc.channels.email.outbox import send_queued_email
from kc.core import clamd
from kc.disconnection import proofs
from kc.letters import outbox as letter_outbox

log = logging.getLogger(__name__)


@task()
def send_email(message_id: int, attempt: int = 1) -> bool:
    result = send_queued_email(message_id)
    if result.retry:
        case_outbox.OUTBOX.retry_later(send_email, message_id, attempt)
    return result.sent


@task()
def sweep_outbox() -> int:
    """Re-enqueue mails still waiting (e.g. queued while no worker ran)."""
    ids = case_outbox.queued_email_ids()
    for message_id in ids:
        send_email.enqueue(message_id)
    return len(ids)


@task()
def send_letter(delivery_id: int, attempt: int = 1) -> bool:
    """A letter by e-mail, or the notice of a new document in the portal."""
    result = send_letter_delivery(delivery_id)
    if result.retry:
        letter_outbox.OUTBOX.retry_later(send_letter, delivery_id, attempt)
    return result.sent


@task()
def sweep_letter_deliveries() -> int:
    """Re-enqueue letter deliveries still waiting (e.g. queued while no worker ran)."""
    ids = letter_outbox.waiting_ids()
    for delivery_id in ids:
        send_letter.enqueue(delivery_id)
    return len(ids)


@task()
def fetch_mail() -> int:
    """Poll the configured mailbox; returns the number of mails stored."""
    config = configured_mailbox()
    if config is None:
        return 0
    return ingest_mailbox(config, own_addresses=own_addresses()).stored


def _scan(attachment_id: int) -> str:
    """Scan one pending attachment with clamd; returns its scan state afterwards.

    Raises ClamdUnavailable (after noting it on the attachment, which stays pending).
    """
    attachment = Attachment.objects.select_related("message__case").filter(pk=attachment_id).first()
    if attachment is None or attachment.scan != Attachment.Scan.PENDING:
        return attachment.scan if attachment is not None else "missing"
    options: dict[str, Any] = settings.KC_CLAMD
    try:
        with attachment.file.open("rb") as fh:
            data = fh.read()
        risk = case_attachments.archive_risk(data)
        if risk:
            case_attachments.record_scan_failure(attachment, risk, final=True)
            return attachment.scan
        verdict = clamd.scan_bytes(
            data, host=options["host"], port=options["port"], timeout=options["timeout"]
        )
    except clamd.ClamdUnavailable as exc:
        case_attachments.record_scan_failure(attachment, str(exc))
        raise
    except (clamd.ClamdSizeLimitError, OSError) as exc:
        # Too large for clamd, or the stored file is gone: it can never be scanned.
        case_attachments.record_scan_failure(attachment, f"{type(exc).__name__}: {exc}", final=True)
        return attachment.scan
    except clamd.ClamdError as exc:
        # clamd answered with an error (e.g. out of memory): the sweep tries again.
        case_attachments.record_scan_failure(attachment, f"clamd: {exc}")
        return attachment.scan
    if case_attachments.record_scan(attachment, verdict) and verdict.clean:
        # A customer whose supply is cut off or about to be sends a receipt: it becomes a
        # proof of payment on the disconnection case (read and matched like one from the window).
        proofs.receive_attachment(attachment, data)
    return attachment.scan


@task()
def scan_attachment(attachment_id: int) -> str:
    """Virus-scan one attachment; clamd down leaves it pending for scan_pending_attachments."""
    try:
        return _scan(attachment_id)
    except clamd.ClamdUnavailable:
        log.warning("clamd unavailable; attachment %s stays pending", attachment_id)
        return Attachment.Scan.PENDING.value


@task()
def scan_pending_attachments() -> int:
    """Periodic retry of attachments still pending; stops at the first clamd outage."""
    scanned = 0
    for attachment_id in case_attachments.pending_attachment_ids():
        try:
            _scan(attachment_id)
        except clamd.ClamdUnavailable:
            log.warning("clamd unavailable; pending attachments wait for the next sweep")
            break
        scanned += 1
    return scanned
