"""Gas metered in m³, billed in kWh (DVGW G 685): the pure conversion (kc.billing.gas), the
rating with it, and billing a contract end to end (bill, billing run, invoice letter)."""

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.billing import gas, invoices, profiles, rating, runs, services
from kc.billing.gas import CalorificValue, Factors, ZNumber
from kc.billing.models import BillingDocument, BillingRunItem
from kc.letters.models import Letter
from kc.payments.tests.factories import creditor, mandated_account
from kc.supply.models import (
    Contract,
    GasCalorificValue,
    GasConversionFactor,
    MeterReading,
)
from kc.supply.tests.factories import (
    ContractFactory,
    MeterReadingFactory,
    PriceSheetFactory,
    RegisterFactory,
    TariffFactory,
)

D = datetime.date
YEAR_START, YEAR_END = D(2025, 1, 1), D(2025, 12, 31)
Z = Decimal("0.9531")


def hs(start: D, end: D, value: str) -> CalorificValue:
    return CalorificValue(start, end, Decimal(value))


# --- the pure conversion ----------------------------------------------------------------------


def test_the_issue_example_rounds_to_whole_kwh() -> None:
    # 123.456 × 0.9531 × 11.245 = 1,323.15… kWh
    assert gas.energy(Decimal("123.456"), Z, Decimal("11.245")) == Decimal(1323)
    (conversion,) = gas.convert(
        YEAR_START,
        YEAR_END,
        Decimal("123.456"),
        [Factors(YEAR_START, YEAR_END, Z, Decimal("11.245"))],
    )
    assert conversion.text == "123,456 m³ × 0,9531 × 11,245 kWh/m³ = 1.323 kWh"
    assert (conversion.start, conversion.end, conversion.volume) == (
        YEAR_START,
        YEAR_END,
        Decimal("123.456"),
    )


def test_rounding_is_half_up_to_whole_kwh() -> None:
    one = Decimal(1)
    assert gas.energy(Decimal("0.25"), one, Decimal(10)) == Decimal(3)  # 2.5 → 3, not 2
    assert gas.energy(Decimal("0.249"), one, Decimal(10)) == Decimal(2)  # 2.49
    assert gas.energy(Decimal("0.35"), one, Decimal(10)) == Decimal(4)  # 3.5 → 4
    assert gas.energy(Decimal("0.000"), Z, Decimal("11.2")) == Decimal(0)


def test_one_factor_set_for_the_whole_year() -> None:
    segments = gas.factors(
        YEAR_START,
        YEAR_END,
        [hs(D(2024, 10, 1), D(2026, 3, 31), "11.245")],
        [ZNumber(D(2020, 1, 1), Z)],
        network_area="NG-MUSTER",
    )
    assert segments == (Factors(YEAR_START, YEAR_END, Z, Decimal("11.245")),)


def test_a_brennwert_change_splits_the_m3_by_degree_days() -> None:
    segments = gas.factors(
        YEAR_START,
        YEAR_END,
        [hs(D(2025, 1, 1), D(2025, 8, 31), "11.2"), hs(D(2025, 9, 1), D(2025, 12, 31), "11.4")],
        [ZNumber(D(2020, 1, 1), Decimal("0.95"))],
        network_area="NG-MUSTER",
    )
    assert [(f.start, f.end, f.kwh_per_m3) for f in segments] == [
        (YEAR_START, D(2025, 8, 31), Decimal("11.2")),
        (D(2025, 9, 1), YEAR_END, Decimal("11.4")),
    ]
    first, second = gas.convert(YEAR_START, YEAR_END, Decimal(1000), segments)
    # Jan–Aug 170+150+130+80+40+40 = 610 ‰, Sep–Dec 30+80+120+160 = 390 ‰.
    assert (first.volume, second.volume) == (Decimal(610), Decimal(390))
    # 610 × 0.95 × 11.2 = 6,490.4 → 6,490; 390 × 0.95 × 11.4 = 4,223.7 → 4,224
    assert (first.energy, second.energy) == (Decimal(6490), Decimal(4224))


def test_a_zustandszahl_change_splits_too() -> None:
    segments = gas.factors(
        YEAR_START,
        YEAR_END,
        [hs(D(2025, 1, 1), D(2025, 12, 31), "11.2")],
        [ZNumber(D(2019, 1, 1), Decimal("0.95")), ZNumber(D(2025, 5, 1), Decimal("0.96"))],
        network_area="NG-MUSTER",
    )
    first, second = gas.convert(YEAR_START, YEAR_END, Decimal(1000), segments)
    # Jan–Apr 530 ‰, May–Dec 470 ‰; 530 × 0.95 × 11.2 = 5,639.2; 470 × 0.96 × 11.2 = 5,053.44
    assert (first.end, first.volume, first.z_number, first.energy) == (
        D(2025, 4, 30),
        Decimal(530),
        Decimal("0.95"),
        Decimal(5639),
    )
    assert (second.start, second.volume, second.z_number, second.energy) == (
        D(2025, 5, 1),
        Decimal(470),
        Decimal("0.96"),
        Decimal(5053),
    )


def test_cuts_from_the_rating_split_a_segment_without_changing_the_factors() -> None:
    factors = [Factors(YEAR_START, YEAR_END, Decimal("0.95"), Decimal("11.2"))]
    parts = gas.convert(YEAR_START, YEAR_END, Decimal(1000), factors, cuts=[D(2025, 9, 1)])
    assert [(p.volume, p.kwh_per_m3) for p in parts] == [
        (Decimal(610), Decimal("11.2")),
        (Decimal(390), Decimal("11.2")),
    ]


@pytest.mark.parametrize(
    ("values", "z_numbers", "area", "message"),
    [
        ([], [ZNumber(D(2020, 1, 1), Z)], "", "kein Netzgebiet"),
        (
            [hs(D(2025, 1, 1), D(2025, 1, 31), "11.2"), hs(D(2025, 3, 1), D(2025, 12, 31), "11")],
            [ZNumber(D(2020, 1, 1), Z)],
            "NG-1",
            "fehlt der Brennwert des Netzgebiets NG-1 für 01.02.2025–28.02.2025",
        ),
        (
            [hs(D(2025, 1, 1), D(2025, 11, 30), "11.2")],
            [ZNumber(D(2020, 1, 1), Z)],
            "NG-1",
            "für 01.12.2025–31.12.2025",
        ),
        (
            [hs(D(2025, 1, 1), D(2025, 12, 31), "11.2")],
            [ZNumber(D(2025, 3, 1), Z)],
            "NG-1",
            "fehlt die Zustandszahl der Marktlokation für 01.01.2025–28.02.2025",
        ),
        (
            [hs(D(2025, 1, 1), D(2025, 6, 30), "11.2"), hs(D(2025, 6, 1), D(2025, 12, 31), "11")],
            [ZNumber(D(2020, 1, 1), Z)],
            "NG-1",
            "am 01.06.2025 zwei Brennwerte",
        ),
    ],
)
def test_missing_or_doubled_factors_are_named(
    values: list[CalorificValue], z_numbers: list[ZNumber], area: str, message: str
) -> None:
    with pytest.raises(gas.GasConversionError, match=re.escape(message)):
        gas.factors(YEAR_START, YEAR_END, values, z_numbers, network_area=area)


def test_floats_and_uncovered_days_are_refused() -> None:
    with pytest.raises(gas.GasConversionError, match="Dezimalzahlen"):
        floats = Factors(YEAR_START, YEAR_END, 0.95, 11.2)  # type: ignore[arg-type]
        gas.convert(YEAR_START, YEAR_END, Decimal(1), [floats])
    with pytest.raises(gas.GasConversionError, match=re.escape("01.07.2025–31.12.2025")):
        gas.convert(YEAR_START, YEAR_END, Decimal(1), [Factors(YEAR_START, D(2025, 6, 30), Z, Z)])
    with pytest.raises(gas.GasConversionError, match="0,001"):
        gas.convert(YEAR_START, YEAR_END, Decimal("1.0005"), [Factors(YEAR_START, YEAR_END, Z, Z)])


@st.composite
def conversions(draw: st.DrawFn) -> tuple[D, D, D, Decimal, tuple[Factors, ...]]:
    start = draw(st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 1, 1)))
    end = start + datetime.timedelta(days=draw(st.integers(min_value=1, max_value=400)))
    cut = start + datetime.timedelta(
        days=draw(st.integers(min_value=1, max_value=(end - start).days))
    )
    # Monthly Brennwerte (as grid operators publish them), one or two z changes.
    values = []
    month = D(start.year, start.month, 1)
    while month <= end:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        value = Decimal(draw(st.integers(min_value=100_000, max_value=120_000))).scaleb(-4)
        values.append(CalorificValue(month, following - datetime.timedelta(days=1), value))
        month = following
    z_days = draw(st.lists(st.dates(min_value=start, max_value=end), max_size=2, unique=True))
    z_numbers = [
        ZNumber(day, Decimal(draw(st.integers(min_value=8500, max_value=9999))).scaleb(-4))
        for day in sorted({start, *z_days})
    ]
    segments = gas.factors(start, end, values, z_numbers, network_area="NG")
    volume = Decimal(draw(st.integers(min_value=0, max_value=50_000_000))).scaleb(-3)
    return start, cut, end, volume, segments


@settings(max_examples=300, deadline=None)
@given(conversions())
def test_split_and_whole_agree_within_the_documented_bound(
    case: tuple[D, D, D, Decimal, tuple[Factors, ...]],
) -> None:
    """gas.py's docstring: |E(A) + E(B) − E(whole)| ≤ (S_A + S_B + S_whole) ×
    (½ + 0.001 × z_max × H_s,max) kWh, A and B splitting the m³ by the same weights."""
    start, cut, end, volume, segments = case
    before = cut - datetime.timedelta(days=1)
    volume_a, volume_b = profiles.allocate(
        volume,
        [profiles.weight("gas", start, before), profiles.weight("gas", cut, end)],
    )
    whole = gas.convert(start, end, volume, segments)
    part_a = gas.convert(start, before, volume_a, segments)
    part_b = gas.convert(cut, end, volume_b, segments)
    for conversion in (*whole, *part_a, *part_b):
        for value in (conversion.volume, conversion.z_number, conversion.kwh_per_m3):
            assert isinstance(value, Decimal)
        assert isinstance(conversion.energy, Decimal)
        assert conversion.energy == conversion.energy.to_integral_value()
    assert sum(c.volume for c in whole) == volume
    assert sum(c.volume for c in (*part_a, *part_b)) == volume
    z_max = max(f.z_number for f in segments)
    hs_max = max(f.kwh_per_m3 for f in segments)
    count = len(whole) + len(part_a) + len(part_b)
    bound = count * (Decimal("0.5") + Decimal("0.001") * z_max * hs_max)
    difference = sum((c.energy for c in (*part_a, *part_b)), Decimal(0)) - sum(
        (c.energy for c in whole), Decimal(0)
    )
    assert abs(difference) <= bound


# --- rating ----------------------------------------------------------------------------------


def test_rating_cuts_working_lines_at_prices_and_factors_but_not_the_base_lines() -> None:
    result = rating.rate(
        rating.RatingInput(
            "gas",
            "m3",
            YEAR_START,
            YEAR_END,
            Decimal(1000),
            (
                rating.PricePeriod(D(2024, 1, 1), Decimal(150), Decimal("0.12"), "G", "Gas"),
                rating.PricePeriod(D(2025, 9, 1), Decimal(150), Decimal("0.13"), "G", "Gas"),
            ),
            conversion=(
                Factors(YEAR_START, D(2025, 4, 30), Decimal("0.95"), Decimal("11.2")),
                Factors(D(2025, 5, 1), YEAR_END, Decimal("0.96"), Decimal("11.2")),
            ),
        )
    )
    working = [line for line in result.lines if line.kind == "working"]
    base = [line for line in result.lines if line.kind == "base"]
    assert [(line.start, line.end) for line in working] == [
        (YEAR_START, D(2025, 4, 30)),
        (D(2025, 5, 1), D(2025, 8, 31)),
        (D(2025, 9, 1), YEAR_END),
    ]
    assert [(line.start, line.end) for line in base] == [
        (YEAR_START, D(2025, 8, 31)),
        (D(2025, 9, 1), YEAR_END),
    ]
    # Jan–Apr 530 ‰, May–Aug 80 ‰, Sep–Dec 390 ‰ of 1,000 m³.
    assert [line.quantity for line in working] == [
        Decimal(5639),  # 530 × 0.95 × 11.2 = 5,639.2
        Decimal(860),  # 80 × 0.96 × 11.2 = 860.16
        Decimal(4193),  # 390 × 0.96 × 11.2 = 4,193.28
    ]
    assert {line.unit for line in working} == {"kWh"}
    assert working[1].text == (
        "Arbeitspreis 01.05.2025–31.08.2025 (Gas): 80 m³ × 0,96 × 11,2 kWh/m³ = 860 kWh"
        " × 12,00 ct/kWh = 103,20 €"
    )
    assert result.net_total == sum(line.net for line in result.lines)


def test_rating_refuses_gas_in_m3_without_factors() -> None:
    prices = (rating.PricePeriod(D(2024, 1, 1), Decimal(150), Decimal("0.12"), "G", "Gas"),)
    with pytest.raises(rating.RatingError, match="Zustandszahl und Brennwert"):
        rating.rate(rating.RatingInput("gas", "m3", YEAR_START, YEAR_END, Decimal(1), prices))
    with pytest.raises(rating.RatingError, match="Nur Gas in m³"):
        rating.rate(
            rating.RatingInput(
                "water",
                "m3",
                YEAR_START,
                YEAR_END,
                Decimal(1),
                prices,
                conversion=(Factors(YEAR_START, YEAR_END, Z, Z),),
            )
        )


# --- billing a contract ----------------------------------------------------------------------


def gas_contract(*, area: str = "NG-MUSTER", account: object = None) -> Contract:
    """Gas at 150 €/year and 12 ct/kWh net, a meter counting m³ from 100 m³ on 1.1.2025 to
    1,334.567 m³ on 31.12.2025."""
    tariff = TariffFactory(code="gas-basis", name="Gas Basis", division="gas")
    PriceSheetFactory(
        tariff=tariff,
        valid_from=D(2020, 1, 1),
        base_price_per_year=Decimal("150.00"),
        working_price=Decimal("0.12000"),
    )
    fields = {"account": account} if account is not None else {}
    contract = ContractFactory(tariff=tariff, division="gas", start_date=YEAR_START, **fields)
    location = contract.market_location
    location.division = "gas"
    location.gas_network_area = area
    location.save()
    register = RegisterFactory(meter__market_location=location, meter__division="gas", unit="m3")
    MeterReadingFactory(register=register, read_on=YEAR_START, value=Decimal(100), reason="move_in")
    MeterReadingFactory(
        register=register,
        read_on=YEAR_END,
        value=Decimal("1334.567"),
        reason=MeterReading.Reason.PERIODIC,
        source=MeterReading.Source.CUSTOMER,
    )
    return contract


def gas_factors(contract: Contract) -> None:
    """Brennwert 11.245 until August, 11.302 from September; Zustandszahl 0.9531."""
    GasCalorificValue.objects.create(
        network_area="NG-MUSTER",
        valid_from=D(2025, 1, 1),
        valid_to=D(2025, 8, 31),
        value_kwh_per_m3=Decimal("11.2450"),
    )
    GasCalorificValue.objects.create(
        network_area="NG-MUSTER",
        valid_from=D(2025, 9, 1),
        valid_to=D(2025, 12, 31),
        value_kwh_per_m3=Decimal("11.3020"),
    )
    GasConversionFactor.objects.create(
        market_location=contract.market_location, valid_from=D(2019, 6, 1), z_number=Z
    )


# 1,234.567 m³: Jan–Aug 610 ‰ = 753.08587 → 753.086, Sep–Dec 390 ‰ = 481.48113 → 481.481
# (the missing thousandth to the larger remainder). 753.086 × 0.9531 × 11.245 = 8,071.28 →
# 8,071 kWh × 0.12 = 968.52; 481.481 × 0.9531 × 11.302 = 5,186.48 → 5,186 kWh × 0.12 =
# 622.32; base 150.00; net 1,740.84; VAT 19 % 330.7596 → 330.76; gross 2,071.60.
EXPECTED_TEXTS = [
    "Arbeitspreis 01.01.2025–31.08.2025 (Gas Basis): 753,086 m³ × 0,9531 × 11,245 kWh/m³"
    " = 8.071 kWh × 12,00 ct/kWh = 968,52 €",
    "Arbeitspreis 01.09.2025–31.12.2025 (Gas Basis): 481,481 m³ × 0,9531 × 11,302 kWh/m³"
    " = 5.186 kWh × 12,00 ct/kWh = 622,32 €",
    "Grundpreis 01.01.2025–31.12.2025 (Gas Basis): 365 Tage × 150,00 €/Jahr = 150,00 €",
]


def assert_billed_to_the_cent(document: BillingDocument) -> None:
    assert [line.text for line in document.lines.order_by("position")] == EXPECTED_TEXTS
    assert (document.consumption, document.unit) == (Decimal(13257), "kWh")
    assert document.start_reading is not None and document.end_reading is not None
    assert (document.start_reading.value, document.end_reading.value) == (
        Decimal(100),
        Decimal("1334.567"),
    )
    assert (document.net_total, document.vat_total, document.gross_total) == (
        Decimal("1740.84"),
        Decimal("330.76"),
        Decimal("2071.60"),
    )


@pytest.mark.django_db
def test_a_gas_contract_in_m3_is_billed_in_kwh_to_the_cent() -> None:
    contract = gas_contract()
    gas_factors(contract)
    (document,) = services.bill_contract(contract, until=YEAR_END)
    assert_billed_to_the_cent(document)


@pytest.mark.django_db
def test_the_billing_run_bills_it_the_same_way() -> None:
    contract = gas_contract()
    gas_factors(contract)
    runs.run_billing(D(2026, 1, 20))
    item = BillingRunItem.objects.get(contract=contract)
    assert item.outcome == BillingRunItem.Outcome.BILLED, item.message
    assert_billed_to_the_cent(BillingDocument.objects.get(contract=contract))


@pytest.mark.django_db
def test_a_missing_zustandszahl_bills_nothing_and_the_run_says_why() -> None:
    contract = gas_contract()
    gas_factors(contract)
    GasConversionFactor.objects.all().delete()
    with pytest.raises(services.BillingError, match="fehlt die Zustandszahl"):
        services.bill_contract(contract, until=YEAR_END)
    runs.run_billing(D(2026, 1, 20))
    item = BillingRunItem.objects.get(contract=contract)
    assert item.outcome == BillingRunItem.Outcome.ERROR
    assert "fehlt die Zustandszahl der Marktlokation für 01.01.2025–31.12.2025" in item.message
    assert not BillingDocument.objects.exists()


@pytest.mark.django_db
def test_a_missing_brennwert_month_bills_nothing() -> None:
    contract = gas_contract()
    gas_factors(contract)
    GasCalorificValue.objects.filter(valid_from=D(2025, 9, 1)).delete()
    with pytest.raises(
        services.BillingError, match=re.escape("NG-MUSTER für 01.09.2025–31.12.2025")
    ):
        services.bill_contract(contract, until=YEAR_END)
    assert not BillingDocument.objects.exists()


@pytest.mark.django_db
def test_the_invoice_letter_shows_m3_and_the_conversion() -> None:
    creditor()
    account, _mandate = mandated_account()
    contract = gas_contract(account=account)
    gas_factors(contract)
    services.bill_contract(contract, until=YEAR_END)
    invoice = invoices.invoice_account(account, issue_date=D(2026, 1, 20), next_plans=False)
    values = Letter.objects.get(number=invoice.letter_number).values
    assert values["verbrauch"] == "13.257 kWh"
    table = str(values["zaehlerstaende"])
    for text in (
        "1.334,567",
        "Umrechnung in kWh",
        "× Zustandszahl × Brennwert = kWh",
        "753,086 m³",
        "× 0,9531 × 11,245 kWh/m³ = 8.071 kWh",
        "481,481 m³",
        "× 0,9531 × 11,302 kWh/m³ = 5.186 kWh",
    ):
        assert text in table
