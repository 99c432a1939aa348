"""Retention of the uploaded legacy exports: the stored ZIP holds names, addresses, IBANs and
readings of every customer in the delivery. Once a run has ended (imported, failed, or checked
and never taken over), its file is deleted KC_IMPORT_FILE_RETENTION_DAYS after it ended, by the
daily task (KC_PERIODIC_TASKS["import_file_purge"]). The run keeps its reports, file name and
checksum, and records when the file went (`upload_deleted_at`, an audit row).

The file is deleted inside the transaction that records it: should the commit fail, the row
still names the file and the next run deletes nothing more (a missing file is no error) and
records it then. Runs that are busy (being checked or imported) are never touched, and
claiming the row by a conditional update keeps a purge and "Jetzt übernehmen" from both
winning on a checked run.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kc.core import audit
from kc.imports.models import ImportRun

log = logging.getLogger(__name__)
State = ImportRun.State
ENDED = (State.CHECKED, State.IMPORTED, State.FAILED)


def retention_days() -> int:
    return int(settings.KC_IMPORT_FILE_RETENTION_DAYS)


def files_due(now: datetime.datetime) -> QuerySet[ImportRun]:
    """Ended runs whose file is still stored and whose end lies beyond the retention."""
    cutoff = now - datetime.timedelta(days=retention_days())
    return (
        ImportRun.objects.filter(
            state__in=ENDED, finished_at__lte=cutoff, upload_deleted_at__isnull=True
        )
        .exclude(upload="")
        .order_by("pk")
    )


def purge_files(now: datetime.datetime | None = None) -> list[int]:
    """Delete the files that are due; returns the ids of the runs whose file went."""
    now = now or timezone.now()
    purged = [run.pk for run in files_due(now) if _purge(run, now)]
    log.info("import file purge: %s file(s) deleted", len(purged))
    return purged


@transaction.atomic
def _purge(run: ImportRun, now: datetime.datetime) -> bool:
    name = run.upload.name or ""
    claimed = ImportRun.objects.filter(
        pk=run.pk, state__in=ENDED, upload_deleted_at__isnull=True, upload=name
    ).update(upload="", upload_deleted_at=now)
    if not claimed:  # taken over or purged meanwhile
        return False
    run.upload.storage.delete(name)
    audit.record(
        actor=None,
        action=audit.Action.DELETE,
        obj=run,
        changes={"file": name, "sha256": run.sha256, "retention_days": retention_days()},
    )
    return True
