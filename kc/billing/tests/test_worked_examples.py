"""The eleven worked examples of docs/billing-examples.md, figure by figure.

EXAMPLES is the one table: the document shows the same inputs, lines and totals with the
arithmetic, and the last test checks that every line text and total of the table is in it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from kc.billing.gas import Factors
from kc.billing.rating import PricePeriod, RatingInput, rate
from kc.core.money import format_decimal_de

DOC = Path(__file__).resolve().parents[3] / "docs" / "billing-examples.md"


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def sheet(valid_from: str, base: str, working: str, code: str, name: str) -> PricePeriod:
    return PricePeriod(d(valid_from), Decimal(base), Decimal(working), code, name)


@dataclass(frozen=True)
class Example:
    number: int
    shows: str
    data: RatingInput
    # kind, start, end, quantity, unit price, net, VAT rate, text
    lines: tuple[tuple[str, str, str, str, str, str, str, str], ...]
    # rate, net, VAT
    vat: tuple[tuple[str, str, str], ...]
    # net, VAT, gross
    totals: tuple[str, str, str]


BASIS = sheet("2024-01-01", "120.00", "0.3000", "S-BASIS", "Strom Basis")
BASIS_JULY = sheet("2025-07-01", "132.00", "0.3200", "S-BASIS", "Strom Basis")

EXAMPLES: tuple[Example, ...] = (
    Example(
        1,
        "a plain calendar year of power, one price sheet",
        RatingInput("power", "kWh", d("2025-01-01"), d("2025-12-31"), Decimal(3500), (BASIS,)),
        (
            ("working", "2025-01-01", "2025-12-31", "3500", "0.3000", "1050.00", "0.19",
             "Arbeitspreis 01.01.2025–31.12.2025 (Strom Basis): 3.500 kWh × 30,00 ct/kWh"
             " = 1.050,00 €"),
            ("base", "2025-01-01", "2025-12-31", "365", "120.00", "120.00", "0.19",
             "Grundpreis 01.01.2025–31.12.2025 (Strom Basis): 365 Tage × 120,00 €/Jahr"
             " = 120,00 €"),
        ),
        (("0.19", "1170.00", "222.30"),),
        ("1170.00", "222.30", "1392.30"),
    ),
    Example(
        2,
        "a price change on 1 July: power split by the H0 profile, tie in the thousandths",
        RatingInput(
            "power", "kWh", d("2025-01-01"), d("2025-12-31"), Decimal(3500), (BASIS, BASIS_JULY)
        ),
        (
            ("working", "2025-01-01", "2025-06-30", "1809.770", "0.3000", "542.93", "0.19",
             "Arbeitspreis 01.01.2025–30.06.2025 (Strom Basis): 1.809,77 kWh × 30,00 ct/kWh"
             " = 542,93 €"),
            ("working", "2025-07-01", "2025-12-31", "1690.230", "0.3200", "540.87", "0.19",
             "Arbeitspreis 01.07.2025–31.12.2025 (Strom Basis): 1.690,23 kWh × 32,00 ct/kWh"
             " = 540,87 €"),
            ("base", "2025-01-01", "2025-06-30", "181", "120.00", "59.51", "0.19",
             "Grundpreis 01.01.2025–30.06.2025 (Strom Basis): 181 Tage × 120,00 €/Jahr"
             " = 59,51 €"),
            ("base", "2025-07-01", "2025-12-31", "184", "132.00", "66.54", "0.19",
             "Grundpreis 01.07.2025–31.12.2025 (Strom Basis): 184 Tage × 132,00 €/Jahr"
             " = 66,54 €"),
        ),
        (("0.19", "1209.85", "229.87"),),
        ("1209.85", "229.87", "1439.72"),
    ),
    Example(
        3,
        "gas across the VAT change of 1 October 2022 (19 % to 7 %), degree-day promille",
        RatingInput(
            "gas", "kWh", d("2022-09-01"), d("2023-08-31"), Decimal(12000),
            (sheet("2022-01-01", "150.00", "0.1500", "G-BASIS", "Gas Basis"),),
        ),
        (
            ("working", "2022-09-01", "2022-09-30", "360", "0.1500", "54.00", "0.19",
             "Arbeitspreis 01.09.2022–30.09.2022 (Gas Basis): 360 kWh × 15,00 ct/kWh"
             " = 54,00 €"),
            ("working", "2022-10-01", "2023-08-31", "11640", "0.1500", "1746.00", "0.07",
             "Arbeitspreis 01.10.2022–31.08.2023 (Gas Basis): 11.640 kWh × 15,00 ct/kWh"
             " = 1.746,00 €"),
            ("base", "2022-09-01", "2022-09-30", "30", "150.00", "12.33", "0.19",
             "Grundpreis 01.09.2022–30.09.2022 (Gas Basis): 30 Tage × 150,00 €/Jahr"
             " = 12,33 €"),
            ("base", "2022-10-01", "2023-08-31", "335", "150.00", "137.67", "0.07",
             "Grundpreis 01.10.2022–31.08.2023 (Gas Basis): 335 Tage × 150,00 €/Jahr"
             " = 137,67 €"),
        ),
        (("0.19", "66.33", "12.60"), ("0.07", "1883.67", "131.86")),
        ("1950.00", "144.46", "2094.46"),
    ),
    Example(
        4,
        "a leap year of gas: 29 February, a price change on 15 February, VAT back to 19 % on"
        " 1 April 2024, 366-day base price",
        RatingInput(
            "gas", "kWh", d("2024-01-01"), d("2024-12-31"), Decimal(15000),
            (
                sheet("2023-01-01", "180.00", "0.1200", "G-BASIS", "Gas Basis"),
                sheet("2024-02-15", "168.00", "0.1100", "G-BASIS", "Gas Basis"),
            ),
        ),
        (
            ("working", "2024-01-01", "2024-02-14", "3636.207", "0.1200", "436.34", "0.07",
             "Arbeitspreis 01.01.2024–14.02.2024 (Gas Basis): 3.636,207 kWh × 12,00 ct/kWh"
             " = 436,34 €"),
            ("working", "2024-02-15", "2024-03-31", "3113.793", "0.1100", "342.52", "0.07",
             "Arbeitspreis 15.02.2024–31.03.2024 (Gas Basis): 3.113,793 kWh × 11,00 ct/kWh"
             " = 342,52 €"),
            ("working", "2024-04-01", "2024-12-31", "8250", "0.1100", "907.50", "0.19",
             "Arbeitspreis 01.04.2024–31.12.2024 (Gas Basis): 8.250 kWh × 11,00 ct/kWh"
             " = 907,50 €"),
            ("base", "2024-01-01", "2024-02-14", "45", "180.00", "22.13", "0.07",
             "Grundpreis 01.01.2024–14.02.2024 (Gas Basis): 45 Tage × 180,00 €/Jahr"
             " = 22,13 €"),
            ("base", "2024-02-15", "2024-03-31", "46", "168.00", "21.11", "0.07",
             "Grundpreis 15.02.2024–31.03.2024 (Gas Basis): 46 Tage × 168,00 €/Jahr"
             " = 21,11 €"),
            ("base", "2024-04-01", "2024-12-31", "275", "168.00", "126.23", "0.19",
             "Grundpreis 01.04.2024–31.12.2024 (Gas Basis): 275 Tage × 168,00 €/Jahr"
             " = 126,23 €"),
        ),
        (("0.07", "822.10", "57.55"), ("0.19", "1033.73", "196.41")),
        ("1855.83", "253.96", "2109.79"),
    ),
    Example(
        5,
        "a tariff switch on 1 September, the new tariff's base price across New Year into"
        " a leap year",
        RatingInput(
            "power", "kWh", d("2023-04-01"), d("2024-03-31"), Decimal(2800),
            (
                sheet("2023-01-01", "120.00", "0.3400", "S-BASIS", "Strom Basis"),
                sheet("2023-09-01", "144.00", "0.3100", "S-OEKO", "Strom Öko"),
            ),
        ),
        (
            ("working", "2023-04-01", "2023-08-31", "1045.565", "0.3400", "355.49", "0.19",
             "Arbeitspreis 01.04.2023–31.08.2023 (Strom Basis): 1.045,565 kWh × 34,00 ct/kWh"
             " = 355,49 €"),
            ("working", "2023-09-01", "2024-03-31", "1754.435", "0.3100", "543.87", "0.19",
             "Arbeitspreis 01.09.2023–31.03.2024 (Strom Öko): 1.754,435 kWh × 31,00 ct/kWh"
             " = 543,87 €"),
            ("base", "2023-04-01", "2023-08-31", "153", "120.00", "50.30", "0.19",
             "Grundpreis 01.04.2023–31.08.2023 (Strom Basis): 153 Tage × 120,00 €/Jahr"
             " = 50,30 €"),
            ("base", "2023-09-01", "2024-03-31", "213", "144.00", "83.93", "0.19",
             "Grundpreis 01.09.2023–31.03.2024 (Strom Öko): 213 Tage × 144,00 €/Jahr"
             " = 83,93 €"),
        ),
        (("0.19", "1033.59", "196.38"),),
        ("1033.59", "196.38", "1229.97"),
    ),
    Example(
        6,
        "water at 7 %, linear by days, a price change on 1 July",
        RatingInput(
            "water", "m3", d("2025-01-01"), d("2025-12-31"), Decimal("85.5"),
            (
                sheet("2024-01-01", "96.00", "2.1500", "W-HAUS", "Wasser Haushalt"),
                sheet("2025-07-01", "108.00", "2.3500", "W-HAUS", "Wasser Haushalt"),
            ),
        ),
        (
            ("working", "2025-01-01", "2025-06-30", "42.399", "2.1500", "91.16", "0.07",
             "Arbeitspreis 01.01.2025–30.06.2025 (Wasser Haushalt): 42,399 m³ × 2,15 €/m³"
             " = 91,16 €"),
            ("working", "2025-07-01", "2025-12-31", "43.101", "2.3500", "101.29", "0.07",
             "Arbeitspreis 01.07.2025–31.12.2025 (Wasser Haushalt): 43,101 m³ × 2,35 €/m³"
             " = 101,29 €"),
            ("base", "2025-01-01", "2025-06-30", "181", "96.00", "47.61", "0.07",
             "Grundpreis 01.01.2025–30.06.2025 (Wasser Haushalt): 181 Tage × 96,00 €/Jahr"
             " = 47,61 €"),
            ("base", "2025-07-01", "2025-12-31", "184", "108.00", "54.44", "0.07",
             "Grundpreis 01.07.2025–31.12.2025 (Wasser Haushalt): 184 Tage × 108,00 €/Jahr"
             " = 54,44 €"),
        ),
        (("0.07", "294.50", "20.62"),),
        ("294.50", "20.62", "315.12"),
    ),
    Example(
        7,
        "a short final period of 10 days after a move-out; 30.305 € rounds half up",
        RatingInput(
            "power", "kWh", d("2026-01-01"), d("2026-01-10"), Decimal(95),
            (sheet("2026-01-01", "165.00", "0.3190", "S-BASIS", "Strom Basis"),),
        ),
        (
            ("working", "2026-01-01", "2026-01-10", "95", "0.3190", "30.31", "0.19",
             "Arbeitspreis 01.01.2026–10.01.2026 (Strom Basis): 95 kWh × 31,90 ct/kWh"
             " = 30,31 €"),
            ("base", "2026-01-01", "2026-01-10", "10", "165.00", "4.52", "0.19",
             "Grundpreis 01.01.2026–10.01.2026 (Strom Basis): 10 Tage × 165,00 €/Jahr"
             " = 4,52 €"),
        ),
        (("0.19", "34.83", "6.62"),),
        ("34.83", "6.62", "41.45"),
    ),
    Example(
        8,
        "zero consumption (an empty flat): only base prices, the working lines say 0 kWh",
        RatingInput(
            "power", "kWh", d("2025-01-01"), d("2025-12-31"), Decimal(0), (BASIS, BASIS_JULY)
        ),
        (
            ("working", "2025-01-01", "2025-06-30", "0", "0.3000", "0.00", "0.19",
             "Arbeitspreis 01.01.2025–30.06.2025 (Strom Basis): 0 kWh × 30,00 ct/kWh = 0,00 €"),
            ("working", "2025-07-01", "2025-12-31", "0", "0.3200", "0.00", "0.19",
             "Arbeitspreis 01.07.2025–31.12.2025 (Strom Basis): 0 kWh × 32,00 ct/kWh = 0,00 €"),
            ("base", "2025-01-01", "2025-06-30", "181", "120.00", "59.51", "0.19",
             "Grundpreis 01.01.2025–30.06.2025 (Strom Basis): 181 Tage × 120,00 €/Jahr"
             " = 59,51 €"),
            ("base", "2025-07-01", "2025-12-31", "184", "132.00", "66.54", "0.19",
             "Grundpreis 01.07.2025–31.12.2025 (Strom Basis): 184 Tage × 132,00 €/Jahr"
             " = 66,54 €"),
        ),
        (("0.19", "126.05", "23.95"),),
        ("126.05", "23.95", "150.00"),
    ),
    Example(
        9,
        "a period of one day: gas on 31 March 2024, the last day at 7 %, in a leap year",
        RatingInput(
            "gas", "kWh", d("2024-03-31"), d("2024-03-31"), Decimal(150),
            (sheet("2024-02-15", "180.00", "0.1100", "G-BASIS", "Gas Basis"),),
        ),
        (
            ("working", "2024-03-31", "2024-03-31", "150", "0.1100", "16.50", "0.07",
             "Arbeitspreis 31.03.2024 (Gas Basis): 150 kWh × 11,00 ct/kWh = 16,50 €"),
            ("base", "2024-03-31", "2024-03-31", "1", "180.00", "0.49", "0.07",
             "Grundpreis 31.03.2024 (Gas Basis): 1 Tag × 180,00 €/Jahr = 0,49 €"),
        ),
        (("0.07", "16.99", "1.19"),),
        ("16.99", "1.19", "18.18"),
    ),
    Example(
        10,
        "district heating, linear by days, across the VAT change of 1 October 2022",
        RatingInput(
            "heat", "kWh", d("2022-07-01"), d("2023-06-30"), Decimal(9000),
            (sheet("2022-01-01", "240.00", "0.1450", "FW-STD", "Fernwärme Standard"),),
        ),
        (
            ("working", "2022-07-01", "2022-09-30", "2268.493", "0.1450", "328.93", "0.19",
             "Arbeitspreis 01.07.2022–30.09.2022 (Fernwärme Standard): 2.268,493 kWh"
             " × 14,50 ct/kWh = 328,93 €"),
            ("working", "2022-10-01", "2023-06-30", "6731.507", "0.1450", "976.07", "0.07",
             "Arbeitspreis 01.10.2022–30.06.2023 (Fernwärme Standard): 6.731,507 kWh"
             " × 14,50 ct/kWh = 976,07 €"),
            ("base", "2022-07-01", "2022-09-30", "92", "240.00", "60.49", "0.19",
             "Grundpreis 01.07.2022–30.09.2022 (Fernwärme Standard): 92 Tage × 240,00 €/Jahr"
             " = 60,49 €"),
            ("base", "2022-10-01", "2023-06-30", "273", "240.00", "179.51", "0.07",
             "Grundpreis 01.10.2022–30.06.2023 (Fernwärme Standard): 273 Tage × 240,00 €/Jahr"
             " = 179,51 €"),
        ),
        (("0.19", "389.42", "73.99"), ("0.07", "1155.58", "80.89")),
        ("1545.00", "154.88", "1699.88"),
    ),
    Example(
        11,
        "gas metered in m³, billed in kWh: a price change and a new Brennwert cut the year",
        RatingInput(
            "gas", "m3", d("2025-01-01"), d("2025-12-31"), Decimal(1500),
            (
                sheet("2024-01-01", "150.00", "0.1200", "G-BASIS", "Gas Basis"),
                sheet("2025-07-01", "162.00", "0.1300", "G-BASIS", "Gas Basis"),
            ),
            conversion=(
                Factors(d("2025-01-01"), d("2025-09-30"), Decimal("0.95"), Decimal("11.2")),
                Factors(d("2025-10-01"), d("2025-12-31"), Decimal("0.95"), Decimal("11.4")),
            ),
        ),
        (
            ("working", "2025-01-01", "2025-06-30", "9305", "0.1200", "1116.60", "0.19",
             "Arbeitspreis 01.01.2025–30.06.2025 (Gas Basis): 874,565 m³ × 0,95 × 11,2 kWh/m³"
             " = 9.305 kWh × 12,00 ct/kWh = 1.116,60 €"),
            ("working", "2025-07-01", "2025-09-30", "909", "0.1300", "118.17", "0.19",
             "Arbeitspreis 01.07.2025–30.09.2025 (Gas Basis): 85,435 m³ × 0,95 × 11,2 kWh/m³"
             " = 909 kWh × 13,00 ct/kWh = 118,17 €"),
            ("working", "2025-10-01", "2025-12-31", "5848", "0.1300", "760.24", "0.19",
             "Arbeitspreis 01.10.2025–31.12.2025 (Gas Basis): 540 m³ × 0,95 × 11,4 kWh/m³"
             " = 5.848 kWh × 13,00 ct/kWh = 760,24 €"),
            ("base", "2025-01-01", "2025-06-30", "181", "150.00", "74.38", "0.19",
             "Grundpreis 01.01.2025–30.06.2025 (Gas Basis): 181 Tage × 150,00 €/Jahr"
             " = 74,38 €"),
            ("base", "2025-07-01", "2025-12-31", "184", "162.00", "81.67", "0.19",
             "Grundpreis 01.07.2025–31.12.2025 (Gas Basis): 184 Tage × 162,00 €/Jahr"
             " = 81,67 €"),
        ),
        (("0.19", "2151.06", "408.70"),),
        ("2151.06", "408.70", "2559.76"),
    ),
)  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: f"example-{example.number}")
def test_example_figures(example: Example) -> None:
    result = rate(example.data)
    got = [
        (
            line.kind,
            line.start.isoformat(),
            line.end.isoformat(),
            line.quantity,
            line.unit_price,
            line.net,
            line.vat_rate,
            line.text,
        )
        for line in result.lines
    ]
    want = [
        (kind, start, end, Decimal(q), Decimal(price), Decimal(net), Decimal(rate_), text)
        for kind, start, end, q, price, net, rate_, text in example.lines
    ]
    assert got == want
    assert [(t.rate, t.net, t.vat) for t in result.vat_totals] == [
        tuple(Decimal(x) for x in row) for row in example.vat
    ]
    assert (result.net_total, result.vat_total, result.gross_total) == tuple(
        Decimal(x) for x in example.totals
    )


def test_eleven_examples_numbered_in_order() -> None:
    assert [example.number for example in EXAMPLES] == list(range(1, 12))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: f"example-{example.number}")
def test_document_mirrors_the_table(example: Example) -> None:
    """Every line text and total of the table is in docs/billing-examples.md, under its
    example's heading."""
    doc = DOC.read_text(encoding="utf-8")
    heading = f"## Example {example.number}:"
    assert heading in doc
    section = doc.split(heading, 1)[1].split("\n## Example ", 1)[0]
    for line in example.lines:
        assert line[-1] in section
    net, vat, gross = (format_decimal_de(Decimal(x)) for x in example.totals)
    assert f"| Netto | {net} €" in section
    assert f"| Umsatzsteuer | {vat} €" in section
    assert f"| Brutto | {gross} €" in section
