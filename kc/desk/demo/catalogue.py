"""Tariffs, price sheets and per-division meter facts of Stadtwerke Musterstadt.

Prices are net (without VAT), in euros: base price per year and working price
per unit of the register (kWh, water in m³). They follow the German market:
moderate before 2022, the 2023 peak, falling again from 2024, a mid-2025 change
and lower grid fees for power in 2026.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from kc.supply.models import Division, Unit

D = datetime.date

# valid_from, base €/year, working price €/unit (net)
Sheet = tuple[datetime.date, str, str]


@dataclass(frozen=True)
class TariffSpec:
    code: str
    name: str
    division: str
    default_supply: bool
    active: bool
    share: int  # weight among the division's contracts
    sheets: tuple[Sheet, ...]


TARIFFS: tuple[TariffSpec, ...] = (
    TariffSpec(
        "ms-strom-grundversorgung",
        "Musterstadt Strom Grundversorgung",
        Division.POWER,
        True,
        True,
        22,
        (
            (D(2010, 1, 1), "92.40", "0.19950"),
            (D(2022, 1, 1), "118.80", "0.27310"),
            (D(2023, 1, 1), "142.80", "0.41180"),
            (D(2024, 1, 1), "150.00", "0.31510"),
            (D(2025, 1, 1), "150.00", "0.30250"),
            (D(2025, 7, 1), "156.00", "0.28990"),
            (D(2026, 1, 1), "162.00", "0.27480"),
        ),
    ),
    TariffSpec(
        "ms-strom-komfort",
        "MusterStrom Komfort",
        Division.POWER,
        False,
        True,
        55,
        (
            (D(2010, 1, 1), "84.00", "0.18900"),
            (D(2022, 1, 1), "108.00", "0.26050"),
            (D(2023, 1, 1), "132.00", "0.38650"),
            (D(2024, 1, 1), "138.00", "0.29410"),
            (D(2025, 1, 1), "138.00", "0.28150"),
            (D(2025, 7, 1), "144.00", "0.26890"),
            (D(2026, 1, 1), "150.00", "0.25630"),
        ),
    ),
    TariffSpec(
        "ms-strom-natur",
        "MusterStrom Natur (Ökostrom)",
        Division.POWER,
        False,
        True,
        18,
        (
            (D(2015, 1, 1), "90.00", "0.22600"),
            (D(2022, 1, 1), "114.00", "0.27900"),
            (D(2023, 1, 1), "138.00", "0.39900"),
            (D(2024, 1, 1), "144.00", "0.30670"),
            (D(2025, 1, 1), "144.00", "0.29410"),
            (D(2025, 7, 1), "150.00", "0.28150"),
            (D(2026, 1, 1), "156.00", "0.26890"),
        ),
    ),
    TariffSpec(
        "ms-strom-online-2019",
        "MusterStrom Online 2019",
        Division.POWER,
        False,
        False,
        5,
        (
            (D(2019, 1, 1), "78.00", "0.23100"),
            (D(2023, 1, 1), "126.00", "0.37800"),
            (D(2024, 1, 1), "132.00", "0.29830"),
            (D(2025, 4, 1), "132.00", "0.28570"),
        ),
    ),
    TariffSpec(
        "ms-gas-grundversorgung",
        "Musterstadt Gas Grundversorgung",
        Division.GAS,
        True,
        True,
        30,
        (
            (D(2010, 1, 1), "126.00", "0.05290"),
            (D(2022, 1, 1), "150.00", "0.08990"),
            (D(2023, 1, 1), "180.00", "0.16800"),
            (D(2024, 1, 1), "186.00", "0.10500"),
            (D(2025, 1, 1), "192.00", "0.09750"),
            (D(2025, 10, 1), "192.00", "0.09240"),
            (D(2026, 1, 1), "198.00", "0.08910"),
        ),
    ),
    TariffSpec(
        "ms-gas-komfort",
        "MusterGas Komfort",
        Division.GAS,
        False,
        True,
        70,
        (
            (D(2010, 1, 1), "114.00", "0.04960"),
            (D(2022, 1, 1), "138.00", "0.08400"),
            (D(2023, 1, 1), "168.00", "0.15500"),
            (D(2024, 1, 1), "174.00", "0.09580"),
            (D(2025, 1, 1), "180.00", "0.08820"),
            (D(2025, 10, 1), "180.00", "0.08400"),
            (D(2026, 1, 1), "186.00", "0.08070"),
        ),
    ),
    TariffSpec(
        "ms-wasser",
        "Musterstadt Trinkwasser",
        Division.WATER,
        True,
        True,
        100,
        (
            (D(2010, 1, 1), "96.00", "1.62000"),
            (D(2024, 1, 1), "126.00", "2.05000"),
            (D(2025, 4, 1), "132.00", "2.14000"),
            (D(2026, 1, 1), "138.00", "2.19000"),
        ),
    ),
    TariffSpec(
        "ms-fernwaerme",
        "Fernwärme Musterstadt",
        Division.HEAT,
        True,
        True,
        100,
        (
            (D(2010, 1, 1), "210.00", "0.06700"),
            (D(2022, 1, 1), "264.00", "0.09800"),
            (D(2023, 1, 1), "312.00", "0.15900"),
            (D(2024, 1, 1), "318.00", "0.12400"),
            (D(2025, 1, 1), "324.00", "0.11800"),
            (D(2025, 7, 1), "324.00", "0.11300"),
            (D(2026, 1, 1), "330.00", "0.10900"),
        ),
    ),
)


def price(value: str) -> Decimal:
    return Decimal(value)


@dataclass(frozen=True)
class DivisionSpec:
    division: str
    share_percent: int  # how many customers have this division
    yearly_mean: int  # mean consumption per year in the register unit
    unit: str
    obis_code: str
    digits: int
    division_digit: str  # first character of the meter number
    manufacturers: tuple[str, ...]
    description: str


DIVISIONS: tuple[DivisionSpec, ...] = (
    DivisionSpec(
        Division.POWER,
        97,
        2500,
        Unit.KWH,
        "1-0:1.8.0",
        6,
        "1",
        ("ESY", "EMH", "LGZ", "ISK", "EBZ", "ITF"),
        "Wirkarbeit Bezug",
    ),
    DivisionSpec(
        Division.GAS,
        45,
        12000,
        Unit.KWH,
        "7-20:3.0.0",
        7,
        "7",
        ("GMT", "ELS", "ITR", "PIP"),
        "Gasenergie (umgewertet)",
    ),
    DivisionSpec(
        Division.WATER,
        25,
        80,
        Unit.CUBIC_METRE,
        "8-0:1.0.0",
        5,
        "8",
        ("ZRI", "SEN", "DWZ"),
        "Volumen Kaltwasser",
    ),
    DivisionSpec(
        Division.HEAT, 4, 9000, Unit.KWH, "6-0:1.0.0", 7, "6", ("KAM", "ITR", "ENG"), "Wärmeenergie"
    ),
)
