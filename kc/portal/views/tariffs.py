"""Tariff comparison and switch: the customer compares, takes an offer (its letter goes to
the documents) and confirms the switch from today, with today's reading if they have it."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.billing import offers, selectors
from kc.billing.models import TariffOffer
from kc.core.form_views import call_service, form_page, submitted
from kc.core.models import User
from kc.letters.models import Letter
from kc.portal.access import CustomerScope
from kc.portal.forms_services import AcceptOfferForm, ConsumptionForm, OfferRequestForm
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.supply.models import Contract, Tariff


@dataclass(frozen=True)
class Row:
    offer: offers.OfferRow
    difference: Decimal | None  # to a year in the current tariff, gross
    is_current: bool

    @property
    def working_cent(self) -> Decimal:
        return self.offer.working_gross * 100

    @property
    def vat_percent(self) -> Decimal:
        return (self.offer.vat * 100).normalize()


def _current_contract(customer: CustomerScope, contract_id: int) -> Contract:
    return get_object_or_404(customer.current_contracts(timezone.localdate()), pk=contract_id)


@customer_required
@require_GET
def tariff_compare(request: CustomerRequest, contract_id: int) -> HttpResponse:
    """The orderable tariffs for the billed annual consumption, or for one the customer types."""
    customer = scope(request)
    contract = _current_contract(customer, contract_id)
    billed = selectors.billed_annual_consumption(contract)
    data: Mapping[str, str] | None = request.GET if "consumption" in request.GET else None
    if data is None and billed is not None:
        data = {"consumption": f"{billed:f}"}
    form = ConsumptionForm(data, initial={"consumption": billed})
    rows: list[Row] = []
    if form.is_bound and form.is_valid():
        consumption = form.cleaned_data["consumption"]
        found = call_service(form, lambda: _compare(contract, consumption))
        rows = _rows(found or [], contract, consumption)
    context = {
        "contract": contract,
        "form": form,
        "billed": billed,
        "rows": rows,
        "unit": selectors.consumption_unit(contract.division),
        "open_offers": customer.offers(contract).filter(status=TariffOffer.Status.OFFERED),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "portal/tariffs.html", context, status=status)


def _compare(contract: Contract, consumption: Decimal) -> list[offers.OfferRow]:
    return offers.compare(
        division=contract.division,
        consumption=consumption,
        postal_code=contract.market_location.premise.postal_code,
        on=timezone.localdate(),
    )


def _rows(found: list[offers.OfferRow], contract: Contract, consumption: Decimal) -> list[Row]:
    current = selectors.current_annual_gross(contract, consumption, timezone.localdate())
    return [
        Row(
            offer=row,
            difference=None if current is None else row.annual_gross - current,
            is_current=row.tariff.pk == contract.tariff_id,
        )
        for row in found
    ]


@customer_required
@require_POST
def tariff_offer_create(request: CustomerRequest, contract_id: int) -> HttpResponse:
    """The customer picks a tariff: the offer and its letter (an open one is reused)."""
    customer = scope(request)
    contract = _current_contract(customer, contract_id)
    form = OfferRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie einen Tarif aus der Liste."))
        return redirect("portal:tariffs", contract_id=contract.pk)
    tariff = get_object_or_404(
        Tariff, pk=form.cleaned_data["tariff"], division=contract.division, active=True
    )
    consumption = form.cleaned_data["consumption"]
    offer = _open_offer(customer, contract, tariff, consumption) or call_service(
        form, lambda: _make_offer(contract, tariff, consumption, request.user)
    )
    if offer is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("portal:tariffs", contract_id=contract.pk)
    return redirect("portal:tariff_offer", contract_id=contract.pk, offer_id=offer.pk)


def _open_offer(
    customer: CustomerScope, contract: Contract, tariff: Tariff, consumption: Decimal
) -> TariffOffer | None:
    """An offer for the same tariff and consumption still open (a double click, a reload)."""
    return (
        customer.offers(contract)
        .filter(
            tariff=tariff,
            consumption=consumption,
            status=TariffOffer.Status.OFFERED,
            valid_until__gte=timezone.localdate(),
        )
        .first()
    )


def _make_offer(
    contract: Contract, tariff: Tariff, consumption: Decimal, actor: User
) -> TariffOffer:
    return offers.make_offer(
        partner=contract.account.partner,
        tariff=tariff,
        consumption=consumption,
        postal_code=contract.market_location.premise.postal_code,
        actor=actor,
        contract=contract,
    )


@customer_required
@require_http_methods(["GET", "POST"])
def tariff_offer(request: CustomerRequest, contract_id: int, offer_id: int) -> HttpResponse:
    """The offer with its prices; the customer confirms the switch from today."""
    customer = scope(request)
    contract = customer.contract(contract_id)
    offer = customer.offer(contract, offer_id)
    today = timezone.localdate()
    registers = list(customer.current_registers(contract))
    form = AcceptOfferForm(request.POST or None, registers=registers)
    if submitted(request, form):
        data = form.cleaned_data
        accepted = call_service(
            form,
            lambda: offers.accept_offer(
                offer=offer,
                switch_date=today,
                register=data["register"] if data["reading"] is not None else None,
                reading=data["reading"],
                actor=request.user,
            ),
        )
        if accepted is not None:
            messages.success(
                request,
                _("Ihr Vertrag %(contract)s wechselt zum %(day)s in den Tarif „%(tariff)s“.")
                % {
                    "contract": contract.number,
                    "day": f"{today:%d.%m.%Y}",
                    "tariff": offer.tariff.name,
                },
            )
            return redirect("portal:tariff_offer", contract_id=contract.pk, offer_id=offer.pk)
    return form_page(
        request, "portal/tariff_offer.html", _offer_context(customer, contract, offer, form)
    )


def _offer_context(
    customer: CustomerScope, contract: Contract, offer: TariffOffer, form: AcceptOfferForm
) -> dict[str, object]:
    today = timezone.localdate()
    try:
        found = _compare(contract, offer.consumption)
    except offers.OfferError:
        found = []
    rows = _rows(found, contract, offer.consumption)
    return {
        "contract": contract,
        "offer": offer,
        "row": next((row for row in rows if row.offer.tariff == offer.tariff), None),
        "form": form,
        "today": today,
        "unit": selectors.consumption_unit(contract.division),
        "letter": _letter(customer, offer.letter_number),
        "may_accept": offer.status == TariffOffer.Status.OFFERED and offer.valid_until >= today,
    }


def _letter(customer: CustomerScope, number: str) -> Letter | None:
    return customer.letters().filter(number=number).first() if number else None
