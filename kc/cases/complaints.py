"""Complaint management (Beschwerdemanagement): every state change of a complaint.

A complaint is a case with a Complaint record: the § 111a EnWG answer period runs from the
case's receipt (complaint_rules.answer_due). Registering acknowledges the receipt on the
channel it came by; a periodic job hands complaints near their deadline to the complaint
management queue; the answer is a letter that gives reasons and names the Schlichtungsstelle
Energie when the complaint is not fully remedied.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import complaint_rules, complaint_texts, portal_messages, services
from kc.cases.bulk import update_cases
from kc.cases.models import Case, CaseType, Channel, Complaint, Message, Queue
from kc.cases.portal_messages import PortalFile
from kc.core import audit
from kc.core.business_calendar import BusinessCalendar
from kc.core.calendars import calendar_from, default_calendar
from kc.core.models import Team, User
from kc.core.validation import Refusal, field_error
from kc.customers.models import BusinessPartner
from kc.letters import services as letters
from kc.letters.models import Letter

Category = Complaint.Category
Outcome = Complaint.Outcome

# Channels whose complaints are acknowledged by letter (no reply channel of their own).
_LETTER_CHANNELS = (Channel.PHONE, Channel.LETTER, Channel.WINDOW)


def calendar_for(case: Case) -> BusinessCalendar:
    """The business calendar of the case's queue (its public holidays move the deadline)."""
    setting = case.queue.calendar
    return calendar_from(setting) if setting else default_calendar()


def days_left(complaint: Complaint, today: datetime.date | None = None) -> int:
    """Calendar days until the answer is due (negative: overdue)."""
    return (complaint.answer_due - (today or timezone.localdate())).days


# --- registration and acknowledgement --------------------------------------------------------


@transaction.atomic
def register_complaint(*, case: Case, category: str, actor: User | None) -> Complaint:
    """Make `case` a complaint (also a case of another type) and acknowledge its receipt."""
    if category not in Category.values:
        raise field_error("category", _("Bitte eine Kategorie wählen."), "bad_category")
    case = Case.objects.select_for_update(of=("self",)).select_related("queue").get(pk=case.pk)
    _refuse_unless_registrable(case)
    try:
        due, rules = complaint_rules.answer_due(case.received_at, calendar_for(case).is_holiday)
    except complaint_rules.NoRuleSet as exc:
        raise Refusal(str(exc)) from exc
    complaint = Complaint.objects.create(
        case=case,
        category=category,
        received_at=case.received_at,
        answer_due=due,
        rule_set=rules.key,
        registered_at=timezone.now(),
        registered_by=actor,
    )
    _make_complaint_type(case, actor)
    services.add_message(
        case,
        Message.Kind.NOTE,
        actor,
        body_text=_(
            "Als Beschwerde erfasst (%(category)s). Antwort nach %(rules)s spätestens am %(due)s."
        )
        % {
            "category": complaint.get_category_display(),
            "rules": rules.title,
            "due": f"{due:%d.%m.%Y}",
        },
    )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=complaint, partner_id=case.partner_id)
    return acknowledge(complaint=complaint, actor=actor)


def _refuse_unless_registrable(case: Case) -> None:
    """A complaint needs a customer (someone to acknowledge and answer) and is registered once."""
    if case.partner_id is None:
        raise Refusal(
            _(
                "Der Vorgang ist keinem Kunden zugeordnet. Bitte verknüpfen Sie zuerst den "
                "Kunden; erst dann kann die Beschwerde erfasst und bestätigt werden."
            )
        )
    existing = Complaint.objects.filter(case=case).first()
    if existing is not None:
        raise Refusal(
            _("Der Vorgang ist bereits als Beschwerde erfasst (Antwort bis %(due)s).")
            % {"due": f"{existing.answer_due:%d.%m.%Y}"}
        )


def _make_complaint_type(case: Case, actor: User | None) -> None:
    """A case of another type becomes a complaint; its SLA due dates follow the new type."""
    if case.case_type == CaseType.COMPLAINT:
        return
    before = case.get_case_type_display()
    case.case_type = CaseType.COMPLAINT
    case.save(update_fields=["case_type", "updated_at"])
    services.refresh_due_dates(case)
    services.add_message(
        case,
        Message.Kind.STATUS,
        actor,
        body_text=_("Art: %(before)s → %(after)s") % {"before": before, "after": _("Beschwerde")},
    )


@transaction.atomic
def complaint_from_portal(
    *,
    partner: BusinessPartner,
    actor: User,
    category: str,
    text: str,
    attachments: Iterable[PortalFile] = (),
) -> Complaint:
    """The customer complains in the portal: a case in their mailbox, registered at once."""
    if category not in Category.values:
        raise field_error("category", _("Bitte eine Kategorie wählen."), "bad_category")
    case = portal_messages.message_from_portal(
        partner=partner,
        actor=actor,
        subject=_("Beschwerde: %(category)s") % {"category": Category(category).label},
        text=text,
        case_type=CaseType.COMPLAINT,
        attachments=attachments,
    )
    return register_complaint(case=case, category=category, actor=actor)


def _email_address(case: Case) -> str:
    partner = case.partner
    return (partner.email if partner and partner.email else case.contact_email).strip()


@transaction.atomic
def acknowledge(*, complaint: Complaint, actor: User | None) -> Complaint:
    """Confirm the receipt on the channel it came by, once: a portal complaint in the portal,
    a mail by mail, anything else (phone, letter, window, a mail without address) by letter."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("case__partner", "case__queue")
        .get(pk=complaint.pk)
    )
    if complaint.acknowledged_at is not None:
        return complaint
    case = complaint.case
    staff = actor if actor is not None and not actor.is_customer else None
    text = complaint_texts.acknowledgement_text(complaint)
    if case.channel == Channel.PORTAL:
        complaint.acknowledgement_message = portal_messages.reply_to_portal(
            case=case, text=text, actor=None
        )
    elif case.channel == Channel.EMAIL and _email_address(case):
        message = services.queue_email(case=case, text=text, actor=staff)
        services._mark_answered(case, message.created_at)
        complaint.acknowledgement_message = message
    else:
        complaint.acknowledgement_letter = _acknowledgement_letter(complaint, staff)
    complaint.acknowledged_at = timezone.now()
    complaint.save(
        update_fields=["acknowledged_at", "acknowledgement_message", "acknowledgement_letter"]
    )
    return complaint


def _acknowledgement_letter(complaint: Complaint, actor: User | None) -> Letter:
    case = complaint.case
    partner = case.partner
    if partner is None:  # registration refuses it; a case unlinked later is refused here
        raise Refusal(_("Der Vorgang ist keinem Kunden zugeordnet."))
    letter = letters.create_letter(
        kind="complaint_acknowledgement",
        partner=partner,
        values={
            "vorgangsnummer": case.number,
            "eingang_am": complaint_texts.berlin_day(complaint.received_at),
            "antwort_bis": f"{complaint.answer_due:%d.%m.%Y}",
        },
        actor=actor,
        case_number=case.number,
    )
    note = _("Eingangsbestätigung als Brief %(letter)s.") % {"letter": letter.number}
    if letter.status == Letter.Status.HELD:
        note += " " + _("Der Brief ist angehalten: %(reason)s") % {"reason": letter.hold_reason}
    services.add_message(case, Message.Kind.NOTE, actor, body_text=note)
    return letter


# --- escalation before the deadline ----------------------------------------------------------


def complaint_queue() -> Queue:
    """The complaint management's queue (KC_COMPLAINT_QUEUE), set up on first need."""
    name = settings.KC_COMPLAINT_QUEUE
    queue = Queue.objects.filter(name=name).first()
    if queue is None:
        team, _created = Team.objects.get_or_create(
            name=name, defaults={"kind": Team.Kind.HOME_OFFICE}
        )
        queue, _created = Queue.objects.get_or_create(name=name, defaults={"team": team})
    return queue


def escalation_due(complaint: Complaint, today: datetime.date, calendar: BusinessCalendar) -> bool:
    """Within KC_COMPLAINT_ESCALATION_DAYS open days of the business calendar before the
    deadline (or past it)."""
    start = complaint_rules.escalation_day(
        complaint.answer_due,
        settings.KC_COMPLAINT_ESCALATION_DAYS,
        calendar.is_open_day,
    )
    return today >= start


def escalate_due_complaints(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The periodic job: escalate complaints near their deadline, flag overdue ones.
    Returns (escalated, flagged); running it again changes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # N open days before the deadline lie within 2N + 14 calendar days (holidays included).
    horizon = today + datetime.timedelta(days=2 * settings.KC_COMPLAINT_ESCALATION_DAYS + 14)
    waiting = (
        Complaint.objects.filter(
            answered_at__isnull=True, escalated_at__isnull=True, answer_due__lte=horizon
        )
        .select_related("case__queue__calendar")
        .order_by("answer_due", "pk")
    )
    # Open days are counted on the calendar that set the answer day: the case's queue's.
    escalated = sum(
        escalate(complaint=complaint, now=now)
        for complaint in waiting
        if escalation_due(complaint, today, calendar_for(complaint.case))
    )
    overdue = Complaint.objects.filter(
        answered_at__isnull=True, overdue_flagged_at__isnull=True, answer_due__lt=today
    ).order_by("answer_due", "pk")
    flagged = sum(flag_overdue(complaint=complaint, now=now) for complaint in overdue)
    return escalated, flagged


@transaction.atomic
def escalate(*, complaint: Complaint, now: datetime.datetime, actor: User | None = None) -> bool:
    """Hand the complaint's case to the complaint management queue with a note; once."""
    claimed = Complaint.objects.filter(
        pk=complaint.pk, escalated_at__isnull=True, answered_at__isnull=True
    ).update(escalated_at=now)
    if not claimed:
        return False
    complaint = Complaint.objects.select_related("case__queue").get(pk=complaint.pk)
    case = Case.objects.select_for_update().select_related("queue").get(pk=complaint.case_id)
    queue = complaint_queue()
    left = days_left(complaint, timezone.localdate(now))
    text = _(
        "Beschwerde an das Beschwerdemanagement eskaliert: Antwort nach § 111a EnWG "
        "spätestens am %(due)s (noch %(days)d Tage)."
    ) % {"due": f"{complaint.answer_due:%d.%m.%Y}", "days": left}
    if case.queue_id != queue.pk:
        text += " " + _("Übergabe von %(source)s an %(target)s.") % {
            "source": case.queue,
            "target": queue,
        }
        case.queue, case.assignee = queue, None
    case.priority = max(case.priority, Case.Priority.HIGH)
    case.save(update_fields=["queue", "assignee", "priority", "updated_at"])
    services.add_message(case, Message.Kind.NOTE, actor, at=now, body_text=text)
    return True


@transaction.atomic
def flag_overdue(*, complaint: Complaint, now: datetime.datetime) -> bool:
    """Mark an unanswered complaint past its deadline: urgent, with a note; once."""
    claimed = Complaint.objects.filter(
        pk=complaint.pk, overdue_flagged_at__isnull=True, answered_at__isnull=True
    ).update(overdue_flagged_at=now)
    if not claimed:
        return False
    update_cases(Case.objects.filter(pk=complaint.case_id), priority=Case.Priority.URGENT)
    services.add_message(
        complaint.case,
        Message.Kind.NOTE,
        None,
        at=now,
        body_text=_("Frist nach § 111a EnWG überschritten: die Antwort war am %(due)s fällig.")
        % {"due": f"{complaint.answer_due:%d.%m.%Y}"},
    )
    return True


# --- the answer ------------------------------------------------------------------------------


@transaction.atomic
def answer(*, complaint: Complaint, outcome: str, reasons: str, actor: User) -> Complaint:
    """Answer the complaint by letter and resolve its case. Not fully remedied: reasons and
    the Schlichtungsstelle note are required (§ 111a S. 3 EnWG)."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("case__partner")
        .get(pk=complaint.pk)
    )
    reasons = reasons.strip()
    _refuse_unless_answerable(complaint, outcome, reasons)
    case = complaint.case
    if case.partner is None:
        raise Refusal(_("Der Vorgang ist keinem Kunden mehr zugeordnet."))
    values = complaint_texts.answer_values(complaint, outcome, reasons)
    letter = letters.create_letter(
        kind="complaint_answer",
        partner=case.partner,
        values=values,
        actor=actor,
        case_number=case.number,
    )
    if letter.status == Letter.Status.HELD:
        # Rolled back as a whole: a complaint counts as answered only with a sent answer.
        raise Refusal(
            _("Das Antwortschreiben kann nicht erstellt werden: %(reason)s")
            % {"reason": letter.hold_reason}
        )
    complaint.answered_at, complaint.answered_by = timezone.now(), actor
    complaint.outcome, complaint.answer_text, complaint.answer_letter = outcome, reasons, letter
    complaint.save(
        update_fields=["answered_at", "answered_by", "outcome", "answer_text", "answer_letter"]
    )
    _answer_on_timeline(complaint, letter, values, actor)
    services.change_status(
        case=case,
        status=Case.Status.RESOLVED,
        actor=actor,
        note=_("Beschwerde beantwortet (%(outcome)s).")
        % {"outcome": complaint.get_outcome_display()},
    )
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=complaint, partner_id=case.partner_id)
    return complaint


def _refuse_unless_answerable(complaint: Complaint, outcome: str, reasons: str) -> None:
    if complaint.answered_at is not None:
        raise Refusal(
            _("Die Beschwerde ist bereits am %(day)s beantwortet.")
            % {"day": complaint_texts.berlin_day(complaint.answered_at)}
        )
    if outcome not in Outcome.values:
        raise field_error("outcome", _("Bitte das Ergebnis wählen."), "bad_outcome")
    if outcome != Outcome.REMEDIED and not reasons:
        raise field_error(
            "reasons",
            _(
                "Wird der Beschwerde nicht vollständig abgeholfen, sind die Gründe anzugeben "
                "(§ 111a EnWG)."
            ),
            "reasons_required",
        )


def _answer_on_timeline(
    complaint: Complaint, letter: Letter, values: dict[str, str], actor: User
) -> None:
    """A portal complaint gets the answer in its portal thread (a letter entry the customer
    reads there); on other cases the timeline notes the letter for staff only."""
    case = complaint.case
    if case.channel == Channel.PORTAL:
        body = "\n\n".join(v for v in (values["antwort"], values["schlichtung_hinweis"]) if v)
        services.add_message(
            case, Message.Kind.LETTER, actor, subject=letter.subject[:250], body_text=body
        )
    else:
        services.add_message(
            case,
            Message.Kind.NOTE,
            actor,
            body_text=_("Antwortschreiben %(letter)s erstellt (%(outcome)s).")
            % {"letter": letter.number, "outcome": complaint.get_outcome_display()},
        )
