"""Reads of cases shared by the case pages and the customer page."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kc.cases.models import Case, Message
from kc.core.models import User

OPEN_STATUSES = [
    Case.Status.NEW,
    Case.Status.OPEN,
    Case.Status.WAITING_CUSTOMER,
    Case.Status.WAITING_INTERNAL,
]


def case_list(*, queue_id: int | None, status: str, assignee: User | None) -> QuerySet[Case]:
    cases = Case.objects.select_related("queue", "assignee", "partner")
    if queue_id:
        cases = cases.filter(queue_id=queue_id)
    cases = cases.filter(status=status) if status else cases.filter(status__in=OPEN_STATUSES)
    if assignee is not None:
        cases = cases.filter(assignee=assignee)
    return cases.order_by("-priority", "received_at", "pk")


def timeline(case: Case) -> QuerySet[Message]:
    return case.messages.select_related("author").order_by("created_at", "pk")


def cases_of_partner(partner_id: int, limit: int = 20) -> list[Case]:
    return list(
        Case.objects.filter(partner_id=partner_id)
        .select_related("queue", "assignee")
        .order_by("-received_at")[:limit]
    )


# --- keyset pages of the case list ------------------------------------------------------
# A page starts after the last case of the previous one (its cursor), so page 1,000 costs
# what page 1 costs: no OFFSET that reads and drops the rows before it.

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str  # "" on the last page


def cursor_of(case: Case) -> str:
    micros = (case.received_at - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{case.priority}.{micros}.{case.pk}"


def parse_cursor(raw: str) -> tuple[int, datetime.datetime, int] | None:
    parts = raw.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    priority, micros, pk = (int(p) for p in parts)
    return priority, EPOCH + datetime.timedelta(microseconds=micros), pk


def page_after(cases: QuerySet[Case], cursor: str, size: int) -> CasePage:
    """The `size` cases after `cursor` in list order (-priority, received_at, pk)."""
    position = parse_cursor(cursor)
    if position is None:
        rows = list(cases[: size + 1])
    else:
        priority, received_at, pk = position
        rows = list(
            cases.filter(priority=priority, received_at__gte=received_at).filter(
                Q(received_at__gt=received_at) | Q(pk__gt=pk)
            )[: size + 1]
        )
        if len(rows) <= size:
            rows += list(cases.filter(priority__lt=priority)[: size + 1 - len(rows)])
    more = len(rows) > size
    return CasePage(rows[:size], cursor_of(rows[size - 1]) if more else "")
