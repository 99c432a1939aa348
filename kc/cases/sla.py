"""SLA clocks of cases: the case type's targets on the queue's business calendar."""

from datetime import datetime, timedelta

from kc.cases.models import Case, SlaTarget
from kc.core.calendars import calendar_from, default_calendar
from kc.core.sla import SlaClock, SlaPolicy, StatusPeriod, TargetStatus


def policy_for(case_type: str) -> SlaPolicy:
    target = SlaTarget.objects.filter(case_type=case_type).first()
    if target is None:
        return SlaPolicy()
    return SlaPolicy.from_config(
        {
            "first_response_minutes": target.first_response_minutes,
            "resolution_minutes": target.resolution_minutes,
            "at_risk_percent": target.at_risk_percent,
        }
    )


def clock_for(case: Case) -> SlaClock:
    setting = case.queue.calendar
    return SlaClock(
        received_at=case.received_at,
        policy=policy_for(case.case_type),
        calendar=calendar_from(setting) if setting else default_calendar(),
        periods=tuple(
            StatusPeriod(start=p.started_at, end=p.ended_at, paused=True) for p in case.pauses.all()
        ),
        first_response_at=case.first_response_at,
        resolved_at=case.resolved_at,
    )


def due_dates(case: Case, now: datetime) -> tuple[datetime | None, datetime | None]:
    clock = clock_for(case)
    first, resolution = clock.first_response(now), clock.resolution(now)
    return (first.due_at if first else None, resolution.due_at if resolution else None)


def statuses(case: Case, now: datetime) -> list[TargetStatus]:
    return clock_for(case).statuses(now)


def business_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
