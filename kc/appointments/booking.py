"""Every change to a consultation booking: book, reschedule, cancel, record the outcome.

No double booking, also under concurrent requests: each service locks the advisor row
(SELECT ... FOR UPDATE; SQLite serialises writers anyway) and checks the slot only then, and
the database refuses an overlap on its own (see kc.appointments.models). A refused slot raises
`BookingRefusal` with the reason in words; nothing is saved then.
"""

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.appointments import ical, notify
from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.appointments.slots import (
    Problem,
    plans_for,
    problem_text,
    rules_for,
    slot_problem,
)
from kc.cases import services as case_services
from kc.cases.models import Case, CaseTask, CaseType, Message, Queue
from kc.core import audit
from kc.core.calendars import default_calendar
from kc.core.models import NumberRange, User
from kc.core.numbers import next_number
from kc.core.validation import Refusal, field_error
from kc.customers.models import BusinessPartner, ContractAccount

Status = Booking.Status


class BookingRefusal(Refusal):
    """The slot cannot be booked; `problem` is the machine-readable reason."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem_text(problem))
        self.problem = problem


def ensure_number_range() -> None:
    NumberRange.objects.get_or_create(
        key="booking",
        defaults={"prefix": "T", "next_value": 1, "max_value": 99_999_999, "width": 8},
    )


def _lock_advisors(advisors: Iterable[Advisor]) -> None:
    """Lock the advisors' rows in a fixed order (no deadlock between two reschedules)."""
    ids = sorted({advisor.pk for advisor in advisors})
    list(Advisor.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _check_slot(
    advisor: Advisor,
    appointment_type: AppointmentType,
    starts_at: datetime.datetime,
    now: datetime.datetime,
    excluding: Booking | None = None,
) -> None:
    if not appointment_type.active:
        raise Refusal(_("Diese Terminart wird nicht mehr angeboten."))
    # An advisor whose staff login is switched off has left: no slots are offered for them
    # (slots.advisors_for), and a slot value naming them is refused the same way.
    if (
        not advisor.active
        or not advisor.user.is_active
        or not advisor.offers(appointment_type.mode)
    ):
        raise Refusal(_("Diese Beraterin oder dieser Berater bietet diese Terminart nicht an."))
    window_start = starts_at - datetime.timedelta(days=1)
    window_end = starts_at + datetime.timedelta(days=1)
    (plan,) = plans_for([advisor], window_start, window_end, excluding=excluding)
    rules = rules_for(appointment_type, now=now)
    problem = slot_problem(plan, default_calendar(), rules, starts_at, now=now)
    if problem is not None:
        raise BookingRefusal(problem)


def _save_guarded(booking: Booking, fields: list[str] | None = None) -> None:
    """Save; the database's own overlap guard turns into the same refusal as the check."""
    try:
        with transaction.atomic():
            booking.save(update_fields=fields)
    except IntegrityError as error:
        raise BookingRefusal(Problem.TAKEN) from error


def _note(booking: Booking, text: str, actor: User | None) -> None:
    case_services.add_message(booking.case, Message.Kind.NOTE, actor, body_text=text)


def _describe(booking: Booking) -> str:
    return _("%(number)s am %(when)s mit %(advisor)s (%(type)s)") % {
        "number": booking.number,
        "when": notify.when(booking),
        "advisor": booking.advisor.name,
        "type": booking.appointment_type.name,
    }


def _check_open_bookings(partner: BusinessPartner, now: datetime.datetime) -> None:
    """A customer holds a few coming appointments in the portal at most, so no one can block
    an advisor's calendar; agents may book more on the phone."""
    limit = settings.KC_APPOINTMENT_MAX_OPEN_PER_CUSTOMER
    coming = Booking.objects.filter(
        partner=partner, status=Booking.Status.BOOKED, ends_at__gt=now
    ).count()
    if coming >= limit:
        raise Refusal(
            _(
                "Sie haben schon %(count)d kommende Termine. Bitte sagen Sie einen ab oder "
                "rufen Sie uns an, wenn Sie weitere brauchen."
            )
            % {"count": coming}
        )


@transaction.atomic
def book(
    *,
    partner: BusinessPartner,
    appointment_type: AppointmentType,
    advisor: Advisor,
    starts_at: datetime.datetime,
    topic: str,
    channel: str,
    actor: User | None,
    customer_note: str = "",
    contact_phone: str = "",
    contact_email: str | None = None,
    account: ContractAccount | None = None,
    case: Case | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Book `starts_at` with `advisor`; opens a consultation case (or uses `case`) so the
    appointment is on the customer's timeline, and sends the confirmation."""
    now = now or timezone.now()
    if not topic.strip():
        raise field_error("topic", _("Bitte nennen Sie das Thema der Beratung."), "no_topic")
    phone = contact_phone.strip() or partner.phone or partner.mobile
    if appointment_type.mode == "phone" and not phone:
        raise field_error(
            "contact_phone",
            _("Für eine telefonische Beratung brauchen wir Ihre Telefonnummer."),
            "no_phone",
        )
    if account is not None and account.partner_id != partner.pk:
        raise Refusal(_("Das Vertragskonto gehört nicht zu diesem Kunden."))
    _lock_advisors([advisor])
    if channel == Booking.Channel.PORTAL:
        _check_open_bookings(partner, now)
    _check_slot(advisor, appointment_type, starts_at, now)
    ensure_number_range()
    number = next_number("booking")
    if case is None:
        case = case_services.open_case(
            subject=_("Energieberatung: %(topic)s") % {"topic": topic.strip()},
            channel="portal" if channel == Booking.Channel.PORTAL else "phone",
            case_type=CaseType.CONSULTATION,
            partner=partner,
            actor=actor,
        )
    duration = datetime.timedelta(minutes=appointment_type.duration_minutes)
    booking = Booking(
        number=number,
        partner=partner,
        account=account,
        advisor=advisor,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        blocked_until=starts_at
        + duration
        + datetime.timedelta(minutes=appointment_type.buffer_minutes),
        topic=topic.strip()[:100],
        customer_note=customer_note.strip(),
        contact_phone=phone[:40],
        contact_email=(partner.email if contact_email is None else contact_email).strip(),
        case=case,
        ical_uid=ical.new_uid(number, secrets.token_hex(8)),
        channel=channel,
        created_by=actor,
        created_at=now,
    )
    _save_guarded(booking)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=booking, partner_id=partner.pk)
    _note(booking, _("Termin gebucht: %(booking)s") % {"booking": _describe(booking)}, actor)
    notify.send(booking, notify.CONFIRMATION, actor=actor)
    return booking


def _own_and_ahead(
    booking: Booking, by_partner: BusinessPartner | None, now: datetime.datetime
) -> None:
    """A customer changes only their own booking, and only before it starts."""
    if booking.status != Status.BOOKED:
        raise Refusal(_("Dieser Termin ist nicht mehr gebucht."))
    if by_partner is not None:
        if booking.partner_id != by_partner.pk:
            raise Refusal(_("Dieser Termin gehört nicht zu Ihnen."))
        if booking.starts_at <= now:
            raise Refusal(
                _("Der Termin hat schon begonnen; bitte rufen Sie uns an, wenn etwas ist.")
            )


@transaction.atomic
def reschedule(
    *,
    booking: Booking,
    starts_at: datetime.datetime,
    actor: User | None,
    advisor: Advisor | None = None,
    by_partner: BusinessPartner | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Move the booking (to another advisor too); the invitation's SEQUENCE grows."""
    now = now or timezone.now()
    target = advisor or booking.advisor
    _lock_advisors([booking.advisor, target])
    booking = Booking.objects.select_related("appointment_type", "advisor__user", "partner").get(
        pk=booking.pk
    )
    _own_and_ahead(booking, by_partner, now)
    _check_slot(target, booking.appointment_type, starts_at, now, excluding=booking)
    before = _describe(booking)
    kind = booking.appointment_type
    booking.advisor = target
    booking.starts_at = starts_at
    booking.ends_at = starts_at + datetime.timedelta(minutes=kind.duration_minutes)
    booking.blocked_until = booking.ends_at + datetime.timedelta(minutes=kind.buffer_minutes)
    booking.ical_sequence += 1
    booking.reminder_sent_at = None
    _save_guarded(
        booking,
        ["advisor", "starts_at", "ends_at", "blocked_until", "ical_sequence", "reminder_sent_at"],
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=booking,
        partner_id=booking.partner_id,
        changes={"starts_at": [before, _describe(booking)]},
    )
    _note(
        booking,
        _("Termin verlegt: %(before)s → %(after)s")
        % {"before": before, "after": notify.when(booking)},
        actor,
    )
    notify.send(booking, notify.UPDATE, actor=actor)
    return booking


@transaction.atomic
def cancel(
    *,
    booking: Booking,
    reason: str,
    actor: User | None,
    by_partner: BusinessPartner | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Cancel; the customer gets METHOD:CANCEL so the entry leaves their calendar."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update()
        .select_related("appointment_type", "advisor__user", "partner")
        .get(pk=booking.pk)
    )
    _own_and_ahead(booking, by_partner, now)
    if by_partner is None and not reason.strip():
        raise field_error("reason", _("Bitte geben Sie den Grund der Absage an."), "no_reason")
    booking.status = Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason.strip()[:300]
    booking.ical_sequence += 1
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason", "ical_sequence"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=booking,
        partner_id=booking.partner_id,
        changes={"status": [Status.BOOKED.value, Status.CANCELLED.value]},
    )
    who = _("von der Kundin / dem Kunden") if by_partner is not None else _("von uns")
    _note(
        booking,
        _("Termin abgesagt (%(who)s): %(booking)s") % {"who": who, "booking": _describe(booking)}
        + (f"\n{booking.cancel_reason}" if booking.cancel_reason else ""),
        actor,
    )
    notify.send(booking, notify.CANCELLATION, actor=actor)
    return booking


@transaction.atomic
def record_outcome(
    *,
    booking: Booking,
    outcome: str,
    notes: str,
    actor: User,
    follow_up: str = "",
    follow_up_queue: Queue | None = None,
    now: datetime.datetime | None = None,
) -> CaseTask | None:
    """After the appointment: done or no-show, the advisor's notes on the case, and a
    follow-up task for a team (else the consultation case is resolved)."""
    now = now or timezone.now()
    if outcome not in (Status.DONE, Status.NO_SHOW):
        raise field_error("outcome", _("Bitte wählen Sie ein Ergebnis."), "bad_outcome")
    booking = Booking.objects.select_for_update().select_related("case").get(pk=booking.pk)
    if booking.status != Status.BOOKED:
        raise Refusal(
            _("Für diesen Termin ist schon ein Ergebnis eingetragen oder er ist abgesagt.")
        )
    if booking.starts_at > now:
        raise Refusal(_("Der Termin hat noch nicht begonnen."))
    booking.status = outcome
    booking.advisor_notes = notes.strip()
    booking.save(update_fields=["status", "advisor_notes"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=booking,
        partner_id=booking.partner_id,
        changes={"status": [Status.BOOKED.value, outcome]},
    )
    label = Status(outcome).label
    case_services.add_note(
        case=booking.case,
        text=_("Beratung %(number)s: %(label)s") % {"number": booking.number, "label": label}
        + (f"\n{booking.advisor_notes}" if booking.advisor_notes else ""),
        actor=actor,
    )
    if follow_up.strip():
        return case_services.hand_off_task(
            case=booking.case,
            queue=follow_up_queue or booking.case.queue,
            title=follow_up,
            note=booking.advisor_notes,
            actor=actor,
        )
    if booking.case.status not in (Case.Status.RESOLVED, Case.Status.CLOSED):
        case_services.change_status(case=booking.case, status=Case.Status.RESOLVED, actor=actor)
    return None
