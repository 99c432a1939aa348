"""seed_demo_presence: the demo shift plan covers the hotline with the planned gaps, twice
run changes nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kc.desk.models import Presence, Shift
from kc.desk.shifts import planned_agents, week_start

pytestmark = pytest.mark.django_db


def uncovered(day: datetime.date) -> list[int]:
    agents = planned_agents(day)
    return [hour for hour in range(8, 20) if agents[hour] < 1.0]


def test_demo_plan_covers_the_hotline_with_realistic_gaps():
    call_command("setup_demo_staff", "--force", stdout=StringIO())
    call_command("seed_demo_presence", stdout=StringIO())
    for monday in (
        week_start(timezone.localdate()),
        week_start(timezone.localdate()) + datetime.timedelta(7),
    ):
        day = {name: monday + datetime.timedelta(days=n) for n, name in enumerate("MTWtFS")}
        assert uncovered(day["M"]) == [] and uncovered(day["T"]) == []
        assert uncovered(day["W"]) == [18, 19]
        assert uncovered(day["F"]) == [13]
        assert uncovered(day["S"]) == []
        assert planned_agents(day["M"])[12] == 2.0  # the lunch overlap
        assert not Shift.objects.filter(day=monday + datetime.timedelta(days=6)).exists()
    shifts = Shift.objects.count()
    today = timezone.localdate()
    planned_today = set(Shift.objects.filter(day=today).values_list("user__username", flat=True))
    present = set(Presence.objects.values_list("user__username", flat=True))
    assert present == planned_today - {"teamlead"}
    call_command("seed_demo_presence", stdout=StringIO())
    assert Shift.objects.count() == shifts
    assert set(Presence.objects.values_list("user__username", flat=True)) == present
