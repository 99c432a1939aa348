"""Billing a contract: periods from the readings, rated by kc.billing.rating, stored as
documents that are never edited. Errors name the contract and what a person must fix."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from kc.billing import rating
from kc.billing.models import BillingDocument, BillingLine, BillingRun
from kc.supply.models import Contract, MeterReading, Register

END_REASONS = (MeterReading.Reason.PERIODIC, MeterReading.Reason.MOVE_OUT)
# §40b EnWG: a billing period is at most one year.
MAX_PERIOD_DAYS = 366


class BillingError(ValueError):
    """This contract cannot be billed as the data stands; the message says why."""


@dataclass(frozen=True)
class PeriodPlan:
    start: datetime.date
    end: datetime.date
    start_reading: MeterReading
    end_reading: MeterReading
    kind: str


def next_period_start(contract: Contract) -> datetime.date:
    last = (
        contract.billing_documents.filter(status=BillingDocument.Status.BILLED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return last + datetime.timedelta(days=1) if last else contract.start_date


def billing_register(contract: Contract) -> Register:
    registers = list(
        Register.objects.filter(meter__market_location_id=contract.market_location_id)
        .select_related("meter")
        .order_by("meter__installed_on", "pk")
    )
    if not registers:
        raise BillingError(_("Am Vertrag hängt kein Zähler."))
    if len(registers) > 1:
        raise BillingError(
            _("Mehrere Zähler oder Zählwerke (Zählerwechsel, Zweitarif): bitte von Hand abrechnen.")
        )
    return registers[0]


def plan_periods(contract: Contract, *, until: datetime.date) -> list[PeriodPlan]:
    """The unbilled periods up to `until`: each ends at a periodic or move-out reading."""
    register = billing_register(contract)
    start = next_period_start(contract)
    last_day = min(until, contract.end_date) if contract.end_date else until
    readings = list(
        MeterReading.objects.filter(register=register, read_on__lte=last_day).order_by(
            "read_on", "pk"
        )
    )
    plans = []
    for end in (r for r in readings if r.reason in END_REASONS and r.read_on >= start):
        begin = _start_reading(readings, start)
        if begin is None:
            raise BillingError(
                _("Für den Beginn %(day)s fehlt ein Zählerstand (Einzug oder Vorperiode).")
                % {"day": f"{start:%d.%m.%Y}"}
            )
        if (end.read_on - start).days + 1 > MAX_PERIOD_DAYS:
            raise BillingError(
                _("Der Zeitraum %(start)s–%(end)s ist länger als ein Jahr.")
                % {"start": f"{start:%d.%m.%Y}", "end": f"{end.read_on:%d.%m.%Y}"}
            )
        final = contract.end_date is not None and end.read_on == contract.end_date
        kind = BillingDocument.Kind.FINAL if final else BillingDocument.Kind.ANNUAL
        plans.append(PeriodPlan(start, end.read_on, begin, end, kind))
        start = end.read_on + datetime.timedelta(days=1)
    return plans


def _start_reading(readings: list[MeterReading], start: datetime.date) -> MeterReading | None:
    """The reading a period starts from: the move-in reading on its first day, else the
    previous period's closing reading the day before."""
    day_before = start - datetime.timedelta(days=1)
    for reading in reversed(readings):
        if reading.read_on == day_before or (
            reading.read_on == start and reading.reason == MeterReading.Reason.MOVE_IN
        ):
            return reading
    return None


def rating_input(contract: Contract, plan: PeriodPlan) -> rating.RatingInput:
    consumption = plan.end_reading.value - plan.start_reading.value
    if consumption < 0:
        raise BillingError(
            _(
                "Der Zählerstand %(end)s vom %(end_day)s ist kleiner als %(start)s vom "
                "%(start_day)s: Zählerwechsel oder Überlauf? Bitte prüfen."
            )
            % {
                "end": plan.end_reading.value,
                "end_day": f"{plan.end_reading.read_on:%d.%m.%Y}",
                "start": plan.start_reading.value,
                "start_day": f"{plan.start_reading.read_on:%d.%m.%Y}",
            }
        )
    sheets = contract.tariff.price_sheets.filter(valid_from__lte=plan.end).order_by("valid_from")
    prices = tuple(
        rating.PricePeriod(
            valid_from=sheet.valid_from,
            base_price_per_year=sheet.base_price_per_year,
            working_price=sheet.working_price,
            tariff_code=contract.tariff.code,
            tariff_name=contract.tariff.name,
        )
        for sheet in sheets
    )
    return rating.RatingInput(
        division=contract.division,
        unit=plan.end_reading.register.unit,
        period_start=plan.start,
        period_end=plan.end,
        consumption=consumption,
        prices=prices,
    )


@transaction.atomic
def bill_contract(
    contract: Contract, *, until: datetime.date, run: BillingRun | None = None
) -> list[BillingDocument]:
    """Bill every unbilled period up to `until`. All or nothing per contract; raises
    BillingError or rating.RatingError with the reason."""
    contract = Contract.objects.select_for_update().select_related("tariff").get(pk=contract.pk)
    documents = []
    for plan in plan_periods(contract, until=until):
        result = rating.rate(rating_input(contract, plan))
        documents.append(_store(contract, plan, result, run))
    return documents


def _store(
    contract: Contract, plan: PeriodPlan, result: rating.Rating, run: BillingRun | None
) -> BillingDocument:
    document = BillingDocument.objects.create(
        contract=contract,
        kind=plan.kind,
        period_start=plan.start,
        period_end=plan.end,
        consumption=plan.end_reading.value - plan.start_reading.value,
        unit=plan.end_reading.register.unit,
        start_reading=plan.start_reading,
        end_reading=plan.end_reading,
        estimated=plan.start_reading.estimated or plan.end_reading.estimated,
        net_total=result.net_total,
        vat_total=result.vat_total,
        gross_total=result.gross_total,
        run=run,
    )
    BillingLine.objects.bulk_create(
        BillingLine(
            document=document,
            position=position,
            kind=line.kind,
            start=line.start,
            end=line.end,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            net=line.net,
            vat_rate=line.vat_rate,
            text=line.text[:200],
        )
        for position, line in enumerate(result.lines, start=1)
    )
    return document
