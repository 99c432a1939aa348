"""SLA clocks of cases: the case type's targets on the queue's business calendar.

Targets and the default calendar are read at most once a minute per process: every new
case needs them, and an admin's change may take that long to apply.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kc.cases.models import Case, SlaTarget
from kc.core.business_calendar import BusinessCalendar
from kc.core.calendars import calendar_from, default_calendar
from kc.core.sla import SlaClock, SlaPolicy, StatusPeriod, TargetStatus

CONFIG_SECONDS = 60
_config: dict[str, tuple[float, Any]] = {}


def _fresh(key: str, load: Callable[[], Any]) -> Any:
    stamp, value = _config.get(key, (0.0, None))
    if time.monotonic() - stamp > CONFIG_SECONDS:
        value = load()
        _config[key] = (time.monotonic(), value)
    return value


def forget_config() -> None:
    """Read targets and calendar anew on next use (tests, admin saves)."""
    _config.clear()


def _load_policies() -> dict[str, SlaPolicy]:
    return {
        target.case_type: SlaPolicy.from_config(
            {
                "first_response_minutes": target.first_response_minutes,
                "resolution_minutes": target.resolution_minutes,
                "at_risk_percent": target.at_risk_percent,
            }
        )
        for target in SlaTarget.objects.all()
    }


def policy_for(case_type: str) -> SlaPolicy:
    policies: dict[str, SlaPolicy] = _fresh("policies", _load_policies)
    return policies.get(case_type, SlaPolicy())


def _default_calendar() -> BusinessCalendar:
    calendar: BusinessCalendar = _fresh("calendar", default_calendar)
    return calendar


def clock_for(case: Case, *, new: bool = False) -> SlaClock:
    """The case's SLA clock; `new`: a case not saved yet, which has no pauses."""
    setting = case.queue.calendar
    return SlaClock(
        received_at=case.received_at,
        policy=policy_for(case.case_type),
        calendar=calendar_from(setting) if setting else _default_calendar(),
        periods=tuple(
            StatusPeriod(start=p.started_at, end=p.ended_at, paused=True)
            for p in ([] if new else case.pauses.all())
        ),
        first_response_at=case.first_response_at,
        resolved_at=case.resolved_at,
    )


def due_dates(
    case: Case, now: datetime, *, new: bool = False
) -> tuple[datetime | None, datetime | None]:
    clock = clock_for(case, new=new)
    first, resolution = clock.first_response(now), clock.resolution(now)
    return (first.due_at if first else None, resolution.due_at if resolution else None)


def statuses(case: Case, now: datetime) -> list[TargetStatus]:
    return clock_for(case).statuses(now)


def business_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
