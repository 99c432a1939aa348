"""Reads of complaints: the monthly complaint report and the complaint manager's list.

A month's complaints are those received in that calendar month in Berlin. Every figure is one
aggregate query; "in time" compares the Berlin day of the answer with the due day.
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate

from kc.cases.models import Channel, Complaint

BERLIN = ZoneInfo("Europe/Berlin")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):  # noqa: N818 (a refusal of the input)
    pass


def parse_month(text: str) -> datetime.date:
    """'2026-11' -> 1 Nov 2026; anything else is refused with a reason."""
    match = _MONTH.match(text.strip())
    if match is None:
        raise BadMonth("Der Monat ist als JJJJ-MM anzugeben, z. B. 2026-11.")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise BadMonth(f"„{text.strip()}“ ist kein gültiger Monat.")
    return datetime.date(year, month, 1)


def next_month(first: datetime.date) -> datetime.date:
    return datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: datetime.date) -> datetime.date:
    return (first - datetime.timedelta(days=1)).replace(day=1)


def received_in(first: datetime.date) -> QuerySet[Complaint]:
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=BERLIN)
    end = datetime.datetime.combine(next_month(first), datetime.time(), tzinfo=BERLIN)
    return Complaint.objects.filter(received_at__gte=start, received_at__lt=end)


@dataclass(frozen=True)
class MonthReport:
    month: datetime.date
    total: int
    by_category: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    answered_in_time: int
    answered_late: int
    open_overdue: int
    open_in_time: int

    @property
    def answered(self) -> int:
        return self.answered_in_time + self.answered_late


def month_report(first: datetime.date, today: datetime.date) -> MonthReport:
    """Figures for complaints received in the month of `first`; open ones as of `today`."""
    complaints = received_in(first)
    category_counts = dict(
        complaints.order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    channel_counts = dict(
        complaints.order_by()
        .values_list("case__channel")
        .annotate(n=Count("pk"))
        .values_list("case__channel", "n")
    )
    answered = Q(answered_at__isnull=False)
    figures = complaints.annotate(answered_day=TruncDate("answered_at", tzinfo=BERLIN)).aggregate(
        total=Count("pk"),
        in_time=Count("pk", filter=answered & Q(answered_day__lte=F("answer_due"))),
        late=Count("pk", filter=answered & Q(answered_day__gt=F("answer_due"))),
        open_overdue=Count("pk", filter=Q(answered_at__isnull=True, answer_due__lt=today)),
        open_in_time=Count("pk", filter=Q(answered_at__isnull=True, answer_due__gte=today)),
    )
    return MonthReport(
        month=first,
        total=figures["total"],
        by_category=[
            (str(label), category_counts.get(value, 0))
            for value, label in Complaint.Category.choices
        ],
        by_channel=[(str(label), channel_counts.get(value, 0)) for value, label in Channel.choices],
        answered_in_time=figures["in_time"],
        answered_late=figures["late"],
        open_overdue=figures["open_overdue"],
        open_in_time=figures["open_in_time"],
    )


def open_complaints() -> QuerySet[Complaint]:
    """Unanswered complaints, the nearest deadline first (the complaint manager's list)."""
    return (
        Complaint.objects.filter(answered_at__isnull=True)
        .select_related("case__partner", "case__queue", "case__assignee")
        .order_by("answer_due", "received_at", "pk")
    )
