"""State changes of supply data: premises, contracts, meters, readings, tariffs."""

import datetime
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.models import User
from kc.core.numbers import next_number
from kc.core.validation import field_error, validate_and_save
from kc.customers.models import ContractAccount
from kc.supply.models import (
    Contract,
    ContractTariff,
    Division,
    GasConversionFactor,
    MarketLocation,
    Meter,
    MeterReading,
    Premise,
    PriceSheet,
    Register,
    Tariff,
)

log = logging.getLogger(__name__)


@transaction.atomic
def create_premise(*, data: Mapping[str, Any], actor: User | None) -> Premise:
    premise = Premise(**data)
    validate_and_save(premise)
    return premise


@transaction.atomic
def create_market_location(
    *,
    premise: Premise,
    malo_id: str,
    division: str,
    actor: User | None,
    gas_network_area: str = "",
) -> MarketLocation:
    location = MarketLocation(
        premise=premise,
        malo_id=malo_id.strip(),
        division=division,
        gas_network_area=gas_network_area.strip(),
    )
    validate_and_save(location)
    return location


@transaction.atomic
def end_contract(*, contract: Contract, end_date: datetime.date | None, actor: User | None) -> None:
    """Set (or, with None, remove) the last day of supply; audited."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = contract.end_date
    if before == end_date:
        return
    contract.end_date = end_date
    validate_and_save(contract)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=contract,
        partner_id=contract.account.partner_id,
        changes={"end_date": [str(before or ""), str(end_date or "")]},
    )


@transaction.atomic
def set_gas_conversion_factor(
    *, market_location: MarketLocation, valid_from: datetime.date, z_number: Decimal
) -> GasConversionFactor:
    """The Zustandszahl of a gas market location from a day on (replacing that day's one)."""
    if market_location.division != Division.GAS:
        raise field_error(
            "z_number", _("Eine Zustandszahl gibt es nur für Gas."), "z_number_not_gas"
        )
    factor = GasConversionFactor.objects.filter(
        market_location=market_location, valid_from=valid_from
    ).first() or GasConversionFactor(market_location=market_location, valid_from=valid_from)
    factor.z_number = z_number
    validate_and_save(factor)
    return factor


@transaction.atomic
def create_contract(
    *,
    account: ContractAccount,
    market_location: MarketLocation,
    tariff: Tariff,
    start_date: datetime.date,
    actor: User | None,
) -> Contract:
    if tariff.division != market_location.division:
        raise field_error(
            "tariff", _("Der Tarif passt nicht zur Sparte der Marktlokation."), "division_mismatch"
        )
    overlapping = Contract.objects.filter(market_location=market_location).exclude(
        end_date__lt=start_date
    )
    if overlapping.exists():
        raise ValidationError(
            _("Für diese Marktlokation besteht ab diesem Datum schon ein Vertrag."),
            code="overlapping_contract",
        )
    contract = Contract(
        number=next_number("contract"),
        account=account,
        market_location=market_location,
        division=market_location.division,
        tariff=tariff,
        start_date=start_date,
    )
    validate_and_save(contract)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=contract,
        partner_id=account.partner_id,
        changes={"tariff": ["", tariff.code], "start_date": ["", str(start_date)]},
    )
    return contract


@transaction.atomic
def install_meter(
    *,
    market_location: MarketLocation,
    number: str,
    kind: str,
    installed_on: datetime.date,
    registers: Sequence[Mapping[str, Any]],
    actor: User | None,
) -> Meter:
    if Meter.objects.filter(number=number.strip().upper()).exists():
        raise field_error(
            "number",
            _("Die Zählernummer %(number)s ist schon vergeben.") % {"number": number},
            "duplicate_meter",
        )
    meter = Meter(
        number=number.strip().upper(),
        division=market_location.division,
        kind=kind,
        market_location=market_location,
        installed_on=installed_on,
    )
    validate_and_save(meter)
    for register in registers:
        validate_and_save(Register(meter=meter, **register))
    return meter


def check_reading_order(register: Register, read_on: datetime.date, value: Decimal) -> None:
    """A meter only counts up: a reading lies between its neighbours in time."""
    earlier = register.readings.filter(read_on__lte=read_on).order_by("-read_on").first()
    later = register.readings.filter(read_on__gt=read_on).order_by("read_on").first()
    if earlier is not None and value < earlier.value:
        raise field_error(
            "value",
            _("Der Stand ist kleiner als der vom %(date)s (%(value)s).")
            % {"date": f"{earlier.read_on:%d.%m.%Y}", "value": earlier.value},
            "reading_decreasing",
        )
    if later is not None and value > later.value:
        raise field_error(
            "value",
            _("Der Stand ist größer als der spätere Stand vom %(date)s (%(value)s).")
            % {"date": f"{later.read_on:%d.%m.%Y}", "value": later.value},
            "reading_above_later",
        )


def refuse_future_reading(read_on: datetime.date) -> None:
    if read_on > timezone.localdate():
        raise field_error(
            "read_on", _("Das Ablesedatum liegt in der Zukunft."), "reading_in_future"
        )


def refuse_duplicate_reading(register: Register, read_on: datetime.date, reason: str) -> None:
    if register.readings.filter(read_on=read_on, reason=reason).exists():
        raise ValidationError(
            _("Für diesen Tag und Anlass gibt es schon einen Zählerstand."),
            code="duplicate_reading",
        )


@transaction.atomic
def record_meter_reading(
    *,
    register: Register,
    read_on: datetime.date,
    value: Decimal,
    reason: str,
    source: str,
    actor: User | None,
    estimation_reason: str = "",
) -> MeterReading:
    register = Register.objects.select_for_update().get(pk=register.pk)
    refuse_future_reading(read_on)
    refuse_duplicate_reading(register, read_on, reason)
    check_reading_order(register, read_on, value)
    estimated = source == MeterReading.Source.UTILITY
    reading = MeterReading(
        register=register,
        read_on=read_on,
        value=value,
        reason=reason,
        source=source,
        estimated=estimated,
        estimation_reason=estimation_reason if estimated else "",
    )
    if estimated and not estimation_reason:
        raise field_error(
            "estimation_reason",
            _("Eine Schätzung braucht einen Grund (§ 40a EnWG)."),
            "estimate_without_reason",
        )
    validate_and_save(reading)
    return reading


@transaction.atomic
def add_price_sheet(
    *,
    tariff: Tariff,
    valid_from: datetime.date,
    base_price_per_year: Decimal,
    working_price: Decimal,
    actor: User | None,
) -> PriceSheet:
    """A new price from a date on; it applies until the next sheet's date."""
    if tariff.price_sheets.filter(valid_from=valid_from).exists():
        raise field_error(
            "valid_from",
            _("Ab diesem Datum gibt es schon ein Preisblatt."),
            "duplicate_price_sheet",
        )
    sheet = PriceSheet(
        tariff=tariff,
        valid_from=valid_from,
        base_price_per_year=base_price_per_year,
        working_price=working_price,
    )
    validate_and_save(sheet)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=sheet,
        changes={
            "base_price_per_year": ["", str(base_price_per_year)],
            "working_price": ["", str(working_price)],
        },
    )
    return sheet


def tariff_periods(contract: Contract) -> list[tuple[datetime.date, Tariff]]:
    """(valid from, tariff) in order; a contract never switched has its tariff from the start."""
    rows = [
        (row.valid_from, row.tariff) for row in contract.tariff_periods.select_related("tariff")
    ]
    return rows or [(contract.start_date, contract.tariff)]


@transaction.atomic
def switch_tariff(
    *, contract: Contract, tariff: Tariff, valid_from: datetime.date, actor: User | None
) -> ContractTariff:
    """The contract changes to `tariff` from `valid_from` on (a tariff offer accepted)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if tariff.division != contract.division:
        raise ValidationError(_("Der Tarif gehört zu einer anderen Sparte."), code="wrong_division")
    if valid_from <= contract.start_date or (contract.end_date and valid_from > contract.end_date):
        raise field_error(
            "valid_from", _("Der Wechsel muss innerhalb der Vertragslaufzeit liegen."), "outside"
        )
    if not contract.tariff_periods.exists():
        ContractTariff.objects.create(
            contract=contract, tariff=contract.tariff, valid_from=contract.start_date
        )
    contract.tariff_periods.filter(valid_from__gte=valid_from).delete()
    switch = ContractTariff.objects.create(contract=contract, tariff=tariff, valid_from=valid_from)
    contract.tariff = tariff
    contract.save(update_fields=["tariff"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=contract,
        partner_id=contract.account.partner_id,
        changes={"tariff": [str(contract.tariff_periods.first()), f"{tariff} ab {valid_from}"]},
    )
    return switch
