"""A gas meter counting m³ is never billed at a kWh price as m³: without the network area (and
so without a Brennwert) it is refused with the reason. Billing it in kWh: test_gas.py."""

import datetime
from decimal import Decimal

import pytest

from kc.billing import runs, services
from kc.billing.models import BillingDocument, BillingRunItem
from kc.supply.models import MeterReading
from kc.supply.tests.factories import (
    ContractFactory,
    MeterReadingFactory,
    PriceSheetFactory,
    RegisterFactory,
    TariffFactory,
)

pytestmark = pytest.mark.django_db


def test_gas_in_cubic_metres_without_network_area_is_refused_by_bill_and_run() -> None:
    tariff = TariffFactory(code="gas-m3", name="Gas", division="gas")
    PriceSheetFactory(
        tariff=tariff,
        valid_from=datetime.date(2020, 1, 1),
        base_price_per_year=Decimal("150.00"),
        working_price=Decimal("0.09000"),
    )
    contract = ContractFactory(tariff=tariff, division="gas", start_date=datetime.date(2025, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location, unit="m3")
    MeterReadingFactory(
        register=register,
        read_on=datetime.date(2025, 1, 1),
        value=Decimal("100"),
        reason=MeterReading.Reason.MOVE_IN,
    )
    MeterReadingFactory(
        register=register, read_on=datetime.date(2025, 12, 31), value=Decimal("1300")
    )
    with pytest.raises(services.BillingError, match="kein Netzgebiet"):
        services.bill_contract(contract, until=datetime.date(2025, 12, 31))
    runs.run_billing(datetime.date(2026, 1, 20))
    item = BillingRunItem.objects.get(contract=contract)
    assert item.outcome == BillingRunItem.Outcome.ERROR and "Brennwertbezirk" in item.message
    assert not BillingDocument.objects.exists()
