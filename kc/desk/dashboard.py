"""The live dashboard (Lagebild): what waits now, read in a fixed handful of aggregate queries.

Every selector asks the database for counts and extremes, never for the rows themselves, so
the page costs the same with ten cases or a million (tests hold the query count). Ages are
wall-clock time since the work came in; the SLA tile uses the business-time due dates the
cases carry (kc/cases/sla.py).

Levels (ok / warn / critical) come from thresholds in settings (KC_DASHBOARD_*); the page
names the level in words, so colour is never the only signal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Case as Choose
from django.db.models import Count, F, Min, Q, QuerySet, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Call, Case, Complaint, Queue
from kc.cases.selectors import OPEN_STATUSES
from kc.core.calendars import default_calendar
from kc.desk.models import Location, Presence, PresenceState
from kc.disconnection.models import DisconnectionCase
from kc.letters.models import Delivery, Letter

# An agent may act on these; waiting for the customer is the customer's turn.
ACTIONABLE_STATUSES = [Case.Status.NEW, Case.Status.OPEN, Case.Status.WAITING_INTERNAL]
SLA_LIST_LIMIT = 5
# What snapshot() may cost, however many cases, calls and letters there are (tested).
QUERY_BUDGET = 10
# A call still "ringing" after this long lost its hangup event at the PBX: not waiting.
RINGING_STALE = datetime.timedelta(hours=1)


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {
    Level.OK: _("im Rahmen"),
    Level.WARN: _("Achtung"),
    Level.CRITICAL: _("kritisch"),
}


def level_for(value: float | None, amber: float, red: float) -> Level:
    """The level of a value against its amber and red thresholds (None: nothing waits)."""
    if value is None:
        return Level.OK
    if value >= red:
        return Level.CRITICAL
    return Level.WARN if value >= amber else Level.OK


def _minutes(since: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds() // 60))


# --- cases per queue ---------------------------------------------------------------------


def waiting_cases() -> Q:
    """Open, with an agent to act, and nobody has taken it or nobody has answered yet."""
    return Q(status__in=ACTIONABLE_STATUSES) & (
        Q(assignee__isnull=True) | Q(first_response_at__isnull=True)
    )


@dataclass(frozen=True, slots=True)
class QueueLoad:
    queue_id: int
    name: str
    open: int  # every open case, waiting for the customer included
    waiting: int
    oldest_minutes: int | None
    median_minutes: int | None
    level: Level


def queue_loads(now: datetime.datetime) -> list[QueueLoad]:
    """Every queue (also an empty one) with its waiting cases: two queries."""
    waiting = Q(cases__status__in=ACTIONABLE_STATUSES) & (
        Q(cases__assignee__isnull=True) | Q(cases__first_response_at__isnull=True)
    )
    queues = Queue.objects.annotate(
        open_count=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES)),
        waiting_count=Count("cases", filter=waiting),
        oldest=Min("cases__received_at", filter=waiting),
    ).order_by("name")
    medians = _median_received(Case.objects.filter(waiting_cases()))
    amber = settings.KC_DASHBOARD_CASE_AMBER_MINUTES
    red = settings.KC_DASHBOARD_CASE_RED_MINUTES
    loads = []
    for queue in queues:
        oldest = _minutes(queue.oldest, now)
        median = medians.get(queue.pk)
        loads.append(
            QueueLoad(
                queue_id=queue.pk,
                name=queue.name,
                open=queue.open_count,
                waiting=queue.waiting_count,
                oldest_minutes=oldest,
                median_minutes=_minutes(median, now),
                level=level_for(oldest, amber, red),
            )
        )
    return loads


def _median_received(cases: QuerySet[Case]) -> dict[int, datetime.datetime]:
    """The median receipt time per queue, in one query: the database numbers the cases of
    each queue by age and returns only the middle one or two."""
    ranked = (
        cases.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("queue_id")], order_by=[F("received_at"), F("pk")]
            ),
            size=Window(Count("pk"), partition_by=[F("queue_id")]),
        )
        .filter(Q(rank=(F("size") + 1) / 2) | Q(rank=(F("size") + 2) / 2))
        .values_list("queue_id", "received_at")
    )
    middles: dict[int, list[datetime.datetime]] = {}
    for queue_id, received_at in ranked:
        middles.setdefault(queue_id, []).append(received_at)
    return {
        queue_id: moments[0] + (moments[-1] - moments[0]) / 2
        for queue_id, moments in middles.items()
    }


# --- SLA -------------------------------------------------------------------------------


def sla_breached(now: datetime.datetime) -> Q:
    """A due date of the case's SLA clock has passed unmet. While the case waits for the
    customer its resolution due date is empty (the clock stands still)."""
    return Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)


@dataclass(frozen=True, slots=True)
class SlaSummary:
    at_risk: int
    breached: int
    most_urgent: list[Case]  # breached first, then by the nearest due date
    level: Level


def sla_summary(now: datetime.datetime) -> SlaSummary:
    """Open cases whose SLA is breached (by their due dates, live) or at risk (marked by the
    SLA check on the business calendar, kc/cases/escalation.py): two queries."""
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    breached = sla_breached(now)
    counts = open_cases.aggregate(
        breached=Count("pk", filter=breached),
        at_risk=Count("pk", filter=Q(sla_alert="at_risk") & ~breached),
    )
    urgent = (
        open_cases.filter(breached | Q(sla_alert="at_risk"))
        .annotate(
            due=Choose(
                When(first_response_at__isnull=True, then=F("first_response_due")),
                default=F("resolution_due"),
            )
        )
        .select_related("queue")
        .order_by(F("due").asc(nulls_last=True), "pk")[:SLA_LIST_LIMIT]
    )
    level = Level.CRITICAL if counts["breached"] else Level.WARN if counts["at_risk"] else Level.OK
    return SlaSummary(
        at_risk=counts["at_risk"],
        breached=counts["breached"],
        most_urgent=list(urgent),
        level=level,
    )


# --- calls -----------------------------------------------------------------------------


def berlin_day(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Start and end of the local (Europe/Berlin) calendar day of `now`, DST-aware."""
    day = timezone.localdate(now)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


@dataclass(frozen=True, slots=True)
class CallSummary:
    waiting: int
    longest_wait_seconds: int | None
    answered_today: int
    missed_today: int
    level: Level


def call_summary(now: datetime.datetime) -> CallSummary:
    """Incoming calls ringing now, and those of today answered and missed: one query."""
    start, end = berlin_day(now)
    today = Q(started_at__gte=start, started_at__lt=end)
    ringing = Q(state=Call.State.RINGING, started_at__gte=now - RINGING_STALE)
    row = (
        Call.objects.filter(direction=Call.Direction.IN)
        .filter(today | ringing)
        .aggregate(
            waiting=Count("pk", filter=ringing),
            ringing_since=Min("started_at", filter=ringing),
            answered=Count("pk", filter=today & Q(answered_at__isnull=False)),
            missed=Count("pk", filter=today & Q(state=Call.State.MISSED)),
        )
    )
    since = row["ringing_since"]
    longest = None if since is None else max(0, int((now - since).total_seconds()))
    return CallSummary(
        waiting=row["waiting"],
        longest_wait_seconds=longest,
        answered_today=row["answered"],
        missed_today=row["missed"],
        level=level_for(
            longest,
            settings.KC_DASHBOARD_CALL_AMBER_SECONDS,
            settings.KC_DASHBOARD_CALL_RED_SECONDS,
        ),
    )


# --- print room ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrintRoomSummary:
    to_batch: int  # finished letters for post, not yet in a batch
    to_print: int  # in a batch that is not printed yet
    to_post: int  # printed (and maybe enveloped), not yet handed to the post
    oldest_minutes: int | None
    level: Level

    @property
    def total(self) -> int:
        return self.to_batch + self.to_print + self.to_post


def print_room_summary(now: datetime.datetime) -> PrintRoomSummary:
    """Post deliveries the print room still has to handle: one query."""
    queued = Q(state=Delivery.State.QUEUED, letter__status=Letter.Status.READY)
    in_room = Q(
        state__in=[Delivery.State.BATCHED, Delivery.State.PRINTED, Delivery.State.ENVELOPED]
    )
    row = Delivery.objects.filter(Q(channel=Delivery.Channel.POST) & (queued | in_room)).aggregate(
        to_batch=Count("pk", filter=queued),
        to_print=Count("pk", filter=Q(state=Delivery.State.BATCHED)),
        to_post=Count("pk", filter=Q(state__in=[Delivery.State.PRINTED, Delivery.State.ENVELOPED])),
        oldest=Min("letter__created_at"),
    )
    oldest = _minutes(row["oldest"], now)
    return PrintRoomSummary(
        to_batch=row["to_batch"],
        to_print=row["to_print"],
        to_post=row["to_post"],
        oldest_minutes=oldest,
        level=level_for(
            oldest,
            settings.KC_DASHBOARD_PRINT_AMBER_HOURS * 60,
            settings.KC_DASHBOARD_PRINT_RED_HOURS * 60,
        ),
    )


# --- reconnections ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReconnectionSummary:
    open: int
    over_target: int
    oldest_minutes: int | None
    level: Level


def reconnection_summary(now: datetime.datetime) -> ReconnectionSummary:
    """Reconnections not yet confirmed by the field service, the way
    kc.disconnection.reconnection.open_reconnections picks them: one query."""
    status = DisconnectionCase.Status
    target = settings.KC_RECONNECTION_TARGET_MINUTES
    late = now - datetime.timedelta(minutes=target)
    row = (
        DisconnectionCase.objects.filter(
            Q(status=status.RECONNECTION_ORDERED)
            | Q(status=status.DISCONNECTED, proof_received_at__isnull=False)
        )
        .annotate(waiting_since=Coalesce("proof_received_at", "created_at"))
        .aggregate(
            open=Count("pk"),
            over_target=Count(
                "pk", filter=Q(escalated_at__isnull=False) | Q(waiting_since__lt=late)
            ),
            oldest=Min("waiting_since"),
        )
    )
    oldest = _minutes(row["oldest"], now)
    level = (
        Level.CRITICAL
        if row["over_target"]
        else level_for(oldest, settings.KC_DASHBOARD_RECONNECTION_AMBER_MINUTES, target)
    )
    return ReconnectionSummary(
        open=row["open"], over_target=row["over_target"], oldest_minutes=oldest, level=level
    )


# --- complaints ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintSummary:
    due_soon: int  # unanswered, the § 111a answer day within the next open days
    overdue: int  # unanswered after the answer day
    horizon: datetime.date
    level: Level


def complaint_summary(now: datetime.datetime) -> ComplaintSummary:
    """Unanswered complaints near or past their answer day: two queries (the calendar)."""
    today = timezone.localdate(now)
    horizon = open_days_ahead(today, settings.KC_COMPLAINT_ESCALATION_DAYS)
    row = Complaint.objects.filter(answered_at__isnull=True, answer_due__lte=horizon).aggregate(
        overdue=Count("pk", filter=Q(answer_due__lt=today)),
        due_soon=Count("pk", filter=Q(answer_due__gte=today)),
    )
    level = Level.CRITICAL if row["overdue"] else Level.WARN if row["due_soon"] else Level.OK
    return ComplaintSummary(
        due_soon=row["due_soon"], overdue=row["overdue"], horizon=horizon, level=level
    )


def open_days_ahead(today: datetime.date, days: int) -> datetime.date:
    """The day `days` open days of the default business calendar after `today`."""
    return default_calendar().add_open_days(today, days)


# --- presence --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PresenceSummary:
    available: int
    on_call: int
    on_break: int
    away: int  # at work today but not at the desk


def presence_summary(now: datetime.datetime) -> PresenceSummary:
    """Staff at work today (a location other than absent given for this Berlin day) by their
    state now: one query. Who gave no location today is not counted."""
    state = PresenceState
    row = (
        Presence.objects.filter(day=timezone.localdate(now), user__is_active=True)
        .exclude(location=Location.ABSENT)
        .aggregate(
            available=Count("pk", filter=Q(state=state.AVAILABLE)),
            on_call=Count("pk", filter=Q(state=state.ON_CALL)),
            on_break=Count("pk", filter=Q(state=state.BREAK)),
            away=Count("pk", filter=Q(state=state.AWAY)),
        )
    )
    return PresenceSummary(**row)


# --- everything ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: datetime.datetime
    queues: list[QueueLoad]
    sla: SlaSummary
    calls: CallSummary
    print_room: PrintRoomSummary
    reconnections: ReconnectionSummary
    complaints: ComplaintSummary
    presence: PresenceSummary

    @property
    def waiting_cases(self) -> int:
        return sum(queue.waiting for queue in self.queues)


def snapshot(now: datetime.datetime | None = None) -> Snapshot:
    now = now or timezone.now()
    return Snapshot(
        at=now,
        queues=queue_loads(now),
        sla=sla_summary(now),
        calls=call_summary(now),
        print_room=print_room_summary(now),
        reconnections=reconnection_summary(now),
        complaints=complaint_summary(now),
        presence=presence_summary(now),
    )
