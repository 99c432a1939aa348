"""The work that waits, for Prometheus (/metrics, kc.core.metrics): the live dashboard's
aggregate queries (kc.desk.dashboard), so the alerts and the Lagebild count the same way,
plus the mail fetch lag. Named in KC_METRICS_GAUGES; a handful of queries per scrape."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily, Metric

from kc.cases.models import Case
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
    open_cases = GaugeMetricFamily("kc_cases_open", "Open cases per queue", labels=["queue"])
    waiting = GaugeMetricFamily(
        "kc_cases_waiting",
        "Open cases with an agent to act, unassigned or not yet answered, per queue",
        labels=["queue"],
    )
    oldest = GaugeMetricFamily(
        "kc_cases_oldest_waiting_age_seconds",
        "Age of the oldest waiting case per queue (minute resolution; 0 when none waits)",
        labels=["queue"],
    )
    for load in dashboard.queue_loads(now):
        open_cases.add_metric([load.name], load.open)
        waiting.add_metric([load.name], load.waiting)
        oldest.add_metric([load.name], (load.oldest_minutes or 0) * 60)
    yield from (open_cases, waiting, oldest)
    breached = dashboard.sla_breached(now)
    sla = Case.objects.filter(status__in=OPEN_STATUSES).aggregate(
        breached=Count("pk", filter=breached),
        at_risk=Count("pk", filter=Q(sla_alert="at_risk") & ~breached),
    )
    yield _gauge(
        "kc_cases_sla_breached",
        "Open cases past their first-response or resolution due date",
        sla["breached"],
    )
    yield _gauge("kc_cases_sla_at_risk", "Open cases near an SLA due date", sla["at_risk"])
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
