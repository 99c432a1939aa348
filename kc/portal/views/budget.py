"""Abschlag change by the customer: inside the limits at once, outside to our customer service."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kc.billing import budget, plans
from kc.billing.models import BudgetBillingPlan, BudgetChangeRequest
from kc.cases.models import Channel
from kc.core.form_views import call_service, form_page, submitted
from kc.core.money import format_eur
from kc.portal.access import CustomerScope
from kc.portal.forms_services import BudgetChangeForm
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.supply.models import Contract

CHANGES_SHOWN = 10


@dataclass(frozen=True)
class Guidance:
    """What the billing proposes and what the customer may choose without approval."""

    proposal: Decimal
    lowest: Decimal
    highest: Decimal


@customer_required
@require_http_methods(["GET", "POST"])
def budget_change(request: CustomerRequest, contract_id: int) -> HttpResponse:
    customer = scope(request)
    contract = customer.contract(contract_id)
    form = BudgetChangeForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        change = call_service(
            form,
            lambda: plans.request_change(
                contract=contract,
                amount=data["amount"],
                reason=data["reason"],
                channel=Channel.PORTAL,
                actor=request.user,
            ),
        )
        if change is not None:
            messages.success(request, _outcome(change))
            return redirect("portal:budget", contract_id=contract.pk)
    return form_page(request, "portal/budget.html", _context(customer, contract, form))


def _outcome(change: BudgetChangeRequest) -> str:
    if change.status == BudgetChangeRequest.Status.APPLIED:
        plan = plans.active_plan(change.contract)
        first = plan.dues.order_by("due_on").first() if plan else None
        return _(
            "Ihr neuer Abschlag von %(amount)s gilt ab der Fälligkeit am %(day)s. "
            "Den neuen Abschlagsplan schicken wir Ihnen als Brief."
        ) % {
            "amount": format_eur(change.requested),
            "day": f"{first.due_on:%d.%m.%Y}" if first else "–",
        }
    return _(
        "Ihr Wunsch von %(amount)s liegt außerhalb des Rahmens und wird von unserem "
        "Kundenservice geprüft (Vorgang %(case)s). Bis dahin bleibt Ihr bisheriger Abschlag."
    ) % {"amount": format_eur(change.requested), "case": change.case_number}


def _context(
    customer: CustomerScope, contract: Contract, form: BudgetChangeForm
) -> dict[str, object]:
    today = timezone.localdate()
    plan = (
        customer.plans()
        .filter(contract=contract, status=BudgetBillingPlan.Status.ACTIVE)
        .prefetch_related("dues")
        .first()
    )
    changes = list(customer.budget_changes(contract)[:CHANGES_SHOWN])
    return {
        "contract": contract,
        "plan": plan,
        "guidance": _guidance(contract, today),
        "applies_from": _applies_from(plan, today),
        "pending": any(c.status == BudgetChangeRequest.Status.PENDING for c in changes),
        "changes": changes,
        "form": form,
    }


def _guidance(contract: Contract, today: datetime.date) -> Guidance | None:
    try:
        proposal = plans.proposal_for(contract, on=today).instalment
    except (plans.PlanError, ValueError):
        return None
    tolerance = Decimal(settings.KC_BUDGET_CHANGE_TOLERANCE_PERCENT) / 100
    limits = budget.judge_change(proposal, proposal, tolerance=tolerance)
    return Guidance(proposal, limits.lowest, limits.highest)


def _applies_from(plan: BudgetBillingPlan | None, today: datetime.date) -> datetime.date | None:
    """The first due date a change made today would carry (earlier ones stay as announced)."""
    if plan is None:
        return None
    earliest = plans.earliest_new_due(today)
    return next((due.due_on for due in plan.dues.all() if due.due_on >= earliest), None)
