"""Seasonal weights for splitting a consumption over time (§12 (2) StromGVV/GasGVV).

A weight says which share of a year's consumption falls on a range of days. Only the ratio of
two weights of the same division means something; `kc.billing.rating` uses them to split the
consumption of a billing period at price and VAT changes.

- gas: degree-day promille per month (DESIGN.md §5): Jan 170, Feb 150, Mar 130, Apr 80, May 40,
  Jun-Aug 40 together (spread evenly over their 92 days), Sep 30, Oct 80, Nov 120, Dec 160;
- power: BDEW household profile H0 with its dynamisation, as monthly promille in
  `data/h0_monthly.csv` (source and derivation in that file's header);
- water and district heating: linear (the fallback), every day weighs 1/365. Heat is linear for
  now; should it follow degree days like gas, that is one entry in `PROFILE_OF`.

Weight of a day = month share / days of that month. A February day so weighs 150/28 promille of
gas in a common year and 150/29 in a leap year, and every calendar year adds up to exactly 1 for
gas and power; linearly a common year is 1 and a leap year 366/365 (every day the same).

Arithmetic: no float. Each month in the range contributes share × days / days the share is
spread over; the contributions are added as an exact integer fraction and divided once in
`WEIGHT_CONTEXT` (28 significant digits, half-even): a weight is the exact value rounded once
(a calendar year of gas is exactly 1, Jun-Aug of gas exactly 0.04). `allocate` splits a quantity
by weights with exact integer arithmetic (largest remainder), so its parts always add up to it;
`Split` is the same with the weights prepared once, for many quantities split alike.

Speed: a billing run rates many contracts over the same periods, so `weight` keeps the weights
of the last few thousand (profile, start, end) ranges (the profiles never change while the
process runs; the H0 file is read once).
"""

import calendar
import csv
import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import cache, lru_cache
from pathlib import Path

WEIGHT_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)

GAS = "gas"
POWER = "power"
WATER = "water"
HEAT = "heat"

# Which profile each division uses; a division missing here is unknown.
LINEAR = "linear"
PROFILE_OF: dict[str, str] = {POWER: POWER, GAS: GAS, WATER: LINEAR, HEAT: LINEAR}

GAS_PROMILLE: dict[int, int] = {
    1: 170,
    2: 150,
    3: 130,
    4: 80,
    5: 40,
    9: 30,
    10: 80,
    11: 120,
    12: 160,
}
GAS_SUMMER_MONTHS = (6, 7, 8)
GAS_SUMMER_PROMILLE = 40
GAS_SUMMER_DAYS = 30 + 31 + 31

H0_FILE = Path(__file__).resolve().parent / "data" / "h0_monthly.csv"

_PROMILLE = Decimal(1000)
_LINEAR_DAY = (Decimal(1), 365)  # share, spread over this many days


class UnknownDivisionError(ValueError):
    pass


@cache
def h0_promille() -> dict[int, Decimal]:
    """Monthly H0 shares in promille from the data file; checked to add up to 1000."""
    with H0_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        shares = {int(row["month"]): Decimal(row["promille"]) for row in rows}
    if sorted(shares) != list(range(1, 13)) or sum(shares.values()) != _PROMILLE:
        raise ValueError(f"{H0_FILE}: twelve months adding up to 1000 promille expected")
    return shares


def profile(division: str) -> str:
    try:
        return PROFILE_OF[division]
    except KeyError:
        raise UnknownDivisionError(division) from None


def _month_rule(kind: str, year: int, month: int) -> tuple[Decimal, int]:
    """(share of the year, number of days it is spread over) for one month."""
    if kind == LINEAR:
        return _LINEAR_DAY
    if kind == GAS and month in GAS_SUMMER_MONTHS:
        return Decimal(GAS_SUMMER_PROMILLE) / _PROMILLE, GAS_SUMMER_DAYS
    promille = Decimal(GAS_PROMILLE[month]) if kind == GAS else h0_promille()[month]
    return promille / _PROMILLE, calendar.monthrange(year, month)[1]


def _month_slices(start: datetime.date, end: datetime.date) -> list[tuple[int, int, int]]:
    """(year, month, days of the range in that month) for an inclusive range."""
    slices = []
    day = start
    while day <= end:
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        until = min(last, end)
        slices.append((day.year, day.month, (until - day).days + 1))
        day = until + datetime.timedelta(days=1)
    return slices


def weight(division: str, start: datetime.date, end: datetime.date) -> Decimal:
    """Share of a year's consumption on the days start..end (both inclusive)."""
    kind = profile(division)
    if end < start:
        raise ValueError(f"range ends before it starts: {start} .. {end}")
    return _weight(kind, start, end)


@lru_cache(maxsize=4096)
def _weight(kind: str, start: datetime.date, end: datetime.date) -> Decimal:
    numerator, denominator = 0, 1
    for year, month, days in _month_slices(start, end):
        share, spread = _month_rule(kind, year, month)
        share_num, share_den = share.as_integer_ratio()
        part_num, part_den = share_num * days, share_den * spread
        numerator = numerator * part_den + part_num * denominator
        denominator *= part_den
        common = math.gcd(numerator, denominator)
        numerator, denominator = numerator // common, denominator // common
    return WEIGHT_CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def allocate(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal = Decimal("0.001")
) -> tuple[Decimal, ...]:
    """Split `total` by `weights` into multiples of `quantum` that add up to `total` exactly.

    Every part is first rounded down; the quanta still missing go one each to the parts with the
    largest remainders, on equal remainders to the earlier part. Each part then differs from its
    exact share by less than one quantum. Exact: the shares are compared as integer fractions.
    """
    units = _units(total, quantum)
    return tuple(quantum * count for count in Split.of(weights).counts(units))


def _units(total: Decimal, quantum: Decimal) -> int:
    """`total` as a whole number of `quantum`s; ValueError if it is none or negative."""
    total_num, total_den = total.as_integer_ratio()
    quantum_num, quantum_den = quantum.as_integer_ratio()
    units, rest = divmod(total_num * quantum_den, total_den * quantum_num)
    if rest or units < 0:
        raise ValueError(f"{total} is not a non-negative multiple of {quantum}")
    return units


@dataclass(frozen=True)
class Split:
    """Weights made integers with a common denominator, ready to split many totals."""

    scaled: tuple[int, ...]
    weight_sum: int

    @classmethod
    def of(cls, weights: Sequence[Decimal]) -> "Split":
        if not weights or any(w < 0 for w in weights):
            raise ValueError("weights must be non-negative and not empty")
        ratios = [w.as_integer_ratio() for w in weights]
        denominator = math.lcm(*(den for _, den in ratios))
        scaled = tuple(num * (denominator // den) for num, den in ratios)
        weight_sum = sum(scaled)
        if weight_sum == 0:
            raise ValueError("weights add up to zero")
        return cls(scaled, weight_sum)

    def counts(self, units: int) -> list[int]:
        """`units` split by the weights (largest remainder, as `allocate` describes)."""
        if len(self.scaled) == 1:
            return [units]
        floors = []
        remainders = []
        for w in self.scaled:
            quotient, remainder = divmod(units * w, self.weight_sum)
            floors.append(quotient)
            remainders.append(remainder)
        missing = units - sum(floors)
        if missing:
            order = sorted(range(len(floors)), key=lambda i: (-remainders[i], i))
            for index in order[:missing]:
                floors[index] += 1
        return floors

    def __call__(self, total: Decimal, quantum: Decimal = Decimal("0.001")) -> tuple[Decimal, ...]:
        """`allocate(total, weights, quantum)` with these weights."""
        return tuple(quantum * count for count in self.counts(_units(total, quantum)))
