"""Virus-scan state of attachments: agents open a file only after clamd passed it.

The scanner itself is an adapter in kc.channels (clamd); it hands its verdict here. Only a
pending attachment changes state (a conditional UPDATE), so a late or doubled scan of the
same file never overwrites the first verdict.
"""

import datetime
import hashlib
import io
import zipfile
from typing import Protocol

from django.core.files.base import ContentFile
from django.utils import timezone

from kc.cases.models import Attachment, Message
from kc.cases.signals import attachment_stored
from kc.core import audit

# A sweep leaves fresh attachments to the scan task enqueued when the mail arrived.
SWEEP_GRACE = datetime.timedelta(minutes=2)


# An archive that unpacks beyond these is closed as "failed": clamd scans only the first
# part of a huge member and could pass a zip bomb.
ARCHIVE_MAX_UNPACKED = 100 * 1024 * 1024
ARCHIVE_MAX_RATIO = 100
ARCHIVE_MAX_MEMBERS = 1000


def archive_risk(data: bytes) -> str | None:
    """Why a ZIP archive must not be opened (read from its directory, never unpacked)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return None
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        return f"Archiv beschädigt: {exc}"
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if len(members) > ARCHIVE_MAX_MEMBERS:
        return f"Archiv mit {len(members)} Dateien"
    if unpacked > ARCHIVE_MAX_UNPACKED:
        return f"Archiv entpackt {unpacked // 2**20} MB"
    if unpacked > 10 * 1024 * 1024 and unpacked / packed > ARCHIVE_MAX_RATIO:
        return f"Archiv mit Packrate {unpacked // packed}:1"
    return None


def store_attachment(
    message: Message,
    *,
    filename: str,
    content: bytes,
    content_type: str,
    content_id: str = "",
    inline: bool = False,
) -> Attachment:
    """Keep a file of `message`, closed until scanned; call inside the message's transaction."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "anhang"
    attachment = Attachment(
        message=message,
        filename=name,
        content_type=content_type[:100],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_id=content_id[:255],
        inline=inline,
    )
    attachment.file.save(name[:100], ContentFile(content), save=False)
    attachment.save()
    attachment_stored.send(sender=Attachment, attachment_id=attachment.pk)
    return attachment


class Verdict(Protocol):
    """What a scanner reports (kc.core.clamd.ScanVerdict has this shape)."""

    @property
    def clean(self) -> bool: ...

    @property
    def signature(self) -> str | None: ...


def record_scan(attachment: Attachment, verdict: Verdict) -> bool:
    """Store the scanner's verdict; False when the attachment was no longer pending."""
    if verdict.clean:
        state, detail = Attachment.Scan.CLEAN, ""
    else:
        state, detail = Attachment.Scan.INFECTED, (verdict.signature or "unbekannt")[:200]
    return _finish(attachment, state, detail)


def record_scan_failure(attachment: Attachment, detail: str, *, final: bool = False) -> bool:
    """Note why a scan did not happen.

    Not final (clamd down, timeout): the attachment stays pending, keeps the reason and the
    sweep tries again later. Final (the file cannot be scanned at all, e.g. it is larger than
    clamd accepts): it becomes `failed` and stays closed for good.
    """
    if final:
        return _finish(attachment, Attachment.Scan.FAILED, detail[:200])
    updated = Attachment.objects.filter(pk=attachment.pk, scan=Attachment.Scan.PENDING).update(
        scan_detail=detail[:200]
    )
    if updated:
        attachment.scan_detail = detail[:200]
    return bool(updated)


def _finish(attachment: Attachment, state: str, detail: str) -> bool:
    updated = Attachment.objects.filter(pk=attachment.pk, scan=Attachment.Scan.PENDING).update(
        scan=state, scan_detail=detail
    )
    if not updated:
        return False
    attachment.scan, attachment.scan_detail = state, detail
    if state != Attachment.Scan.CLEAN:
        audit.record(
            actor=None,
            action=audit.Action.UPDATE,
            obj=attachment,
            partner_id=attachment.message.case.partner_id,
            changes={"scan": [Attachment.Scan.PENDING.value, state], "scan_detail": detail},
        )
    return True


def pending_attachment_ids(*, limit: int = 200) -> list[int]:
    """Attachments still waiting for a verdict, oldest first (for the periodic sweep)."""
    stale = timezone.now() - SWEEP_GRACE
    return list(
        Attachment.objects.filter(scan=Attachment.Scan.PENDING, message__created_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
