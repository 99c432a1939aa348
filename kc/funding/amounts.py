"""What a category grants for a purchase, and what is to be paid back when a contract ends
early. Pure: Decimal in, Decimal rounded to the cent out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from kc.core.money import round_cents

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Terms:
    """The amount terms of one category version."""

    kind: str  # "fixed" | "percent"
    fixed_amount: Decimal | None = None
    percent: Decimal | None = None
    cap: Decimal | None = None


def grant_amount(terms: Terms, price: Decimal) -> Decimal:
    """Fixed amount, or percent of the eligible price up to the cap; never above the price
    itself (nobody is paid for buying)."""
    if price <= 0:
        return ZERO
    if terms.kind == "fixed":
        amount = terms.fixed_amount or ZERO
    else:
        amount = price * (terms.percent or ZERO) / HUNDRED
        if terms.cap is not None:
            amount = min(amount, terms.cap)
    return round_cents(min(amount, price))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Clawback:
    amount: Decimal
    missing_days: int
    total_days: int


def clawback_amount(
    *,
    granted: Decimal,
    bound_from: datetime.date,
    bound_until: datetime.date,
    ended_on: datetime.date,
    pro_rata: bool,
) -> Clawback:
    """What to claim back when the contract ended on `ended_on` instead of lasting until
    `bound_until`: all of it, or the share of the days missing (the day after the end up to
    the end of the binding). Nothing when the contract lasted long enough."""
    total = (bound_until - bound_from).days
    missing = (bound_until - ended_on).days
    if missing <= 0 or total <= 0:
        return Clawback(ZERO, 0, max(total, 0))
    missing = min(missing, total)
    if not pro_rata:
        return Clawback(round_cents(granted), missing, total)
    return Clawback(round_cents(granted * missing / total), missing, total)
