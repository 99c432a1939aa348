"""Reconnection: fast, as soon as what is owed (arrears and costs) is covered.

Covered means either the bank payment is booked (then it goes through by itself), or a proof
of payment shows it and an agent confirms with one action. The order goes to the field service
at once with top priority, and the lead time from proof to order is kept. Without cover an
agent may still reconnect, with a reason (e.g. a medical device at home).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.bulk import update_cases
from kc.cases.models import Case
from kc.core.models import User
from kc.core.money import format_eur
from kc.disconnection.chain import ChainError, log_event, send_order
from kc.disconnection.models import DisconnectionCase, FieldOrder, PaymentProof
from kc.payments import ledger

Status = DisconnectionCase.Status
URGENT = 4


def needed(case: DisconnectionCase) -> Decimal:
    """What must still be paid before reconnection: everything due on the account (the
    arrears and the posted costs) less unused credits."""
    return max(ledger.due_balance(case.account, on=timezone.localdate()), Decimal(0))


@transaction.atomic
def order_reconnection(
    case: DisconnectionCase,
    *,
    actor: User | None,
    reason: str = "",
    proof: PaymentProof | None = None,
) -> FieldOrder:
    """Reconnect at once. Without cover only by a person with a reason."""
    case = (
        DisconnectionCase.objects.select_for_update()
        .select_related("contract", "account")
        .get(pk=case.pk)
    )
    if case.status != Status.DISCONNECTED:
        raise ChainError(_("Nur ein gesperrter Anschluss kann entsperrt werden."))
    missing = needed(case)
    covered = missing <= 0 or (
        proof is not None and proof.amount is not None and proof.amount >= missing
    )
    if not covered and not (actor is not None and reason.strip()):
        raise ChainError(
            _("Es fehlen noch {amount}; ohne Deckung nur mit Begründung.").format(
                amount=format_eur(missing)
            )
        )
    now = timezone.now()
    order = send_order(
        case,
        FieldOrder.Kind.RECONNECT,
        planned_on=timezone.localdate(),
        priority=URGENT,
        actor=actor,
    )
    case.status = Status.RECONNECTION_ORDERED
    case.reconnection_ordered_at = now
    case.proof_received_at = case.proof_received_at or (proof.received_at if proof else now)
    case.save(update_fields=["status", "reconnection_ordered_at", "proof_received_at"])
    if proof is not None:
        proof.status = PaymentProof.Status.ACCEPTED
        proof.decided_at, proof.decided_by = now, actor
        proof.save(update_fields=["status", "decided_at", "decided_by"])
    if not covered:
        log_event(
            case,
            "reconnect_without_cover",
            _("Entsperrung ohne Deckung: {reason}").format(reason=reason),
            actor,
        )
    update_cases(Case.objects.filter(number=case.case_number), priority=Case.Priority.URGENT)
    return order


def reconnect_paid(*, now: datetime.datetime | None = None) -> int:
    """Disconnected contracts whose account is paid up (bank payment booked): reconnect."""
    count = 0
    for case in DisconnectionCase.objects.filter(status=Status.DISCONNECTED).select_related(
        "account"
    ):
        if needed(case) <= 0:
            try:
                order_reconnection(case, actor=None)
            except ChainError:
                continue
            count += 1
    return count


def lead_time(case: DisconnectionCase) -> datetime.timedelta | None:
    """From the proof (or payment) to the reconnection order."""
    if case.proof_received_at is None or case.reconnection_ordered_at is None:
        return None
    return case.reconnection_ordered_at - case.proof_received_at


def open_reconnections() -> list[DisconnectionCase]:
    """Waiting for reconnection: disconnected with a proof in, or ordered and not done;
    oldest first."""
    cases = DisconnectionCase.objects.filter(
        status__in=[Status.DISCONNECTED, Status.RECONNECTION_ORDERED]
    ).select_related("account__partner", "contract")
    waiting = [c for c in cases if c.status == Status.RECONNECTION_ORDERED or c.proof_received_at]
    return sorted(waiting, key=lambda c: c.proof_received_at or c.created_at)


def escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """A reconnection waiting longer than the target goes to the team lead's attention."""
    now = now or timezone.now()
    target = datetime.timedelta(minutes=settings.KC_RECONNECTION_TARGET_MINUTES)
    count = 0
    for case in open_reconnections():
        started = case.proof_received_at or case.created_at
        if case.escalated_at is None and now - started > target:
            with transaction.atomic():
                case.escalated_at = now
                case.save(update_fields=["escalated_at"])
                work_case = Case.objects.filter(number=case.case_number).first()
                if work_case is not None:
                    update_cases(
                        Case.objects.filter(pk=work_case.pk), priority=Case.Priority.URGENT
                    )
                    case_services.add_message(
                        work_case,
                        "note",
                        None,
                        body_text=_(
                            "Eskalation: Entsperrung wartet seit über {minutes} Minuten."
                        ).format(minutes=settings.KC_RECONNECTION_TARGET_MINUTES),
                    )
                log_event(case, "escalated", _("Entsperrung über der Zielzeit: eskaliert."))
            count += 1
    return count
