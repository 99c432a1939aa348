"""The report period: whole Berlin days [start, end], and the buckets its figures fall into.

Up to 31 days the charts show days, up to 26 weeks ISO weeks (Monday first), beyond that
calendar months. SQL groups by Berlin day (portable on SQLite and PostgreSQL); days are folded
into weeks and months here, and every bucket exists, so an empty period shows zeros.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import gettext as _

BERLIN = ZoneInfo("Europe/Berlin")
MAX_DAYS = 731  # two years, a leap day included
DAY_LIMIT = 31
WEEK_LIMIT = 183


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Bucket:
    start: datetime.date
    label: str


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def grain(self) -> Grain:
        if self.days <= DAY_LIMIT:
            return Grain.DAY
        return Grain.WEEK if self.days <= WEEK_LIMIT else Grain.MONTH

    @property
    def since(self) -> datetime.datetime:
        """The first moment of the period (Berlin midnight), aware."""
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=BERLIN)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period (exclusive bound)."""
        after = self.end + datetime.timedelta(days=1)
        return datetime.datetime.combine(after, datetime.time(), tzinfo=BERLIN)

    def bucket_start(self, day: datetime.date) -> datetime.date:
        grain = self.grain
        if grain is Grain.DAY:
            return day
        if grain is Grain.WEEK:
            return day - datetime.timedelta(days=day.weekday())
        return day.replace(day=1)

    def buckets(self) -> list[Bucket]:
        seen: dict[datetime.date, Bucket] = {}
        day = self.start
        while day <= self.end:
            first = self.bucket_start(day)
            if first not in seen:
                seen[first] = Bucket(first, self._label(first))
            day += datetime.timedelta(days=1)
        return list(seen.values())

    def _label(self, first: datetime.date) -> str:
        grain = self.grain
        if grain is Grain.DAY:
            return f"{first:%d.%m.}"
        if grain is Grain.WEEK:
            year, week, _weekday = first.isocalendar()
            return _("KW {week:02d}/{year:02d}").format(week=week, year=year % 100)
        return month_label(first)


def month_label(first: datetime.date) -> str:
    """ "Nov 2026" in the active language."""
    return dateformat.format(first, "M Y")


def this_month(today: datetime.date) -> Period:
    return Period(today.replace(day=1), today)


def last_month(today: datetime.date) -> Period:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return Period(end.replace(day=1), end)


def last_7_days(today: datetime.date) -> Period:
    return Period(today - datetime.timedelta(days=6), today)


PRESETS = {"this_month": this_month, "last_month": last_month, "last_7_days": last_7_days}


def fold[N: (int, Decimal)](period: Period, per_day: Mapping[datetime.date, N], zero: N) -> list[N]:
    """Figures per Berlin day summed into the period's buckets (every bucket, zeros kept)."""
    totals = {bucket.start: zero for bucket in period.buckets()}
    for day, value in per_day.items():
        if period.start <= day <= period.end:
            first = period.bucket_start(day)
            totals[first] = totals[first] + value
    return list(totals.values())
