"""Agent pages of billing: a billing document, the Abschlag of a contract with change requests,
the decisions on changes outside the limits, the tariff comparison and tariff offers.

Views parse input, call kc.billing.plans / offers (or a selector) and render; the services
refuse what is not possible with a German message, which the pages show as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.billing import budget, offers, plans, selectors
from kc.billing.forms import (
    AcceptOfferForm,
    BudgetChangeForm,
    DecisionForm,
    MakeOfferForm,
    TariffComparisonForm,
)
from kc.billing.models import BudgetChangeRequest, TariffOffer
from kc.cases.models import Channel
from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.supply.models import Contract

VIEW_DOCUMENT = "billing.view_billingdocument"
VIEW_PLAN = "billing.view_budgetbillingplan"
REQUEST_CHANGE = "billing.add_budgetchangerequest"
DECIDE_CHANGE = "billing.change_budgetchangerequest"
COMPARE_TARIFFS = "supply.view_tariff"
VIEW_OFFER = "billing.view_tariffoffer"
MAKE_OFFER = "billing.add_tariffoffer"
ACCEPT_OFFER = "billing.change_tariffoffer"

CHANNELS = dict(Channel.choices)


def _read(request: StaffRequest, obj: Model, partner_id: int) -> None:
    """Every page that shows a customer's data leaves a READ row (as the customer page does)."""
    audit.record(actor=request.user, action=audit.Action.READ, obj=obj, partner_id=partner_id)


# --- billing document ------------------------------------------------------------------


@login_required
@permission_required(VIEW_DOCUMENT, raise_exception=True)
@require_GET
def document_detail(request: StaffRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for_page(document_id)
    _read(request, document, document.contract.account.partner_id)
    return render(
        request,
        "billing/document_detail.html",
        {"document": document, "lines": selectors.line_rows(document)},
    )


# --- Abschlag of a contract ------------------------------------------------------------


@login_required
@permission_required(VIEW_PLAN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def budget_plan(request: StaffRequest, contract_id: int) -> HttpResponse:
    """The current plan, what the consumption justifies, and the form to change it."""
    contract = selectors.contract_for_page(contract_id)
    if request.method == "POST" and not request.user.has_perm(REQUEST_CHANGE):
        raise PermissionDenied
    form = BudgetChangeForm(request.POST or None)
    if submitted(request, form):
        data = form.cleaned_data
        change = call_service(
            form,
            lambda: plans.request_change(
                contract=contract,
                amount=data["amount"],
                reason=data["reason"],
                channel=data["channel"],
                actor=request.user,
            ),
        )
        if change is not None:
            url = reverse("billing:budget_plan", args=[contract.pk])
            return redirect(f"{url}?aenderung={change.pk}")
    _read(request, contract, contract.account.partner_id)
    return form_page(request, "billing/budget_plan.html", _plan_context(request, contract, form))


def _plan_context(
    request: StaffRequest, contract: Contract, form: BudgetChangeForm
) -> dict[str, object]:
    today = timezone.localdate()
    proposal, proposal_error, limits = None, "", None
    try:
        proposal = plans.proposal_for(contract, on=today)
    except (plans.PlanError, ValueError) as error:
        proposal_error = str(error)
    else:
        tolerance = Decimal(settings.KC_BUDGET_CHANGE_TOLERANCE_PERCENT) / 100
        limits = budget.judge_change(proposal.instalment, proposal.instalment, tolerance=tolerance)
    changes = selectors.changes_of_contract(contract)
    result_id = request.GET.get("aenderung", "")
    result = next((c for c in changes if str(c.pk) == result_id), None)
    return {
        "contract": contract,
        "partner": contract.account.partner,
        "plan": selectors.active_plan_with_dues(contract),
        "today": today,
        "proposal": proposal,
        "proposal_error": proposal_error,
        "limits": limits,
        "tolerance": settings.KC_BUDGET_CHANGE_TOLERANCE_PERCENT,
        "changes": changes,
        "result": result,
        "form": form,
    }


# --- decisions on changes outside the limits -------------------------------------------


@login_required
@permission_required(DECIDE_CHANGE, raise_exception=True)
@require_GET
def change_list(request: StaffRequest) -> HttpResponse:
    return _change_list_page(request)


@login_required
@permission_required(DECIDE_CHANGE, raise_exception=True)
@require_POST
def change_decide(request: StaffRequest, change_id: int) -> HttpResponse:
    change = get_object_or_404(BudgetChangeRequest, pk=change_id)
    form = DecisionForm(request.POST, prefix=f"change-{change.pk}")
    if submitted(request, form):
        data = form.cleaned_data
        decided = call_service(
            form,
            lambda: plans.decide_change(
                change=change,
                approve=data["decision"] == DecisionForm.APPROVE,
                note=data["note"],
                actor=request.user,
            ),
        )
        if decided is not None:
            messages.success(
                request,
                _("Abschlagsänderung für Vertrag %(contract)s: %(status)s.")
                % {"contract": decided.contract.number, "status": decided.get_status_display()},
            )
            return redirect("billing:change_list")
    return _change_list_page(request, failed=(change.pk, form))


def _change_list_page(
    request: StaffRequest, failed: tuple[int, DecisionForm] | None = None
) -> HttpResponse:
    rows = []
    for change in selectors.pending_changes():
        form = DecisionForm(prefix=f"change-{change.pk}")
        if failed is not None and failed[0] == change.pk:
            form = failed[1]
        rows.append((change, form, CHANNELS.get(change.channel, change.channel)))
    failed_elsewhere = failed is not None and all(row[0].pk != failed[0] for row in rows)
    if failed is not None and failed_elsewhere:
        # Decided meanwhile by someone else: say so instead of a form that is gone.
        for error in failed[1].non_field_errors():
            messages.error(request, str(error))
    status = 400 if failed is not None else 200
    return render(request, "billing/change_list.html", {"rows": rows}, status=status)


# --- tariff comparison and offers ------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    offer: offers.OfferRow
    difference: Decimal | None  # to the current tariff's annual cost, gross
    is_current: bool

    @property
    def working_cent(self) -> Decimal:
        return self.offer.working_gross * 100


@login_required
@permission_required(COMPARE_TARIFFS, raise_exception=True)
@require_GET
def tariff_comparison(request: StaffRequest) -> HttpResponse:
    """For a consumption and postal code, or started from a contract (?vertrag=<id>)."""
    contract = _contract_from_query(request)
    initial: dict[str, object] = {}
    billed = None
    if contract is not None:
        billed = selectors.billed_annual_consumption(contract)
        initial = {
            "consumption": billed,
            "postal_code": contract.market_location.premise.postal_code,
            "division": contract.division,
        }
        _read(request, contract, contract.account.partner_id)
    data: Mapping[str, str] | None = None
    if "consumption" in request.GET:
        data = request.GET
    elif billed is not None:  # prefilled from the bill: compare at once
        data = {key: str(value) for key, value in initial.items()}
        data = {**data, "consumption": f"{billed:f}".replace(".", ",")}
    form = TariffComparisonForm(data, initial=initial, division_fixed=contract is not None)
    rows: list[ComparisonRow] = []
    unit = "kWh"
    if form.is_bound and form.is_valid():
        clean = form.cleaned_data
        unit = selectors.consumption_unit(clean["division"])
        found = call_service(
            form,
            lambda: offers.compare(
                division=clean["division"],
                consumption=clean["consumption"],
                postal_code=clean["postal_code"],
                on=timezone.localdate(),
            ),
        )
        rows = _comparison_rows(found or [], contract, clean["consumption"])
    context = {
        "form": form,
        "contract": contract,
        "partner": contract.account.partner if contract else None,
        "unbilled": contract is not None and billed is None,
        "rows": rows,
        "unit": unit,
        "has_current": any(row.difference is not None for row in rows),
    }
    return render(request, "billing/tariff_comparison.html", context)


def _contract_from_query(request: StaffRequest) -> Contract | None:
    raw = request.GET.get("vertrag", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("Unbekannter Vertrag."))
    return selectors.contract_for_page(int(raw))


def _comparison_rows(
    found: list[offers.OfferRow], contract: Contract | None, consumption: Decimal
) -> list[ComparisonRow]:
    current = None
    if contract is not None:
        current = selectors.current_annual_gross(contract, consumption, timezone.localdate())
    return [
        ComparisonRow(
            offer=row,
            difference=None if current is None else row.annual_gross - current,
            is_current=contract is not None and row.tariff.pk == contract.tariff_id,
        )
        for row in found
    ]


@login_required
@permission_required(MAKE_OFFER, raise_exception=True)
@require_POST
def offer_create(request: StaffRequest, contract_id: int) -> HttpResponse:
    contract = selectors.contract_for_page(contract_id)
    form = MakeOfferForm(request.POST)
    back = f"{reverse('billing:tariff_comparison')}?vertrag={contract.pk}"
    if not form.is_valid():
        messages.error(request, _("Das Angebot ließ sich nicht erstellen: Angaben unvollständig."))
        return redirect(back)
    data = form.cleaned_data
    if data["tariff"].division != contract.division:
        messages.error(request, _("Der Tarif gehört zu einer anderen Sparte als der Vertrag."))
        return redirect(back)
    offer = call_service(
        form,
        lambda: offers.make_offer(
            partner=contract.account.partner,
            tariff=data["tariff"],
            consumption=data["consumption"],
            postal_code=data["postal_code"],
            actor=request.user,
            contract=contract,
        ),
    )
    if offer is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("Angebot „%(tariff)s“ erstellt, Brief %(letter)s.")
        % {"tariff": offer.tariff.name, "letter": offer.letter_number or "–"},
    )
    return redirect("billing:offer_detail", offer_id=offer.pk)


@login_required
@permission_required(VIEW_OFFER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def offer_detail(request: StaffRequest, offer_id: int) -> HttpResponse:
    offer = selectors.offer_for_page(offer_id)
    if request.method == "POST" and not request.user.has_perm(ACCEPT_OFFER):
        raise PermissionDenied
    registers = selectors.active_registers(offer.contract) if offer.contract else []
    form = AcceptOfferForm(request.POST or None, registers=registers)
    if submitted(request, form):
        data = form.cleaned_data
        accepted = call_service(
            form,
            lambda: offers.accept_offer(
                offer=offer,
                switch_date=data["switch_date"],
                register=data["register"],
                reading=data["reading"],
                actor=request.user,
            ),
        )
        if accepted is not None:
            messages.success(
                request,
                _(
                    "Angebot angenommen: Vertrag %(contract)s wechselt zum %(day)s in den Tarif "
                    "„%(tariff)s“."
                )
                % {
                    "contract": offer.contract.number if offer.contract else "–",
                    "day": f"{data['switch_date']:%d.%m.%Y}",
                    "tariff": offer.tariff.name,
                },
            )
            return redirect("billing:offer_detail", offer_id=offer.pk)
    _read(request, offer, offer.partner_id)
    context = {
        "offer": offer,
        "form": form,
        "unit": selectors.consumption_unit(offer.tariff.division),
        "may_accept": offer.status == TariffOffer.Status.OFFERED and offer.contract is not None,
    }
    return form_page(request, "billing/offer_detail.html", context)
