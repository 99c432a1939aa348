"""Presence pages: the widget (start page, own page, htmx), everyone at a glance with its
poll, and the shift plan; who may see and change what."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.cases import calls
from kc.core import roles
from kc.core.models import User
from kc.desk.models import Location, Presence, PresenceState, Shift
from kc.desk.presence import set_location
from kc.desk.shifts import save_shift, week_start

pytestmark = pytest.mark.django_db

ME = reverse("desk:presence_me")
OVERVIEW = reverse("desk:presence_overview")
ROWS = reverse("desk:presence_rows")
WEEK = reverse("desk:shift_week")
NEW_SHIFT = reverse("desk:shift_create")
HTMX = {"HX-Request": "true"}
POLL = {"HX-Request": "true", "X-KC-Poll": "1"}


def logged_in(role: str | None, name: str) -> tuple[Client, User]:
    client = Client()
    user = make_staff(name, role)
    client.force_login(user)
    return client, user


@pytest.fixture
def agent_pair():
    return logged_in(roles.AGENT, "heike")


@pytest.fixture
def lead():
    return logged_in(roles.TEAM_LEAD, "karin")[0]


def test_start_page_has_the_widget_and_a_post_sets_presence(agent_pair):
    client, user = agent_pair
    home = client.get(reverse("desk:home")).content.decode()
    assert 'id="presence-widget"' in home and "Heute noch nicht gesetzt." in home
    assert f'hx-post="{ME}"' in home and f'action="{ME}"' in home
    response = client.post(ME, {"location": "home_office", "state": "available", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    presence = Presence.objects.get(user=user)
    assert (presence.location, presence.state) == (Location.HOME_OFFICE, PresenceState.AVAILABLE)
    home = client.get(reverse("desk:home")).content.decode()
    assert "<strong>Homeoffice</strong>, <strong>verfügbar</strong>" in home


def test_next_to_another_site_is_not_followed(agent_pair):
    client, _user = agent_pair
    response = client.post(
        ME, {"location": "call_center", "state": "break", "next": "https://evil.example/"}
    )
    assert response["Location"] == ME


def test_htmx_post_answers_the_widget_with_its_status_message(agent_pair):
    client, user = agent_pair
    response = client.post(ME, {"location": "absent", "state": "available"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="presence-widget-body"' in html and 'hx-swap-oob="true"' in html
    assert "nicht am Platz" in html
    assert "autofocus" in html  # the focus comes back to the new button
    assert Presence.objects.get(user=user).state == PresenceState.AWAY
    assert "autofocus" not in client.get(ME).content.decode()


def test_a_refused_change_shows_its_reason(agent_pair, django_capture_on_commit_callbacks):
    client, user = agent_pair
    set_location(user, Location.HOME_OFFICE)
    with django_capture_on_commit_callbacks(execute=True):
        calls.record_new_call(call_id="c1", direction="in", from_number="0211 1", to_number="0")
        calls.record_answer(call_id="c1", username="heike")
    refused = client.post(ME, {"location": "absent", "state": "away"})
    assert refused.status_code == 400
    assert "erst nach dem Auflegen" in refused.content.decode()
    refused_htmx = client.post(ME, {"location": "absent", "state": "away"}, headers=HTMX)
    assert (
        refused_htmx.status_code == 200
        and "erst nach dem Auflegen" in refused_htmx.content.decode()
    )
    deferred = client.post(ME, {"location": "home_office", "state": "break"}, headers=HTMX)
    assert "bis zum Auflegen, danach „Pause“" in deferred.content.decode()
    assert Presence.objects.get(user=user).state == PresenceState.ON_CALL


def test_bad_values_are_form_errors(agent_pair):
    client, _user = agent_pair
    response = client.post(ME, {"location": "unknown", "state": "sleeping"})
    assert response.status_code == 400
    assert not Presence.objects.exists()


def test_overview_groups_everyone_by_todays_location(agent_pair):
    client, agent = agent_pair
    set_location(agent, Location.HOME_OFFICE)
    planned = make_staff("jonas", roles.AGENT)
    planned.first_name, planned.last_name = "Jonas", "Petersen"
    planned.save()
    save_shift(
        user=planned,
        day=timezone.localdate(),
        start=datetime.time(8),
        end=datetime.time(16, 30),
        location=Location.CALL_CENTER,
    )
    yesterday = make_staff("gestern", roles.CUSTOMER_CENTER)
    set_location(yesterday, Location.CUSTOMER_CENTER)
    Presence.objects.filter(user=yesterday).update(
        day=timezone.localdate() - datetime.timedelta(days=1)
    )
    html = client.get(OVERVIEW).content.decode()
    home_office = html.index('id="presence-group-home_office"')
    not_set = html.index('id="presence-group-not_set"')
    assert html.index("heike", home_office) < not_set
    assert "Heute noch nicht gesetzt" in html
    assert html.index("Jonas Petersen") > not_set and "08:00–16:30 Call-Center" in html
    assert html.index("gestern") > not_set  # yesterday's location does not count
    assert 'id="presence-group-customer_center"' not in html
    assert f'hx-get="{ROWS}"' in html and "every 20s" in html and "X-KC-Poll" in html


def test_overview_rows_are_polled_and_stop_when_logged_out(agent_pair):
    client, agent = agent_pair
    set_location(agent, Location.CALL_CENTER)
    rows = client.get(ROWS, headers=POLL)
    assert rows.status_code == 200 and "<html" not in rows.content.decode()
    assert "heike" in rows.content.decode()
    assert client.get(ROWS).status_code == 302  # without htmx: the page
    assert Client().get(ROWS, headers=POLL).status_code == 286


@pytest.mark.parametrize(
    "role",
    [roles.AGENT, roles.CUSTOMER_CENTER, roles.ENERGY_ADVISOR, roles.FUNDING_CLERK, roles.ADMIN],
)
def test_every_role_sees_overview_and_plan_but_cannot_plan(role):
    client, _user = logged_in(role, "someone")
    assert client.get(OVERVIEW).status_code == 200
    assert client.get(ME).status_code == 200
    week = client.get(WEEK)
    assert week.status_code == 200 and NEW_SHIFT not in week.content.decode()
    assert client.get(NEW_SHIFT).status_code == 403
    assert client.post(reverse("desk:shift_copy_week"), {"week": "2026-12-07"}).status_code == 403


def test_staff_without_role_gets_403():
    client, _user = logged_in(None, "norole")
    for url in (OVERVIEW, ME, WEEK):
        assert client.get(url).status_code == 403
    assert client.get(ROWS, headers=POLL).status_code == 403


def test_team_lead_plans_a_week(lead):
    agent = make_staff("heike", roles.AGENT)
    monday = week_start(timezone.localdate())
    tuesday = monday + datetime.timedelta(days=1)
    data = {
        "user": agent.pk,
        "day": tuesday.isoformat(),
        "start": "08:00",
        "end": "14:00",
        "location": "call_center",
    }
    assert (
        lead.get(NEW_SHIFT, {"tag": tuesday.isoformat(), "mitarbeiter": agent.pk}).status_code
        == 200
    )
    created = lead.post(NEW_SHIFT, data)
    assert created.status_code == 302 and created["Location"].endswith(monday.isoformat())
    shift = Shift.objects.get()
    overlap = lead.post(NEW_SHIFT, {**data, "start": "13:00", "end": "15:00"})
    assert overlap.status_code == 400 and "Überschneidet" in overlap.content.decode()
    backwards = lead.post(NEW_SHIFT, {**data, "start": "15:00", "end": "14:30"})
    assert backwards.status_code == 400 and "nach dem Beginn" in backwards.content.decode()
    week = lead.get(WEEK, {"woche": tuesday.isoformat()}).content.decode()
    assert reverse("desk:shift_edit", args=[shift.pk]) in week and "08:00–14:00" in week
    edit = lead.post(reverse("desk:shift_edit", args=[shift.pk]), {**data, "end": "16:00"})
    assert edit.status_code == 302
    shift.refresh_from_db()
    assert shift.end == datetime.time(16)
    # Copy into the next week, once.
    next_monday = monday + datetime.timedelta(days=7)
    copy = reverse("desk:shift_copy_week")
    assert lead.post(copy, {"week": next_monday.isoformat()}).status_code == 302
    assert Shift.objects.filter(day=tuesday + datetime.timedelta(days=7)).count() == 1
    again = lead.post(copy, {"week": next_monday.isoformat()}, follow=True)
    assert "schon Schichten" in again.content.decode()
    assert Shift.objects.count() == 2
    # Delete asks first, then deletes on POST.
    delete = reverse("desk:shift_delete", args=[shift.pk])
    assert "Löschen" in lead.get(delete).content.decode()
    assert lead.post(delete).status_code == 302
    assert not Shift.objects.filter(pk=shift.pk).exists()


def test_week_shows_hotline_gaps(lead):
    agent = make_staff("heike", roles.AGENT)
    monday = datetime.date(2026, 12, 7)
    save_shift(
        user=agent,
        day=monday,
        start=datetime.time(8),
        end=datetime.time(18),
        location=Location.HOME_OFFICE,
    )
    html = lead.get(WEEK, {"woche": "2026-12-09"}).content.decode()  # any day of the week
    assert "07.12.–13.12.2026" in html
    assert "18–20" in html  # Monday evening uncovered
    assert "8–20" in html  # Tuesday nobody planned


def test_overview_and_week_cost_the_same_queries_for_3_or_30_people(lead):
    def staff_with_plans(count: int) -> None:
        for n in range(count):
            user = make_staff(f"p{count}-{n}", roles.AGENT)
            set_location(user, Location.CALL_CENTER)
            save_shift(
                user=user,
                day=timezone.localdate(),
                start=datetime.time(8),
                end=datetime.time(12),
                location=Location.CALL_CENTER,
            )

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert lead.get(url, headers=POLL if url == ROWS else {}).status_code == 200
        return len(captured)

    staff_with_plans(3)
    lead.get(OVERVIEW)  # the session's first touch writes it; later requests do not
    small = (queries(ROWS), queries(WEEK))
    staff_with_plans(27)
    assert (queries(ROWS), queries(WEEK)) == small


@pytest.mark.parametrize("woche", ["9999-12-31", "0001-01-01"])
def test_a_week_out_of_range_shows_this_week_instead_of_a_500(lead, woche):
    # The grid and its previous/next links overflowed Python's date range.
    response = lead.get(WEEK, {"woche": woche})
    assert response.status_code == 200
    assert response.context["monday"] == week_start(timezone.localdate())


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_copying_into_a_week_out_of_range_is_refused_not_a_500(lead, week):
    response = lead.post(reverse("desk:shift_copy_week"), {"week": week}, follow=True)
    assert response.status_code == 200
    assert "Unbekannte Woche." in response.content.decode()
    assert not Shift.objects.exists()
