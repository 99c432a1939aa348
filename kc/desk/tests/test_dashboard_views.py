"""The dashboard page and its polled tiles: who may see them, what they show, how they poll,
and that an empty or odd database renders zeros and dashes."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.cases import services
from kc.cases.models import Call, Case, Complaint
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.core.models import User
from kc.desk import dashboard_views

pytestmark = pytest.mark.django_db

PAGE = reverse("desk:dashboard")
TILES = reverse("desk:dashboard_tiles")
HTMX = {"HX-Request": "true", "X-KC-Poll": "1"}


@pytest.fixture(autouse=True)
def _count_anew(settings) -> None:  # type: ignore[no-untyped-def]
    """Each request counts anew: the tests change data between requests."""
    settings.KC_DASHBOARD_CACHE_SECONDS = 0


def logged_in(client: Client, role: str | None, name: str = "user") -> Client:
    client.force_login(make_staff(name, role))
    return client


@pytest.mark.parametrize(
    "role",
    [
        roles.AGENT,
        roles.CUSTOMER_CENTER,
        roles.TEAM_LEAD,
        roles.ENERGY_ADVISOR,
        roles.FUNDING_CLERK,
        roles.COMPLAINT_MANAGER,
    ],
)
def test_every_staff_role_with_case_access_sees_the_page(client: Client, role: str) -> None:
    response = logged_in(client, role).get(PAGE)
    assert response.status_code == 200
    assert "Lagebild" in response.content.decode()


def test_staff_without_case_access_gets_403(client: Client) -> None:
    client = logged_in(client, None)
    assert client.get(PAGE).status_code == 403
    assert client.get(TILES, headers=HTMX).status_code == 403


def test_a_portal_customer_never_gets_the_dashboard(client: Client) -> None:
    customer = User.objects.create_user(username="kunde", password="x", is_customer=True)
    client.force_login(customer)
    page = client.get(PAGE)
    assert page.status_code == 302 and page["Location"] == "/portal/"
    tiles = client.get(TILES, headers=HTMX)
    assert tiles.status_code == 403
    assert "Warteschlange" not in tiles.content.decode()


def test_logged_out_polling_stops_and_the_page_asks_for_a_login(client: Client) -> None:
    assert client.get(TILES, headers=HTMX).status_code == 286
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_polls_the_tiles_and_announces_only_the_summary(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_POLL_SECONDS = 10
    html = logged_in(client, roles.AGENT).get(PAGE).content.decode()
    assert f'hx-get="{TILES}"' in html
    assert 'hx-trigger="every 10s' in html and "X-KC-Poll" in html
    assert 'id="dashboard-summary" class="dashboard-summary" aria-live="polite"' in html
    assert html.count("aria-live") == 2  # the summary and the screen pop of base.html
    assert "Stand: <time" in html
    assert f'<a href="{PAGE}">Neu laden</a>' in html  # without JavaScript


def test_poll_interval_is_a_setting(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_POLL_SECONDS = 1
    html = logged_in(client, roles.AGENT).get(PAGE).content.decode()
    assert 'hx-trigger="every 1s' in html


def test_tiles_carry_the_summary_only_when_it_changed(client: Client) -> None:
    client = logged_in(client, roles.AGENT)
    first = client.get(TILES, headers=HTMX)
    assert first.status_code == 200
    html = first.content.decode()
    assert 'hx-swap-oob="innerHTML"' in html and "0 Vorgänge warten" in html
    key = html.split('name="shown" value="')[1].split('"')[0]
    same = client.get(TILES, {"shown": key}, headers=HTMX).content.decode()
    assert "hx-swap-oob" not in same and 'name="shown"' in same
    QueueFactory()
    services.open_case(subject="Neu", channel="email", actor=None)
    changed = client.get(TILES, {"shown": key}, headers=HTMX).content.decode()
    assert 'hx-swap-oob="innerHTML"' in changed and "1 Vorgang wartet" in changed


def test_tiles_without_htmx_go_to_the_page(client: Client) -> None:
    response = logged_in(client, roles.AGENT).get(TILES)
    assert response.status_code == 302 and response["Location"] == PAGE


def test_empty_database_renders_zeros_and_dashes(client: Client) -> None:
    html = logged_in(client, roles.TEAM_LEAD).get(PAGE).content.decode()
    assert "0 Vorgänge warten" in html
    assert "Noch keine Warteschlangen eingerichtet." in html
    assert "–" in html  # no ages where nothing waits


def test_queue_rows_link_to_the_filtered_case_list_and_levels_are_words(
    client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_CASE_AMBER_MINUTES = 60
    settings.KC_DASHBOARD_CASE_RED_MINUTES = 120
    queue = QueueFactory(name="Eingang")
    QueueFactory(name="Leer", is_default=False)
    CaseFactory(queue=queue, received_at=timezone.now() - datetime.timedelta(hours=3))
    # No due dates at all: shown as a dash, no crash.
    CaseFactory(queue=queue, first_response_due=None, resolution_due=None)
    html = logged_in(client, roles.AGENT).get(PAGE).content.decode()
    assert f'href="{reverse("cases:list")}?queue={queue.pk}">Eingang</a>' in html
    assert 'class="badge level level-critical">kritisch</span>' in html
    assert "3 Std. 0 Min." in html  # the oldest waits three hours
    assert "2 Vorgänge warten" in html and "1 Bereich kritisch" in html


def test_tiles_link_only_where_the_role_may_go(client: Client) -> None:
    agent_html = logged_in(client, roles.AGENT, "a").get(PAGE).content.decode()
    assert reverse("disconnection:reconnections") in agent_html
    assert reverse("letters:print_room") not in agent_html  # agents do not run the print room
    onsite = Client()
    onsite.force_login(make_staff("vorort", roles.CUSTOMER_CENTER))
    onsite_html = onsite.get(PAGE).content.decode()
    assert reverse("letters:print_room") in onsite_html
    assert reverse("disconnection:reconnections") not in onsite_html
    assert reverse("desk:call_journal") in onsite_html
    assert reverse("desk:presence_overview") in onsite_html and "Wer ist wo?" in onsite_html


def test_breached_case_is_listed_with_a_link(client: Client) -> None:
    past = timezone.now() - datetime.timedelta(minutes=5)
    case: Case = CaseFactory(first_response_due=past)
    Call.objects.create(
        call_id="x", direction="in", from_number="1", to_number="2", started_at=timezone.now()
    )
    html = logged_in(client, roles.AGENT).get(PAGE).content.decode()
    assert reverse("cases:detail", args=[case.number]) in html
    assert "1 SLA überschritten" in html
    assert "1 Anruf in der Warteschleife" in html


def test_complaint_tile_counts_and_links_for_who_may_see_complaints(client: Client) -> None:
    received = timezone.now() - datetime.timedelta(days=30)
    Complaint.objects.create(
        case=CaseFactory(case_type="complaint"),
        category=Complaint.Category.SERVICE,
        received_at=received,
        answer_due=timezone.localdate() - datetime.timedelta(days=1),
        rule_set="enwg-111a-2011",
        registered_at=received,
    )
    html = logged_in(client, roles.COMPLAINT_MANAGER, "b").get(PAGE).content.decode()
    assert 'aria-labelledby="tile-complaints"' in html
    assert reverse("cases:complaints") in html
    tile = html.split('id="tile-complaints"')[1].split("</section>")[0]
    assert "kritisch" in tile and '<dd class="tile-number">1</dd>' in tile
    onsite = Client()
    onsite.force_login(make_staff("vorort", roles.CUSTOMER_CENTER))
    assert reverse("cases:complaints") not in onsite.get(PAGE).content.decode()


def test_page_queries_do_not_grow_with_cases(client: Client) -> None:
    client = logged_in(client, roles.TEAM_LEAD)
    queue = QueueFactory()
    overdue = timezone.now() - datetime.timedelta(minutes=1)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured.captured_queries)

    CaseFactory(queue=queue, first_response_due=overdue)
    page_queries()  # the first request of a session loads what later ones have cached
    few = page_queries()
    for _ in range(25):
        CaseFactory(queue=queue, first_response_due=overdue)
    assert page_queries() == few


def test_one_snapshot_serves_every_viewer_for_the_cache_time(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_CACHE_SECONDS = 60
    cache.delete(dashboard_views.CACHE_KEY)
    QueueFactory()
    client = logged_in(client, roles.AGENT)
    assert "0 Vorgänge warten" in client.get(TILES, headers=HTMX).content.decode()
    services.open_case(subject="Neu", channel="email", actor=None)
    assert "0 Vorgänge warten" in client.get(TILES, headers=HTMX).content.decode()
    cache.delete(dashboard_views.CACHE_KEY)  # the cache time is over
    assert "1 Vorgang wartet" in client.get(TILES, headers=HTMX).content.decode()
