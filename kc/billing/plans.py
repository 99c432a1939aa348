"""State changes of Abschlag plans: a new plan after each bill, and change requests that an
agent or the portal may apply inside the limits, or that go to a person (§13 StromGVV)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing import budget, payment_terms
from kc.billing.models import (
    BillingDocument,
    BudgetBillingPlan,
    BudgetChangeRequest,
    BudgetInstalment,
)
from kc.cases import services as case_services
from kc.cases.models import Case, CaseType
from kc.core import audit
from kc.core.models import User
from kc.core.money import format_eur
from kc.core.validation import Refusal
from kc.letters import services as letters
from kc.letters.document import Column, Table
from kc.letters.placeholders import Value
from kc.payments import ledger
from kc.payments.models import Clearing, LedgerDocument, LedgerLine
from kc.supply.models import Contract, Division, PriceSheet

# Source prefix of the posting that withdraws a replaced plan's claims (invoices skip them).
WITHDRAWN = "billing.plan-withdrawn:"


class PlanError(Refusal):
    """Not possible as the data stands; the message says why."""


def first_due_after(day: datetime.date) -> datetime.date:
    """The plan's due day (KC_BUDGET_DUE_DAY) in the month after `day`."""
    month = day.month % 12 + 1
    year = day.year + (1 if day.month == 12 else 0)
    return datetime.date(year, month, settings.KC_BUDGET_DUE_DAY)


def earliest_new_due(today: datetime.date) -> datetime.date:
    """The first day a new amount may fall due: the letter arrives and the SEPA
    pre-notification period of 14 days has passed."""
    return today + datetime.timedelta(days=settings.KC_LETTER_RECEIPT_DAYS + 14)


def first_plan_due(period_end: datetime.date, today: datetime.date) -> datetime.date:
    """The first due date of a plan after a bill: in the month after the period, but never
    before the plan letter (the SEPA pre-notification) has arrived and 14 days have passed,
    so that a direct debit may collect it and it is never overdue on arrival."""
    earliest = earliest_new_due(today)
    first = first_due_after(period_end)
    while first < earliest:
        first = first_due_after(first)
    return first


def proposal_for(contract: Contract, *, on: datetime.date) -> budget.Proposal:
    """What the last billed consumption justifies at the prices in force on `on`."""
    document = (
        contract.billing_documents.filter(status=BillingDocument.Status.BILLED)
        .order_by("-period_end")
        .first()
    )
    if document is None:
        raise PlanError(_("Der Vertrag ist noch nicht abgerechnet: kein Vorschlag möglich."))
    sheet = (
        PriceSheet.objects.filter(tariff_id=contract.tariff_id, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if sheet is None:
        raise PlanError(_("Für den Tarif gilt am %(day)s kein Preisblatt.") % {"day": on})
    return budget.propose(
        division=contract.division,
        consumption=document.consumption,
        period_start=document.period_start,
        period_end=document.period_end,
        base_price_per_year=sheet.base_price_per_year,
        working_price=sheet.working_price,
        plan_start=on,
        instalments=settings.KC_BUDGET_INSTALMENTS,
    )


@transaction.atomic
def plan_after_bill(document: BillingDocument, *, actor: User | None = None) -> BudgetBillingPlan:
    """The new plan that follows a bill: instalments from the billed consumption."""
    contract = document.contract
    first = first_plan_due(document.period_end, timezone.localdate())
    proposal = proposal_for(contract, on=first)
    dates = budget.due_dates(first, proposal.instalments)
    return _replace_plan(
        contract,
        proposal.instalment,
        dates,
        reason=_("Nach Abrechnung %(start)s–%(end)s")
        % {"start": f"{document.period_start:%d.%m.%Y}", "end": f"{document.period_end:%d.%m.%Y}"},
        based_on=document,
        actor=actor,
    )


def _replace_plan(
    contract: Contract,
    amount: Decimal,
    dates: list[datetime.date],
    *,
    reason: str,
    actor: User | None,
    based_on: BillingDocument | None = None,
    letter_kind: str = "budget_plan",
) -> BudgetBillingPlan:
    """The new plan, its claims in the ledger (the letter is their pre-notification) and the
    letter; the unpaid future claims of the plan it replaces are withdrawn."""
    previous = active_plan(contract)
    if previous is not None:
        previous.status = BudgetBillingPlan.Status.REPLACED
        previous.save(update_fields=["status"])
        _withdraw_future_claims(previous, actor)
    plan = BudgetBillingPlan.objects.create(
        contract=contract,
        status=BudgetBillingPlan.Status.ACTIVE,
        instalment=amount,
        reason=reason[:200],
        based_on=based_on,
        created_by=actor,
    )
    BudgetInstalment.objects.bulk_create(
        BudgetInstalment(plan=plan, due_on=day, amount=amount) for day in dates
    )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=plan)
    claims = _post_claims(plan, dates, actor)
    ledger.settle_account(contract.account, claims)  # prepaid credit pays the new claims
    _plan_letter(plan, dates, previous, letter_kind, actor)
    return plan


def _post_claims(
    plan: BudgetBillingPlan, dates: list[datetime.date], actor: User | None
) -> LedgerDocument:
    contract = plan.contract
    today = timezone.localdate()
    return ledger.post(
        account=contract.account,
        kind=LedgerDocument.Kind.INSTALMENT,
        source=f"billing.plan:{plan.pk}",
        text=_("Abschlagsplan Vertrag %(contract)s") % {"contract": contract.number},
        entries=[
            ledger.Entry(
                amount=plan.instalment,
                text=_("Abschlag %(month)s") % {"month": f"{day:%m/%Y}"},
                due_on=day,
                contract_id=contract.pk,
                prenotified_on=today,
            )
            for day in dates
        ],
        offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
        actor=actor,
    )


def _withdraw_future_claims(plan: BudgetBillingPlan, actor: User | None) -> None:
    """The claims of a replaced plan that fall due from the first day a new amount may are
    withdrawn in full; what was prepaid on them becomes free credit again and pays the new
    plan's claims (`_replace_plan` settles after posting them)."""
    posting = LedgerDocument.objects.filter(
        source=f"billing.plan:{plan.pk}", kind=LedgerDocument.Kind.INSTALMENT
    ).first()
    if posting is None:
        return
    # Claims due before a new letter could pre-notify a new amount stay as announced.
    earliest = earliest_new_due(timezone.localdate())
    lines = list(
        LedgerLine.objects.filter(
            document=posting, side=LedgerLine.Offset.CUSTOMER, due_on__gte=earliest
        ).order_by("due_on", "id")
    )
    if not lines:
        return
    withdrawal = ledger.post(
        account=plan.contract.account,
        kind=LedgerDocument.Kind.REVERSAL,
        source=f"{WITHDRAWN}{plan.pk}",
        text=_("Abschläge zurückgenommen (Plan ersetzt)"),
        entries=[
            ledger.Entry(
                amount=-line.amount,
                text=_("Zurückgenommen: %(text)s") % {"text": line.text},
                contract_id=line.contract_id,
            )
            for line in lines
        ],
        offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
        actor=actor,
    )
    for line in lines:
        ledger.undo_settlements(line, withdrawal)
    credits = ledger.customer_lines(withdrawal)
    Clearing.objects.bulk_create(
        Clearing(receivable=line, credit=credit, amount=line.amount, document=withdrawal)
        for line, credit in zip(lines, credits, strict=True)
    )


def _plan_letter(
    plan: BudgetBillingPlan,
    dates: list[datetime.date],
    previous: BudgetBillingPlan | None,
    kind: str,
    actor: User | None,
) -> None:
    contract = plan.contract
    account = contract.account
    division = Division(contract.division).label
    amount = format_eur(plan.instalment)
    values: dict[str, Value] = {
        "abschlag": amount,
        "erster_termin": f"{dates[0]:%d.%m.%Y}",
        "zahlweise": payment_terms.instalment_terms(account),
        "faelligkeiten": Table(
            (Column("Fällig am", 35), Column("Art", 70), Column("Betrag", 30, "right")),
            tuple((f"{day:%d.%m.%Y}", f"Abschlag {division}", amount) for day in dates),
        ),
    }
    if kind == "budget_change":
        values["alter_abschlag"] = format_eur(previous.instalment) if previous else "–"
    letters.create_letter(
        kind=kind, partner=account.partner, account=account, actor=actor, values=values
    )


def active_plan(contract: Contract) -> BudgetBillingPlan | None:
    return contract.budget_plans.filter(status=BudgetBillingPlan.Status.ACTIVE).first()


@transaction.atomic
def request_change(
    *, contract: Contract, amount: Decimal, reason: str, channel: str, actor: User | None
) -> BudgetChangeRequest:
    """Apply at once inside the limits around the proposal; else a case for a person."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    plan = active_plan(contract)
    if plan is None:
        raise PlanError(_("Der Vertrag hat keinen gültigen Abschlagsplan."))
    if amount <= 0:
        raise PlanError(_("Der Abschlag muss größer als 0 € sein."))
    _refuse_repeat(contract, plan, amount)
    if not reason.strip():
        raise PlanError(_("Bitte den Grund für die Änderung angeben."))
    today = timezone.localdate()
    proposed = proposal_for(contract, on=today).instalment
    decision = budget.judge_change(
        amount, proposed, tolerance=Decimal(settings.KC_BUDGET_CHANGE_TOLERANCE_PERCENT) / 100
    )
    change = BudgetChangeRequest(
        contract=contract,
        requested=amount,
        proposed=proposed,
        reason=reason.strip()[:300],
        channel=channel,
        requested_by=actor,
        status=BudgetChangeRequest.Status.PENDING,
    )
    if decision.allowed_without_approval:
        change.status = BudgetChangeRequest.Status.APPLIED
        _apply(change, plan, actor)
    else:
        case = case_services.open_case(
            subject=_("Abschlagsänderung %(contract)s: %(amount)s € statt %(proposed)s €")
            % {"contract": contract.number, "amount": amount, "proposed": proposed},
            channel=channel,
            actor=actor,
            case_type=CaseType.BUDGET_BILLING_CHANGE,
            partner=contract.account.partner,
        )
        change.case_number = case.number
    change.save()
    audit.record(actor=actor, action=audit.Action.CREATE, obj=change)
    return change


def _refuse_repeat(contract: Contract, plan: BudgetBillingPlan, amount: Decimal) -> None:
    """A repeated request (a double click, a second tab) changes nothing: the amount is
    already the plan's, or an earlier request still waits for a person's decision."""
    waiting = contract.budget_changes.filter(status=BudgetChangeRequest.Status.PENDING).first()
    if waiting is not None:
        raise PlanError(
            _("Ein Änderungswunsch vom %(day)s wird noch geprüft (Vorgang %(case)s).")
            % {
                "day": f"{timezone.localtime(waiting.requested_at):%d.%m.%Y}",
                "case": waiting.case_number or "–",
            }
        )
    if amount == plan.instalment:
        raise PlanError(
            _("Der Abschlag beträgt bereits %(amount)s.") % {"amount": format_eur(amount)}
        )


@transaction.atomic
def decide_change(
    *, change: BudgetChangeRequest, approve: bool, note: str, actor: User
) -> BudgetChangeRequest:
    change = BudgetChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != BudgetChangeRequest.Status.PENDING:
        raise PlanError(_("Über diese Änderung ist bereits entschieden."))
    if not note.strip():
        raise PlanError(_("Bitte die Entscheidung begründen."))
    change.status = (
        BudgetChangeRequest.Status.APPROVED if approve else BudgetChangeRequest.Status.REJECTED
    )
    change.decided_at, change.decided_by, change.decision_note = timezone.now(), actor, note[:300]
    if approve:
        plan = active_plan(change.contract)
        if plan is None:
            raise PlanError(_("Der Vertrag hat keinen gültigen Abschlagsplan."))
        _apply(change, plan, actor)
    change.save()
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=change)
    _close_case(change, actor)
    return change


def _close_case(change: BudgetChangeRequest, actor: User) -> None:
    """The case the request went to carries the decision and is done."""
    case = Case.objects.filter(number=change.case_number).first() if change.case_number else None
    if case is None:
        return
    verdict = (
        _("genehmigt") if change.status == BudgetChangeRequest.Status.APPROVED else _("abgelehnt")
    )
    case_services.change_status(
        case=case,
        status=Case.Status.RESOLVED,
        actor=actor,
        note=_("Abschlagsänderung %(verdict)s: %(note)s")
        % {"verdict": verdict, "note": change.decision_note},
    )


def _apply(change: BudgetChangeRequest, plan: BudgetBillingPlan, actor: User | None) -> None:
    """The remaining due dates of the plan carry the new amount (a new plan replaces it)."""
    earliest = earliest_new_due(timezone.localdate())
    dates = list(plan.dues.filter(due_on__gte=earliest).values_list("due_on", flat=True))
    if not dates:
        raise PlanError(_("Der Abschlagsplan hat keine offenen Fälligkeiten mehr."))
    _replace_plan(
        change.contract,
        change.requested,
        dates,
        reason=_("Änderung: %(reason)s") % {"reason": change.reason},
        actor=actor,
        letter_kind="budget_change",
    )
