"""SLA clocks: first-response and resolution targets counted in business time.

Pure rules, no ORM. A case type has an `SlaPolicy`; a case gives an `SlaClock` its receipt time,
its status periods (paused while waiting for the customer) and the moments it was answered and
resolved. The clock answers, for any `now`, due dates, remaining business time, a state per
target and whether a reminder may go out.

- First response is never paused; a case resolved without a recorded first response counts the
  resolution as the response.
- Resolution stops while paused: the due date moves by the paused business time. While a pause
  is still open and the target not yet reached, there is no due date (`due_at is None`).
- A target is met when achieved at or before its due date, breached once `now` (or the moment it
  was achieved) is after the due date; a breach stays a breach through later pauses.
- At risk: running, and at most `at_risk_percent` of the target remains.
- Reminders go out only inside business hours: outside them the next moment is next_open.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from kc.core.business_calendar import DEFAULT_CALENDAR, BusinessCalendar, as_utc

type Span = tuple[datetime, datetime | None]  # [start, end); end None: still open


class TargetState(StrEnum):
    RUNNING = "running"
    AT_RISK = "at_risk"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets of one case type, in business time; None means no target."""

    first_response: timedelta | None = None
    resolution: timedelta | None = None
    at_risk_percent: int = 20

    def __post_init__(self) -> None:
        for target in (self.first_response, self.resolution):
            if target is not None and target <= timedelta(0):
                raise ValueError("an SLA target must be positive")
        if not 0 <= self.at_risk_percent <= 100:
            raise ValueError("at_risk_percent is between 0 and 100")

    def at_risk_threshold(self, target: timedelta) -> timedelta:
        """Remaining business time at or below which a target is at risk."""
        return target * self.at_risk_percent // 100

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "SlaPolicy":
        """{"first_response_minutes": 240, "resolution_minutes": 2400, "at_risk_percent": 20}"""
        unknown = set(config) - {"first_response_minutes", "resolution_minutes", "at_risk_percent"}
        if unknown:
            raise ValueError(f"unknown SLA settings: {sorted(unknown)}")
        return cls(
            first_response=_minutes(config.get("first_response_minutes")),
            resolution=_minutes(config.get("resolution_minutes")),
            at_risk_percent=int(config.get("at_risk_percent", 20)),
        )

    def to_config(self) -> dict[str, Any]:
        return {
            "first_response_minutes": _to_minutes(self.first_response),
            "resolution_minutes": _to_minutes(self.resolution),
            "at_risk_percent": self.at_risk_percent,
        }


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    """A stretch of a case's life; `paused` while waiting for the customer."""

    start: datetime
    end: datetime | None
    paused: bool

    def __post_init__(self) -> None:
        if self.end is not None and as_utc(self.end) < as_utc(self.start):
            raise ValueError("a status period ends before it starts")


@dataclass(frozen=True, slots=True)
class TargetStatus:
    target: timedelta
    state: TargetState
    due_at: datetime | None  # None while paused before reaching the target
    elapsed: timedelta  # business time counted so far (resolution: pauses left out)
    remaining: timedelta  # target - elapsed; zero or negative once due
    achieved_at: datetime | None
    paused: bool  # the clock stands still at `now`
    at_risk_from: datetime | None  # when the target turns at risk; None while paused

    @property
    def needs_attention(self) -> bool:
        """At risk or breached, still open and not waiting for the customer."""
        live = self.achieved_at is None and not self.paused
        return live and self.state in (TargetState.AT_RISK, TargetState.BREACHED)


@dataclass(frozen=True, slots=True)
class SlaClock:
    received_at: datetime
    policy: SlaPolicy
    calendar: BusinessCalendar = DEFAULT_CALENDAR
    periods: tuple[StatusPeriod, ...] = ()
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.received_at, self.first_response_at, self.resolved_at):
            if moment is not None:
                as_utc(moment)  # refuses naive datetimes early
        object.__setattr__(self, "periods", tuple(self.periods))

    def first_response(self, now: datetime) -> TargetStatus | None:
        target = self.policy.first_response
        if target is None:
            return None
        achieved = (
            self.first_response_at if self.first_response_at is not None else self.resolved_at
        )
        return _ClockRun(self, target, pauses=[]).status(achieved, now)

    def resolution(self, now: datetime) -> TargetStatus | None:
        target = self.policy.resolution
        if target is None:
            return None
        pauses = merge_pauses(self.periods, self.received_at)
        return _ClockRun(self, target, pauses).status(self.resolved_at, now)

    def statuses(self, now: datetime) -> list[TargetStatus]:
        found = (self.first_response(now), self.resolution(now))
        return [status for status in found if status is not None]

    def next_escalation_at(self, now: datetime) -> datetime | None:
        """The next moment a reminder may go out: `now` if due now, None if never (as of now)."""
        statuses = self.statuses(now)
        if any(status.needs_attention for status in statuses):
            return self.calendar.next_open(now)
        upcoming = [
            status.at_risk_from
            for status in statuses
            if status.state is TargetState.RUNNING and status.at_risk_from is not None
        ]
        return self.calendar.next_open(min(upcoming)) if upcoming else None

    def escalation_due(self, now: datetime) -> bool:
        """A target needs attention and `now` is inside business hours."""
        return any(s.needs_attention for s in self.statuses(now)) and self.calendar.is_open(now)


def merge_pauses(periods: Iterable[StatusPeriod], received_at: datetime) -> list[Span]:
    """Paused spans in UTC, clipped to start at receipt, sorted and merged."""
    received = as_utc(received_at)
    spans: list[Span] = []
    paused = sorted((p for p in periods if p.paused), key=lambda p: as_utc(p.start))
    for period in paused:
        start = max(as_utc(period.start), received)
        end = None if period.end is None else as_utc(period.end)
        if end is not None and end <= start:
            continue
        if spans and _reaches(spans[-1][1], start):
            last_end = spans[-1][1]
            merged_end = None if end is None or last_end is None else max(last_end, end)
            spans[-1] = (spans[-1][0], merged_end)
        else:
            spans.append((start, end))
    return spans


def _reaches(end: datetime | None, start: datetime) -> bool:
    return end is None or end >= start


class _ClockRun:
    """One target's clock: business time from receipt, leaving out the paused spans."""

    def __init__(self, clock: SlaClock, target: timedelta, pauses: list[Span]) -> None:
        self.calendar = clock.calendar
        self.policy = clock.policy
        self.received = as_utc(clock.received_at)
        self.target = target
        self.pauses = pauses

    def status(self, achieved_at: datetime | None, now: datetime) -> TargetStatus:
        now = as_utc(now)
        achieved = as_utc(achieved_at) if achieved_at is not None else None
        if achieved is not None and achieved > now:
            achieved = None  # not yet achieved as of `now`
        due = self.moment_when(self.target)
        elapsed = self.elapsed_until(achieved if achieved is not None else now)
        remaining = self.target - elapsed
        paused = achieved is None and self.is_paused(now)
        threshold = self.policy.at_risk_threshold(self.target)
        if achieved is not None:
            state = TargetState.MET if due is None or achieved <= due else TargetState.BREACHED
        elif due is not None and now > due:
            state = TargetState.BREACHED
        elif paused:
            state = TargetState.PAUSED
        elif remaining <= threshold:
            state = TargetState.AT_RISK
        else:
            state = TargetState.RUNNING
        return TargetStatus(
            target=self.target,
            state=state,
            due_at=due,
            elapsed=elapsed,
            remaining=remaining,
            achieved_at=achieved_at if achieved is not None else None,
            paused=paused,
            at_risk_from=self.moment_when(self.target - threshold),
        )

    def moment_when(self, amount: timedelta) -> datetime | None:
        """When `amount` of unpaused business time has run; None if an open pause comes first."""
        cursor, remaining = self.received, amount
        for pause_start, pause_end in self.pauses:
            available = self.calendar.business_time_between(cursor, max(cursor, pause_start))
            if remaining <= available:
                return self.calendar.add_business_time(cursor, remaining)
            remaining -= available
            if pause_end is None:
                return None
            cursor = max(cursor, pause_end)
        return self.calendar.add_business_time(cursor, remaining)

    def elapsed_until(self, until: datetime) -> timedelta:
        if until <= self.received:
            return timedelta(0)
        total = self.calendar.business_time_between(self.received, until)
        for pause_start, pause_end in self.pauses:
            if pause_start >= until:
                break
            stop = until if pause_end is None else min(pause_end, until)
            total -= self.calendar.business_time_between(pause_start, stop)
        return total

    def is_paused(self, now: datetime) -> bool:
        return any(start <= now and (end is None or now < end) for start, end in self.pauses)


def _minutes(value: Any) -> timedelta | None:
    return None if value is None else timedelta(minutes=int(value))


def _to_minutes(value: timedelta | None) -> int | None:
    return None if value is None else value // timedelta(minutes=1)
