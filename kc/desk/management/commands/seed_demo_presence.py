"""Demo shift plan for `make run`: shifts of the demo staff (setup_demo_staff) for this and next
week, and today's presence for those planned today.

The hotline (Mon–Sat 8–20) is covered by the agents and the team lead with realistic gaps:
Wednesday evening 18–20 and Friday 13–14 have nobody, Saturday afternoon only one person.
Repeatable: a person who has shifts in a week keeps them; a presence given today stays.
"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kc.core.models import User
from kc.desk.models import Location, PresenceState, Shift
from kc.desk.presence import location_today, set_presence
from kc.desk.shifts import save_shift, week_start

HO, CC, KC = Location.HOME_OFFICE, Location.CALL_CENTER, Location.CUSTOMER_CENTER
MON, TUE, WED, THU, FRI, SAT = range(6)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

# username -> [(weekdays, start, end, location)]
PLAN: dict[str, list[tuple[tuple[int, ...], str, str, str]]] = {
    "callcenter": [
        ((MON, TUE, WED, THU), "08:00", "14:30", CC),
        ((FRI,), "08:00", "13:00", CC),
        ((SAT,), "08:00", "14:00", CC),
    ],
    "agent": [
        ((MON, TUE, THU), "12:00", "20:00", HO),
        ((WED,), "11:00", "18:00", HO),  # gap 18-20
        ((FRI,), "14:00", "20:00", HO),  # gap 13-14
        ((SAT,), "14:00", "20:00", HO),
    ],
    "teamlead": [
        ((MON, WED, FRI), "09:00", "12:00", HO),  # the morning peak
        ((TUE, THU), "08:30", "16:30", CC),
    ],
    "vorort": [((*WEEKDAYS,), "08:00", "16:00", KC), ((SAT,), "09:00", "13:00", KC)],
    "berater": [((TUE, THU), "09:00", "15:00", KC), ((MON, WED, FRI), "09:00", "15:00", HO)],
    "foerderung": [((*WEEKDAYS,), "08:00", "16:30", HO)],
    "beschwerde": [((*WEEKDAYS,), "08:00", "16:30", HO)],
}
# Left without a presence today, so the overview shows "not yet set today".
NOT_SET_TODAY = {"teamlead"}


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


class Command(BaseCommand):
    help = "Demo-Schichtplan (diese und nächste Woche) und heutige Anwesenheit; wiederholbar."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        this_week = week_start(today)
        created = 0
        with transaction.atomic():
            for username, rows in PLAN.items():
                user = User.objects.filter(username=username, is_active=True).first()
                if user is None:
                    continue
                for monday in (this_week, this_week + datetime.timedelta(days=7)):
                    created += self._plan_week(user, monday, rows)
        present = self._presence_today(today)
        self.stdout.write(f"seed_demo_presence: {created} shifts, {present} presences today")

    def _plan_week(
        self, user: User, monday: datetime.date, rows: list[tuple[tuple[int, ...], str, str, str]]
    ) -> int:
        week_end = monday + datetime.timedelta(days=7)
        if Shift.objects.filter(user=user, day__gte=monday, day__lt=week_end).exists():
            return 0
        count = 0
        for weekdays, start, end, location in rows:
            for weekday in weekdays:
                save_shift(
                    user=user,
                    day=monday + datetime.timedelta(days=weekday),
                    start=_time(start),
                    end=_time(end),
                    location=location,
                )
                count += 1
        return count

    def _presence_today(self, today: datetime.date) -> int:
        count = 0
        shifts = Shift.objects.filter(day=today).select_related("user").order_by("start")
        for shift in shifts:
            user = shift.user
            presence = getattr(user, "presence", None)
            if user.username in NOT_SET_TODAY or location_today(presence, today):
                continue
            state = (
                PresenceState.BREAK if user.username == "callcenter" else PresenceState.AVAILABLE
            )
            set_presence(user, location=shift.location, state=state)
            count += 1
        return count
