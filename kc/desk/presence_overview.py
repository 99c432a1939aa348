"""Read side of presence: everyone at a glance, grouped by where they work today, and the
week grid of the shift plan."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kc.core.business_calendar import BusinessCalendar
from kc.core.models import User
from kc.desk.models import Location, Presence, Shift
from kc.desk.presence import location_today
from kc.desk.shifts import planned_agents, shifts_of_week, staff_users
from kc.desk.staffing import opening_hours

NOT_SET = "not_set"
# The order of the groups on the overview: working first, then the unclear, then the absent.
GROUP_ORDER = [
    Location.CALL_CENTER,
    Location.HOME_OFFICE,
    Location.CUSTOMER_CENTER,
    Location.UNKNOWN,
    NOT_SET,
    Location.ABSENT,
]


@dataclass(frozen=True)
class PersonRow:
    user: User
    presence: Presence | None  # None: no location given today
    shifts: list[Shift]


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    rows: list[PersonRow]


def overview(today: datetime.date | None = None) -> list[Group]:
    """Every member of staff in the group of today's location ("not yet set today" when they
    gave none today), with state, since when and today's planned shifts."""
    today = today or timezone.localdate()
    people = list(staff_users())
    ids = [u.pk for u in people]
    presences = {p.user_id: p for p in Presence.objects.filter(user_id__in=ids)}
    shifts: dict[int, list[Shift]] = defaultdict(list)
    for shift in Shift.objects.filter(day=today, user_id__in=ids).order_by("start"):
        shifts[shift.user_id].append(shift)
    grouped: dict[str, list[PersonRow]] = defaultdict(list)
    for user in people:
        presence = presences.get(user.pk)
        given = location_today(presence, today)
        row = PersonRow(user, presence if given else None, shifts[user.pk])
        grouped[given or NOT_SET].append(row)
    labels = {**{loc.value: loc.label for loc in Location}, NOT_SET: _("Heute noch nicht gesetzt")}
    return [Group(key, labels[key], grouped[key]) for key in GROUP_ORDER if grouped.get(key)]


@dataclass(frozen=True)
class DayColumn:
    day: datetime.date
    gaps: list[tuple[int, int]]  # opening hours [from, to) without any planned hotline agent


@dataclass
class WeekRow:
    user: User
    days: list[datetime.date]
    cells: list[list[Shift]] = field(default_factory=list)  # one list per day

    @property
    def day_cells(self) -> list[tuple[datetime.date, list[Shift]]]:
        return list(zip(self.days, self.cells, strict=True))


def hotline_gaps(day: datetime.date, calendar: BusinessCalendar) -> list[tuple[int, int]]:
    """Runs of opening hours in which the plan has less than one hotline agent."""
    if not calendar.hours_on(day):
        return []
    planned = planned_agents(day)
    runs: list[tuple[int, int]] = []
    for hour in opening_hours(calendar).get(day.weekday(), []):
        if planned.get(hour, 0.0) >= 1.0:
            continue
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def week_grid(
    monday: datetime.date, calendar: BusinessCalendar
) -> tuple[list[DayColumn], list[WeekRow]]:
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    columns = [DayColumn(day, hotline_gaps(day, calendar)) for day in days]
    rows = {user.pk: WeekRow(user, days, [[] for _day in days]) for user in staff_users()}
    for shift in shifts_of_week(monday).order_by("day", "start"):
        row = rows.get(shift.user_id)
        if row is None:  # someone who left: their shifts stay, shown under their name
            row = rows[shift.user_id] = WeekRow(shift.user, days, [[] for _day in days])
        row.cells[(shift.day - monday).days].append(shift)
    return columns, list(rows.values())
