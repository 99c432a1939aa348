"""Billing a contract: periods from the readings, rated by kc.billing.rating, stored as
documents that are never edited. Errors name the contract and what a person must fix."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Max, Model
from django.utils.translation import gettext as _

from kc.billing import rating
from kc.billing.models import BillingDocument, BillingLine, BillingRun, BillingRunItem
from kc.billing.tariff_prices import price_periods
from kc.supply.models import Contract, ContractTariff, MeterReading, PriceSheet, Register

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
    return _next_start(contract, last)


def _next_start(contract: Contract, billed_until: datetime.date | None) -> datetime.date:
    return billed_until + datetime.timedelta(days=1) if billed_until else contract.start_date


def billing_register(contract: Contract) -> Register:
    registers = list(
        Register.objects.filter(meter__market_location_id=contract.market_location_id)
        .select_related("meter")
        .order_by("meter__installed_on", "pk")
    )
    return _the_register(registers)


def _the_register(registers: Sequence[Register]) -> Register:
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
    readings = list(
        MeterReading.objects.filter(
            register=register, read_on__lte=_last_day(contract, until)
        ).order_by("read_on", "pk")
    )
    return _periods(contract, register, start, readings)


def _last_day(contract: Contract, until: datetime.date) -> datetime.date:
    return min(until, contract.end_date) if contract.end_date else until


def _periods(
    contract: Contract,
    register: Register,
    start: datetime.date,
    readings: list[MeterReading],
) -> list[PeriodPlan]:
    """The periods from `start` on, from the register's readings up to the last day (ordered
    by day, then pk)."""
    for reading in readings:
        reading.register = register  # documents take the unit from it: no query each
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
    if contract.tariff_periods.exists():
        # Tariff switches: each tariff's prices for its days of the period.
        return _input(contract, plan, price_periods(contract, plan.start, plan.end))
    sheets = contract.tariff.price_sheets.filter(valid_from__lte=plan.end).order_by("valid_from")
    return _rating_input(contract, plan, sheets)


def _rating_input(
    contract: Contract, plan: PeriodPlan, sheets: Iterable[PriceSheet]
) -> rating.RatingInput:
    """`sheets`: the tariff's price sheets valid from `plan.end` or earlier, in date order."""
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
    return _input(contract, plan, prices)


def _input(
    contract: Contract, plan: PeriodPlan, prices: tuple[rating.PricePeriod, ...]
) -> rating.RatingInput:
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
    return rating.RatingInput(
        division=contract.division,
        unit=plan.end_reading.register.unit,
        period_start=plan.start,
        period_end=plan.end,
        consumption=consumption,
        prices=prices,
    )


@dataclass(frozen=True)
class BillingData:
    """What billing reads of many contracts, loaded with a few queries (`load_billing_data`):
    registers by market location, the last billed day by contract, readings by register up to
    `until`, price sheets by tariff (in date order), and which contracts switched tariffs (their
    prices come from `rating_input`, one contract at a time)."""

    until: datetime.date
    registers: dict[int, list[Register]]
    billed_until: dict[int, datetime.date]
    readings: dict[int, list[MeterReading]]
    sheets: dict[int, list[PriceSheet]]
    switched: frozenset[int] = frozenset()


def load_billing_data(
    contracts: Sequence[Contract],
    *,
    until: datetime.date,
    sheets: dict[int, list[PriceSheet]] | None = None,
) -> BillingData:
    """Five queries for any number of contracts (a few hundred at a time keep memory flat).
    `sheets` is a cache of price sheets by tariff that a caller may keep across calls; tariffs
    missing from it are loaded and added."""
    sheets = {} if sheets is None else sheets
    registers: dict[int, list[Register]] = defaultdict(list)
    found = Register.objects.filter(
        meter__market_location_id__in={c.market_location_id for c in contracts}
    ).select_related("meter")
    for register in found.order_by("meter__installed_on", "pk"):
        if (location := register.meter.market_location_id) is not None:
            registers[location].append(register)
    billed = (
        BillingDocument.objects.filter(
            contract_id__in=[c.pk for c in contracts], status=BillingDocument.Status.BILLED
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
        (_next_start(contract, billed_until.get(contract.pk)) for contract in contracts),
        default=until,
    ) - datetime.timedelta(days=1)
    readings: dict[int, list[MeterReading]] = defaultdict(list)
    register_ids = [r.pk for group in registers.values() for r in group]
    for reading in MeterReading.objects.filter(
        register_id__in=register_ids, read_on__gte=first, read_on__lte=until
    ).order_by("read_on", "pk"):
        readings[reading.register_id].append(reading)
    missing = {c.tariff_id for c in contracts} - sheets.keys()
    if missing:
        for tariff_id in missing:
            sheets[tariff_id] = []
        for sheet in PriceSheet.objects.filter(tariff_id__in=missing).order_by("valid_from"):
            sheets[sheet.tariff_id].append(sheet)
    switched = ContractTariff.objects.filter(contract_id__in=[c.pk for c in contracts])
    return BillingData(
        until,
        dict(registers),
        billed_until,
        dict(readings),
        sheets,
        frozenset(switched.values_list("contract_id", flat=True)),
    )


def rate_contract(contract: Contract, data: BillingData) -> list[tuple[PeriodPlan, rating.Rating]]:
    """The periods `bill_contract` would bill up to `data.until`, rated, from data loaded by
    `load_billing_data` (no query; the contract's tariff must be loaded). Raises BillingError
    or rating.RatingError like `bill_contract`; writes nothing."""
    register = _the_register(data.registers.get(contract.market_location_id, []))
    start = _next_start(contract, data.billed_until.get(contract.pk))
    last_day = _last_day(contract, data.until)
    readings = [r for r in data.readings.get(register.pk, []) if r.read_on <= last_day]
    plans = _periods(contract, register, start, readings)
    if contract.pk in data.switched:
        return [(plan, rating.rate(rating_input(contract, plan))) for plan in plans]
    # One tariff all along: its sheets as `rating_input` reads them (change both together).
    sheets = data.sheets.get(contract.tariff_id, [])
    return [
        (
            plan,
            rating.rate(
                _rating_input(contract, plan, [s for s in sheets if s.valid_from <= plan.end])
            ),
        )
        for plan in plans
    ]


@transaction.atomic
def bill_contract(
    contract: Contract, *, until: datetime.date, run: BillingRun | None = None
) -> list[BillingDocument]:
    """Bill every unbilled period up to `until`. All or nothing per contract; raises
    BillingError or rating.RatingError with the reason."""
    contract = Contract.objects.select_for_update().select_related("tariff").get(pk=contract.pk)
    bills = [
        (plan, rating.rate(rating_input(contract, plan)))
        for plan in plan_periods(contract, until=until)
    ]
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
    documents = [_document(contract, plan, result, run) for plan, result in bills]
    if not connection.features.can_return_columns_from_insert:
        for document in documents:
            document.save()
        BillingLine.objects.bulk_create(_all_lines(documents, bills))
        if item is not None:
            item.save()
        return documents
    for document in documents:
        _insert_returning_pk(document)
    _insert_many(_all_lines(documents, bills))
    if item is not None:
        _insert_returning_pk(item)
    return documents


def _all_lines(
    documents: list[BillingDocument], bills: Sequence[tuple[PeriodPlan, rating.Rating]]
) -> list[BillingLine]:
    return [
        line
        for document, (_plan, result) in zip(documents, bills, strict=True)
        for line in _lines(document, result)
    ]


# The ORM spends more time compiling an INSERT than the database takes to run it; a billing
# run writes a few rows per contract. These two write model instances as Model.save() and
# bulk_create() do (pre_save, then get_db_prep_save of every concrete field but the automatic
# primary key), with the statement built once per call.


def _insert_statement(model: type[Model], *, returning: bool) -> tuple[str, list[Field[Any, Any]]]:
    opts = model._meta
    fields = [
        field
        for field in opts.concrete_fields
        if field is not opts.auto_field and not getattr(field, "generated", False)
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    if returning:
        sql += f" RETURNING {quote(str(opts.pk.column))}"
    return sql, fields


def _row(obj: Model, fields: list[Field[Any, Any]]) -> tuple[Any, ...]:
    return tuple(field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields)


def _saved(obj: Model) -> None:
    obj._state.adding = False
    obj._state.db = connection.alias


def _insert_returning_pk(obj: Model) -> None:
    sql, fields = _insert_statement(type(obj), returning=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, _row(obj, fields))
        (obj.pk,) = cursor.fetchone()
    _saved(obj)


def _insert_many(objs: Sequence[Model]) -> None:
    if not objs:
        return
    sql, fields = _insert_statement(type(objs[0]), returning=False)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_row(obj, fields) for obj in objs])
    for obj in objs:
        _saved(obj)


def _document(
    contract: Contract, plan: PeriodPlan, result: rating.Rating, run: BillingRun | None
) -> BillingDocument:
    return BillingDocument(
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
