"""Shift plan services and planned_agents (pro rata hours, locations, DST days)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from conftest import make_staff
from kc.core import roles
from kc.core.validation import Refusal
from kc.desk.models import Location, Shift
from kc.desk.shifts import copy_week, planned_agents, save_shift, week_start

pytestmark = pytest.mark.django_db

TUESDAY = datetime.date(2026, 12, 1)
T = datetime.time


def plan(user, start, end, *, day=TUESDAY, location=Location.HOME_OFFICE):
    return save_shift(user=user, day=day, start=T(*start), end=T(*end), location=location)


def test_planned_agents_counts_hotline_locations_pro_rata():
    ho, cc, vor_ort = (make_staff(n, roles.AGENT) for n in ("ho", "cc", "vorort"))
    plan(ho, (8, 0), (12, 0))
    plan(cc, (8, 30), (10, 15), location=Location.CALL_CENTER)
    plan(vor_ort, (8, 0), (16, 0), location=Location.CUSTOMER_CENTER)  # not on the hotline
    agents = planned_agents(TUESDAY)
    assert sorted(agents) == list(range(24))
    assert agents[7] == 0.0
    assert agents[8] == 1.5
    assert agents[9] == 2.0
    assert agents[10] == 1.25
    assert agents[11] == 1.0
    assert agents[12] == 0.0


def test_planned_agents_counts_only_hotline_roles():
    plan(make_staff("lead", roles.TEAM_LEAD), (8, 0), (10, 0))
    plan(make_staff("advisor", roles.ENERGY_ADVISOR), (8, 0), (10, 0))
    plan(make_staff("funding", roles.FUNDING_CLERK), (8, 0), (10, 0), location=Location.CALL_CENTER)
    plan(make_staff("norole", None), (8, 0), (10, 0))
    assert planned_agents(TUESDAY)[8] == 1.0  # the team lead only


def test_planned_agents_leaves_out_inactive_staff_and_other_days():
    gone = make_staff("gone", roles.AGENT)
    plan(gone, (8, 0), (12, 0))
    gone.is_active = False
    gone.save()
    plan(make_staff("other", roles.AGENT), (8, 0), (9, 0), day=TUESDAY + datetime.timedelta(1))
    assert set(planned_agents(TUESDAY).values()) == {0.0}


def test_planned_agents_on_the_spring_dst_change():
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; the hour 2 does not exist.
    day = datetime.date(2026, 3, 29)
    plan(make_staff("night", roles.AGENT), (1, 0), (4, 0), day=day)
    agents = planned_agents(day)
    assert 2 not in agents
    assert len(agents) == 23
    assert (agents[1], agents[3], agents[4]) == (1.0, 1.0, 0.0)


def test_planned_agents_on_the_autumn_dst_change():
    # 25 October 2026: 03:00 CEST goes back to 02:00 CET; the hour 2 happens twice.
    day = datetime.date(2026, 10, 25)
    plan(make_staff("early", roles.AGENT), (2, 0), (4, 0), day=day)
    plan(make_staff("late", roles.AGENT), (2, 30), (3, 0), day=day)
    agents = planned_agents(day)
    assert len(agents) == 24
    # "early" is there both real hours of 2:00-3:00. "late" starts at the first 02:30 (CEST,
    # zoneinfo's fold=0) and ends at the only 03:00 (CET): 1.5 real hours of the 2.
    assert agents[2] == 1.75
    assert agents[3] == 1.0


def test_save_shift_refuses_overlap_and_changes_in_place():
    user = make_staff("a", roles.AGENT)
    first = plan(user, (8, 0), (12, 0))
    with pytest.raises(ValidationError):
        plan(user, (11, 0), (13, 0))
    moved = save_shift(
        user=user, day=TUESDAY, start=T(9), end=T(13), location=Location.CALL_CENTER, shift=first
    )
    assert moved.pk == first.pk  # its own old times do not count as an overlap
    assert Shift.objects.get().end == T(13)
    with pytest.raises(ValidationError):
        plan(user, (14, 0), (13, 0))


def test_copy_week_copies_to_same_weekday_once():
    user = make_staff("a", roles.AGENT)
    monday = week_start(TUESDAY)
    plan(user, (8, 0), (12, 0))
    plan(user, (12, 0), (16, 0), day=monday + datetime.timedelta(days=5))
    next_monday = monday + datetime.timedelta(days=7)
    assert copy_week(source_monday=monday, target_monday=next_monday) == 2
    assert set(Shift.objects.filter(day__gte=next_monday).values_list("day", "start")) == {
        (TUESDAY + datetime.timedelta(days=7), T(8)),
        (monday + datetime.timedelta(days=12), T(12)),
    }
    with pytest.raises(Refusal, match="schon Schichten"):
        copy_week(source_monday=monday, target_monday=next_monday)
    assert Shift.objects.count() == 4
