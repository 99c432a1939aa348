import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from kc.core.validators import malo_check_digit
from kc.customers.tests.factories import ContractAccountFactory
from kc.supply.models import (
    Contract,
    Division,
    MarketLocation,
    Meter,
    MeterReading,
    Premise,
    PriceSheet,
    Register,
    Tariff,
    Unit,
)


def make_malo_id(n: int) -> str:
    first_ten = f"{5_000_000_000 + n}"
    return first_ten + str(malo_check_digit(first_ten))


class PremiseFactory(DjangoModelFactory[Premise]):
    class Meta:
        model = Premise

    street = "Beethovenstraße"
    house_number = factory.Sequence(lambda n: str(n % 150 + 1))
    postal_code = "42655"
    city = "Solingen"


class MarketLocationFactory(DjangoModelFactory[MarketLocation]):
    class Meta:
        model = MarketLocation

    malo_id = factory.Sequence(make_malo_id)
    premise = factory.SubFactory(PremiseFactory)
    division = Division.POWER


class TariffFactory(DjangoModelFactory[Tariff]):
    class Meta:
        model = Tariff
        django_get_or_create = ("code",)

    code = "strom-basis"
    name = "Strom Basis"
    division = Division.POWER
    is_default_supply = True


class PriceSheetFactory(DjangoModelFactory[PriceSheet]):
    class Meta:
        model = PriceSheet

    tariff = factory.SubFactory(TariffFactory)
    valid_from = datetime.date(2024, 1, 1)
    base_price_per_year = Decimal("150.00")
    working_price = Decimal("0.29500")


class ContractFactory(DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"{7_500_000_000 + n}")
    account = factory.SubFactory(ContractAccountFactory)
    market_location = factory.SubFactory(MarketLocationFactory)
    division = factory.SelfAttribute("market_location.division")
    tariff = factory.SubFactory(TariffFactory)
    start_date = datetime.date(2022, 1, 1)


class MeterFactory(DjangoModelFactory[Meter]):
    class Meta:
        model = Meter

    number = factory.Sequence(lambda n: f"1ESY{11_000_000 + n}")
    division = Division.POWER
    kind = Meter.Kind.MODERN
    market_location = factory.SubFactory(MarketLocationFactory)
    installed_on = datetime.date(2020, 3, 1)


class RegisterFactory(DjangoModelFactory[Register]):
    class Meta:
        model = Register

    meter = factory.SubFactory(MeterFactory)
    obis_code = "1-0:1.8.0"
    unit = Unit.KWH


class MeterReadingFactory(DjangoModelFactory[MeterReading]):
    class Meta:
        model = MeterReading

    register = factory.SubFactory(RegisterFactory)
    read_on = datetime.date(2025, 12, 31)
    value = Decimal("12345.000")
    reason = MeterReading.Reason.PERIODIC
    source = MeterReading.Source.METER_READER
