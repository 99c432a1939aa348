"""Every change to a case goes through here: opening, notes, replies, status, handoffs."""

import datetime
import hashlib
import uuid
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import signals, sla
from kc.cases.models import (
    Attachment,
    Case,
    CasePause,
    CaseTask,
    CaseViewer,
    Message,
    Queue,
    SavedView,
    TextModule,
)
from kc.cases.text_modules import fill_placeholders, salutation_line
from kc.core import audit
from kc.core.models import User
from kc.core.numbers import next_number
from kc.core.validation import field_error
from kc.customers.models import BusinessPartner

# Someone who has not refreshed the case page for this long has left it.
VIEWER_FRESH_SECONDS = 45


def default_queue() -> Queue:
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.order_by("pk").first()
    if queue is None:
        raise ValidationError(_("Es ist keine Warteschlange eingerichtet."), code="no_queue")
    return queue


@transaction.atomic
def open_case(
    *,
    subject: str,
    channel: str,
    actor: User | None,
    case_type: str = "general",
    partner: BusinessPartner | None = None,
    contact_email: str = "",
    contact_phone: str = "",
    queue: Queue | None = None,
    priority: int = Case.Priority.NORMAL,
    received_at: datetime.datetime | None = None,
) -> Case:
    case = Case(
        number=next_number("case"),
        subject=subject.strip()[:250] or _("(ohne Betreff)"),
        case_type=case_type,
        channel=channel,
        priority=priority,
        queue=queue or default_queue(),
        partner=partner,
        contact_email=contact_email.strip().lower(),
        contact_phone=contact_phone,
        received_at=received_at or timezone.now(),
    )
    # The related objects come in as instances and the number from its range (unique in the
    # database): checking them again would cost four queries per case.
    case.full_clean(exclude=["queue", "partner", "assignee"], validate_unique=False)
    case.first_response_due, case.resolution_due = sla.due_dates(case, case.received_at, new=True)
    case.save()
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=case,
        partner_id=partner.pk if partner else None,
    )
    return case


@transaction.atomic
def open_case_with_note(
    *,
    note: str,
    actor: User,
    subject: str,
    channel: str,
    case_type: str,
    priority: int,
    queue: Queue,
    partner: BusinessPartner | None,
) -> Case:
    """An agent opens a case, e.g. during a call, with what the customer said."""
    case = open_case(
        subject=subject,
        channel=channel,
        case_type=case_type,
        priority=priority,
        queue=queue,
        partner=partner,
        actor=actor,
    )
    if note.strip():
        add_note(case=case, text=note, actor=actor)
    return case


def add_message(
    case: Case,
    kind: str,
    actor: User | None,
    *,
    at: datetime.datetime | None = None,
    **fields: object,
) -> Message:
    """Put one entry on the case's timeline; the case counts as changed at that moment."""
    message = Message(case=case, kind=kind, author=actor, created_at=at or timezone.now(), **fields)
    message.full_clean(exclude=["case", "author"], validate_unique=False)
    message.save()
    # Only the timestamp: no field a webhook reports (kc.api.events.CASE_FIELDS), no event.
    Case.objects.filter(pk=case.pk).update(updated_at=message.created_at)
    return message


@transaction.atomic
def add_note(*, case: Case, text: str, actor: User) -> Message:
    """An internal note: never leaves the house."""
    if not text.strip():
        raise field_error("text", _("Die Notiz ist leer."), "empty_note")
    return add_message(case, Message.Kind.NOTE, actor, body_text=text.strip())


@transaction.atomic
def reply_by_email(*, case: Case, text: str, actor: User) -> Message:
    """A reply to the customer: queued in the outbox, sent by the mail worker."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    message = queue_email(case=case, text=text, actor=actor)
    _mark_answered(case, message.created_at)
    return message


@transaction.atomic
def queue_email(
    *,
    case: Case,
    text: str,
    actor: User | None,
    automatic: bool = False,
    answering: Message | None = None,
    generated_files: Sequence[tuple[str, bytes, str]] = (),
) -> Message:
    """An e-mail to the case's correspondent, threaded to `answering` or else to the last
    mail we got from them. `generated_files` are files we made ourselves (e.g. an iCalendar
    invitation): attached to the mail, kept on the message."""
    recipient = (
        case.partner.email if case.partner and case.partner.email else case.contact_email
    ).lower()
    if not recipient:
        raise field_error(
            "text", _("Für diesen Vorgang ist keine E-Mail-Adresse bekannt."), "no_recipient"
        )
    if not text.strip():
        raise field_error("text", _("Die Antwort ist leer."), "empty_reply")
    last_in = answering or (
        case.messages.filter(kind=Message.Kind.EMAIL_IN).exclude(message_id="").last()
    )
    references = f"{last_in.references} {last_in.message_id}".split() if last_in else []
    message = add_message(
        case,
        Message.Kind.EMAIL_OUT,
        actor,
        subject=reply_subject(case),
        body_text=text.strip(),
        recipients=recipient,
        delivery=Message.Delivery.QUEUED,
        automatic=automatic,
        message_id=new_message_id(case),
        in_reply_to=last_in.message_id if last_in else "",
        references=" ".join(references[-10:]),
    )
    attach_generated(message, generated_files)
    signals.email_queued.send(sender=Message, message_id=message.pk)
    return message


@transaction.atomic
def queue_email_to(
    *,
    case: Case,
    recipient: str,
    subject: str,
    text: str,
    actor: User | None,
    generated_files: Sequence[tuple[str, bytes, str]] = (),
) -> Message:
    """An e-mail about the case to someone else than the customer (e.g. an order to the
    field service), sent through the same outbox: retried, never lost, on the case's
    timeline."""
    if not recipient.strip():
        raise field_error(
            "recipient", _("Es ist keine Empfängeradresse eingerichtet."), "no_recipient"
        )
    message = add_message(
        case,
        Message.Kind.EMAIL_OUT,
        actor,
        subject=f"{subject} [{case.number}]"[:250],
        body_text=text.strip(),
        recipients=recipient.strip().lower(),
        delivery=Message.Delivery.QUEUED,
        automatic=actor is None,
        message_id=new_message_id(case),
    )
    attach_generated(message, generated_files)
    signals.email_queued.send(sender=Message, message_id=message.pk)
    return message


def attach_generated(message: Message, files: Sequence[tuple[str, bytes, str]]) -> None:
    """Files we generated for an outgoing mail, (name, bytes, content type): nothing came from
    outside, so there is nothing to scan; the outbox sends them with the mail."""
    for filename, content, content_type in files:
        attachment = Attachment(
            message=message,
            filename=filename,
            content_type=content_type[:100],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            scan=Attachment.Scan.CLEAN,
            scan_detail="generated",
        )
        attachment.file.save(filename[:100], ContentFile(content), save=False)
        attachment.save()


def new_message_id(case: Case) -> str:
    return f"<{case.number}.{uuid.uuid4().hex[:16]}@{settings.KC_MAIL_DOMAIN}>"


def reply_subject(case: Case) -> str:
    """Replies carry the case number, which threads the customer's answer back."""
    tag = f"[{case.number}]"
    subject = case.subject if case.subject.lower().startswith("re:") else f"Re: {case.subject}"
    return subject if tag in subject else f"{subject} {tag}"


def _mark_answered(case: Case, at: datetime.datetime) -> None:
    if case.first_response_at is None:
        case.first_response_at = at
    if case.status == Case.Status.NEW:
        case.status = Case.Status.OPEN
    case.save(update_fields=["first_response_at", "status", "updated_at"])
    refresh_due_dates(case)


def refresh_due_dates(case: Case) -> None:
    """Store the SLA due dates on the case, so lists can sort and filter by them."""
    case.first_response_due, case.resolution_due = sla.due_dates(case, timezone.now())
    # New due dates may need a new warning: the reminder state starts over.
    case.sla_alert = ""
    # SLA bookkeeping, not part of the case webhooks (kc.api.events.CASE_FIELDS): no event.
    Case.objects.filter(pk=case.pk).update(
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        sla_alert="",
    )


def _track_pause(case: Case, now: datetime.datetime) -> None:
    """Waiting for the customer stops the resolution clock; any other status runs it."""
    waiting = case.status == Case.Status.WAITING_CUSTOMER
    open_pause = case.pauses.filter(ended_at__isnull=True).first()
    if waiting and open_pause is None:
        CasePause.objects.create(case=case, started_at=now)
    elif not waiting and open_pause is not None:
        open_pause.ended_at = now
        open_pause.save(update_fields=["ended_at"])


@transaction.atomic
def change_status(*, case: Case, status: str, actor: User, note: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if status not in Case.Status.values:
        raise field_error("status", _("Unbekannter Status."), "bad_status")
    if status == case.status:
        return case
    before = case.get_status_display()
    case.status = status
    now = timezone.now()
    case.resolved_at = now if status in (Case.Status.RESOLVED, Case.Status.CLOSED) else None
    case.save(update_fields=["status", "resolved_at", "updated_at"])
    _track_pause(case, now)
    refresh_due_dates(case)
    add_message(
        case,
        Message.Kind.STATUS,
        actor,
        body_text=f"{before} → {case.get_status_display()}" + (f"\n{note}" if note else ""),
    )
    return case


@transaction.atomic
def customer_replied(*, case: Case) -> Case:
    """The customer wrote again: a waiting or finished case is open again, its clock runs."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status in (Case.Status.NEW, Case.Status.OPEN):
        return case
    case.status, case.resolved_at = Case.Status.OPEN, None
    case.save(update_fields=["status", "resolved_at", "updated_at"])
    _track_pause(case, timezone.now())
    refresh_due_dates(case)
    return case


@transaction.atomic
def assign(*, case: Case, assignee: User | None, actor: User) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    who = assignee.get_full_name() or assignee.get_username() if assignee else _("niemand")
    add_message(
        case, Message.Kind.STATUS, actor, body_text=_("Zugewiesen an %(who)s") % {"who": who}
    )
    return case


@transaction.atomic
def hand_off(
    *, case: Case, queue: Queue, note: str, actor: User, owner: User | None = None
) -> Case:
    """Move a case to another team's queue with a note saying what is to be done."""
    if not note.strip():
        raise field_error("note", _("Bitte schreiben Sie dazu, was zu tun ist."), "empty_handoff")
    case = Case.objects.select_for_update().get(pk=case.pk)
    source = case.queue
    case.queue = queue
    case.assignee = owner
    case.save(update_fields=["queue", "assignee", "updated_at"])
    add_message(
        case,
        Message.Kind.NOTE,
        actor,
        body_text=_("Übergabe von %(source)s an %(target)s: %(note)s")
        % {"source": source, "target": queue, "note": note.strip()},
    )
    return case


def text_module_values(case: Case, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    partner = case.partner
    values = {"vorgang": case.number}
    if partner is not None:
        values |= {
            "anrede": salutation_line(
                partner.salutation, partner.family_name, partner.display_name
            ),
            "vorname": partner.first_name,
            "nachname": partner.family_name,
            "name": partner.display_name,
            "kundennummer": partner.number,
        }
    else:
        values["anrede"] = salutation_line("", "", "")
    return values | dict(extra or {})


def render_text_module(
    *, case: Case, module: TextModule, extra: Mapping[str, str] | None = None
) -> tuple[str, list[str]]:
    return fill_placeholders(module.body, text_module_values(case, extra))


def touch_viewer(*, case: Case, user: User, composing: bool = False) -> list[CaseViewer]:
    """Record that `user` has the case open; return the others who have it open too."""
    now = timezone.now()
    CaseViewer.objects.update_or_create(
        case=case, user=user, defaults={"seen_at": now, "composing": composing}
    )
    fresh = now - datetime.timedelta(seconds=VIEWER_FRESH_SECONDS)
    return list(
        CaseViewer.objects.filter(case=case, seen_at__gte=fresh)
        .exclude(user=user)
        .select_related("user")
    )


# --- queue work: bulk assignment and saved list views ----------------------------------


@transaction.atomic
def assign_many(*, case_ids: list[int], assignee: User | None, actor: User) -> int:
    """Assign several cases at once; each gets its own timeline entry."""
    cases = Case.objects.filter(pk__in=case_ids).order_by("pk")
    for case in cases:
        assign(case=case, assignee=assignee, actor=actor)
    return len(cases)


def save_view(*, owner: User, name: str, query: str) -> SavedView:
    """Keep the list filter `query` (a URL query string) under `name`; same name replaces."""
    if not name.strip():
        raise field_error("name", _("Bitte einen Namen angeben."), "empty_name")
    view, _created = SavedView.objects.update_or_create(
        owner=owner, name=name.strip()[:60], defaults={"query": query[:500]}
    )
    return view


# --- tasks handed to another team -------------------------------------------------------


@transaction.atomic
def hand_off_task(
    *,
    case: Case,
    queue: Queue,
    title: str,
    note: str,
    actor: User,
    owner: User | None = None,
    kind: str = CaseTask.Kind.OTHER,
) -> CaseTask:
    """Give one piece of the case to another team; the case stays where it is."""
    if not title.strip():
        raise field_error("title", _("Bitte die Aufgabe benennen."), "empty_task")
    task = CaseTask.objects.create(
        case=case,
        kind=kind,
        queue=queue,
        title=title.strip()[:200],
        note=note.strip(),
        owner=owner,
        requested_by=actor,
        created_at=timezone.now(),
    )
    add_message(
        case,
        Message.Kind.NOTE,
        actor,
        body_text=_("Aufgabe an %(queue)s: %(title)s") % {"queue": queue, "title": task.title}
        + (f"\n{task.note}" if task.note else ""),
    )
    return task


@transaction.atomic
def complete_task(*, task: CaseTask, actor: User, note: str = "") -> CaseTask:
    """Done: the case's timeline says so, with who did it."""
    task = CaseTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    if task.status == CaseTask.Status.DONE:
        return task
    task.status, task.done_at, task.done_by = CaseTask.Status.DONE, timezone.now(), actor
    task.done_note = note.strip()
    task.save(update_fields=["status", "done_at", "done_by", "done_note"])
    who = actor.get_full_name() or actor.get_username()
    add_message(
        task.case,
        Message.Kind.NOTE,
        actor,
        body_text=_("Erledigt: %(title)s (%(who)s)") % {"title": task.title, "who": who}
        + (f"\n{note.strip()}" if note.strip() else ""),
    )
    return task
