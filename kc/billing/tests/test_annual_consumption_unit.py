"""The billed annual consumption is offered only in the unit the bill counts in."""

import datetime
from decimal import Decimal

import pytest

from kc.billing import selectors, services
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.supply.models import MeterReading, Unit
from kc.supply.tests.factories import MeterReadingFactory

pytestmark = pytest.mark.django_db


def test_a_kwh_bill_says_nothing_about_a_register_counting_cubic_metres() -> None:
    tariff = priced_tariff("strom", "Strom")
    contract, register = metered_contract(tariff=tariff, start=datetime.date(2025, 1, 1))
    MeterReadingFactory(
        register=register,
        read_on=datetime.date(2025, 12, 31),
        value=Decimal("4500"),
        source=MeterReading.Source.CUSTOMER,
    )
    services.bill_contract(contract, until=datetime.date(2025, 12, 31))
    billed = selectors.billed_annual_consumption(contract)
    assert billed is not None and billed > 0
    assert selectors.billed_annual_consumption_in(contract, Unit.KWH) == billed
    assert selectors.billed_annual_consumption_in(contract, Unit.CUBIC_METRE) is None
