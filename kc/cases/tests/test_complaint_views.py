"""Complaint pages: register and answer on the case page, the complaint list, the monthly
report with CSV, permissions, and the portal complaint form."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.cases import complaints
from kc.cases.models import Case, Complaint, Message
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.core.models import User
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.portal.tests.factories import portal_login

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def setup() -> None:
    LetterheadFactory()
    QueueFactory()
    cache.clear()  # portal form tokens


@pytest.fixture
def manager(db: None) -> User:
    return make_staff("beschwerde", roles.COMPLAINT_MANAGER)


@pytest.fixture
def manager_client(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)  # type: ignore[misc,arg-type]


def registered(actor: User, **case_fields: object) -> Complaint:
    case = CaseFactory(partner=customer_with_address(), channel="phone", **case_fields)
    return complaints.register_complaint(case=case, category="billing", actor=actor)


def test_agent_registers_a_complaint_on_the_case_page(agent_client: Client) -> None:
    case = CaseFactory(partner=customer_with_address(), channel="window")
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Als Beschwerde erfassen" in page
    response = agent_client.post(
        reverse("cases:complaint_register", args=[case.number]), {"complaint-category": "meter"}
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(case=case)
    assert complaint.category == "meter" and complaint.acknowledgement_letter is not None
    page = agent_client.get(response["Location"]).content.decode()
    assert f"Antwort spätestens am {complaint.answer_due:%d.%m.%Y}" in page
    assert "Zähler/Messung" in page
    # Agents register; answering is for the complaint manager.
    assert "Antwortschreiben erstellen" not in page
    answer = reverse("cases:complaint_answer", args=[case.number])
    assert agent_client.post(answer, {"answer-outcome": "remedied"}).status_code == 403


def test_registering_without_customer_is_refused_on_the_page(agent_client: Client) -> None:
    case = CaseFactory(channel="email", contact_email="wer@example.org")
    response = agent_client.post(
        reverse("cases:complaint_register", args=[case.number]), {"complaint-category": "other"}
    )
    assert response.status_code == 400
    assert "Bitte verknüpfen Sie zuerst den Kunden" in response.content.decode()
    assert not Complaint.objects.exists()


def test_double_registration_is_refused_on_the_page(agent_client: Client) -> None:
    case = CaseFactory(partner=customer_with_address(), channel="phone")
    url = reverse("cases:complaint_register", args=[case.number])
    agent_client.post(url, {"complaint-category": "service"})
    response = agent_client.post(url, {"complaint-category": "service"})
    assert response.status_code == 400
    assert "bereits als Beschwerde erfasst" in response.content.decode()
    assert Letter.objects.filter(kind="complaint_acknowledgement").count() == 1


def test_manager_answers_not_remedied_only_with_reasons(
    manager_client: Client, manager: User
) -> None:
    complaint = registered(manager)
    url = reverse("cases:complaint_answer", args=[complaint.case.number])
    response = manager_client.post(url, {"answer-outcome": "not_remedied", "answer-reasons": ""})
    assert response.status_code == 400
    assert "sind die Gründe anzugeben" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.answered_at is None
    response = manager_client.post(
        url, {"answer-outcome": "not_remedied", "answer-reasons": "Preis ist korrekt."}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.outcome == "not_remedied" and complaint.answer_letter is not None
    page = manager_client.get(response["Location"]).content.decode()
    assert "nicht abgeholfen" in page and complaint.answer_letter.number in page
    assert "fristgerecht beantwortet" in page
    # A second submit (double click, back button) answers nothing more.
    again = manager_client.post(url, {"answer-outcome": "remedied", "answer-reasons": ""})
    assert again.status_code == 400
    assert "bereits am" in again.content.decode()
    assert Letter.objects.filter(kind="complaint_answer").count() == 1


def test_complaint_list_sorted_by_answer_day_with_days_left(
    manager_client: Client, manager: User
) -> None:
    today = timezone.localdate()
    later = registered(manager, received_at=timezone.now() - datetime.timedelta(days=2))
    sooner = registered(manager, received_at=timezone.now() - datetime.timedelta(days=20))
    done = registered(manager, received_at=timezone.now() - datetime.timedelta(days=25))
    complaints.answer(complaint=done, outcome="remedied", reasons="", actor=manager)
    page = manager_client.get(reverse("cases:complaints")).content.decode()
    assert page.index(sooner.case.number) < page.index(later.case.number)
    assert done.case.number not in page
    assert f"<td>{(later.answer_due - today).days}</td>" in page


def test_monthly_report_counts_and_csv(manager_client: Client, manager: User) -> None:
    in_time = registered(manager, received_at=at(2026, 10, 5, 10))
    late = registered(manager, received_at=at(2026, 10, 6, 10))
    open_overdue = registered(manager, received_at=at(2026, 10, 1, 0, 30))
    registered(manager, received_at=at(2026, 9, 30, 23, 30))  # September in Berlin
    Complaint.objects.filter(pk=in_time.pk).update(
        answered_at=at(2026, 11, 2, 23, 0), outcome="remedied"
    )
    Complaint.objects.filter(pk=late.pk).update(
        answered_at=at(2026, 11, 4, 0, 30), outcome="partly"
    )
    Case.objects.filter(pk=open_overdue.case_id).update(channel="portal")
    assert late.answer_due == datetime.date(2026, 11, 3)
    url = reverse("cases:complaint_report")
    page = manager_client.get(url, {"monat": "2026-10"}).content.decode()
    figures = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', page))
    assert figures["eingegangen"] == "3"
    assert figures["fristgerecht beantwortet"] == "1"
    assert figures["verspätet beantwortet"] == "1"
    assert figures["offen, Frist überschritten"] == "1"  # due 29 Oct 2026, today is later
    assert figures["offen, in der Frist"] == "0"
    assert figures["Abrechnung"] == "3" and figures["Preise"] == "0"
    assert figures["Telefon"] == "2" and figures["Kundenportal"] == "1"
    response = manager_client.get(url, {"monat": "2026-10", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "beschwerden-2026-10.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Bereich", "Wert", "Anzahl"]
    assert ["Fristen", "verspätet beantwortet", "1"] in rows
    assert ["Eingangskanal", "Kundenportal", "1"] in rows
    september = manager_client.get(url, {"monat": "2026-09"}).content.decode()
    assert (
        dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', september))["eingegangen"]
        == "1"
    )


@pytest.mark.parametrize("month", ["2026-13", "November", "2026-1", "1999-12"])
def test_report_for_an_invalid_month_is_refused(manager_client: Client, month: str) -> None:
    response = manager_client.get(reverse("cases:complaint_report"), {"monat": month})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_complaint_pages_need_the_permission(client: Client) -> None:
    client.force_login(make_staff("vorort", roles.CUSTOMER_CENTER))
    assert client.get(reverse("cases:complaints")).status_code == 403
    assert client.get(reverse("cases:complaint_report")).status_code == 403
    lead = Client()
    lead.force_login(make_staff("lead", roles.TEAM_LEAD))
    assert lead.get(reverse("cases:complaint_report")).status_code == 200
    anonymous = Client().get(reverse("cases:complaints"))
    assert anonymous.status_code == 302


def test_portal_complaint_registers_and_names_the_answer_day() -> None:
    partner = customer_with_address()
    portal = Client()
    portal.force_login(portal_login(partner))
    url = reverse("portal:complaint")
    token = re.search(r'name="form_token" value="([^"]+)"', portal.get(url).content.decode())
    assert token is not None
    data = {"form_token": token.group(1), "category": "prices", "text": "Zu teuer."}
    response = portal.post(url, data)
    assert response.status_code == 302
    complaint = Complaint.objects.get(case__partner=partner)
    assert complaint.category == "prices" and complaint.case.channel == "portal"
    page = portal.get(response["Location"]).content.decode()
    assert f"spätestens bis zum {complaint.answer_due:%d.%m.%Y}" in page
    assert complaint.acknowledgement_message is not None
    assert complaint.acknowledgement_message.kind == Message.Kind.PORTAL_OUT
    portal.post(url, data)  # the same form again: one complaint
    assert Complaint.objects.filter(case__partner=partner).count() == 1
