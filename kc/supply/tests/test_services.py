import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kc.supply import services
from kc.supply.models import MeterReading
from kc.supply.tests.factories import (
    ContractFactory,
    MarketLocationFactory,
    MeterReadingFactory,
    PremiseFactory,
    RegisterFactory,
    TariffFactory,
)
from kc.supply.vat import vat_rate

D = datetime.date


def _read(register, day: datetime.date, value: str, **kw):  # type: ignore[no-untyped-def]
    return services.record_meter_reading(
        register=register,
        read_on=day,
        value=Decimal(value),
        reason=kw.pop("reason", "periodic"),
        source=kw.pop("source", "customer"),
        actor=None,
        **kw,
    )


@pytest.mark.django_db
def test_readings_must_rise_over_time() -> None:
    register = RegisterFactory()
    _read(register, D(2025, 1, 1), "1000")
    _read(register, D(2025, 12, 31), "3500")
    _read(register, D(2025, 6, 30), "2100", reason="interim")
    with pytest.raises(ValidationError) as err:
        _read(register, D(2026, 1, 15), "3400")
    assert err.value.error_dict["value"][0].code == "reading_decreasing"
    with pytest.raises(ValidationError) as err:
        _read(register, D(2025, 3, 1), "2500", reason="control")
    assert err.value.error_dict["value"][0].code == "reading_above_later"
    assert register.readings.count() == 3


@pytest.mark.django_db
def test_estimates_need_a_reason_and_are_flagged() -> None:
    register = RegisterFactory()
    with pytest.raises(ValidationError):
        _read(register, D(2025, 12, 31), "100", source="utility")
    reading = _read(
        register,
        D(2025, 12, 31),
        "100",
        source="utility",
        estimation_reason="Kein Zugang zum Zähler",
    )
    assert reading.estimated


@pytest.mark.django_db
def test_duplicate_and_future_readings_are_refused() -> None:
    reading = MeterReadingFactory(read_on=D(2025, 12, 31), value=Decimal("5"))
    with pytest.raises(ValidationError) as err:
        _read(reading.register, D(2025, 12, 31), "6")
    assert err.value.code == "duplicate_reading"
    with pytest.raises(ValidationError):
        _read(reading.register, D(2099, 1, 1), "7")
    assert MeterReading.objects.count() == 1


@pytest.mark.django_db
def test_contract_numbers_and_overlap_check(agent) -> None:  # type: ignore[no-untyped-def]
    existing = ContractFactory(start_date=D(2020, 1, 1), end_date=D(2024, 12, 31))
    tariff = existing.tariff
    contract = services.create_contract(
        account=existing.account,
        market_location=existing.market_location,
        tariff=tariff,
        start_date=D(2025, 1, 1),
        actor=agent,
    )
    assert contract.number == "7000000000"
    with pytest.raises(ValidationError) as err:
        services.create_contract(
            account=existing.account,
            market_location=existing.market_location,
            tariff=tariff,
            start_date=D(2025, 6, 1),
            actor=agent,
        )
    assert err.value.code == "overlapping_contract"


@pytest.mark.django_db
def test_tariff_must_match_division(agent) -> None:  # type: ignore[no-untyped-def]
    gas_location = MarketLocationFactory(division="gas")
    contract = ContractFactory()
    with pytest.raises(ValidationError):
        services.create_contract(
            account=contract.account,
            market_location=gas_location,
            tariff=TariffFactory(),
            start_date=D(2025, 1, 1),
            actor=agent,
        )


@pytest.mark.django_db
def test_bad_malo_id_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        services.create_market_location(
            premise=PremiseFactory(), malo_id="41373559242", division="power", actor=None
        )
    assert "malo_id" in err.value.message_dict


@pytest.mark.django_db
def test_meter_numbers_are_unique_case_insensitively() -> None:
    location = MarketLocationFactory()
    register = {"obis_code": "1-0:1.8.0", "unit": "kWh"}
    services.install_meter(
        market_location=location,
        number="1esy123",
        kind="modern",
        installed_on=D(2024, 1, 1),
        registers=[register],
        actor=None,
    )
    with pytest.raises(ValidationError):
        services.install_meter(
            market_location=location,
            number="1ESY123 ",
            kind="modern",
            installed_on=D(2024, 1, 1),
            registers=[register],
            actor=None,
        )


@pytest.mark.django_db
def test_price_sheets_one_per_day(admin_user) -> None:  # type: ignore[no-untyped-def]
    tariff = TariffFactory()
    services.add_price_sheet(
        tariff=tariff,
        valid_from=D(2026, 1, 1),
        base_price_per_year=Decimal("160.00"),
        working_price=Decimal("0.31000"),
        actor=admin_user,
    )
    with pytest.raises(ValidationError):
        services.add_price_sheet(
            tariff=tariff,
            valid_from=D(2026, 1, 1),
            base_price_per_year=Decimal("1"),
            working_price=Decimal("1"),
            actor=admin_user,
        )


@pytest.mark.parametrize(
    ("division", "day", "rate"),
    [
        ("power", D(2023, 6, 1), "0.19"),
        ("gas", D(2022, 9, 30), "0.19"),
        ("gas", D(2022, 10, 1), "0.07"),
        ("heat", D(2024, 3, 31), "0.07"),
        ("gas", D(2024, 4, 1), "0.19"),
        ("water", D(2025, 1, 1), "0.07"),
        ("power", D(2020, 8, 1), "0.16"),
    ],
)
def test_vat_by_date_and_division(division: str, day: datetime.date, rate: str) -> None:
    assert vat_rate(division, day) == Decimal(rate)
