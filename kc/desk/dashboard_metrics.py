"""The work that waits, for Prometheus (/metrics, kc.core.metrics): the live dashboard's
aggregate queries (kc.desk.dashboard), so the alerts and the Lagebild count the same way,
plus the mail fetch lag. Named in KC_METRICS_GAUGES; a handful of queries per scrape."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count, Min, Q
from prometheus_client.core import GaugeMetricFamily, Metric

from kc.cases.models import Case, Queue
from kc.cases.selectors import OPEN_STATUSES
from kc.channels.email.ingest import configured_mailbox, mailbox_name
from kc.channels.models import MailboxFetch
from kc.desk import dashboard


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def work_gauges(now: datetime.datetime) -> Iterator[Metric]:
    yield from _case_gauges(now)
    yield from _print_gauges(now)
    yield from _reconnection_gauges(now)
    yield from _mail_gauges(now)


def _case_gauges(now: datetime.datetime) -> Iterator[Metric]:
    """Per queue, by the dashboard's definitions of waiting and breached: two queries (the
    queue names, so an empty queue shows zeros instead of vanishing). No median: that window
    query is what the dashboard may afford every few seconds, not every scrape."""
    waiting = dashboard.waiting_cases()
    breached = dashboard.sla_breached(now)
    rows: dict[int, Mapping[str, Any]] = {
        row["queue_id"]: row
        for row in Case.objects.filter(status__in=OPEN_STATUSES)
        .values("queue_id")
        .annotate(
            open=Count("pk"),
            waiting=Count("pk", filter=waiting),
            oldest=Min("received_at", filter=waiting),
            breached=Count("pk", filter=breached),
            at_risk=Count("pk", filter=Q(sla_alert="at_risk") & ~breached),
        )
        .order_by()
    }
    families = {
        "open": GaugeMetricFamily("kc_cases_open", "Open cases per queue", labels=["queue"]),
        "waiting": GaugeMetricFamily(
            "kc_cases_waiting",
            "Open cases with an agent to act, unassigned or not yet answered, per queue",
            labels=["queue"],
        ),
        "oldest": GaugeMetricFamily(
            "kc_cases_oldest_waiting_age_seconds",
            "Age of the oldest waiting case per queue (0 when none waits)",
            labels=["queue"],
        ),
        "breached": GaugeMetricFamily(
            "kc_cases_sla_breached",
            "Open cases past their first-response or resolution due date, per queue",
            labels=["queue"],
        ),
        "at_risk": GaugeMetricFamily(
            "kc_cases_sla_at_risk",
            "Open cases the SLA check marked as near a due date, per queue",
            labels=["queue"],
        ),
    }
    for queue_id, name in Queue.objects.order_by("name").values_list("pk", "name"):
        row = rows.get(queue_id, {})
        for key, family in families.items():
            if key == "oldest":
                oldest = row.get("oldest")
                seconds = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
                family.add_metric([name], seconds)
            else:
                family.add_metric([name], row.get(key, 0))
    yield from families.values()
    complaints = dashboard.complaint_summary(now)
    yield _gauge(
        "kc_complaints_overdue",
        "Complaints unanswered after their § 111a EnWG answer day",
        complaints.overdue,
    )


def _print_gauges(now: datetime.datetime) -> Iterator[Metric]:
    room = dashboard.print_room_summary(now)
    letters = GaugeMetricFamily(
        "kc_print_letters_waiting",
        "Letters for post the print room still has to handle, by stage",
        labels=["stage"],
    )
    letters.add_metric(["to_batch"], room.to_batch)  # ready, not yet in a print batch
    letters.add_metric(["to_print"], room.to_print)  # in a batch not printed yet
    letters.add_metric(["to_post"], room.to_post)  # printed, not yet handed to the post
    yield letters
    yield _gauge(
        "kc_print_oldest_letter_age_seconds",
        "Age of the oldest letter still in the print room (minute resolution)",
        (room.oldest_minutes or 0) * 60,
    )


def _reconnection_gauges(now: datetime.datetime) -> Iterator[Metric]:
    summary = dashboard.reconnection_summary(now)
    yield _gauge(
        "kc_reconnections_open",
        "Reconnections owed (payment proven or ordered) and not confirmed by the field service",
        summary.open,
    )
    yield _gauge(
        "kc_reconnections_over_target",
        "Open reconnections older than KC_RECONNECTION_TARGET_MINUTES or escalated",
        summary.over_target,
    )
    yield _gauge(
        "kc_reconnection_oldest_age_seconds",
        "How long the oldest open reconnection has waited (minute resolution)",
        (summary.oldest_minutes or 0) * 60,
    )


def _mail_gauges(now: datetime.datetime) -> Iterator[Metric]:
    """Only with a mailbox configured: without one no fetch is expected."""
    config = configured_mailbox()
    if config is None:
        return
    last = (
        MailboxFetch.objects.filter(mailbox=mailbox_name(config))
        .values_list("succeeded_at", flat=True)
        .first()
    )
    lag = float("inf") if last is None else max(0.0, (now - last).total_seconds())
    yield _gauge(
        "kc_mail_fetch_lag_seconds",
        "Time since the mailbox was last read without an error (+Inf: never)",
        lag,
    )
