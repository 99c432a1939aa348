"""Free consultation slots and the check of one wished slot.

The rules are pure functions over plain values (`AdvisorPlan`); `plans_for` loads them from
the database. A slot of an advisor is free when, for the appointment [start, end):

- it starts no earlier than `earliest` (now plus the lead time: nothing in the past) and on
  a local day no later than `last_day` (the booking horizon);
- its day is an opening day of the business calendar (no Sunday, no NRW holiday) and it lies
  inside the calendar's opening hours and inside one of the advisor's weekly intervals;
- the advisor is not absent at any moment of it;
- [start, end + buffer) overlaps no other active booking's [start, blocked_until).

Weekly hours are wall-clock times in Europe/Berlin; every comparison and every step happens in
UTC, so an hour is a real hour also on the days the clocks change (a wall-clock time that
does not exist in March yields no slot, the hour that repeats in October yields two).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.appointments.models import Absence, Advisor, AppointmentType, Booking, WeeklyAvailability
from kc.core.business_calendar import BusinessCalendar

type Span = tuple[datetime, datetime]


class Problem(StrEnum):
    """Why a wished slot cannot be booked (the refusal's code)."""

    PAST = "past"
    TOO_SOON = "too_soon"
    CLOSED_DAY = "closed_day"
    OUTSIDE_HOURS = "outside_hours"
    ABSENT = "absent"
    TAKEN = "taken"
    TOO_FAR = "too_far"


PROBLEM_TEXTS = {
    Problem.PAST: _("Der Termin liegt in der Vergangenheit."),
    Problem.TOO_SOON: _("Der Termin liegt zu kurzfristig; bitte wählen Sie einen späteren."),
    Problem.CLOSED_DAY: _("An diesem Tag (Sonntag oder Feiertag) gibt es keine Beratung."),
    Problem.OUTSIDE_HOURS: _("Zu dieser Uhrzeit berät diese Beraterin oder dieser Berater nicht."),
    Problem.ABSENT: _("Die Beraterin oder der Berater ist zu dieser Zeit abwesend."),
    Problem.TAKEN: _("Dieser Termin ist schon vergeben; bitte wählen Sie einen anderen."),
    Problem.TOO_FAR: _("So weit im Voraus vergeben wir noch keine Termine."),
}


def problem_text(problem: Problem) -> str:
    return str(PROBLEM_TEXTS[problem])


@dataclass(frozen=True, slots=True)
class AdvisorPlan:
    advisor_id: int
    weekly: Mapping[int, Sequence[tuple[time, time]]]  # weekday (Monday 0) -> intervals
    absences: Sequence[Span] = ()
    busy: Sequence[Span] = ()  # active bookings: [starts_at, blocked_until)


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    advisor_id: int = field(compare=True)


@dataclass(frozen=True, slots=True)
class Rules:
    duration: timedelta
    buffer: timedelta
    grid: timedelta
    earliest: datetime  # now plus the lead time
    last_day: date | None = None  # the booking horizon (a local day); None: no limit


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: Span, spans: Iterable[Span]) -> bool:
    return any(start <= inner[0] and inner[1] <= end for start, end in spans)


def advisor_spans(plan: AdvisorPlan, calendar: BusinessCalendar, day: date) -> list[Span]:
    """The advisor's weekly intervals of `day` in UTC (none on a closed day)."""
    if not calendar.hours_on(day):
        return []
    tz = calendar.tz
    spans = []
    for start, end in plan.weekly.get(day.weekday(), ()):
        utc_start = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
        utc_end = datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
        if utc_end > utc_start:
            spans.append((utc_start, utc_end))
    return spans


def slot_problem(
    plan: AdvisorPlan,
    calendar: BusinessCalendar,
    rules: Rules,
    starts_at: datetime,
    *,
    now: datetime,
) -> Problem | None:
    """The first reason the advisor cannot take an appointment at `starts_at`, else None."""
    start = starts_at.astimezone(UTC)
    end = start + rules.duration
    if start < now:
        return Problem.PAST
    if start < rules.earliest:
        return Problem.TOO_SOON
    day = starts_at.astimezone(calendar.tz).date()
    if rules.last_day is not None and day > rules.last_day:
        return Problem.TOO_FAR
    if not calendar.hours_on(day):
        return Problem.CLOSED_DAY
    opening = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in calendar.open_intervals(day)]
    if not _inside((start, end), advisor_spans(plan, calendar, day)) or not _inside(
        (start, end), opening
    ):
        return Problem.OUTSIDE_HOURS
    if any(_overlaps((start, end), absence) for absence in plan.absences):
        return Problem.ABSENT
    if any(_overlaps((start, end + rules.buffer), busy) for busy in plan.busy):
        return Problem.TAKEN
    return None


def free_slots(
    plans: Iterable[AdvisorPlan],
    calendar: BusinessCalendar,
    rules: Rules,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
) -> list[Slot]:
    """Every free slot of every advisor from `first_day` to `last_day` (local days), sorted by
    time. Candidates start on the grid counted from the start of each weekly interval."""
    found = []
    for plan in plans:
        day = first_day
        while day <= last_day:
            for span_start, span_end in advisor_spans(plan, calendar, day):
                start = span_start
                while start + rules.duration <= span_end:
                    if slot_problem(plan, calendar, rules, start, now=now) is None:
                        found.append(Slot(start, start + rules.duration, plan.advisor_id))
                    start += rules.grid
            day += timedelta(days=1)
    return sorted(found)


# --- loading from the database ---------------------------------------------------------------


def rules_for(appointment_type: AppointmentType, *, now: datetime) -> Rules:
    return Rules(
        duration=timedelta(minutes=appointment_type.duration_minutes),
        buffer=timedelta(minutes=appointment_type.buffer_minutes),
        grid=timedelta(minutes=settings.KC_APPOINTMENT_GRID_MINUTES),
        earliest=now + timedelta(minutes=settings.KC_APPOINTMENT_LEAD_MINUTES),
        last_day=timezone.localdate(now) + timedelta(days=settings.KC_APPOINTMENT_HORIZON_DAYS),
    )


def advisors_for(appointment_type: AppointmentType) -> list[Advisor]:
    mode_field = {
        "phone": "offers_phone",
        "video": "offers_video",
        "on_site": "offers_on_site",
    }[appointment_type.mode]
    return list(
        Advisor.objects.filter(active=True, user__is_active=True, **{mode_field: True})
        .select_related("user")
        .order_by("pk")
    )


def plans_for(
    advisors: Sequence[Advisor],
    start: datetime,
    end: datetime,
    *,
    excluding: Booking | None = None,
) -> list[AdvisorPlan]:
    """The weekly hours, absences and active bookings of `advisors` around [start, end)."""
    ids = [advisor.pk for advisor in advisors]
    weekly: dict[int, dict[int, list[tuple[time, time]]]] = {pk: {} for pk in ids}
    absences: dict[int, list[Span]] = {pk: [] for pk in ids}
    busy: dict[int, list[Span]] = {pk: [] for pk in ids}
    for row in WeeklyAvailability.objects.filter(advisor_id__in=ids).order_by("start"):
        weekly[row.advisor_id].setdefault(row.weekday, []).append((row.start, row.end))
    for absence in Absence.objects.filter(advisor_id__in=ids, ends_at__gt=start, starts_at__lt=end):
        absences[absence.advisor_id].append((absence.starts_at, absence.ends_at))
    bookings = Booking.objects.filter(
        advisor_id__in=ids,
        status=Booking.Status.BOOKED,
        blocked_until__gt=start,
        starts_at__lt=end,
    )
    if excluding is not None:
        bookings = bookings.exclude(pk=excluding.pk)
    for booking in bookings.only("advisor_id", "starts_at", "blocked_until"):
        busy[booking.advisor_id].append((booking.starts_at, booking.blocked_until))
    return [AdvisorPlan(pk, weekly[pk], absences[pk], busy[pk]) for pk in ids]


def day_bounds(calendar: BusinessCalendar, first_day: date, last_day: date) -> Span:
    tz = calendar.tz
    start = datetime.combine(first_day, time(0), tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def open_slots(
    appointment_type: AppointmentType,
    calendar: BusinessCalendar,
    first_day: date,
    last_day: date,
    *,
    now: datetime | None = None,
    advisors: Sequence[Advisor] | None = None,
) -> list[Slot]:
    """Free slots of `appointment_type` from the database (all advisors offering its mode)."""
    now = now or timezone.now()
    chosen = advisors if advisors is not None else advisors_for(appointment_type)
    start, end = day_bounds(calendar, first_day, last_day)
    plans = plans_for(chosen, start, end + timedelta(days=1))
    rules = rules_for(appointment_type, now=now)
    return free_slots(plans, calendar, rules, first_day, last_day, now=now)


def first_free_per_time(slots: Iterable[Slot]) -> list[Slot]:
    """One slot per start time (the customer does not choose the advisor)."""
    seen: set[datetime] = set()
    result = []
    for slot in sorted(slots):
        if slot.starts_at not in seen:
            seen.add(slot.starts_at)
            result.append(slot)
    return result
