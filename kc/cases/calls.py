"""The call journal: every state change of a Call, driven by the PBX's CTI events.

ringing --answer--> answered --hangup--> ended
ringing --hangup--> missed (incoming: a callback case is opened) or ended (outgoing)

Every event is idempotent: a repeated newCall, answer or hangup changes nothing and is
logged. The hangup claims the call by a conditional UPDATE, so a callback case is opened
exactly once however often the PBX repeats itself.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import call_rules, signals
from kc.cases.models import Call, Case, Channel, Message, Queue
from kc.cases.services import add_message, open_case
from kc.core import audit
from kc.core.contact import normalize_phone
from kc.core.models import User
from kc.core.validation import field_error
from kc.customers.models import BusinessPartner
from kc.customers.selectors import partners_by_phone

logger = logging.getLogger("kc.cti")


class CallNotFoundError(Exception):
    """An answer or hangup for a callId we never saw a newCall for."""


@dataclass(frozen=True, slots=True)
class NewCallResult:
    call: Call
    created: bool
    rejected: bool


def blocked_numbers() -> set[str]:
    configured: list[str] = getattr(settings, "KC_CTI_BLOCKED_NUMBERS", [])
    return {e164 for e164 in (normalize_phone(raw) for raw in configured) if e164}


def match_partner(e164: str) -> BusinessPartner | None:
    """The customer with this number, if exactly one has it."""
    matches = partners_by_phone(e164, limit=2)
    if len(matches) != 1:
        return None
    return BusinessPartner.objects.filter(pk=matches[0].partner_id).first()


@transaction.atomic
def record_new_call(
    *,
    call_id: str,
    direction: str,
    from_number: str,
    to_number: str,
    pbx_queue: str = "",
    at: datetime.datetime | None = None,
) -> NewCallResult:
    existing = Call.objects.filter(call_id=call_id).first()
    if existing is not None:
        logger.warning("CTI newCall repeated for call %s: ignored", call_id)
        return NewCallResult(existing, created=False, rejected=_is_rejected(existing))
    number = call_rules.customer_number(
        direction=direction, from_number=from_number, to_number=to_number
    )
    e164 = normalize_phone(number) if number else ""
    now = at or timezone.now()
    call = Call(
        call_id=call_id,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        caller_e164=e164,
        pbx_queue=pbx_queue,
        partner=match_partner(e164),
        started_at=now,
    )
    rejected = direction == Call.Direction.IN and call_rules.is_blocked(e164, blocked_numbers())
    if rejected:
        call.state, call.cause, call.ended_at = Call.State.ENDED, call_rules.BLOCKED_CAUSE, now
    call.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            call.save(force_insert=True)
    except IntegrityError:
        # Two newCalls for one callId at the same moment: the other one won.
        logger.warning("CTI newCall for call %s raced a twin: ignored", call_id)
        winner = Call.objects.get(call_id=call_id)
        return NewCallResult(winner, created=False, rejected=_is_rejected(winner))
    _audit(call, audit.Action.CREATE)
    if rejected:
        logger.info("CTI call %s from a blocked number rejected", call_id)
    return NewCallResult(call, created=True, rejected=rejected)


def _is_rejected(call: Call) -> bool:
    return call.cause == call_rules.BLOCKED_CAUSE


def _locked_call(call_id: str) -> Call:
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    if call is None:
        logger.warning("CTI event for unknown call %s: ignored", call_id)
        raise CallNotFoundError(call_id)
    return call


@transaction.atomic
def record_answer(
    *,
    call_id: str,
    username: str = "",
    answering_number: str = "",
    at: datetime.datetime | None = None,
) -> Call:
    call = _locked_call(call_id)
    if call.state != Call.State.RINGING:
        logger.warning("CTI answer for call %s in state %s: ignored", call_id, call.state)
        return call
    agent = User.objects.filter(username=username, is_active=True).first() if username else None
    if agent is None:
        logger.info(
            "CTI call %s answered by no known user (answering number given: %s)",
            call_id,
            bool(answering_number),
        )
    call.agent = agent
    call.answered_at = at or timezone.now()
    call.state = Call.State.ANSWERED
    call.save(update_fields=["agent", "answered_at", "state"])
    _audit(call, audit.Action.UPDATE, {"state": Call.State.ANSWERED})
    _tell_on_commit(signals.call_answered, call, call.answered_at)
    return call


@transaction.atomic
def record_hangup(*, call_id: str, cause: str = "", at: datetime.datetime | None = None) -> Call:
    call = _locked_call(call_id)
    answered = call.answered_at is not None
    missed = call_rules.is_missed(direction=call.direction, answered=answered)
    state = Call.State.MISSED if missed else Call.State.ENDED
    ended_at = at or timezone.now()
    # The claim: only the first hangup finds ended_at still empty.
    claimed = Call.objects.filter(pk=call.pk, ended_at__isnull=True).update(
        state=state, cause=cause[:40], ended_at=ended_at
    )
    if not claimed:
        logger.warning("CTI hangup repeated for call %s: ignored", call_id)
        return call
    call.refresh_from_db()
    _audit(call, audit.Action.UPDATE, {"state": state, "cause": cause[:40]})
    if missed:
        _open_callback(call)
    elif answered:
        _tell_on_commit(signals.call_ended, call, ended_at)
    return call


def _tell_on_commit(signal: Signal, call: Call, at: datetime.datetime) -> None:
    """Tell the layers above about the agent's call (their presence) once it is committed.

    A failing receiver is logged; it neither undoes nor fails the PBX's event.
    """
    user_id = call.agent_id
    if user_id is None:
        return

    def send() -> None:
        results = signal.send_robust(Call, call_id=call.call_id, user_id=user_id, at=at)
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error(
                    "CTI call %s: receiver %s failed", call.call_id, receiver, exc_info=result
                )

    transaction.on_commit(send)


def _open_callback(call: Call) -> None:
    """A missed incoming call becomes a callback task, if there is a number to call back."""
    number = call.caller_e164
    if not number:
        logger.info("CTI missed call %s has no number to call back: journal only", call.call_id)
        return
    try:
        case = open_case(
            subject=_("Rückruf: %(number)s") % {"number": number},
            channel=Channel.PHONE,
            actor=None,
            partner=call.partner,
            contact_phone=number,
            queue=Queue.objects.filter(name=call_rules.CALLBACK_QUEUE_NAME).first(),
            received_at=call.started_at,
        )
    except ValidationError:
        logger.exception("CTI missed call %s: no queue for the callback case", call.call_id)
        return
    _call_message(
        case,
        None,
        _("Verpasster Anruf von %(number)s, Wartezeit %(wait)s min, Grund: %(cause)s")
        % {
            "number": number,
            "wait": call_rules.format_duration(call.wait_seconds),
            "cause": call.cause or "–",
        },
        sender=number,
    )
    Call.objects.filter(pk=call.pk).update(case=case)
    call.case = case


@transaction.atomic
def add_wrap_up_note(*, call: Call, text: str, actor: User) -> Message:
    """The answering agent's note after (or during) a call, on the call's case.

    A call without a case gets one, linked to the caller when we know them.
    """
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.agent_id != actor.pk or call.answered_at is None:
        raise PermissionDenied
    if not text.strip():
        raise field_error("text", _("Die Notiz ist leer."), "empty_note")
    if call.case is None:
        call.case = open_case(
            subject=_("Anruf: %(number)s") % {"number": call.caller_e164 or call.from_number},
            channel=Channel.PHONE,
            actor=actor,
            partner=call.partner,
            contact_phone=call.caller_e164,
            received_at=call.started_at,
        )
        call.save(update_fields=["case"])
    talk = call.talk_seconds
    if talk is None:  # still on the phone
        talk = int((timezone.now() - call.answered_at).total_seconds())
    body = (
        _("Gesprächsdauer %(talk)s min") % {"talk": call_rules.format_duration(talk)}
        + f"\n\n{text.strip()}"
    )
    return _call_message(call.case, actor, body, sender=call.caller_e164 or call.from_number)


def _call_message(case: Case, actor: User | None, body: str, *, sender: str) -> Message:
    return add_message(
        case,
        Message.Kind.CALL,
        actor,
        subject=_("Telefonat"),
        body_text=body,
        sender=sender[:320],
    )


def _audit(call: Call, action: str, changes: dict[str, str] | None = None) -> None:
    audit.record(actor=None, action=action, obj=call, partner_id=call.partner_id, changes=changes)
