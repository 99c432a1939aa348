"""Plausibility of a meter reading a customer enters (pure, no ORM).

Expected consumption. From the last reading on or before the new date to the new date the
customer should have used `rate × share of the year`, where the rate (a year's consumption)
comes from, in this order:

1. `annual_consumption` the caller knows (the last bill's consumption scaled to a year:
   kc.billing.selectors.billed_annual_consumption);
2. the register's own history: the last two actual (not estimated) readings, the earlier one at
   least MIN_SPAN_DAYS before the later (closer pairs say little), scaled to a year;
3. a typical German household per division and unit (DEFAULT_ANNUAL; sources beside it).

The share of the year is linear (days / 365) unless the caller passes `share`, the seasonal
weight of a range of days (kc.billing.profiles.weight for the division: gas is used in winter).

Band rule. With E the expected consumption and M the minimum margin, the larger of a month's
consumption (rate × MARGIN_DAYS / 365) and one unit, a consumption C is

- "ok" when  max(0, min(LOW_FACTOR × E, E − M)) ≤ C ≤ max(HIGH_FACTOR × E, E + M),
  i.e. far off means outside 0.3×..3× the expected consumption, and never closer than M to it
  (a reading a few days after the last one is not judged on a handful of kWh);
- "high" or "low" outside that band: the customer is asked to confirm (a typo, a wrong meter,
  the decimal places read as whole units);
- "below_last" when the value is lower than the last reading: the meter was changed or ran over;
  that is never plain consumption and is refused as such;
- "no_history" without any earlier reading: nothing to compare with, accepted as it is.

The band is given on the meter value too (`lowest`..`highest`), and `message` explains the
verdict in German words a customer understands. Decimal only.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from django.utils.translation import gettext as _

from kc.core.money import format_decimal_de

Verdict = Literal["ok", "high", "low", "below_last", "no_history"]
Basis = Literal["annual", "history", "default", "none"]
# Share of a year's consumption on the days start..end, both inclusive.
ShareOfYear = Callable[[datetime.date, datetime.date], Decimal]

LOW_FACTOR = Decimal("0.3")
HIGH_FACTOR = Decimal("3")
MARGIN_DAYS = 30
MIN_MARGIN = Decimal("1")
MIN_SPAN_DAYS = 60
DAYS_PER_YEAR = Decimal(365)
VALUE_QUANTUM = Decimal("0.001")  # MeterReading.value has three decimal places

# A year's consumption of a typical household when nothing else is known: power 2,500 kWh
# (two persons, BDEW household figures); gas 12,000 kWh, or 1,200 m³ at about 10 kWh/m³ (a flat
# heated by gas); water 90 m³ (two persons at about 125 litres a day, BDEW); district heat
# 10,000 kWh (a flat).
DEFAULT_ANNUAL: dict[tuple[str, str], Decimal] = {
    ("power", "kWh"): Decimal(2500),
    ("gas", "kWh"): Decimal(12000),
    ("gas", "m3"): Decimal(1200),
    ("water", "m3"): Decimal(90),
    ("heat", "kWh"): Decimal(10000),
}
UNIT_NAMES = {"kWh": "kWh", "m3": "m³"}


@dataclass(frozen=True)
class PastReading:
    read_on: datetime.date
    value: Decimal
    estimated: bool = False


@dataclass(frozen=True)
class Plausibility:
    """The verdict on one reading. Consumption figures are since `last`; `lowest`/`highest`
    bound a plausible meter value (None for no_history)."""

    verdict: Verdict
    message: str
    basis: Basis
    unit: str
    last: PastReading | None = None
    consumption: Decimal | None = None
    expected_consumption: Decimal | None = None
    expected_value: Decimal | None = None
    lowest: Decimal | None = None
    highest: Decimal | None = None

    @property
    def far_off(self) -> bool:
        """High or low: the customer must confirm the reading before it is taken."""
        return self.verdict in ("high", "low")

    @property
    def plausible(self) -> bool:
        return self.verdict in ("ok", "no_history")


def linear_share(start: datetime.date, end: datetime.date) -> Decimal:
    """Every day weighs the same: days / 365."""
    return Decimal((end - start).days + 1) / DAYS_PER_YEAR


def check_reading(
    *,
    history: Sequence[PastReading],
    read_on: datetime.date,
    value: Decimal,
    division: str,
    unit: str,
    annual_consumption: Decimal | None = None,
    share: ShareOfYear | None = None,
) -> Plausibility:
    """Judge `value` read on `read_on` against the register's earlier readings (any order;
    readings after `read_on` are ignored). See the module docstring for the rule."""
    share = share or linear_share
    earlier = sorted((r for r in history if r.read_on <= read_on), key=lambda r: r.read_on)
    if not earlier:
        return Plausibility(
            "no_history",
            _("Für diesen Zähler liegt uns noch kein Stand vor; wir übernehmen Ihren Stand."),
            "none",
            unit,
        )
    last = earlier[-1]
    if value < last.value:
        return Plausibility("below_last", _below_last_message(last, unit), "none", unit, last)
    rate, basis = _annual_rate(earlier, division, unit, annual_consumption, share)
    if rate is None:
        return Plausibility(
            "no_history",
            _("Für diesen Zähler fehlt uns ein Vergleichswert; wir übernehmen Ihren Stand."),
            "none",
            unit,
            last,
        )
    return _judge(last, read_on, value, unit, rate, basis, share)


def _judge(
    last: PastReading,
    read_on: datetime.date,
    value: Decimal,
    unit: str,
    rate: Decimal,
    basis: Basis,
    share: ShareOfYear,
) -> Plausibility:
    days = (
        share(last.read_on + datetime.timedelta(days=1), read_on) if read_on > last.read_on else 0
    )
    expected = rate * days
    margin = max(rate * MARGIN_DAYS / DAYS_PER_YEAR, MIN_MARGIN)
    low = max(Decimal(0), min(expected * LOW_FACTOR, expected - margin))
    high = max(expected * HIGH_FACTOR, expected + margin)
    consumption = value - last.value
    verdict: Verdict = "ok"
    if consumption < low.quantize(VALUE_QUANTUM, rounding=ROUND_FLOOR):
        verdict = "low"
    elif consumption > high.quantize(VALUE_QUANTUM, rounding=ROUND_CEILING):
        verdict = "high"
    return Plausibility(
        verdict,
        _consumption_message(verdict, basis, last, consumption, expected, unit),
        basis,
        unit,
        last,
        consumption,
        expected.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP),
        (last.value + expected).quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP),
        (last.value + low).quantize(VALUE_QUANTUM, rounding=ROUND_FLOOR),
        (last.value + high).quantize(VALUE_QUANTUM, rounding=ROUND_CEILING),
    )


def _annual_rate(
    earlier: Sequence[PastReading],
    division: str,
    unit: str,
    annual_consumption: Decimal | None,
    share: ShareOfYear,
) -> tuple[Decimal | None, Basis]:
    """A year's consumption and where it comes from (see the module docstring)."""
    if annual_consumption is not None and annual_consumption > 0:
        return annual_consumption, "annual"
    actual = [r for r in earlier if not r.estimated]
    if actual:
        later = actual[-1]
        for before in reversed(actual[:-1]):
            if (later.read_on - before.read_on).days < MIN_SPAN_DAYS:
                continue
            used = later.value - before.value
            weight = share(before.read_on + datetime.timedelta(days=1), later.read_on)
            if used > 0 and weight > 0:
                return used / weight, "history"
            break  # no consumption (vacant) or a meter change between them: says nothing
    default = DEFAULT_ANNUAL.get((division, unit))
    return (default, "default") if default is not None else (None, "none")


def format_quantity(amount: Decimal, unit: str) -> str:
    """German notation: whole units from 100 on, else one decimal place ("3,5 m³")."""
    places = 0 if abs(amount) >= 100 else 1
    text = format_decimal_de(amount, places)
    if places and text.endswith(",0"):
        text = text[:-2]
    return f"{text} {UNIT_NAMES.get(unit, unit)}"


def _about(amount: Decimal) -> Decimal:
    """Rounded to two significant digits from 100 on (1,483 -> 1,500): an expectation."""
    if amount < 100:
        return amount
    exponent = amount.adjusted() - 1
    return amount.scaleb(-exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(exponent)


def _below_last_message(last: PastReading, unit: str) -> str:
    return _(
        "Ihr Stand ist kleiner als der letzte Stand vom {date} ({value}). Ein Zähler zählt nur "
        "vorwärts: Wurde er getauscht oder hat er wieder bei null angefangen? Bitte prüfen Sie "
        "die Zählernummer und den Stand oder melden Sie sich bei uns."
    ).format(date=f"{last.read_on:%d.%m.%Y}", value=format_quantity(last.value, unit))


def _consumption_message(
    verdict: Verdict,
    basis: Basis,
    last: PastReading,
    consumption: Decimal,
    expected: Decimal,
    unit: str,
) -> str:
    used = _("Ihr Stand ergibt einen Verbrauch von {used} seit dem {date}").format(
        used=format_quantity(consumption, unit), date=f"{last.read_on:%d.%m.%Y}"
    )
    about = format_quantity(_about(expected), unit)
    if verdict == "ok":
        return used + _("; das passt zu dem, was wir erwartet haben.")
    if basis == "default":
        compared = _("; für einen durchschnittlichen Haushalt wären etwa {about} üblich.")
    else:
        compared = _("; erwartet hatten wir etwa {about}.")
    return (
        used
        + compared.format(about=about)
        + " "
        + _(
            "Bitte prüfen Sie den Stand (alle Stellen vor dem Komma, die richtige Zählernummer) "
            "und bestätigen Sie ihn, wenn er stimmt."
        )
    )
