"""Reads of cases shared by the case pages and the customer page."""

from django.db.models import QuerySet

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
