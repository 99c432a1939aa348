"""The hotline staffing page: need against the shift plan, gaps per hour, odd input."""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.cases.models import Call
from kc.core import roles
from kc.core.business_calendar import DEFAULT_CALENDAR
from kc.core.models import User
from kc.desk import staffing
from kc.desk.models import Location, Shift

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
PAGE = reverse("desk:staffing")
_ids = itertools.count()


def _calls(day: datetime.date, hour: int, count: int, talk_s: int = 300) -> None:
    for n in range(count):
        started = datetime.datetime.combine(day, datetime.time(hour, n % 60), tzinfo=BERLIN)
        Call.objects.create(
            call_id=f"s{next(_ids)}",
            direction=Call.Direction.IN,
            from_number="+4921100000",
            to_number="08001234567",
            state=Call.State.ENDED,
            started_at=started,
            answered_at=started + datetime.timedelta(seconds=5),
            ended_at=started + datetime.timedelta(seconds=5 + talk_s),
        )


def _shift(user: User, day: datetime.date, start: int, end: int) -> Shift:
    return Shift.objects.create(
        user=user,
        day=day,
        start=datetime.time(start),
        end=datetime.time(end),
        location=Location.HOME_OFFICE,
    )


@pytest.fixture
def lead_client(client: Client) -> Client:
    client.force_login(make_staff("lead", roles.TEAM_LEAD))
    return client


# Monday 9 November 2026 and the weeks before it; 20 calls of 5 minutes at 9 on Mondays.
MONDAY = datetime.date(2026, 11, 9)


def test_gaps_compare_the_need_with_the_shift_plan() -> None:
    for weeks_back in (1, 2):
        _calls(MONDAY - datetime.timedelta(weeks=weeks_back), 9, 20)
    agent = make_staff("a1", roles.AGENT)
    _shift(agent, MONDAY, 8, 12)
    forecast = staffing.plan(calendar=DEFAULT_CALENDAR, until=MONDAY, weeks=2)
    days = staffing.week_gaps(forecast, DEFAULT_CALENDAR, MONDAY)

    assert [d.day.weekday() for d in days] == [0, 1, 2, 3, 4, 5]  # Sunday is no hotline day
    monday = days[0]
    nine = next(h for h in monday.hours if h.hour == 9)
    assert nine.calls == pytest.approx(20)
    assert nine.staffing.agents == 4  # 1.67 Erlang at 80 % in 20 s
    assert nine.planned == 1.0
    assert nine.shortfall == 3.0
    ten = next(h for h in monday.hours if h.hour == 10)
    assert ten.staffing.agents == 0 and ten.shortfall == -1.0 and ten.spare == 1.0
    thirteen = next(h for h in monday.hours if h.hour == 13)
    assert thirteen.planned == 0.0 and thirteen.shortfall == 0
    assert monday.missing_hours == [nine]


def test_holiday_is_a_closed_day() -> None:
    # Christmas week 2026: Friday 25 and Saturday 26 December are holidays in NRW.
    days = staffing.week_gaps(
        staffing.plan(calendar=DEFAULT_CALENDAR, until=datetime.date(2026, 12, 21)),
        DEFAULT_CALENDAR,
        datetime.date(2026, 12, 21),
    )
    closed = {d.day for d in days if d.closed}
    assert closed == {datetime.date(2026, 12, 25), datetime.date(2026, 12, 26)}


def test_page_shows_the_gap_and_the_basis(lead_client: Client) -> None:
    for weeks_back in (1, 2):
        _calls(MONDAY - datetime.timedelta(weeks=weeks_back), 9, 20)
    _shift(make_staff("a1", roles.AGENT), MONDAY, 8, 12)
    response = lead_client.get(PAGE, {"week": "2026-11-11", "weeks": "2", "after_call_s": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "09.11.–15.11.2026" in page  # a Wednesday picks its week
    assert "es fehlen 3" in page
    assert "Bearbeitungszeit 5,0 Minuten" in page
    assert "<svg" in page and 'role="img"' in page


def test_no_history_and_impossible_level_are_explained(lead_client: Client) -> None:
    response = lead_client.get(PAGE, {"week": "2026-11-09", "level": "100"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "ohne Verlauf gibt es keine Prognose" in page
    assert "kein Bedarf berechenbar" in page

    for weeks_back in (1, 2):
        _calls(MONDAY - datetime.timedelta(weeks=weeks_back), 9, 5)
    page = lead_client.get(PAGE, {"week": "2026-11-09", "level": "100"}).content.decode()
    assert "100 % erreicht keine Zahl" in page


@pytest.mark.parametrize(
    "query",
    [
        {"week": "morgen"},
        {"weeks": "0"},
        {"level": "101"},
        {"target_s": "-5"},
        # far-off weeks overflowed the history window or the week's last day (500)
        {"week": "9999-12-31"},
        {"week": "0001-01-03"},
    ],
)
def test_bad_input_is_a_form_error(lead_client: Client, query: dict[str, str]) -> None:
    response = lead_client.get(PAGE, query)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode() or "errorlist" in (
        response.content.decode()
    )


def test_customers_and_anonymous_users_do_not_see_it(client: Client) -> None:
    assert client.get(PAGE).status_code == 302
    customer = User.objects.create_user(username="k@example.org", is_customer=True)
    client.force_login(customer)
    assert client.get(PAGE).status_code in (302, 403)
