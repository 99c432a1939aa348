"""Billing a contract: periods from the readings, rated by kc.billing.rating, stored as
documents that are never edited. Errors name the contract and what a person must fix.

Two ways in, with one planning (`_periods`) and one rating between them:
- `bill_contract`: one contract, locked and read afresh (agents, tests, and the billing run's
  careful fallback);
- the billing run's fast path: `load_billing_data` reads what many contracts need in five
  queries as plain rows (`ContractRow`, `Reading`: no model instances), `rate_contract` plans and
  rates one of them without a query; `kc.billing.run_chunks` writes the results.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kc.billing import gas, rating
from kc.billing.models import BillingDocument, BillingLine, BillingRun, BillingRunItem
from kc.billing.tariff_prices import price_periods
from kc.supply.models import (
    Contract,
    ContractTariff,
    Division,
    GasCalorificValue,
    GasConversionFactor,
    MarketLocation,
    MeterReading,
    PriceSheet,
    Register,
    Tariff,
    Unit,
)

END_REASONS = (MeterReading.Reason.PERIODIC, MeterReading.Reason.MOVE_OUT)
# §40b EnWG: a billing period is at most one year.
MAX_PERIOD_DAYS = 366


class BillingError(ValueError):
    """This contract cannot be billed as the data stands; the message says why."""


class Reading(NamedTuple):
    """What billing uses of a meter reading."""

    pk: int
    read_on: datetime.date
    value: Decimal
    reason: str
    estimated: bool


READING_FIELDS = ("pk", "read_on", "value", "reason", "estimated")


@dataclass(frozen=True)
class PeriodPlan:
    start: datetime.date
    end: datetime.date
    start_reading: Reading
    end_reading: Reading
    kind: str
    unit: str  # the register's; "kWh" once gas in m³ is rated (`billed`)
    # Gas in m³, once rated: the kWh the m³ convert to (what the document bills).
    energy: Decimal | None = None

    @property
    def metered(self) -> Decimal:
        """End minus start reading, in the register's unit."""
        return self.end_reading.value - self.start_reading.value

    @property
    def consumption(self) -> Decimal:
        """What the document bills: the metered quantity, or the kWh of gas metered in m³."""
        return self.metered if self.energy is None else self.energy


def billed(plan: PeriodPlan, result: rating.Rating) -> PeriodPlan:
    """The plan as its document records it: gas metered in m³ is billed in kWh, the sum of
    the working lines (the readings stay in m³)."""
    if plan.energy is not None or not any(
        line.kind == "working" and line.unit != plan.unit for line in result.lines
    ):
        return plan
    energy = sum((line.quantity for line in result.lines if line.kind == "working"), Decimal(0))
    return replace(plan, unit=Unit.KWH.value, energy=energy)


def next_period_start(contract: Contract) -> datetime.date:
    last = (
        contract.billing_documents.filter(status=BillingDocument.Status.BILLED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    return _next_start(contract.start_date, last)


def _next_start(start_date: datetime.date, billed_until: datetime.date | None) -> datetime.date:
    return billed_until + datetime.timedelta(days=1) if billed_until else start_date


def billing_register(contract: Contract) -> Register:
    registers = list(
        Register.objects.filter(meter__market_location_id=contract.market_location_id)
        .select_related("meter")
        .order_by("meter__installed_on", "pk")
    )
    return _the_register(registers)


def _the_register[R](registers: Sequence[R]) -> R:
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
    readings = [
        Reading(*row)
        for row in MeterReading.objects.filter(
            register=register, read_on__lte=_last_day(contract.end_date, until)
        )
        .order_by("read_on", "pk")
        .values_list(*READING_FIELDS)
    ]
    return _periods(contract.end_date, register.unit, start, readings)


def _last_day(end_date: datetime.date | None, until: datetime.date) -> datetime.date:
    return min(until, end_date) if end_date else until


def _periods(
    end_date: datetime.date | None, unit: str, start: datetime.date, readings: Sequence[Reading]
) -> list[PeriodPlan]:
    """The periods from `start` on, from the register's readings up to the last day (ordered
    by day, then pk); `end_date` is the contract's."""
    plans = []
    for end in readings:
        if end.reason not in END_REASONS or end.read_on < start:
            continue
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
        final = end_date is not None and end.read_on == end_date
        kind = BillingDocument.Kind.FINAL if final else BillingDocument.Kind.ANNUAL
        plans.append(PeriodPlan(start, end.read_on, begin, end, kind, unit))
        start = end.read_on + datetime.timedelta(days=1)
    return plans


def _start_reading(readings: Sequence[Reading], start: datetime.date) -> Reading | None:
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
    gas_data = (
        load_gas_data([contract.market_location_id]).get(contract.market_location_id)
        if _converted(contract.division, plan.unit)
        else None
    )
    if contract.tariff_periods.exists():
        # Tariff switches: each tariff's prices for its days of the period.
        prices = price_periods(contract, plan.start, plan.end)
        return _input(contract.division, plan, prices, gas_data)
    sheets = contract.tariff.price_sheets.filter(valid_from__lte=plan.end).order_by("valid_from")
    return _input(contract.division, plan, _price_periods(contract.tariff, sheets), gas_data)


def _converted(division: str, unit: str) -> bool:
    """Gas metered in m³ is billed in kWh (DVGW G 685, `kc.billing.gas`)."""
    return division == Division.GAS and unit == Unit.CUBIC_METRE


class GasData(NamedTuple):
    """What converting a gas market location's m³ into kWh needs: its network area with that
    area's Brennwerte, and its Zustandszahlen."""

    network_area: str
    calorific_values: tuple[gas.CalorificValue, ...]
    z_numbers: tuple[gas.ZNumber, ...]


def load_gas_data(market_location_ids: Iterable[int]) -> dict[int, GasData]:
    """Three queries for any number of market locations (all of a location's rows: a few a
    year)."""
    ids = set(market_location_ids)
    if not ids:
        return {}
    areas = dict(MarketLocation.objects.filter(pk__in=ids).values_list("pk", "gas_network_area"))
    values: dict[str, list[gas.CalorificValue]] = defaultdict(list)
    rows = GasCalorificValue.objects.filter(
        network_area__in={area for area in areas.values() if area}
    ).order_by("valid_from")
    for area, valid_from, valid_to, value in rows.values_list(
        "network_area", "valid_from", "valid_to", "value_kwh_per_m3"
    ):
        values[area].append(gas.CalorificValue(valid_from, valid_to, value))
    z_numbers: dict[int, list[gas.ZNumber]] = defaultdict(list)
    z_rows = GasConversionFactor.objects.filter(market_location_id__in=ids).order_by("valid_from")
    for location, valid_from, z_number in z_rows.values_list(
        "market_location_id", "valid_from", "z_number"
    ):
        z_numbers[location].append(gas.ZNumber(valid_from, z_number))
    return {
        location: GasData(area, tuple(values.get(area, ())), tuple(z_numbers.get(location, ())))
        for location, area in areas.items()
    }


def _price_periods(tariff: Tariff, sheets: Iterable[PriceSheet]) -> tuple[rating.PricePeriod, ...]:
    """The rating engine's prices of `sheets` (of `tariff`, in date order)."""
    return tuple(
        rating.PricePeriod(
            valid_from=sheet.valid_from,
            base_price_per_year=sheet.base_price_per_year,
            working_price=sheet.working_price,
            tariff_code=tariff.code,
            tariff_name=tariff.name,
        )
        for sheet in sheets
    )


def _input(
    division: str,
    plan: PeriodPlan,
    prices: tuple[rating.PricePeriod, ...],
    gas_data: GasData | None = None,
) -> rating.RatingInput:
    consumption = plan.metered
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
    conversion: tuple[gas.Factors, ...] = ()
    if _converted(division, plan.unit):
        # Gas is priced per kWh: the m³ are converted with the Zustandszahl and the grid
        # operator's Brennwert (DVGW G 685); without them nothing is billed.
        data = gas_data or GasData("", (), ())
        try:
            conversion = gas.factors(
                plan.start,
                plan.end,
                data.calorific_values,
                data.z_numbers,
                network_area=data.network_area,
            )
        except gas.GasConversionError as exc:
            raise BillingError(str(exc)) from exc
    return rating.RatingInput(
        division=division,
        unit=plan.unit,
        period_start=plan.start,
        period_end=plan.end,
        consumption=consumption,
        prices=prices,
        conversion=conversion,
    )


# --- the billing run's fast path -------------------------------------------------------------


class ContractRow(NamedTuple):
    """What the billing run reads of a contract."""

    pk: int
    market_location_id: int
    division: str
    tariff_id: int
    start_date: datetime.date
    end_date: datetime.date | None


CONTRACT_FIELDS = ("pk", "market_location_id", "division", "tariff_id", "start_date", "end_date")


@dataclass
class TariffPrices:
    """Price sheets of tariffs as the rating engine takes them, read once per tariff and kept
    for a run: the prices up to a day are one tuple shared by every contract of the tariff
    billed to that day (the rating engine keeps its per-period results by these tuples)."""

    sheets: dict[int, tuple[rating.PricePeriod, ...]] = field(default_factory=dict)
    _until: dict[tuple[int, datetime.date], tuple[rating.PricePeriod, ...]] = field(
        default_factory=dict
    )

    def load(self, tariff_ids: Iterable[int]) -> None:
        missing = set(tariff_ids) - self.sheets.keys()
        if not missing:
            return
        found: dict[int, list[PriceSheet]] = {tariff_id: [] for tariff_id in missing}
        for sheet in PriceSheet.objects.filter(tariff_id__in=missing).order_by("valid_from"):
            found[sheet.tariff_id].append(sheet)
        for tariff in Tariff.objects.filter(pk__in=missing):
            self.sheets[tariff.pk] = _price_periods(tariff, found[tariff.pk])

    def up_to(self, tariff_id: int, day: datetime.date) -> tuple[rating.PricePeriod, ...]:
        """The tariff's prices valid from `day` or earlier (as `rating_input` reads them)."""
        key = (tariff_id, day)
        prices = self._until.get(key)
        if prices is None:
            prices = tuple(p for p in self.sheets.get(tariff_id, ()) if p.valid_from <= day)
            self._until[key] = prices
        return prices


@dataclass(frozen=True)
class BillingData:
    """What billing reads of many contracts, loaded with a few queries (`load_billing_data`):
    registers ((pk, unit)) by market location, the last billed day by contract, readings by
    register up to `until`, prices by tariff, and which contracts switched tariffs (their
    prices come from `rating_input`, one contract at a time)."""

    until: datetime.date
    registers: dict[int, list[tuple[int, str]]]
    billed_until: dict[int, datetime.date]
    readings: dict[int, list[Reading]]
    prices: TariffPrices
    switched: frozenset[int] = frozenset()
    # Gas market locations metered in m³: what converting them into kWh needs.
    gas: dict[int, GasData] = field(default_factory=dict)


def load_billing_data(
    contracts: Sequence[ContractRow],
    *,
    until: datetime.date,
    prices: TariffPrices | None = None,
) -> BillingData:
    """Five queries for any number of contracts (a thousand or so at a time keep memory flat),
    three more if some are gas metered in m³; rows only. `prices` may be kept by the caller
    across calls; tariffs missing from it are loaded and added."""
    prices = TariffPrices() if prices is None else prices
    registers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    found = Register.objects.filter(
        meter__market_location_id__in={c.market_location_id for c in contracts}
    ).order_by("meter__installed_on", "pk")
    for register_id, location, unit in found.values_list("pk", "meter__market_location_id", "unit"):
        registers[location].append((register_id, unit))
    contract_ids = [c.pk for c in contracts]
    billed = (
        BillingDocument.objects.filter(
            contract_id__in=contract_ids, status=BillingDocument.Status.BILLED
        )
        .values("contract_id")
        .annotate(last=Max("period_end"))
        .order_by()
        .values_list("contract_id", "last")
    )
    billed_until = dict(billed)
    # A period starts from the reading on its first day or the day before: older ones are
    # never read.
    first = min(
        (_next_start(c.start_date, billed_until.get(c.pk)) for c in contracts), default=until
    ) - datetime.timedelta(days=1)
    readings: dict[int, list[Reading]] = defaultdict(list)
    register_ids = [register_id for group in registers.values() for register_id, _unit in group]
    rows = (
        MeterReading.objects.filter(
            register_id__in=register_ids, read_on__gte=first, read_on__lte=until
        )
        .order_by("read_on", "pk")
        .values_list("register_id", *READING_FIELDS)
    )
    for register_id, *reading in rows:
        readings[register_id].append(Reading(*reading))
    prices.load({c.tariff_id for c in contracts})
    switched = ContractTariff.objects.filter(contract_id__in=contract_ids)
    gas_locations = {
        c.market_location_id
        for c in contracts
        if any(
            _converted(c.division, unit) for _id, unit in registers.get(c.market_location_id, ())
        )
    }
    return BillingData(
        until,
        dict(registers),
        billed_until,
        dict(readings),
        prices,
        frozenset(switched.values_list("contract_id", flat=True)),
        load_gas_data(gas_locations),
    )


def rate_contract(
    contract: ContractRow, data: BillingData
) -> list[tuple[PeriodPlan, rating.Rating]]:
    """The periods `bill_contract` would bill up to `data.until`, rated, from data loaded by
    `load_billing_data` (no query, but for a contract that switched tariffs). Raises
    BillingError or rating.RatingError like `bill_contract`; writes nothing."""
    register_id, unit = _the_register(data.registers.get(contract.market_location_id, []))
    start = _next_start(contract.start_date, data.billed_until.get(contract.pk))
    last_day = _last_day(contract.end_date, data.until)
    readings = [r for r in data.readings.get(register_id, ()) if r.read_on <= last_day]
    plans = _periods(contract.end_date, unit, start, readings)
    if not plans:
        return []
    if contract.pk in data.switched:
        full = Contract.objects.select_related("tariff").get(pk=contract.pk)
        return _billed_all((plan, rating.rate(rating_input(full, plan))) for plan in plans)
    # One tariff all along: its sheets as `rating_input` reads them (change both together).
    gas_data = data.gas.get(contract.market_location_id)
    return _billed_all(
        (
            plan,
            rating.rate(
                _input(
                    contract.division,
                    plan,
                    data.prices.up_to(contract.tariff_id, plan.end),
                    gas_data,
                )
            ),
        )
        for plan in plans
    )


def _billed_all(
    bills: Iterable[tuple[PeriodPlan, rating.Rating]],
) -> list[tuple[PeriodPlan, rating.Rating]]:
    return [(billed(plan, result), result) for plan, result in bills]


@transaction.atomic
def bill_contract(
    contract: Contract, *, until: datetime.date, run: BillingRun | None = None
) -> list[BillingDocument]:
    """Bill every unbilled period up to `until`. All or nothing per contract; raises
    BillingError or rating.RatingError with the reason."""
    contract = Contract.objects.select_for_update().select_related("tariff").get(pk=contract.pk)
    bills = _billed_all(
        (plan, rating.rate(rating_input(contract, plan)))
        for plan in plan_periods(contract, until=until)
    )
    return store_bills(contract, bills, run)


def store_bills(
    contract: Contract,
    bills: Sequence[tuple[PeriodPlan, rating.Rating]],
    run: BillingRun | None,
    *,
    item: BillingRunItem | None = None,
) -> list[BillingDocument]:
    """Write rated periods of one contract: the documents, then all their lines in one insert,
    then the run's `item` for the contract if given. The caller holds the transaction."""
    documents = []
    for plan, result in bills:
        document = _document(contract.pk, plan, result, run)
        document.save()
        documents.append(document)
    BillingLine.objects.bulk_create(
        line
        for document, (_plan, result) in zip(documents, bills, strict=True)
        for line in _lines(document, result)
    )
    if item is not None:
        item.save()
    return documents


def _document(
    contract_id: int, plan: PeriodPlan, result: rating.Rating, run: BillingRun | None
) -> BillingDocument:
    return BillingDocument(
        contract_id=contract_id,
        kind=plan.kind,
        period_start=plan.start,
        period_end=plan.end,
        consumption=plan.consumption,
        unit=plan.unit,
        start_reading_id=plan.start_reading.pk,
        end_reading_id=plan.end_reading.pk,
        estimated=plan.start_reading.estimated or plan.end_reading.estimated,
        net_total=result.net_total,
        vat_total=result.vat_total,
        gross_total=result.gross_total,
        run=run,
    )


def _lines(document: BillingDocument, result: rating.Rating) -> list[BillingLine]:
    return [
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
    ]
