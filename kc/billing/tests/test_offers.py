"""Tariff offers: comparison, the offer letter, acceptance switches the contract, and billing
splits the period at the switch."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kc.billing import offers
from kc.billing.models import TariffOffer
from kc.billing.rating import PricePeriod
from kc.billing.tariff_prices import price_periods
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.supply.models import ContractTariff
from kc.supply.tests.factories import ContractFactory, PriceSheetFactory, TariffFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def tariffs():  # type: ignore[no-untyped-def]
    basic = TariffFactory(code="basis", name="Strom Basis")
    PriceSheetFactory(
        tariff=basic,
        valid_from=D(2020, 1, 1),
        base_price_per_year=Decimal("120.00"),
        working_price=Decimal("0.30000"),
    )
    green = TariffFactory(code="oeko", name="Strom Öko", bonus=Decimal("50.00"))
    PriceSheetFactory(
        tariff=green,
        valid_from=D(2020, 1, 1),
        base_price_per_year=Decimal("150.00"),
        working_price=Decimal("0.29000"),
    )
    TariffFactory(code="alt", name="Strom Alt", active=False)
    return basic, green


@pytest.mark.usefixtures("tariffs")
def test_compare_sorts_by_first_year_cost_with_the_bonus() -> None:
    rows = offers.compare(
        division="power", consumption=Decimal("2500"), postal_code="42651", on=D(2026, 11, 28)
    )
    # basic: (120 + 0.30 × 2500) × 1.19 = 1,035.30; green: (150 + 725) × 1.19 = 1,041.25, −50 bonus.
    assert [(r.tariff.code, r.annual_gross, r.first_year_gross) for r in rows] == [
        ("oeko", Decimal("1041.25"), Decimal("991.25")),
        ("basis", Decimal("1035.30"), Decimal("1035.30")),
    ]


def test_bad_input_is_refused(tariffs, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(offers.OfferError, match="größer als 0"):
        offers.compare(
            division="power", consumption=Decimal("0"), postal_code="42651", on=D(2026, 1, 1)
        )
    settings.KC_SUPPLY_AREA_POSTAL_PREFIXES = ["426", "427"]
    with pytest.raises(offers.OfferError, match="Versorgungsgebiet"):
        offers.compare(
            division="power", consumption=Decimal("1"), postal_code="10115", on=D(2026, 1, 1)
        )


def test_offer_letter_and_acceptance_switch_the_contract(tariffs, agent) -> None:  # type: ignore[no-untyped-def]
    basic, green = tariffs
    LetterheadFactory()
    partner = customer_with_address()
    contract = ContractFactory(account__partner=partner, tariff=basic, start_date=D(2024, 1, 1))
    offer = offers.make_offer(
        partner=partner,
        tariff=green,
        consumption=Decimal("2500"),
        postal_code="42651",
        actor=agent,
        contract=contract,
    )
    letter = Letter.objects.get(number=offer.letter_number)
    assert letter.kind == "tariff_offer" and letter.status == Letter.Status.READY
    assert "1.041,25 €" in letter.values["jahreskosten"]
    switch = timezone.localdate() + datetime.timedelta(days=3)
    offers.accept_offer(offer=offer, switch_date=switch, actor=agent)
    contract.refresh_from_db()
    assert contract.tariff == green
    periods = list(
        ContractTariff.objects.filter(contract=contract).values_list("tariff__code", "valid_from")
    )
    assert periods == [("basis", D(2024, 1, 1)), ("oeko", switch)]
    with pytest.raises(offers.OfferError, match="bereits angenommen"):
        offers.accept_offer(offer=offer, switch_date=switch, actor=agent)
    assert TariffOffer.objects.get().status == TariffOffer.Status.ACCEPTED


def test_prices_of_a_period_follow_the_switch(tariffs) -> None:  # type: ignore[no-untyped-def]
    basic, green = tariffs
    PriceSheetFactory(
        tariff=basic,
        valid_from=D(2025, 4, 1),
        base_price_per_year=Decimal("130.00"),
        working_price=Decimal("0.32000"),
    )
    contract = ContractFactory(tariff=basic, start_date=D(2024, 1, 1))
    ContractTariff.objects.create(contract=contract, tariff=basic, valid_from=D(2024, 1, 1))
    ContractTariff.objects.create(contract=contract, tariff=green, valid_from=D(2025, 7, 1))
    prices = price_periods(contract, D(2025, 1, 1), D(2025, 12, 31))
    assert [(p.valid_from, p.tariff_code, p.working_price) for p in prices] == [
        (D(2025, 1, 1), "basis", Decimal("0.30000")),
        (D(2025, 4, 1), "basis", Decimal("0.32000")),
        (D(2025, 7, 1), "oeko", Decimal("0.29000")),
    ]
    assert all(isinstance(p, PricePeriod) for p in prices)


def test_a_bill_across_the_switch_has_both_tariffs(tariffs) -> None:  # type: ignore[no-untyped-def]
    from kc.billing import runs, services
    from kc.billing.models import BillingDocument
    from kc.billing.tests.factories import metered_contract
    from kc.supply.tests.factories import MeterReadingFactory

    basic, green = tariffs
    contracts = []
    for _ in range(2):
        contract, register = metered_contract(tariff=green, start=D(2025, 1, 1), move_in="0")
        ContractTariff.objects.create(contract=contract, tariff=basic, valid_from=D(2025, 1, 1))
        ContractTariff.objects.create(contract=contract, tariff=green, valid_from=D(2025, 7, 1))
        MeterReadingFactory(register=register, read_on=D(2025, 12, 31), value=Decimal("2000"))
        contracts.append(contract)
    (direct,) = services.bill_contract(contracts[0], until=D(2026, 1, 20))
    runs.run_billing(D(2026, 1, 20))  # the run's own path for the second contract
    via_run = BillingDocument.objects.get(contract=contracts[1])
    for document in (direct, via_run):
        texts = list(document.lines.values_list("text", flat=True))
        assert any("Strom Basis" in t for t in texts) and any("Strom Öko" in t for t in texts)
    assert direct.gross_total == via_run.gross_total


def test_acceptance_records_the_switch_day_reading_or_nothing(tariffs, agent) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from kc.supply.models import MeterReading
    from kc.supply.tests.factories import MeterReadingFactory, RegisterFactory

    basic, green = tariffs
    LetterheadFactory()
    partner = customer_with_address()
    contract = ContractFactory(account__partner=partner, tariff=basic, start_date=D(2024, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location)
    MeterReadingFactory(register=register, read_on=D(2024, 1, 1), value=Decimal("1000"))
    offer = offers.make_offer(
        partner=partner,
        tariff=green,
        consumption=Decimal("2500"),
        postal_code="42651",
        actor=agent,
        contract=contract,
    )
    today = timezone.localdate()
    with pytest.raises(ValidationError) as raised:  # lower than the last reading
        offers.accept_offer(
            offer=offer, switch_date=today, actor=agent, register=register, reading=Decimal("10")
        )
    assert "reading" in raised.value.message_dict
    assert MeterReading.objects.count() == 1 and contract.tariff == basic
    offers.accept_offer(
        offer=offer, switch_date=today, actor=agent, register=register, reading=Decimal("3400")
    )
    reading = MeterReading.objects.get(read_on=today)
    assert reading.value == Decimal("3400") and reading.reason == MeterReading.Reason.INTERIM
    assert not reading.needs_review  # about 2,400 kWh a year: plausible
    assert TariffOffer.objects.get().status == TariffOffer.Status.ACCEPTED


def test_the_switch_reading_is_checked_like_any_customer_reading(tariffs, agent) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from kc.supply.models import MeterReading
    from kc.supply.tests.factories import MeterReadingFactory, RegisterFactory

    basic, green = tariffs
    LetterheadFactory()
    partner = customer_with_address()
    contract = ContractFactory(account__partner=partner, tariff=basic, start_date=D(2024, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location, digits=6)
    MeterReadingFactory(register=register, read_on=D(2024, 1, 1), value=Decimal("1000"))

    def offer() -> TariffOffer:
        return offers.make_offer(
            partner=partner,
            tariff=green,
            consumption=Decimal("2500"),
            postal_code="42651",
            actor=agent,
            contract=contract,
        )

    today = timezone.localdate()
    with pytest.raises(ValidationError) as raised:  # more digits than the meter has
        offers.accept_offer(
            offer=offer(),
            switch_date=today,
            actor=agent,
            register=register,
            reading=Decimal("999999999"),
        )
    assert "reading" in raised.value.message_dict
    offers.accept_offer(
        offer=offer(), switch_date=today, actor=agent, register=register, reading=Decimal("900000")
    )
    far_off = MeterReading.objects.get(read_on=today)
    assert far_off.needs_review  # centuries of consumption: stored for a person to check
