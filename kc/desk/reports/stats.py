"""Small statistics on durations, in whole seconds (no float): nearest-rank percentiles and
hours with one decimal for the tables.

Why not SQL: PostgreSQL has percentile_cont, SQLite has no percentile at all, and business
time needs the calendar; so the durations are read as two columns in one query and ranked
here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

SECONDS_PER_HOUR = Decimal(3600)


def percentile(values: Sequence[int], percent: int) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `percent` % of all values at
    or below it (the median is the lower middle value). None without values."""
    if not values:
        return None
    if not 0 < percent <= 100:
        raise ValueError("percent is in (0, 100]")
    ordered = sorted(values)
    rank = -(-len(ordered) * percent // 100)  # ceil without float
    return ordered[rank - 1]


def mean(values: Sequence[int]) -> int | None:
    if not values:
        return None
    return int((Decimal(sum(values)) / len(values)).to_integral_value(ROUND_HALF_UP))


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours with one decimal (half up)."""
    if seconds is None:
        return None
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.1"), ROUND_HALF_UP)


def seconds(delta: datetime.timedelta) -> int:
    return delta.days * 86400 + delta.seconds
