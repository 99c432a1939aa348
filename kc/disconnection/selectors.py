"""Read-only queries of the disconnection pages: the document, the list of open cases, the
window capture, the reconnection dashboard and the block on the customer page."""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kc.customers.models import ContractAccount
from kc.disconnection import reconnection
from kc.disconnection.models import (
    DisconnectionCase,
    DisconnectionEvent,
    FieldOrder,
    InstallmentPlan,
    PaymentProof,
)

Status = DisconnectionCase.Status
LIST_PAGE_SIZE = 50
LEAD_TIME_DAYS = 30


def case_for_page(case_id: int) -> DisconnectionCase:
    """The document with everything it shows (events, orders, plans, proofs)."""
    return get_object_or_404(
        DisconnectionCase.objects.select_related("account__partner", "contract").prefetch_related(
            Prefetch(
                "events",
                queryset=DisconnectionEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch("orders", queryset=FieldOrder.objects.order_by("sent_at", "id")),
            Prefetch("installment_plans", queryset=InstallmentPlan.objects.order_by("created_at")),
            Prefetch(
                "proofs",
                queryset=PaymentProof.objects.select_related("decided_by").order_by(
                    "-received_at", "-id"
                ),
            ),
        ),
        pk=case_id,
    )


def open_cases(status: str | None = None) -> QuerySet[DisconnectionCase]:
    """Open cases, by status in the order of the chain, oldest first within a status."""
    statuses = [status] if status else list(DisconnectionCase.OPEN)
    return (
        DisconnectionCase.objects.filter(status__in=statuses)
        .select_related("account__partner", "contract")
        .order_by("status", "created_at", "id")
    )


def open_cases_page(status: str | None, page: str | None) -> Page[DisconnectionCase]:
    cases = sorted(open_cases(status), key=_chain_order)
    return Paginator(cases, LIST_PAGE_SIZE).get_page(page)


def _chain_order(case: DisconnectionCase) -> tuple[int, datetime.datetime]:
    return DisconnectionCase.OPEN.index(Status(case.status)), case.created_at


def open_counts() -> dict[str, int]:
    counts = {str(s): 0 for s in DisconnectionCase.OPEN}
    for status in DisconnectionCase.objects.filter(status__in=DisconnectionCase.OPEN).values_list(
        "status", flat=True
    ):
        counts[status] += 1
    return counts


def open_cases_of_accounts(
    accounts: Iterable[ContractAccount],
) -> dict[int, list[DisconnectionCase]]:
    """The open cases of the accounts, by account id, in one query (customer page)."""
    ids = [a.pk for a in accounts]
    found: dict[int, list[DisconnectionCase]] = {pk: [] for pk in ids}
    if not ids:
        return found
    for case in (
        DisconnectionCase.objects.filter(account_id__in=ids, status__in=DisconnectionCase.OPEN)
        .select_related("contract")
        .order_by("created_at", "id")
    ):
        found[case.account_id].append(case)
    return found


# --- window capture --------------------------------------------------------------------------


def accounts_for_window(query: str) -> list[ContractAccount]:
    """Contract accounts by the account number, or all accounts of a customer number."""
    number = "".join(query.split())
    if not number:
        return []
    return list(
        ContractAccount.objects.select_related("partner")
        .filter(Q(number=number) | Q(partner__number=number))
        .order_by("number")[:20]
    )


def account_for_window(account_id: int) -> ContractAccount:
    return get_object_or_404(ContractAccount.objects.select_related("partner"), pk=account_id)


def proof_for_page(proof_id: int) -> PaymentProof:
    return get_object_or_404(
        PaymentProof.objects.select_related("account__partner", "case"), pk=proof_id
    )


# --- reconnection dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingReconnection:
    case: DisconnectionCase
    waiting_minutes: int
    over_target: bool
    order: FieldOrder | None  # the newest reconnection order, if one went out


@dataclass(frozen=True)
class LeadTimes:
    count: int
    median_minutes: float | None
    p95_minutes: float | None


def waiting_reconnections(now: datetime.datetime | None = None) -> list[WaitingReconnection]:
    now = now or timezone.now()
    target = settings.KC_RECONNECTION_TARGET_MINUTES
    cases = reconnection.open_reconnections()
    orders: dict[int, FieldOrder] = {}
    for order in FieldOrder.objects.filter(
        case_id__in=[c.pk for c in cases], kind=FieldOrder.Kind.RECONNECT
    ).order_by("sent_at", "id"):
        orders[order.case_id] = order  # the newest wins
    rows = []
    for case in cases:
        started = case.proof_received_at or case.created_at
        minutes = max(0, int((now - started).total_seconds() // 60))
        rows.append(
            WaitingReconnection(
                case=case,
                waiting_minutes=minutes,
                over_target=case.escalated_at is not None or minutes > target,
                order=orders.get(case.pk),
            )
        )
    return rows


def lead_times(now: datetime.datetime | None = None, days: int = LEAD_TIME_DAYS) -> LeadTimes:
    """From proof (or payment) to the reconnection order, for orders of the last `days`."""
    now = now or timezone.now()
    cases = DisconnectionCase.objects.filter(
        reconnection_ordered_at__gte=now - datetime.timedelta(days=days),
        proof_received_at__isnull=False,
    ).only("proof_received_at", "reconnection_ordered_at")
    minutes = sorted(
        t.total_seconds() / 60 for t in (reconnection.lead_time(c) for c in cases) if t is not None
    )
    if not minutes:
        return LeadTimes(count=0, median_minutes=None, p95_minutes=None)
    return LeadTimes(
        count=len(minutes), median_minutes=_median(minutes), p95_minutes=_nearest_rank(minutes, 95)
    )


def _median(values: list[float]) -> float:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _nearest_rank(values: list[float], percent: int) -> float:
    """The nearest-rank percentile of sorted values (no interpolation)."""
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return values[rank - 1]
