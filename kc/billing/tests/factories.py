"""Contracts with a meter and readings, as the billing tests need them."""

import datetime
from decimal import Decimal

from kc.supply.models import Contract, MeterReading, Register, Tariff
from kc.supply.tests.factories import (
    ContractFactory,
    MeterReadingFactory,
    PriceSheetFactory,
    RegisterFactory,
    TariffFactory,
)


def priced_tariff(code: str, name: str) -> Tariff:
    """A power tariff at 120 €/year and 30 ct/kWh net since 2020."""
    tariff = TariffFactory(code=code, name=name)
    if not tariff.price_sheets.exists():
        PriceSheetFactory(
            tariff=tariff,
            valid_from=datetime.date(2020, 1, 1),
            base_price_per_year=Decimal("120.00"),
            working_price=Decimal("0.30000"),
        )
    return tariff


def metered_contract(
    *, tariff: Tariff, start: datetime.date, move_in: str = "1000", **fields: object
) -> tuple[Contract, Register]:
    """A contract with one register and its move-in reading on the first day."""
    contract = ContractFactory(tariff=tariff, start_date=start, **fields)
    register = RegisterFactory(meter__market_location=contract.market_location)
    MeterReadingFactory(
        register=register,
        read_on=start,
        value=Decimal(move_in),
        reason=MeterReading.Reason.MOVE_IN,
    )
    return contract, register
