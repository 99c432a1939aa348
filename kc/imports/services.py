"""The staff page's import runs: store the uploaded ZIP, check it in a dry run, then import
the same stored file for real. The import itself runs as a background task."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit, clamd
from kc.core.enqueue import enqueue_with_transaction
from kc.core.models import User
from kc.core.validation import Refusal
from kc.imports import archive, engine
from kc.imports.models import ImportRun

log = logging.getLogger(__name__)
State = ImportRun.State


@transaction.atomic
def start_run(*, data: bytes, filename: str, system: str, actor: User) -> ImportRun:
    """Check the ZIP (type, size, bomb, paths, known files, virus scan) and queue a dry run."""
    try:
        archive.read_zip(data)
    except archive.ArchiveRefused as refusal:
        raise Refusal(str(refusal)) from refusal
    scan = clamd.scan_configured(data)
    if scan.state == "infected":
        raise Refusal(
            _("Die Datei wurde nicht angenommen: Der Virenscanner hat Schadsoftware gefunden.")
        )
    run = ImportRun(
        system=system.strip()[:40] or "altsystem",
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        state=State.CHECKING,
        created_by=actor,
    )
    run.upload.save("altdaten.zip", ContentFile(data), save=False)
    run.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=run)
    from kc.imports.tasks import execute_run

    enqueue_with_transaction(execute_run, run.pk)
    return run


@transaction.atomic
def confirm_run(*, run: ImportRun, actor: User) -> ImportRun:
    """'Jetzt übernehmen': import the checked file for real, once (a double click is a no-op)."""
    claimed = ImportRun.objects.filter(
        pk=run.pk, state=State.CHECKED, upload_deleted_at__isnull=True
    ).update(state=State.IMPORTING, imported_by=actor)
    if (
        not claimed
        and ImportRun.objects.filter(pk=run.pk, upload_deleted_at__isnull=False).exists()
    ):
        raise Refusal(
            _(
                "Die Datei dieser Lieferung ist nach Ablauf der Aufbewahrungsfrist gelöscht. "
                "Bitte laden Sie die Lieferung neu hoch."
            )
        )
    if not claimed:
        raise Refusal(_("Diese Lieferung wird schon übernommen oder ist nicht geprüft."))
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=run,
        changes={"state": [State.CHECKED, State.IMPORTING]},
    )
    from kc.imports.tasks import execute_run

    enqueue_with_transaction(execute_run, run.pk)
    run.refresh_from_db()
    return run


def execute_run(run_id: int) -> str:
    """The task: a dry run for a run being checked, the real import for one being imported."""
    run = ImportRun.objects.select_related("created_by", "imported_by").get(pk=run_id)
    if not run.busy:
        return run.state
    dry_run = run.state == State.CHECKING
    try:
        with run.upload.open("rb") as stream:
            export = archive.read_zip(stream.read())
        report = engine.run_import(
            export.files,
            system=run.system,
            dry_run=dry_run,
            actor=run.created_by if dry_run else run.imported_by,
            ignored_files=export.ignored,
        ).to_dict()
    except (archive.ArchiveRefused, OSError) as error:
        return _failed(run, str(error))
    except Exception as error:  # a bug must not leave the run "running" for ever
        log.exception("import run %s crashed", run_id)
        # The run's transaction was rolled back: nothing of it was stored.
        return _failed(run, _("Abgebrochen, nichts übernommen: %(error)s") % {"error": error})
    if dry_run:
        state = State.CHECKED if not report["problem"] else State.FAILED
        fields = {"dry_run_report": report}
    else:
        state = State.IMPORTED if not report["problem"] else State.FAILED
        fields = {"report": report}
    ImportRun.objects.filter(pk=run.pk).update(
        state=state, problem=report["problem"], finished_at=timezone.now(), **fields
    )
    return state


def _failed(run: ImportRun, problem: str) -> str:
    log.warning("import run %s failed: %s", run.pk, problem)
    ImportRun.objects.filter(pk=run.pk).update(
        state=State.FAILED, problem=problem, finished_at=timezone.now()
    )
    return State.FAILED
