"""Read-only queries and display rows of the billing pages (no state changes here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kc.billing import budget
from kc.billing.models import (
    BillingDocument,
    BillingLine,
    BudgetBillingPlan,
    BudgetChangeRequest,
    TariffOffer,
)
from kc.supply.models import Contract, Division, PriceSheet, Register, Unit
from kc.supply.vat import vat_rate

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineRow:
    """A billing line as an agent reads it out: the price with its unit, VAT in percent."""

    line: BillingLine

    @property
    def is_base(self) -> bool:
        return self.line.kind == "base"

    @property
    def price_in_cent(self) -> bool:
        return not self.is_base and self.line.unit == "kWh"

    @property
    def unit_price(self) -> Decimal:
        return self.line.unit_price * HUNDRED if self.price_in_cent else self.line.unit_price

    @property
    def vat_percent(self) -> Decimal:
        return (self.line.vat_rate * HUNDRED).normalize()


def document_for_page(document_id: int) -> BillingDocument:
    """One document with its contract, customer, readings (with register and meter) and lines."""
    return get_object_or_404(
        BillingDocument.objects.select_related(
            "contract__account__partner",
            "contract__tariff",
            "contract__market_location__premise",
            "start_reading__register__meter",
            "end_reading__register__meter",
        ).prefetch_related("lines"),
        pk=document_id,
    )


def line_rows(document: BillingDocument) -> list[LineRow]:
    return [LineRow(line) for line in document.lines.all()]


def contract_for_page(contract_id: int) -> Contract:
    return get_object_or_404(
        Contract.objects.select_related("account__partner", "tariff", "market_location__premise"),
        pk=contract_id,
    )


def active_plan_with_dues(contract: Contract) -> BudgetBillingPlan | None:
    return (
        BudgetBillingPlan.objects.filter(contract=contract, status=BudgetBillingPlan.Status.ACTIVE)
        .prefetch_related("dues")
        .first()
    )


def changes_of_contract(contract: Contract, limit: int = 10) -> list[BudgetChangeRequest]:
    return list(
        BudgetChangeRequest.objects.filter(contract=contract)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-pk")[:limit]
    )


def pending_changes() -> QuerySet[BudgetChangeRequest]:
    """Change requests outside the limits that wait for a person, oldest first."""
    return (
        BudgetChangeRequest.objects.filter(status=BudgetChangeRequest.Status.PENDING)
        .select_related("contract__account__partner", "requested_by")
        .order_by("requested_at", "pk")
    )


def latest_billed_document(contract: Contract) -> BillingDocument | None:
    return (
        contract.billing_documents.filter(status=BillingDocument.Status.BILLED)
        .order_by("-period_end")
        .first()
    )


def billed_annual_consumption(contract: Contract) -> Decimal | None:
    """The last bill's consumption scaled to a year (seasonal weights), or None if unbilled."""
    document = latest_billed_document(contract)
    if document is None:
        return None
    try:
        return budget.annual_consumption(
            contract.division, document.consumption, document.period_start, document.period_end
        )
    except ValueError:  # a period without weight
        return None


def billed_annual_consumption_in(contract: Contract, unit: str) -> Decimal | None:
    """The billed annual consumption when it is counted in `unit` (a register's Unit), else
    None: a gas meter counting m³ is billed in kWh, so its bill says nothing in m³."""
    bill_unit = Unit.CUBIC_METRE if contract.division == Division.WATER else Unit.KWH
    return billed_annual_consumption(contract) if unit == bill_unit else None


def current_annual_gross(
    contract: Contract, consumption: Decimal, on: datetime.date
) -> Decimal | None:
    """What the consumption costs a year in the contract's current tariff (orderable or not)."""
    sheet = (
        PriceSheet.objects.filter(tariff_id=contract.tariff_id, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if sheet is None:
        return None
    return budget.annual_gross(
        sheet.base_price_per_year,
        sheet.working_price,
        consumption,
        vat_rate(contract.division, on),
    )


def consumption_unit(division: str) -> str:
    return "m³" if division == Division.WATER else "kWh"


def offer_for_page(offer_id: int) -> TariffOffer:
    return get_object_or_404(
        TariffOffer.objects.select_related("partner", "contract__tariff", "tariff", "created_by"),
        pk=offer_id,
    )


def active_registers(contract: Contract) -> list[Register]:
    """The registers of the meters in place at the contract's market location."""
    return list(
        Register.objects.filter(
            meter__market_location_id=contract.market_location_id, meter__removed_on__isnull=True
        )
        .select_related("meter")
        .order_by("meter__number", "obis_code")
    )
