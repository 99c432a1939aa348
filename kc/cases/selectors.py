"""Reads of cases shared by the case pages and the customer page."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kc.cases.models import Case, Channel, Message
from kc.core.models import User
from kc.customers.models import BusinessPartner

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

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


# --- the customer portal -----------------------------------------------------------------
# The customer sees what passed between them and us, never what we wrote for ourselves:
# no notes, status changes, call journal, automatic mail (acknowledgements, portal notices)
# or mail to third parties (e.g. orders to the field service on the same case).

_PORTAL_KINDS = (Message.Kind.PORTAL_IN, Message.Kind.PORTAL_OUT, Message.Kind.LETTER)


def _visible_to_customer() -> Q:
    """Messages (of any query over Message) the case's customer may read in the portal: mail
    only between us and the customer's own address (a landlord's or lawyer's mail an agent
    put on the case, and our answer to them, stay internal)."""

    def own(field: str) -> Q:
        return Q(case__contact_email=F(field)) | Q(case__partner__email_key=F(field))

    return (
        Q(kind__in=_PORTAL_KINDS)
        | (Q(kind=Message.Kind.EMAIL_IN, automatic=False) & own("sender"))
        | (Q(kind=Message.Kind.EMAIL_OUT, automatic=False) & own("recipients"))
    )


def portal_thread(case: Case) -> QuerySet[Message]:
    """The messages of `case` its customer may read in the portal, oldest first."""
    return (
        Message.objects.filter(_visible_to_customer(), case_id=case.pk)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def _unread_answers() -> QuerySet[Message]:
    return Message.objects.filter(kind=Message.Kind.PORTAL_OUT, read_at__isnull=True)


class _UnreadAnswers(TypedDict):
    unread_answers: int


def portal_cases(partner: BusinessPartner) -> "QuerySet[WithAnnotations[Case, _UnreadAnswers]]":
    """The partner's cases the portal may list, newest first, each with `unread_answers`.

    Only cases the customer opened in the portal (e.g. an Abschlag change that went to a
    person) or with something they may read (see portal_thread): a case we opened for
    ourselves (a call note, a work case) stays out, its subject too.
    """
    visible = Message.objects.filter(_visible_to_customer(), case=OuterRef("pk"))
    unread = (
        _unread_answers()
        .filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Case.objects.filter(partner=partner)
        .filter(Q(channel=Channel.PORTAL) | Exists(visible))
        .annotate(unread_answers=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
        .order_by("-received_at", "-pk")
    )


def is_portal_case(case: Case) -> bool:
    """The customer started it in the portal or wrote into it from there: answer there."""
    return case.channel == Channel.PORTAL or (
        case.partner_id is not None and case.messages.filter(kind=Message.Kind.PORTAL_IN).exists()
    )


def unread_portal_answers(partner: BusinessPartner) -> int:
    """Answers into the portal the customer has not opened yet, over all their cases."""
    return _unread_answers().filter(case__partner=partner).count()


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
