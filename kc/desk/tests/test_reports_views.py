"""The report page and its CSV downloads: permission, period errors, escaping, Excel CSV."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_staff
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.desk.report_views import REPORTS_PERMISSION
from kc.desk.reports.catalogue import TABLES
from kc.desk.reports.period import BERLIN

pytestmark = pytest.mark.django_db

NOV = {"start": "2026-11-01", "end": "2026-11-30"}
EVIL = '<script>alert("x")</script>'


@pytest.fixture
def lead_client(client: Client) -> Client:
    client.force_login(make_staff("lead", roles.TEAM_LEAD))
    return client


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (roles.TEAM_LEAD, True),
        (roles.ADMIN, True),
        (roles.AGENT, False),
        (roles.CUSTOMER_CENTER, False),
        (roles.COMPLAINT_MANAGER, False),
        (roles.ENERGY_ADVISOR, False),
        (roles.FUNDING_CLERK, False),
        (None, False),
    ],
)
def test_only_team_leads_and_admins_see_reports(
    client: Client, role: str | None, allowed: bool
) -> None:
    user = make_staff("someone", role)
    assert user.has_perm(REPORTS_PERMISSION) is allowed
    client.force_login(user)
    page = client.get(reverse("desk:reports"))
    download = client.get(reverse("desk:report_csv", args=["kontakte-kanal"]), NOV)
    expected = 200 if allowed else 403
    assert (page.status_code, download.status_code) == (expected, expected)
    nav_link = f'href="{reverse("desk:reports")}"'
    home = client.get(reverse("desk:home")).content.decode()
    assert (nav_link in home) is allowed


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("desk:reports"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_shows_every_report_with_chart_table_and_csv_link(lead_client: Client) -> None:
    CaseFactory(received_at=datetime.datetime(2026, 11, 2, 10, tzinfo=BERLIN), channel="phone")
    html = lead_client.get(reverse("desk:reports"), NOV).content.decode()
    for heading in (
        "Kontakte nach Kanal und Art",
        "Erste Antwort und Erledigung",
        "SLA-Einhaltung",
        "Beschwerden fristgerecht beantwortet",
        "Vorlaufzeiten der Entsperrung",
        "Druckvolumen und Porto",
        "Anrufe angenommen und verpasst",
    ):
        assert heading in html
    assert html.count('role="img"') == html.count("<table") == len(TABLES) == 13
    assert (
        f"{reverse('desk:report_csv', args=['kontakte-kanal'])}?start=2026-11-01&amp;end=2026-11-30"
        in html
    )
    assert "Zahlen je Tag." in html


def test_presets_and_default_period(lead_client: Client) -> None:
    assert lead_client.get(reverse("desk:reports")).status_code == 200
    response = lead_client.get(reverse("desk:reports"), {"preset": "last_7_days"})
    assert response.status_code == 200 and "Zahlen je Tag." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-11-30", "end": "2026-11-01"}, "Das Enddatum liegt vor dem Anfangsdatum."),
        ({"start": "2020-01-01", "end": "2026-11-01"}, "höchstens zwei Jahre"),
        ({"start": "2026-13-01", "end": "2026-11-01"}, "Kein gültiges Datum."),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "zwischen 2000 und 2100"),
    ],
)
def test_a_bad_period_is_a_form_error(
    lead_client: Client, query: dict[str, str], message: str
) -> None:
    response = lead_client.get(reverse("desk:reports"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html and "<svg" not in html
    download = lead_client.get(reverse("desk:report_csv", args=["druck"]), query)
    assert download.status_code == 400 and message in download.content.decode()


def test_user_text_stays_text_on_page_and_in_csv(lead_client: Client) -> None:
    queue = QueueFactory(name=EVIL, is_default=False)
    formula = QueueFactory(name='=HYPERLINK("http://x")', is_default=False)
    for q in (queue, formula):
        CaseFactory(queue=q, received_at=datetime.datetime(2026, 11, 2, 10, tzinfo=BERLIN))
    html = lead_client.get(reverse("desk:reports"), NOV).content.decode()
    assert EVIL not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    response = lead_client.get(reverse("desk:report_csv", args=["kontakte-warteschlange"]), NOV)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert ['\'=HYPERLINK("http://x")', "1"] in rows and [EVIL, "1"] in rows


def test_csv_download_for_german_excel(lead_client: Client) -> None:
    CaseFactory(received_at=datetime.datetime(2026, 11, 2, 10, tzinfo=BERLIN), channel="phone")
    response = lead_client.get(reverse("desk:report_csv", args=["kontakte-kanal"]), NOV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="kontakte-kanal_2026-11-01_2026-11-30.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeitraum", "E-Mail", "Telefon"]
    assert rows[2] == ["02.11.", "0", "1", "0", "0", "0", "1", "0"]
    assert len(rows) == 1 + 30 + 1


def test_unknown_table_is_404(lead_client: Client) -> None:
    assert lead_client.get(reverse("desk:report_csv", args=["gibts-nicht"]), NOV).status_code == 404


def test_post_is_refused(lead_client: Client) -> None:
    assert lead_client.post(reverse("desk:reports")).status_code == 405


def test_page_queries_do_not_grow_with_the_data(lead_client: Client) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert lead_client.get(reverse("desk:reports"), NOV).status_code == 200
        return len(ctx.captured_queries)

    lead_client.get(reverse("desk:home"))  # the first request of a session saves it
    few = count()
    for day in range(1, 29):
        for channel in ("email", "phone", "portal"):
            CaseFactory(
                received_at=datetime.datetime(2026, 11, day, 10, tzinfo=BERLIN), channel=channel
            )
    assert count() == few
