"""The funding clerk's review: the checklist, approval and rejection with the decision letter.

Approval locks the program's budget row of the application's year (SELECT ... FOR UPDATE) and
counts what is used only after it holds the lock, so concurrent approvals can never spend
more than the budget. An approval above what is left is refused; the clerk may instead
approve the remaining amount, but only by an explicit decision ("Teilbetrag") that the
letter names.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.models import Message
from kc.core import audit
from kc.core.models import User
from kc.core.money import format_eur
from kc.core.validation import Refusal
from kc.funding import eligibility, selectors
from kc.funding.amounts import add_years
from kc.funding.models import (
    ApplicationDocument,
    DocumentKind,
    FundingApplication,
    FundingCategory,
    ProgramBudget,
)
from kc.letters import services as letter_services

Status = FundingApplication.Status
ZERO = Decimal("0.00")


def _locked(application: FundingApplication) -> FundingApplication:
    return (
        FundingApplication.objects.select_for_update(of=("self",))
        .select_related("category", "category__program", "partner", "account", "contract")
        .get(pk=application.pk)
    )


def _open(application: FundingApplication) -> None:
    if application.status not in FundingApplication.OPEN:
        raise Refusal(
            _("Über den Antrag {number} ist bereits entschieden ({status}).").format(
                number=application.number, status=application.get_status_display()
            )
        )


def note_on_case(application: FundingApplication, text: str, actor: User | None) -> None:
    if application.case is not None:
        case_services.add_message(application.case, Message.Kind.NOTE, actor, body_text=text)


@transaction.atomic
def set_checks(
    application: FundingApplication, *, done: Iterable[str], actor: User
) -> FundingApplication:
    """Tick the listed checklist items (and untick the others); the review has begun."""
    application = _locked(application)
    _open(application)
    wanted = set(done)
    now = timezone.now()
    changes: dict[str, list[str]] = {}
    for check in application.checks.select_for_update():
        is_done = check.done_at is not None
        if check.item in wanted and not is_done:
            check.done_at, check.done_by = now, actor
        elif check.item not in wanted and is_done:
            check.done_at, check.done_by = None, None
        else:
            continue
        check.save(update_fields=["done_at", "done_by"])
        changes[check.item] = [str(is_done), str(not is_done)]
    if application.status == Status.SUBMITTED:
        application.status = Status.IN_REVIEW
        application.save(update_fields=["status"])
        changes["status"] = [Status.SUBMITTED.value, Status.IN_REVIEW.value]
    if changes:
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            obj=application,
            partner_id=application.partner_id,
            changes=changes,
        )
    return application


def open_checks(application: FundingApplication) -> list[str]:
    return [
        str(check.get_item_display()) for check in application.checks.all() if check.done_at is None
    ]


def missing_clean_documents(application: FundingApplication) -> list[str]:
    """Required kinds without a document that clamd passed."""
    clean = set(
        application.documents.filter(scan=ApplicationDocument.Scan.CLEAN).values_list(
            "kind", flat=True
        )
    )
    return [
        str(DocumentKind(kind).label)
        for kind in application.category.required_documents
        if kind not in clean
    ]


def decision_request(application: FundingApplication) -> eligibility.Request:
    return eligibility.Request(
        partner=application.partner,
        account=application.account,
        contract=application.contract,
        category=application.category,
        commissioned_on=application.commissioned_on,
        applied_on=timezone.localdate(application.applied_at),
        amount=application.requested_amount,
        exclude_id=application.pk,
    )


def blockers(application: FundingApplication) -> list[str]:
    """Why the application cannot be approved as it stands (budget aside)."""
    reasons = []
    missing = open_checks(application)
    if missing:
        reasons.append(
            _("Die Prüfliste ist nicht vollständig: {items}.").format(items=", ".join(missing))
        )
    documents = missing_clean_documents(application)
    if documents:
        reasons.append(
            _("Es fehlt ein geprüfter Nachweis: {documents}.").format(
                documents=", ".join(documents)
            )
        )
    failing = eligibility.check(decision_request(application), eligibility.DECISION_RULES)
    reasons += [reason.message for reason in failing]
    return reasons


@transaction.atomic
def approve(
    application: FundingApplication,
    *,
    actor: User,
    reason: str = "",
    accept_partial: bool = False,
) -> FundingApplication:
    """Approve the requested amount, or refuse with every reason. The budget row is locked
    (in the order application → budget everywhere, so two approvals cannot deadlock)."""
    application = _locked(application)
    _open(application)
    problems = blockers(application)
    if problems:
        raise Refusal(" ".join(problems))
    program = application.category.program
    budget = (
        ProgramBudget.objects.select_for_update()
        .filter(program=program, year=application.budget_year)
        .first()
    )
    if budget is None:
        raise Refusal(
            _("Für {year} ist kein Budget des Programms {program} hinterlegt.").format(
                year=application.budget_year, program=program.name
            )
        )
    left = budget.amount - selectors.consumption(program, application.budget_year).used
    amount = application.requested_amount
    if amount > left:
        if not accept_partial or left <= 0:
            raise Refusal(
                _(
                    "Das Budget {year} reicht nicht: beantragt {amount}, frei {left}. "
                    "Ablehnen oder ausdrücklich einen Teilbetrag bewilligen."
                ).format(
                    year=application.budget_year,
                    amount=format_eur(amount),
                    left=format_eur(max(left, ZERO)),
                )
            )
        amount = left
    application.status = Status.APPROVED
    application.approved_amount = amount
    application.decided_at, application.decided_by = timezone.now(), actor
    application.decision_reason = reason.strip() or str(_("Alle Voraussetzungen sind erfüllt."))
    if amount < application.requested_amount:
        application.decision_reason += " " + _(
            "Bewilligt wird der restliche Betrag des Förderbudgets {year}: {amount} statt {asked}."
        ).format(
            year=application.budget_year,
            amount=format_eur(amount),
            asked=format_eur(application.requested_amount),
        )
    application.save(
        update_fields=["status", "approved_amount", "decided_at", "decided_by", "decision_reason"]
    )
    _decided(application, actor, "funding_approval", _approval_values(application))
    return application


@transaction.atomic
def reject(application: FundingApplication, *, actor: User, reason: str) -> FundingApplication:
    if not reason.strip():
        raise Refusal(_("Bitte den Grund der Ablehnung angeben."))
    application = _locked(application)
    _open(application)
    application.status = Status.REJECTED
    application.decided_at, application.decided_by = timezone.now(), actor
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    _decided(application, actor, "funding_rejection", _common_values(application))
    return application


def _decided(
    application: FundingApplication, actor: User, kind: str, values: dict[str, str]
) -> None:
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=application,
        partner_id=application.partner_id,
        changes={
            "status": ["", application.status],
            "approved_amount": ["", str(application.approved_amount or "")],
            "decision_reason": ["", application.decision_reason],
        },
    )
    letter = letter_services.create_letter(
        kind=kind,
        partner=application.partner,
        values=values,
        actor=actor,
        account=application.account,
        case_number=application.case.number if application.case else "",
    )
    note_on_case(
        application,
        _("Förderantrag {number} {status}: {reason} (Brief {letter})").format(
            number=application.number,
            status=application.get_status_display(),
            reason=application.decision_reason,
            letter=letter.number,
        ),
        actor,
    )


def _common_values(application: FundingApplication) -> dict[str, str]:
    return {
        "programm": application.category.program.name,
        "kategorie": application.category.label,
        "geraet": application.item,
        "antragsnummer": application.number,
        "begruendung": application.decision_reason,
    }


def bound_until(application: FundingApplication) -> str:
    """The contract must last until the approval day plus the category's retention years."""
    decided = timezone.localdate(application.decided_at or timezone.now())
    return f"{add_years(decided, application.category.retention_years):%d.%m.%Y}"


def _approval_values(application: FundingApplication) -> dict[str, str]:
    amount = format_eur(application.approved_amount or ZERO)
    if application.payout_way == FundingApplication.PayoutWay.TRANSFER:
        payout = _("Wir überweisen Ihnen {amount} auf Ihr Konto.").format(amount=amount)
    else:
        payout = _("Wir schreiben Ihnen {amount} auf Ihrem Vertragskonto gut.").format(
            amount=amount
        )
    clawback = (
        _("anteilig für die fehlende Zeit")
        if application.category.clawback == FundingCategory.Clawback.PRO_RATA
        else _("vollständig")
    )
    return _common_values(application) | {
        "betrag": amount,
        "auszahlung": payout,
        "bindung_bis": bound_until(application),
        "rueckforderung": str(clawback),
    }
