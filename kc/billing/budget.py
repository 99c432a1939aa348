"""Abschlag (budget billing) amounts: what the billed consumption justifies (§13 StromGVV).

Pure. The expected annual consumption is the billed consumption scaled to a year by the
division's seasonal weights (a winter-heavy gas period does not inflate the year); the
expected annual cost uses the prices in force at the plan's start with today's VAT; the
instalment is that cost divided by the number of instalments, rounded half up to the
configured step (whole euros by default).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kc.billing import profiles
from kc.core.money import round_cents
from kc.supply.vat import vat_rate


@dataclass(frozen=True)
class Proposal:
    annual_consumption: Decimal
    annual_gross: Decimal
    instalment: Decimal
    instalments: int


@dataclass(frozen=True)
class ChangeDecision:
    allowed_without_approval: bool
    lowest: Decimal
    highest: Decimal


def annual_gross(base: Decimal, working: Decimal, consumption: Decimal, vat: Decimal) -> Decimal:
    """What a year costs at these net prices, gross, to the cent (offers and Abschlag)."""
    return round_cents((base + working * consumption) * (1 + vat))


def annual_consumption(
    division: str, consumption: Decimal, start: datetime.date, end: datetime.date
) -> Decimal:
    share = profiles.weight(division, start, end)
    if share <= 0:
        raise ValueError("empty period")
    return (consumption / share).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def propose(
    *,
    division: str,
    consumption: Decimal,
    period_start: datetime.date,
    period_end: datetime.date,
    base_price_per_year: Decimal,
    working_price: Decimal,
    plan_start: datetime.date,
    instalments: int = 11,
    step: Decimal = Decimal("1"),
) -> Proposal:
    if instalments not in (11, 12):
        raise ValueError("a plan has 11 or 12 instalments")
    yearly = annual_consumption(division, consumption, period_start, period_end)
    gross = annual_gross(base_price_per_year, working_price, yearly, vat_rate(division, plan_start))
    instalment = (gross / instalments / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step
    return Proposal(yearly, gross, instalment, instalments)


def judge_change(
    requested: Decimal, proposed: Decimal, *, tolerance: Decimal = Decimal("0.20")
) -> ChangeDecision:
    """Inside ±tolerance of the proposal an agent or the portal may change the Abschlag
    alone; outside, a person decides (the customer may show lower use credibly)."""
    lowest = round_cents(proposed * (1 - tolerance))
    highest = round_cents(proposed * (1 + tolerance))
    return ChangeDecision(lowest <= requested <= highest, lowest, highest)


def due_dates(first: datetime.date, count: int) -> list[datetime.date]:
    """Monthly on the first date's day of month (the 29th–31st move to the month's end)."""
    dates = []
    for offset in range(count):
        month_index = first.month - 1 + offset
        year, month = first.year + month_index // 12, month_index % 12 + 1
        last = (
            datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        ).day
        dates.append(datetime.date(year, month, min(first.day, last)))
    return dates
