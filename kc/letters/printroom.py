"""The print room: batches of letters for post, printed once on the customer center's CUPS
printer, then enveloped and handed to the post by the staff on site.

Exactly once: a delivery joins a batch by a conditional UPDATE (queued -> batched), a print
job is claimed by a conditional UPDATE (pending -> submitting), and the CUPS job carries the
job's unique name, so a worker that died after CUPS accepted the job finds it there instead of
printing again. A second print of a batch is always a recorded reprint with a reason.
"""

from __future__ import annotations

import datetime
import io
import logging
import secrets
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kc.core.enqueue import enqueue_with_transaction
from kc.core.faults import crash_point
from kc.core.models import User
from kc.core.numbers import next_number
from kc.letters import ipp, postage
from kc.letters.batchpdf import BatchCover, BatchLetter, build_batch_pdf
from kc.letters.models import Delivery, Letter, LetterEvent, PrintBatch, PrintJob

log = logging.getLogger(__name__)

ACTIVE_JOB_STATES = (PrintJob.State.PENDING, PrintJob.State.SUBMITTING, PrintJob.State.SUBMITTED)


def _claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.KC_PRINT_CLAIM_SECONDS)


class PrintRoomError(Exception):
    """Not possible now; the message tells the staff member why."""


# --- batches --------------------------------------------------------------------------


def assemble_batches(*, max_letters: int | None = None) -> list[PrintBatch]:
    """Put every letter waiting for print into batches of one envelope and postage class."""
    size = max_letters or settings.KC_PRINT_BATCH_SIZE
    _rebuild_stuck_batches()
    batches: list[PrintBatch] = []
    while True:
        with transaction.atomic():
            batch = _assemble_one(size)
        if batch is None:
            return batches
        batches.append(batch)


def _assemble_one(size: int) -> PrintBatch | None:
    waiting = Delivery.objects.filter(
        channel=Delivery.Channel.POST,
        state=Delivery.State.QUEUED,
        letter__status=Letter.Status.READY,
    ).order_by("pk")
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    first = waiting.values("envelope", "postage_class").first()
    if first is None:
        return None
    group = waiting.filter(envelope=first["envelope"], postage_class=first["postage_class"])
    ids = list(group.values_list("pk", flat=True)[:size])
    batch = PrintBatch.objects.create(
        number=next_number("print_batch"),
        state=PrintBatch.State.BUILDING,
        envelope=first["envelope"],
        postage_class=first["postage_class"],
        postage_total=Decimal(0),
    )
    claimed = []
    for position, pk in enumerate(ids, start=1):
        if Delivery.objects.filter(pk=pk, state=Delivery.State.QUEUED).update(
            state=Delivery.State.BATCHED, batch=batch, position=position
        ):
            claimed.append(pk)
    letter_ids = Delivery.objects.filter(pk__in=claimed).values_list("letter_id", flat=True)
    LetterEvent.objects.bulk_create(
        LetterEvent(letter_id=letter_id, kind=LetterEvent.Kind.BATCHED, detail=batch.number)
        for letter_id in letter_ids
    )
    _refresh_totals(batch)
    from kc.letters import tasks

    enqueue_with_transaction(tasks.build_print_batch, batch.pk)
    return batch


def _rebuild_stuck_batches() -> None:
    """A worker that died while building leaves its batch in BUILDING: build it again."""
    from kc.letters import tasks

    stuck = PrintBatch.objects.filter(
        state=PrintBatch.State.BUILDING, created_at__lt=timezone.now() - _claim_timeout()
    )
    for batch_id in stuck.values_list("pk", flat=True):
        tasks.build_print_batch.enqueue(batch_id)


def _refresh_totals(batch: PrintBatch) -> None:
    live = batch.deliveries.exclude(state=Delivery.State.WITHDRAWN)
    totals = live.aggregate(
        letters=Count("pk"), sheets=Sum("letter__sheets"), postage=Sum("postage")
    )
    batch.letter_count = totals["letters"] or 0
    batch.sheet_count = totals["sheets"] or 0
    batch.postage_total = totals["postage"] or Decimal(0)
    batch.save(update_fields=["letter_count", "sheet_count", "postage_total"])


def build_batch(batch_id: int) -> PrintBatch:
    """Make the batch PDF (again, after a letter was taken out). Idempotent."""
    batch = PrintBatch.objects.get(pk=batch_id)
    if batch.state != PrintBatch.State.BUILDING:
        return batch
    deliveries = list(
        batch.deliveries.filter(state=Delivery.State.BATCHED)
        .select_related("letter")
        .order_by("position")
    )
    if not deliveries:
        PrintBatch.objects.filter(pk=batch.pk, state=PrintBatch.State.BUILDING).update(
            state=PrintBatch.State.EMPTY
        )
        return PrintBatch.objects.get(pk=batch.pk)
    buffer = io.BytesIO()
    pages = build_batch_pdf(
        _cover(batch),
        [BatchLetter(d.letter.number, d.letter.pdf.open("rb").file) for d in deliveries],
        buffer,
        marks=settings.KC_PRINT_CONTROL_MARKS,
    )
    for delivery in deliveries:
        delivery.letter.pdf.close()
    with transaction.atomic():
        locked = PrintBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state != PrintBatch.State.BUILDING:
            return locked  # a withdrawal changed it meanwhile: its own build follows
        if locked.pdf:
            locked.pdf.delete(save=False)
        locked.pdf.save(f"{locked.number}.pdf", ContentFile(buffer.getvalue()), save=False)
        locked.pdf_pages = pages
        locked.state = PrintBatch.State.READY
        locked.save(update_fields=["pdf", "pdf_pages", "state"])
    return locked


def _cover(batch: PrintBatch) -> BatchCover:
    created = timezone.localtime(batch.created_at)
    return BatchCover(
        batch_number=batch.number,
        envelope=batch.envelope,
        postage_name=postage.postage_name(batch.postage_class, day=created.date()),
        postage_total=batch.postage_total,
        letter_count=batch.letter_count,
        sheet_count=batch.sheet_count,
        created=f"{created:%d.%m.%Y %H:%M}",
        duplex=settings.KC_PRINT_DUPLEX,
    )


def take_out_of_print(delivery: Delivery) -> None:
    """Withdraw a post delivery that is not printed yet (called inside withdraw_letter)."""
    if delivery.state == Delivery.State.QUEUED:
        return  # withdrawn with the other queued deliveries
    if delivery.state != Delivery.State.BATCHED or delivery.batch is None:
        raise PrintRoomError(
            _("Der Brief ist bereits gedruckt und kann nicht mehr zurückgezogen werden.")
        )
    batch = PrintBatch.objects.select_for_update().get(pk=delivery.batch.pk)
    if batch.jobs.filter(state__in=[*ACTIVE_JOB_STATES, PrintJob.State.COMPLETED]).exists():
        raise PrintRoomError(
            _(
                "Stapel %(number)s wird gerade gedruckt; der Brief kann nicht mehr "
                "zurückgezogen werden. Bitte im Druckraum aussortieren."
            )
            % {"number": batch.number}
        )
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.WITHDRAWN)
    batch.state = PrintBatch.State.BUILDING
    batch.save(update_fields=["state"])
    _refresh_totals(batch)
    from kc.letters import tasks

    enqueue_with_transaction(tasks.build_print_batch, batch.pk)


# --- printing -------------------------------------------------------------------------


@transaction.atomic
def request_print(*, batch: PrintBatch, actor: User, reason: str = "") -> PrintJob:
    """Print a batch; a second print is a reprint and needs a reason."""
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    if not settings.KC_PRINTER_URI:
        raise PrintRoomError(_("Es ist kein Drucker eingerichtet (KC_PRINTER_URI)."))
    if batch.state in (PrintBatch.State.BUILDING, PrintBatch.State.EMPTY):
        raise PrintRoomError(
            _("Stapel %(number)s ist noch nicht druckbereit.") % {"number": batch.number}
        )
    if batch.jobs.filter(state__in=ACTIVE_JOB_STATES).exists():
        raise PrintRoomError(
            _("Stapel %(number)s ist bereits beim Drucker.") % {"number": batch.number}
        )
    previous = batch.jobs.count()
    # Any second submission may print sheets twice (an aborted job can have printed half).
    if previous and not reason.strip():
        raise PrintRoomError(_("Ein erneuter Druck braucht einen Grund (z. B. Papierstau)."))
    job = PrintJob.objects.create(
        batch=batch,
        attempt=previous + 1,
        # Unique beyond this database (a restored backup or a test system may share the
        # printer): CUPS is searched by this name after a crash.
        job_name=f"kc-{batch.number}-{previous + 1}-{secrets.token_hex(4)}",
        printer_uri=settings.KC_PRINTER_URI,
        state=PrintJob.State.PENDING,
        reason=reason.strip()[:300],
        requested_by=actor,
    )
    if batch.printed_at is None:
        batch.state = PrintBatch.State.PRINTING
        batch.problem = ""
        batch.save(update_fields=["state", "problem"])
    from kc.letters import tasks

    enqueue_with_transaction(tasks.submit_print_job, job.pk)
    return job


@transaction.atomic
def cancel_print_job(*, job: PrintJob, actor: User, reason: str) -> PrintJob:
    """Give up a job that hangs (printer gone, paper jam for hours): cancelled at CUPS where it
    got there, the batch printable again. Printing it again then needs a reason."""
    job = PrintJob.objects.select_for_update().get(pk=job.pk)
    if not reason.strip():
        raise PrintRoomError(_("Bitte einen Grund für den Abbruch angeben."))
    if job.state == PrintJob.State.SUBMITTING:
        raise PrintRoomError(_("Der Auftrag wird gerade gesendet; bitte gleich noch einmal."))
    if job.state not in (PrintJob.State.PENDING, PrintJob.State.SUBMITTED):
        raise PrintRoomError(_("Dieser Druckauftrag läuft nicht mehr."))
    note = ""
    if job.cups_job_id:
        try:
            ipp.cancel_job(job.printer_uri, job.cups_job_id)
        except (ipp.PrintError, OSError) as exc:
            note = f" (CUPS: {exc})"
    name = actor.get_full_name() or actor.get_username()
    detail = f"Abgebrochen von {name}: {reason.strip()}{note}"[:300]
    job.state, job.detail = PrintJob.State.FAILED, detail
    job.save(update_fields=["state", "detail"])
    batch = PrintBatch.objects.select_for_update().get(pk=job.batch_id)
    if batch.printed_at is None:
        batch.state = PrintBatch.State.READY
    batch.problem = detail
    batch.save(update_fields=["state", "problem"])
    return job


def claim_job(job_id: int) -> PrintJob | None:
    now = timezone.now()
    claimed = (
        PrintJob.objects.filter(pk=job_id)
        .filter(
            models.Q(state=PrintJob.State.PENDING)
            | models.Q(state=PrintJob.State.SUBMITTING, claimed_at__lt=now - _claim_timeout())
        )
        .update(state=PrintJob.State.SUBMITTING, claimed_at=now)
    )
    return PrintJob.objects.select_related("batch").get(pk=job_id) if claimed else None


def submit_job(job_id: int) -> PrintJob | None:
    """Hand a claimed job to CUPS once. Printer problems put it back to wait, with the reason."""
    job = claim_job(job_id)
    if job is None:
        return None  # submitted already, or another worker has it
    try:
        status = ipp.printer_status(job.printer_uri)
        if not status.ready:
            return _back_to_pending(job, printer_problem_text(status.problem or ""))
        found = ipp.find_jobs(job.printer_uri, job_name=job.job_name)
        if found:
            cups_id = found[0].job_id  # a worker died after CUPS took it: do not print again
        else:
            crash_point("print.before_submit")
            with job.batch.pdf.open("rb") as document:
                cups_id = ipp.print_job(
                    job.printer_uri,
                    document.file,
                    job_name=job.job_name,
                    duplex=settings.KC_PRINT_DUPLEX,
                )
            crash_point("print.after_submit")
    except (ipp.IppError, ipp.PrinterUnreachable, OSError) as exc:
        return _back_to_pending(job, f"Drucker nicht erreichbar oder Fehler: {exc}")
    PrintJob.objects.filter(pk=job.pk, state=PrintJob.State.SUBMITTING).update(
        state=PrintJob.State.SUBMITTED,
        cups_job_id=cups_id,
        submitted_at=timezone.now(),
        detail="",
    )
    PrintBatch.objects.filter(pk=job.batch_id).update(problem="")
    return PrintJob.objects.get(pk=job.pk)


PRINTER_PROBLEMS = {
    "offline": gettext_lazy("Drucker ist offline."),
    "media-jam": gettext_lazy("Drucker: Papierstau."),
    "media-empty": gettext_lazy("Drucker: kein Papier."),
    "door-open": gettext_lazy("Drucker: eine Klappe ist offen."),
    "toner-empty": gettext_lazy("Drucker: Toner leer."),
    "tray-missing": gettext_lazy("Drucker: ein Papierfach fehlt."),
    "output-full": gettext_lazy("Drucker: Ablage voll."),
    "stopped": gettext_lazy("Drucker ist angehalten."),
    "not-accepting": gettext_lazy("Drucker nimmt keine Aufträge an."),
    "error": gettext_lazy("Drucker meldet einen Fehler."),
}


def printer_problem_text(problem: str) -> str:
    """The staff's words for a printer problem code of `ipp.PrinterStatus.problem`."""
    return str(
        PRINTER_PROBLEMS.get(problem, _("Drucker meldet: %(problem)s.") % {"problem": problem})
    )


def _back_to_pending(job: PrintJob, detail: str) -> PrintJob:
    PrintJob.objects.filter(pk=job.pk, state=PrintJob.State.SUBMITTING).update(
        state=PrintJob.State.PENDING, claimed_at=None, detail=detail[:300]
    )
    PrintBatch.objects.filter(pk=job.batch_id).update(problem=detail[:300])
    log.warning("print job %s waits: %s", job.job_name, detail)
    return PrintJob.objects.get(pk=job.pk)


def check_jobs() -> dict[str, int]:
    """Follow the jobs at CUPS; retry waiting jobs; flag jobs CUPS does not finish."""
    counts: dict[str, int] = defaultdict(int)
    for job in PrintJob.objects.filter(state=PrintJob.State.SUBMITTED).select_related("batch"):
        counts[_check_one(job)] += 1
    stale = timezone.now() - _claim_timeout()
    waiting = PrintJob.objects.filter(
        models.Q(state=PrintJob.State.PENDING)
        | models.Q(state=PrintJob.State.SUBMITTING, claimed_at__lt=stale)
    )
    from kc.letters import tasks

    for job_id in waiting.values_list("pk", flat=True):
        tasks.submit_print_job.enqueue(job_id)
        counts["retried"] += 1
    return dict(counts)


def _check_one(job: PrintJob) -> str:
    try:
        state = ipp.get_job(job.printer_uri, job.cups_job_id or 0)
    except (ipp.IppError, ipp.PrinterUnreachable, OSError) as exc:
        _flag(job, f"Drucker nicht erreichbar: {exc}")
        return "unreachable"
    PrintJob.objects.filter(pk=job.pk).update(checked_at=timezone.now())
    if state.state == ipp.JOB_COMPLETED:
        _completed(job)
        return "completed"
    if state.state in (ipp.JOB_CANCELED, ipp.JOB_ABORTED):
        _failed(job, "Druckauftrag wurde abgebrochen: bitte prüfen und nachdrucken.")
        return "failed"
    limit = datetime.timedelta(minutes=settings.KC_PRINT_JOB_ALERT_MINUTES)
    if job.submitted_at and timezone.now() - job.submitted_at > limit:
        reasons = ", ".join(state.state_reasons) or "keine Meldung"
        minutes = settings.KC_PRINT_JOB_ALERT_MINUTES
        _flag(job, f"Drucker hat den Auftrag seit über {minutes} min nicht fertig ({reasons}).")
    return "printing"


def _flag(job: PrintJob, detail: str) -> None:
    PrintJob.objects.filter(pk=job.pk).update(detail=detail[:300])
    PrintBatch.objects.filter(pk=job.batch_id).update(problem=detail[:300])


@transaction.atomic
def _completed(job: PrintJob) -> None:
    if not PrintJob.objects.filter(pk=job.pk, state=PrintJob.State.SUBMITTED).update(
        state=PrintJob.State.COMPLETED, completed_at=timezone.now(), detail=""
    ):
        return
    batch = PrintBatch.objects.select_for_update().get(pk=job.batch_id)
    reprint = job.attempt > 1 and batch.printed_at is not None
    kind = LetterEvent.Kind.REPRINTED if reprint else LetterEvent.Kind.PRINTED
    letter_ids = list(
        batch.deliveries.exclude(state=Delivery.State.WITHDRAWN).values_list("letter_id", flat=True)
    )
    batch.deliveries.filter(state=Delivery.State.BATCHED).update(state=Delivery.State.PRINTED)
    detail = f"{batch.number}" + (f": {job.reason}" if reprint and job.reason else "")
    LetterEvent.objects.bulk_create(
        LetterEvent(letter_id=letter_id, kind=kind, actor=job.requested_by, detail=detail)
        for letter_id in letter_ids
    )
    if batch.printed_at is None:
        batch.printed_at = timezone.now()
        batch.state = PrintBatch.State.PRINTED
    batch.problem = ""
    batch.save(update_fields=["printed_at", "state", "problem"])


def _failed(job: PrintJob, detail: str) -> None:
    with transaction.atomic():
        PrintJob.objects.filter(pk=job.pk, state=PrintJob.State.SUBMITTED).update(
            state=PrintJob.State.FAILED, detail=detail
        )
        batch = PrintBatch.objects.select_for_update().get(pk=job.batch_id)
        if batch.printed_at is None:
            batch.state = PrintBatch.State.READY
        batch.problem = detail
        batch.save(update_fields=["state", "problem"])


# --- on-site confirmations -------------------------------------------------------------


@transaction.atomic
def mark_enveloped(*, batch: PrintBatch, actor: User) -> PrintBatch:
    return _confirm(batch, actor, PrintBatch.State.PRINTED, PrintBatch.State.ENVELOPED)


@transaction.atomic
def mark_posted(*, batch: PrintBatch, actor: User) -> PrintBatch:
    return _confirm(batch, actor, PrintBatch.State.ENVELOPED, PrintBatch.State.POSTED)


def _confirm(
    batch: PrintBatch, actor: User, before: PrintBatch.State, after: PrintBatch.State
) -> PrintBatch:
    batch = PrintBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != before:
        raise PrintRoomError(
            _("Stapel %(number)s ist „%(state)s“; dieser Schritt passt nicht.")
            % {"number": batch.number, "state": batch.get_state_display()}
        )
    now = timezone.now()
    if after == PrintBatch.State.ENVELOPED:
        delivery_state, event = Delivery.State.ENVELOPED, LetterEvent.Kind.ENVELOPED
    else:
        delivery_state, event = Delivery.State.POSTED, LetterEvent.Kind.POSTED
    live = batch.deliveries.exclude(state=Delivery.State.WITHDRAWN)
    letter_ids = list(live.values_list("letter_id", flat=True))
    live.update(state=delivery_state)
    LetterEvent.objects.bulk_create(
        LetterEvent(letter_id=letter_id, kind=event, actor=actor, detail=batch.number)
        for letter_id in letter_ids
    )
    batch.state = after
    if after == PrintBatch.State.ENVELOPED:
        batch.enveloped_at, batch.enveloped_by = now, actor
    else:
        batch.posted_at, batch.posted_by = now, actor
    batch.save()
    return batch
