"""On-site tasks: work only the customer center can do (print and hand over, hand over at the
window, check a receipt held to the window, scan paper mail), asked for by agents anywhere.

A task lands in the queue of the customer-center team, shows who asked, and its confirmation
goes back to the case's timeline (with the scan, for paper mail) and to the requester's list
of their own requests.
"""

import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases.attachments import store_attachment
from kc.cases.models import Case, CaseTask, Message, Queue
from kc.cases.services import add_message, complete_task, hand_off_task
from kc.core.models import Team, User
from kc.core.uploads import prepare_upload
from kc.core.validation import Refusal, field_error

ONSITE_KINDS = frozenset(
    {
        CaseTask.Kind.PRINT,
        CaseTask.Kind.HAND_OVER,
        CaseTask.Kind.CHECK_RECEIPT,
        CaseTask.Kind.SCAN_MAIL,
    }
)
# A confirmation of these is only worth something with the paper as a file.
SCAN_REQUIRED = frozenset({CaseTask.Kind.SCAN_MAIL})
# How long done requests stay on the requester's list.
RECENTLY_DONE = datetime.timedelta(days=14)


def onsite_queue() -> Queue | None:
    """The customer center's queue: its team's default queue first, then by name."""
    return (
        Queue.objects.filter(team__kind=Team.Kind.CUSTOMER_CENTER)
        .order_by("-is_default", "name")
        .first()
    )


def request_task(
    *,
    case: Case,
    kind: str,
    title: str,
    note: str,
    actor: User,
    queue: Queue | None = None,
    owner: User | None = None,
) -> CaseTask:
    """Hand a piece of the case to a team. On-site kinds go to the customer center when no
    team is named; the title defaults to the kind's name."""
    if queue is None:
        if kind not in ONSITE_KINDS:
            raise field_error("queue", _("Bitte ein Team wählen."), "no_queue")
        queue = onsite_queue()
        if queue is None:
            raise field_error(
                "queue",
                _("Es ist kein Team des Kunden-Centers mit einer Warteschlange eingerichtet."),
                "no_onsite_queue",
            )
    title = title.strip() or str(CaseTask.Kind(kind).label)
    return hand_off_task(
        case=case, queue=queue, title=title, note=note, actor=actor, owner=owner, kind=kind
    )


def may_confirm(user: User, task: CaseTask) -> bool:
    """Who did the work says it is done: the task's team, its named owner, or a team lead
    (who sees the team); an agent at home cannot tick off work at the counter."""
    return (
        user.team_id == task.queue.team_id
        or user.pk == task.owner_id
        or user.has_perm("core.view_team")
    )


@transaction.atomic
def confirm(
    *, task: CaseTask, actor: User, note: str = "", scan: bytes | None = None, filename: str = ""
) -> CaseTask:
    """Done, reported back on the case. Paper mail needs its scan, which goes onto the case
    as a file (checked by content, then virus-scanned like every attachment)."""
    task = CaseTask.objects.select_for_update().select_related("queue").get(pk=task.pk)
    if task.status == CaseTask.Status.DONE:
        return task
    if not may_confirm(actor, task):
        raise Refusal(
            _("Nur das Team „%(team)s“ oder die Teamleitung kann diese Aufgabe erledigt melden.")
            % {"team": task.queue.team}
        )
    if task.kind in SCAN_REQUIRED and not scan:
        raise field_error("scan", _("Bitte den Scan der Papierpost anhängen."), "scan_missing")
    prepared = prepare_upload(scan) if scan else None
    done = complete_task(task=task, actor=actor, note=note)
    if prepared is not None:
        message = add_message(
            done.case,
            Message.Kind.NOTE,
            actor,
            body_text=_("Scan zu „%(title)s“") % {"title": done.title},
        )
        stem = filename.rsplit(".", 1)[0].strip() or "scan"
        store_attachment(
            message,
            filename=f"{stem}.{prepared.extension}",
            content=prepared.data,
            content_type=prepared.content_type,
        )
    return done


def open_tasks(*, queue_id: int | None, team_id: int | None, kind: str = "") -> QuerySet[CaseTask]:
    """Open tasks, oldest first: of one queue, else of the user's team's queues."""
    tasks = CaseTask.objects.filter(status=CaseTask.Status.OPEN).select_related(
        "case", "queue", "owner", "requested_by"
    )
    if queue_id is not None:
        tasks = tasks.filter(queue_id=queue_id)
    elif team_id is not None:
        tasks = tasks.filter(queue__team_id=team_id)
    if kind:
        tasks = tasks.filter(kind=kind)
    return tasks.order_by("created_at", "pk")


def requested_by(user: User, *, now: datetime.datetime | None = None) -> QuerySet[CaseTask]:
    """What the user asked of other teams: open ones, and those done in the last two weeks
    with who did them and what they said."""
    since = (now or timezone.now()) - RECENTLY_DONE
    return (
        CaseTask.objects.filter(requested_by=user)
        .filter(Q(status=CaseTask.Status.OPEN) | Q(done_at__gte=since))
        .select_related("case", "queue", "done_by")
        .order_by("-status", "-created_at")  # "open" before "done"
    )
