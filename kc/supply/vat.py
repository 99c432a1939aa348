"""VAT rates as a dated rule set: the rate is chosen by supply date and division."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

STANDARD = Decimal("0.19")
REDUCED = Decimal("0.07")


@dataclass(frozen=True)
class VatRule:
    divisions: frozenset[str]
    valid_from: datetime.date
    valid_to: datetime.date  # inclusive
    rate: Decimal


# Later rules win over earlier ones where they overlap.
RULES: tuple[VatRule, ...] = (
    VatRule(
        frozenset({"power", "gas", "heat"}),
        datetime.date(2007, 1, 1),
        datetime.date(9999, 12, 31),
        STANDARD,
    ),
    VatRule(frozenset({"water"}), datetime.date(2007, 1, 1), datetime.date(9999, 12, 31), REDUCED),
    # Second Corona tax relief act: 16 % / 5 % from 1 July to 31 December 2020.
    VatRule(
        frozenset({"power", "gas", "heat"}),
        datetime.date(2020, 7, 1),
        datetime.date(2020, 12, 31),
        Decimal("0.16"),
    ),
    VatRule(
        frozenset({"water"}),
        datetime.date(2020, 7, 1),
        datetime.date(2020, 12, 31),
        Decimal("0.05"),
    ),
    # Reduced rate for gas and district heating, 1 Oct 2022 to 31 Mar 2024 (§28 (5) UStG).
    VatRule(
        frozenset({"gas", "heat"}), datetime.date(2022, 10, 1), datetime.date(2024, 3, 31), REDUCED
    ),
)


def vat_rate(division: str, on: datetime.date) -> Decimal:
    rate = None
    for rule in RULES:
        if division in rule.divisions and rule.valid_from <= on <= rule.valid_to:
            rate = rule.rate
    if rate is None:
        raise LookupError(f"no VAT rule for {division} on {on}")
    return rate
