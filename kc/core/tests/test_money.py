from decimal import Decimal

import pytest

from kc.core.money import format_decimal_de, format_eur, from_cents, round_cents, to_cents


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "0,00 €"),
        ("-0.004", "0,00 €"),
        ("-0.005", "-0,01 €"),
        ("1234.565", "1.234,57 €"),
        ("-1234.565", "-1.234,57 €"),
        ("1000000.1", "1.000.000,10 €"),
    ],
)
def test_format_eur(amount: str, text: str) -> None:
    assert format_eur(Decimal(amount)) == text


def test_cents_round_half_up_and_back() -> None:
    assert round_cents(Decimal("0.125")) == Decimal("0.13")
    assert to_cents(Decimal("12.345")) == 1235
    assert from_cents(1235) == Decimal("12.35")
    assert format_decimal_de(Decimal("2667"), 0) == "2.667"
