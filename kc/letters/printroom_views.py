"""The print room: printer state, batches to print, reprint, envelope and post.

Views parse input, call kc.letters.services / printroom and render; the services refuse what is
not possible now with a German message, which the views show as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from kc.core import audit
from kc.core.http import StaffRequest, pdf_response
from kc.core.models import User
from kc.letters import ipp, postage, printroom, selectors
from kc.letters.models import PrintBatch, PrintJob

PRINT_ROOM = "letters.change_printbatch"
PRINTER_TIMEOUT_SECONDS = 2.0
STOP_POLLING = 286  # htmx stops polling on this status (logged out: no login page swapped in)

# --- print room ------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterView:
    configured: bool
    reachable: bool = False
    ready: bool = False
    text: str = ""
    message: str = ""


def _printer() -> PrinterView:
    uri = settings.KC_PRINTER_URI
    if not uri:
        return PrinterView(configured=False)
    try:
        status = ipp.printer_status(uri, timeout=PRINTER_TIMEOUT_SECONDS)
    except (ipp.PrintError, OSError, ValueError):
        return PrinterView(configured=True)
    if status.ready:
        text = _("druckt") if status.state_name == "processing" else _("bereit")
    else:
        text = str(printroom.printer_problem_text(status.problem or ""))
    return PrinterView(
        configured=True,
        reachable=True,
        ready=status.ready,
        text=text,
        message=status.state_message,
    )


@dataclass(frozen=True)
class WaitingRow:
    envelope: str
    postage_name: str
    count: int


@dataclass(frozen=True)
class BatchRow:
    batch: PrintBatch
    jobs: list[PrintJob]
    postage_name: str

    @property
    def may_print(self) -> bool:
        return self.batch.state == PrintBatch.State.READY and not self.jobs

    @property
    def may_reprint(self) -> bool:
        """After a print, or when every earlier job failed: a second print needs a reason."""
        done = self.batch.state in (PrintBatch.State.PRINTED, PrintBatch.State.ENVELOPED)
        active = any(job.state in printroom.ACTIVE_JOB_STATES for job in self.jobs)
        failed_before = self.batch.state == PrintBatch.State.READY and bool(self.jobs)
        return (done or failed_before) and not active

    @property
    def may_cancel(self) -> bool:
        """A job that waits or hangs at the printer (not one being sent this moment)."""
        waiting = (PrintJob.State.PENDING, PrintJob.State.SUBMITTED)
        return any(job.state in waiting for job in self.jobs)

    @property
    def may_envelope(self) -> bool:
        return self.batch.state == PrintBatch.State.PRINTED

    @property
    def may_post(self) -> bool:
        return self.batch.state == PrintBatch.State.ENVELOPED


def _batch_context() -> dict[str, object]:
    return {
        "batches": [
            BatchRow(
                b,
                list(b.jobs.all()),
                postage.postage_name(b.postage_class, day=timezone.localdate()),
            )
            for b in selectors.open_batches()
        ],
        "checked_at": timezone.localtime(),
    }


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_GET
def print_room(request: StaffRequest) -> HttpResponse:
    waiting = [
        WaitingRow(envelope, postage.postage_name(postage_class, day=timezone.localdate()), count)
        for envelope, postage_class, count in selectors.waiting_for_batch()
    ]
    context = {
        **_batch_context(),
        "printer": _printer(),
        "waiting": waiting,
        "posted": [
            BatchRow(b, [], postage.postage_name(b.postage_class, day=timezone.localdate()))
            for b in selectors.recently_posted_batches()
        ],
        "posted_days": selectors.RECENTLY_POSTED_DAYS,
    }
    return render(request, "letters/print_room.html", context)


@require_GET
def print_room_batches(request: HttpRequest) -> HttpResponse:
    """The open batches, polled by the print room page every 10 s (htmx)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return HttpResponse(status=STOP_POLLING)
    if not user.has_perm(PRINT_ROOM):
        raise PermissionDenied
    if not request.headers.get("HX-Request"):
        return redirect("letters:print_room")
    response = render(request, "letters/_batches.html", _batch_context())
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_POST
def print_room_assemble(request: StaffRequest) -> HttpResponse:
    batches = printroom.assemble_batches()
    if batches:
        count = len(batches)
        messages.success(
            request,
            ngettext(
                "%(count)d Stapel gebildet: %(numbers)s. Das PDF wird erstellt.",
                "%(count)d Stapel gebildet: %(numbers)s. Die PDFs werden erstellt.",
                count,
            )
            % {"count": count, "numbers": ", ".join(b.number for b in batches)},
        )
    else:
        messages.info(request, _("Es warten keine Briefe auf einen Stapel."))
    return redirect("letters:print_room")


def _batch_action(
    request: StaffRequest, number: str, action: Callable[[PrintBatch], str]
) -> HttpResponse:
    batch = get_object_or_404(PrintBatch, number=number)
    try:
        done = action(batch)
    except printroom.PrintRoomError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("letters:print_room")


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_POST
def batch_print(request: StaffRequest, number: str) -> HttpResponse:
    """Print, or print again with a reason (the service refuses a second click)."""
    reason = request.POST.get("reason", "")

    def action(batch: PrintBatch) -> str:
        job = printroom.request_print(batch=batch, actor=request.user, reason=reason)
        if job.attempt > 1:
            text = _("Nachdruck von Stapel %(number)s ist beauftragt (Versuch %(attempt)d).")
        else:
            text = _("Stapel %(number)s geht an den Drucker.")
        return text % {"number": batch.number, "attempt": job.attempt}

    return _batch_action(request, number, action)


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_POST
def batch_cancel_job(request: StaffRequest, number: str) -> HttpResponse:
    """Give up a job that hangs at the printer; the batch can then be printed again."""
    reason = request.POST.get("reason", "")

    def action(batch: PrintBatch) -> str:
        job = batch.jobs.filter(state__in=printroom.ACTIVE_JOB_STATES).first()
        if job is None:
            raise printroom.PrintRoomError(_("Für diesen Stapel läuft kein Druckauftrag."))
        printroom.cancel_print_job(job=job, actor=request.user, reason=reason)
        return _("Druckauftrag für Stapel %(number)s abgebrochen.") % {"number": batch.number}

    return _batch_action(request, number, action)


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_POST
def batch_enveloped(request: StaffRequest, number: str) -> HttpResponse:
    def action(batch: PrintBatch) -> str:
        printroom.mark_enveloped(batch=batch, actor=request.user)
        return _("Stapel %(number)s ist kuvertiert.") % {"number": batch.number}

    return _batch_action(request, number, action)


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_POST
def batch_posted(request: StaffRequest, number: str) -> HttpResponse:
    def action(batch: PrintBatch) -> str:
        printroom.mark_posted(batch=batch, actor=request.user)
        return _("Stapel %(number)s ist zur Post gegeben.") % {"number": batch.number}

    return _batch_action(request, number, action)


@login_required
@permission_required(PRINT_ROOM, raise_exception=True)
@require_GET
def batch_pdf(request: StaffRequest, number: str) -> FileResponse:
    """The batch PDF (cover sheet and letters) to look at or print by hand; audited."""
    batch = get_object_or_404(PrintBatch, number=number)
    if not batch.pdf:
        raise Http404(_("Das PDF des Stapels ist noch nicht erstellt."))
    document = batch.pdf.open("rb")
    audit.record(actor=request.user, action=audit.Action.READ, obj=batch)
    return pdf_response(document, f"{batch.number}.pdf")
