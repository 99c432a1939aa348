"""The shift plan (planned presence): save, delete and copy shifts, and the hotline agents
it plans per hour for the staffing page.

Shifts are Berlin wall-clock times. Two shifts of one person on one day do not overlap: the
service locks the person's row before the check (PostgreSQL also has an exclusion
constraint, migration desk 0002).
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kc.core import roles
from kc.core.models import User
from kc.core.validation import Refusal
from kc.desk.models import HOTLINE_LOCATIONS, Shift

HOUR = datetime.timedelta(hours=1)
# The weeks a shift plan can show or copy; far-off dates overflow the week arithmetic.
EARLIEST_DAY, LATEST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)
# The roles that take hotline calls; an energy advisor or a funding clerk working from home is
# not hotline staff.
HOTLINE_ROLES = (roles.AGENT, roles.TEAM_LEAD)
Interval = tuple[datetime.datetime, datetime.datetime]


def berlin() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the week `day` lies in."""
    return day - datetime.timedelta(days=day.weekday())


def staff_users() -> QuerySet[User]:
    """Active members of staff with a role: the people on the overview and the shift plan."""
    return (
        User.objects.filter(is_active=True, is_customer=False, groups__isnull=False)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def shifts_of_week(monday: datetime.date) -> QuerySet[Shift]:
    return Shift.objects.filter(
        day__gte=monday, day__lt=monday + datetime.timedelta(days=7)
    ).select_related("user")


def shifts_on(day: datetime.date, user_ids: list[int] | None = None) -> QuerySet[Shift]:
    shifts = Shift.objects.filter(day=day).order_by("start")
    if user_ids is not None:
        shifts = shifts.filter(user_id__in=user_ids)
    return shifts


@transaction.atomic
def save_shift(
    *,
    user: User,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    location: str,
    shift: Shift | None = None,
) -> Shift:
    """Create a shift, or change `shift`; refuses an end before the start and an overlap."""
    # Serialises the overlap check per person (SQLite has no exclusion constraint).
    User.objects.select_for_update().filter(pk=user.pk).first()
    shift = Shift() if shift is None else Shift.objects.select_for_update().get(pk=shift.pk)
    shift.user, shift.day, shift.start, shift.end, shift.location = (
        user,
        day,
        start,
        end,
        location,
    )
    shift.full_clean()
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:  # the PostgreSQL constraint saw a concurrent twin
        raise ValidationError(
            _("Die Schicht überschneidet sich mit einer anderen Schicht am selben Tag."),
            code="shift_overlap",
        ) from exc
    return shift


def delete_shift(shift: Shift) -> None:
    Shift.objects.filter(pk=shift.pk).delete()


@transaction.atomic
def copy_week(*, source_monday: datetime.date, target_monday: datetime.date) -> int:
    """Copy every shift of the source week to the same weekday of the target week.

    Refused when the target week already has shifts (a second click must not double them);
    returns the number of shifts copied.
    """
    if source_monday.weekday() != 0 or target_monday.weekday() != 0:
        raise Refusal(_("Wochen beginnen am Montag."))
    filled = Refusal(
        _("Die Woche ab %(day)s hat schon Schichten; es wurde nichts kopiert.")
        % {"day": f"{target_monday:%d.%m.%Y}"}
    )
    source = list(shifts_of_week(source_monday).filter(user__is_active=True))
    # Lock the people copied (as save_shift does, in one order): a second copy sent at the same
    # moment (a double click) waits here and then finds the target week filled.
    people = User.objects.select_for_update().filter(pk__in={s.user_id for s in source})
    list(people.order_by("pk").values_list("pk", flat=True))
    if shifts_of_week(target_monday).exists():
        raise filled
    offset = target_monday - source_monday
    copies = [
        Shift(
            user_id=s.user_id,
            day=s.day + offset,
            start=s.start,
            end=s.end,
            location=s.location,
        )
        for s in source
    ]
    try:
        with transaction.atomic():
            Shift.objects.bulk_create(copies)
    except IntegrityError as exc:  # PostgreSQL's overlap constraint saw a concurrent shift
        raise filled from exc
    return len(copies)


def hour_buckets(
    day: datetime.date,
) -> dict[int, list[tuple[datetime.datetime, datetime.datetime]]]:
    """The real (UTC) intervals of each Berlin wall-clock hour of `day`.

    On the spring DST change the hour 2 does not exist (no key); on the autumn change hour 2
    happens twice (two intervals under one key).
    """
    tz = berlin()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz).astimezone(datetime.UTC)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
    ).astimezone(datetime.UTC)
    buckets: dict[int, list[Interval]] = defaultdict(list)
    moment = start
    while moment < end:  # Berlin's offsets change on whole UTC hours
        buckets[moment.astimezone(tz).hour].append((moment, moment + HOUR))
        moment += HOUR
    return dict(buckets)


def shift_interval(shift: Shift) -> Interval:
    """The shift as a real time interval (a wall-clock time skipped by DST counts as the
    time before the change, as zoneinfo does)."""
    tz = berlin()
    return (
        datetime.datetime.combine(shift.day, shift.start, tzinfo=tz),
        datetime.datetime.combine(shift.day, shift.end, tzinfo=tz),
    )


def planned_agents(day: datetime.date) -> dict[int, float]:
    """Hotline agents the shift plan has for each Berlin hour of `day`.

    Counts active agents and team leads (HOTLINE_ROLES) planned at a hotline location (home
    office, call center). A shift
    covering part of an hour counts pro rata (08:30–12:00 gives 0.5 for hour 8); in the
    doubled autumn DST hour the count is the mean over both real hours. Every hour the day
    has is a key (0.0 when nobody is planned); the skipped spring hour is missing.
    """
    buckets = hour_buckets(day)
    hotline_staff = User.objects.filter(is_active=True, groups__name__in=HOTLINE_ROLES)
    shifts = Shift.objects.filter(
        day=day, location__in=HOTLINE_LOCATIONS, user__in=hotline_staff
    ).only("day", "start", "end")
    intervals = [shift_interval(s) for s in shifts]
    result: dict[int, float] = {}
    for hour, parts in buckets.items():
        length = sum((b_end - b_start).total_seconds() for b_start, b_end in parts)
        covered = 0.0
        for s_start, s_end in intervals:
            for b_start, b_end in parts:
                overlap = (min(s_end, b_end) - max(s_start, b_start)).total_seconds()
                covered += max(overlap, 0.0)
        result[hour] = round(covered / length, 4)
    return result
