"""Grouping by Berlin day in SQL: TruncDate with the zone works on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Model, QuerySet
from django.db.models.functions import TruncDate

from kc.desk.reports.period import BERLIN, Period


def in_period[M: Model](queryset: QuerySet[M], field: str, period: Period) -> QuerySet[M]:
    """Rows whose `field` (a datetime) falls on a Berlin day of the period."""
    return queryset.filter(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


def counts_per_day(
    queryset: QuerySet[Any], field: str, period: Period, by: str | None = None
) -> dict[str, dict[datetime.date, int]]:
    """{group value: {Berlin day: count}} for rows in the period; one GROUP BY query.
    Without `by` the single group is ""."""
    keys = ["day", by] if by else ["day"]
    rows = (
        in_period(queryset, field, period)
        .annotate(day=TruncDate(field, tzinfo=BERLIN))
        .order_by()
        .values(*keys)
        .annotate(n=Count("pk"))
    )
    result: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    for row in rows:
        result[row[by] if by else ""][row["day"]] = row["n"]
    return result
