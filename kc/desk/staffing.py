"""Hotline staffing: calls per weekday and hour from the call journal, and the agents Erlang C
asks for at a target service level.

The forecast is the mean of the last weeks: for each weekday and opening hour, the inbound
calls that started in that hour, divided by the number of such days the journal covers.
Holidays and days before the journal began are not counted, so a short history gives a
smaller sample, not a smaller forecast. Handling time is the mean talk time of answered calls
plus the after-call work the team lead sets.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.translation import gettext as _

from kc.cases.call_rules import BLOCKED_CAUSE
from kc.cases.models import Call
from kc.core.business_calendar import BusinessCalendar, DayHours
from kc.desk.erlang import Staffing, agents_needed
from kc.desk.shifts import planned_agents

# Without any answered call the forecast still needs a handling time; 4 minutes is a common
# figure for utility hotlines and is named on the page as an assumption.
DEFAULT_HANDLING_S = 240


@dataclass(frozen=True)
class HourPlan:
    weekday: int  # Monday = 0
    hour: int
    calls: float
    staffing: Staffing


@dataclass(frozen=True)
class StaffingPlan:
    since: datetime.date
    until: datetime.date  # exclusive
    days_per_weekday: dict[int, int]
    handling_s: float
    handling_measured: bool
    hours: list[HourPlan]
    explanation: str = ""

    def hour(self, weekday: int, hour: int) -> HourPlan | None:
        return next((h for h in self.hours if (h.weekday, h.hour) == (weekday, hour)), None)


def clock_hours(intervals: DayHours) -> list[int]:
    """The full or partial clock hours a day's opening intervals touch."""
    hours: set[int] = set()
    for interval in intervals:
        last = 24 if interval.ends_at_midnight else interval.end.hour
        if not interval.ends_at_midnight and interval.end.minute:
            last += 1
        hours.update(range(interval.start.hour, last))
    return sorted(hours)


def opening_hours(calendar: BusinessCalendar) -> dict[int, list[int]]:
    """The clock hours the calendar opens, per weekday (Monday = 0)."""
    return {weekday: clock_hours(day) for weekday, day in enumerate(calendar.weekly_hours)}


def _observed_days(
    calendar: BusinessCalendar, since: datetime.date, until: datetime.date
) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    day = since
    while day < until:
        if calendar.hours_on(day):
            counts[day.weekday()] += 1
        day += datetime.timedelta(days=1)
    return dict(counts)


def _handling_seconds(calls: QuerySet[Call]) -> float | None:
    talk = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
    answered = calls.filter(answered_at__isnull=False, ended_at__isnull=False)
    mean = answered.aggregate(mean=Avg(talk))["mean"]
    return mean.total_seconds() if mean is not None else None


def plan(
    *,
    calendar: BusinessCalendar,
    until: datetime.date,
    weeks: int = 8,
    target_level: float = 0.8,
    target_s: float = 20,
    after_call_s: float = 0,
) -> StaffingPlan:
    """Forecast and agents needed per weekday and opening hour from the `weeks` before
    `until`. No history gives an explanation and no numbers, never a guess presented as data."""
    tz = ZoneInfo(calendar.timezone)
    window_start = until - datetime.timedelta(weeks=weeks)
    start = datetime.datetime.combine(window_start, datetime.time(0), tzinfo=tz)
    end = datetime.datetime.combine(until, datetime.time(0), tzinfo=tz)
    # Calls refused from blocked numbers are no work for an agent.
    calls = Call.objects.filter(
        direction=Call.Direction.IN, started_at__gte=start, started_at__lt=end
    ).exclude(cause=BLOCKED_CAUSE)
    first = calls.aggregate(first=Min("started_at"))["first"]
    if first is None:
        return StaffingPlan(
            window_start,
            until,
            {},
            DEFAULT_HANDLING_S + after_call_s,
            False,
            [],
            _(
                "Im Anrufjournal gibt es in den %(weeks)d Wochen vor dem %(until)s keine "
                "eingehenden Anrufe; ohne Verlauf gibt es keine Prognose."
            )
            % {"weeks": weeks, "until": f"{until:%d.%m.%Y}"},
        )
    since = max(window_start, first.astimezone(tz).date())
    days = _observed_days(calendar, since, until)
    measured = _handling_seconds(calls)
    handling = (measured if measured else DEFAULT_HANDLING_S) + after_call_s
    counts = (
        calls.annotate(
            day=TruncDate("started_at", tzinfo=tz), hour=ExtractHour("started_at", tzinfo=tz)
        )
        .values("day", "hour")
        .annotate(n=Count("id"))
    )
    per_slot: dict[tuple[int, int], int] = defaultdict(int)
    for row in counts:
        if calendar.hours_on(row["day"]):  # calls on a closed day say nothing about open ones
            per_slot[(row["day"].weekday(), row["hour"])] += row["n"]
    hours = []
    for weekday, clock_hours in opening_hours(calendar).items():
        observed = days.get(weekday, 0)
        for hour in clock_hours:
            mean = per_slot[(weekday, hour)] / observed if observed else 0.0
            staffing = agents_needed(
                calls=mean, handling_s=handling, target_level=target_level, target_s=target_s
            )
            hours.append(HourPlan(weekday, hour, mean, staffing))
    return StaffingPlan(since, until, days, handling, measured is not None, hours)


# --- forecast against the shift plan ----------------------------------------------------------


@dataclass(frozen=True)
class HourGap:
    hour: int
    calls: float
    staffing: Staffing
    planned: float

    @property
    def shortfall(self) -> float | None:
        """Agents missing (positive) or spare (negative); None when no need could be given."""
        if self.staffing.agents is None:
            return None
        return round(self.staffing.agents - self.planned, 2)

    @property
    def spare(self) -> float:
        return -self.shortfall if self.shortfall and self.shortfall < 0 else 0.0

    @property
    def level_percent(self) -> float | None:
        level = self.staffing.service_level
        return None if level is None else round(level * 100, 1)


@dataclass(frozen=True)
class DayGaps:
    day: datetime.date
    hours: list[HourGap]
    closed: bool

    @property
    def missing_hours(self) -> list[HourGap]:
        return [h for h in self.hours if (h.shortfall or 0) > 0]


def week_gaps(
    forecast: StaffingPlan, calendar: BusinessCalendar, monday: datetime.date
) -> list[DayGaps]:
    """For each day of the week from `monday`: per opening hour the agents the forecast needs
    and those the shift plan has. Holidays are closed days; a forecast without history has
    no hours, so every day lists its planned agents against an unknown need."""
    days = []
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        open_hours = clock_hours(calendar.hours_on(day))
        if not open_hours:
            if calendar.weekly_hours[day.weekday()]:  # a holiday, not the weekly day off
                days.append(DayGaps(day, [], closed=True))
            continue
        planned = planned_agents(day)
        unknown = Staffing(0.0, 0.0, None, None, None, None, forecast.explanation)
        hours = []
        for hour in open_hours:
            plan_hour = forecast.hour(day.weekday(), hour)
            staffing = plan_hour.staffing if plan_hour else unknown
            calls = plan_hour.calls if plan_hour else 0.0
            hours.append(HourGap(hour, calls, staffing, planned.get(hour, 0.0)))
        days.append(DayGaps(day, hours, closed=False))
    return days
