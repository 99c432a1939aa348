"""Task pages: the open tasks of a team (the customer center's on-site list by default for its
staff), confirming one back to its case, and the requests I handed to others."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kc.cases import onsite
from kc.cases.forms import TaskDoneForm
from kc.cases.models import CaseTask, Queue
from kc.core.form_views import call_service
from kc.core.http import StaffRequest
from kc.core.uploads import read_upload

MAX_ID_DIGITS = 9  # below 2**31: a primary key both SQLite and PostgreSQL can compare


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def task_list(request: StaffRequest) -> HttpResponse:
    """Open tasks of a team's queue, oldest first; default: the queues of my team."""
    queue_id = request.GET.get("queue", "")
    kind = request.GET.get("kind", "")
    tasks = onsite.open_tasks(
        queue_id=_queue_id(queue_id),
        team_id=request.user.team_id,
        kind=kind if kind in CaseTask.Kind.values else "",
    )
    return render(
        request,
        "cases/task_list.html",
        {
            "tasks": tasks[:200],
            "queues": Queue.objects.all(),
            "queue_id": queue_id,
            "kinds": CaseTask.Kind.choices,
            "kind": kind,
            "scan_kinds": onsite.SCAN_REQUIRED,
        },
    )


def _queue_id(text: str) -> int | None:
    """A queue id from the query string; anything else (also "²", which isdigit() accepts, and
    numbers beyond the database's integers) means no queue filter."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_POST
def task_done(request: StaffRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(CaseTask, pk=task_id)
    form = TaskDoneForm(request.POST, request.FILES)
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    target = back if back and safe else reverse("cases:tasks")
    if form.is_valid():
        upload = form.cleaned_data["scan"]
        asked_at = timezone.now()
        done = call_service(
            form,
            lambda: onsite.confirm(
                task=task,
                actor=request.user,
                note=form.cleaned_data["note"],
                scan=read_upload(upload) if upload else None,
                filename=upload.name if upload else "",
            ),
        )
        if done is not None and done.done_at is not None and done.done_at < asked_at:
            # Done before this request (a colleague, or a second click): confirm() changed
            # nothing, so this note and scan are not on the case; say so instead of "done".
            who = (
                done.done_by.get_full_name() or done.done_by.get_username() if done.done_by else ""
            )
            messages.warning(
                request,
                _(
                    "„%(title)s“ war schon erledigt (%(who)s, %(at)s); Ihre Angaben wurden nicht "
                    "übernommen."
                )
                % {
                    "title": done.title,
                    "who": who or "–",
                    "at": formats.date_format(timezone.localtime(done.done_at), "d.m.Y H:i"),
                },
            )
            return redirect(target)
        if done is not None:
            messages.success(request, _("Aufgabe erledigt und an den Vorgang gemeldet."))
            return redirect(target)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"{task.title}: {error}")
    return redirect(target)


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def my_requests(request: StaffRequest) -> HttpResponse:
    """The tasks I asked others for, with their confirmation."""
    return render(
        request,
        "cases/task_requests.html",
        {"tasks": onsite.requested_by(request.user)[:200]},
    )
