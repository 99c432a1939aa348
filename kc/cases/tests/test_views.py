import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.cases.models import Case, Message
from kc.cases.tests.factories import CaseFactory, QueueFactory, TextModuleFactory
from kc.core import roles
from kc.core.models import AuditLogEntry
from kc.customers.tests.factories import BusinessPartnerFactory


@pytest.mark.django_db
def test_agent_opens_case_from_customer_page(agent_client: Client) -> None:
    QueueFactory()
    partner = BusinessPartnerFactory()
    page = agent_client.get(reverse("desk:customer_detail", args=[partner.pk]))
    assert f"/vorgaenge/neu/?kunde={partner.pk}" in page.content.decode()
    response = agent_client.post(
        f"{reverse('cases:create')}?kunde={partner.pk}",
        {
            "subject": "Zählerstand durchgegeben",
            "case_type": "meter_reading",
            "channel": "phone",
            "priority": "2",
            "queue": QueueFactory().pk,
            "note": "Stand 12345 am Telefon",
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.partner == partner
    assert case.messages.get().body_text == "Stand 12345 am Telefon"
    page = agent_client.get(reverse("desk:customer_detail", args=[partner.pk]))
    assert case.number in page.content.decode()


@pytest.mark.django_db
def test_case_page_composer_keeps_reply_and_note_apart(agent_client: Client) -> None:
    case = CaseFactory(partner=BusinessPartnerFactory(email="kunde@example.org"))
    url = reverse("cases:compose", args=[case.number])
    agent_client.post(url, {"mode": "note", "text": "intern"})
    agent_client.post(url, {"mode": "reply", "text": "an Kunden"})
    kinds = list(case.messages.values_list("kind", "body_text"))
    assert kinds == [(Message.Kind.NOTE, "intern"), (Message.Kind.EMAIL_OUT, "an Kunden")]
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Interne Notiz (nur für uns)" in page and "Antwort an den Kunden (E-Mail)" in page
    assert "wartet auf Versand" in page
    assert AuditLogEntry.objects.filter(action="read", partner_id=case.partner_id).exists()


@pytest.mark.django_db
def test_empty_reply_is_a_form_error(agent_client: Client) -> None:
    case = CaseFactory()
    response = agent_client.post(
        reverse("cases:compose", args=[case.number]), {"mode": "reply", "text": "Hallo"}
    )
    assert response.status_code == 400
    assert "keine E-Mail-Adresse" in response.content.decode()


@pytest.mark.django_db
def test_list_filters_and_take(agent_client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    mine = CaseFactory(subject="Meins", assignee=agent)
    CaseFactory(subject="Fremd")
    CaseFactory(subject="Alte Sache", status="resolved")
    page = agent_client.get(reverse("cases:list")).content.decode()
    assert "Meins" in page and "Fremd" in page and "Alte Sache" not in page
    page = agent_client.get(reverse("cases:list"), {"mine": "on"}).content.decode()
    assert "Meins" in page and "Fremd" not in page
    other = Case.objects.get(subject="Fremd")
    agent_client.post(reverse("cases:take", args=[other.number]))
    other.refresh_from_db()
    assert other.assignee == agent and mine.assignee == agent


@pytest.mark.django_db
def test_presence_partial_warns_about_the_colleague(client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    first = Client()
    first.force_login(agent)
    first.post(reverse("cases:presence", args=[case.number]), {"composing": "1"})
    client.force_login(make_staff("zweite", roles.AGENT))
    html = client.post(reverse("cases:presence", args=[case.number])).content.decode()
    assert "auch geöffnet" in html and "schreibt gerade" in html


@pytest.mark.django_db
def test_text_module_partial(agent_client: Client) -> None:
    case = CaseFactory(partner=BusinessPartnerFactory(salutation="mr", last_name="Weiß"))
    module = TextModuleFactory()
    html = agent_client.get(
        reverse("cases:text_module", args=[case.number]), {"module": module.pk}
    ).content.decode()
    assert "Sehr geehrter Herr Weiß," in html and "{betrag}" in html


@pytest.mark.django_db
def test_roles_without_case_rights_get_403(client: Client) -> None:
    case = CaseFactory()
    client.force_login(make_staff("norole", None))
    assert client.get(reverse("cases:list")).status_code == 403
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 403
    assert (
        client.post(
            reverse("cases:compose", args=[case.number]), {"mode": "note", "text": "x"}
        ).status_code
        == 403
    )
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_unknown_case_is_404(agent_client: Client) -> None:
    assert agent_client.get(reverse("cases:detail", args=["V99999999"])).status_code == 404


@pytest.mark.django_db
def test_bulk_assign_and_saved_views(agent_client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    first, second, untouched = CaseFactory(), CaseFactory(), CaseFactory()
    colleague = make_staff("kollege", roles.AGENT)
    response = agent_client.post(
        reverse("cases:bulk_assign"),
        {
            "cases": [first.pk, second.pk, 999999],
            "assignee": colleague.pk,
            "next": "status=new",
        },
    )
    assert response["Location"] == reverse("cases:list") + "?status=new"
    assert set(Case.objects.filter(assignee=colleague)) == {first, second}
    untouched.refresh_from_db()
    assert untouched.assignee is None
    assert first.messages.filter(kind=Message.Kind.STATUS).count() == 1
    agent_client.post(reverse("cases:save_view"), {"name": "Neue", "query": "status=new"})
    page = agent_client.get(reverse("cases:list")).content.decode()
    assert 'href="?status=new">Neue</a>' in page


@pytest.mark.django_db
def test_task_handed_to_the_customer_center_and_reported_back(client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    from kc.cases.models import CaseTask
    from kc.cases.tests.factories import TeamFactory
    from kc.core.models import Team

    case = CaseFactory()
    site = TeamFactory(name="Kunden-Center", kind=Team.Kind.CUSTOMER_CENTER)
    window = QueueFactory(name="Kunden-Center vor Ort", team=site, is_default=False)
    home = Client()
    home.force_login(agent)
    response = home.post(
        reverse("cases:task_create", args=[case.number]),
        {
            "task-queue": window.pk,
            "task-title": "Drucken und am Fenster übergeben",
            "task-note": "Kunde kommt um 10 Uhr",
        },
    )
    assert response.status_code == 302
    task = CaseTask.objects.get()
    assert task.queue == window and task.requested_by == agent
    onsite = make_staff("vorort", roles.CUSTOMER_CENTER)
    onsite.team = site
    onsite.save()
    client.force_login(onsite)
    page = client.get(reverse("cases:tasks")).content.decode()
    assert "Drucken und am Fenster übergeben" in page and case.number in page
    done = client.post(
        reverse("cases:task_done", args=[task.pk]), {"next": "https://evil.example/"}
    )
    assert done["Location"] == reverse("cases:tasks")  # no redirect off-site
    task.refresh_from_db()
    assert task.status == CaseTask.Status.DONE and task.done_by == onsite
    notes = list(case.messages.values_list("body_text", flat=True))
    assert notes[0].startswith("Aufgabe an Kunden-Center vor Ort: Drucken")
    assert notes[1] == "Erledigt: Drucken und am Fenster übergeben (vorort)"


@pytest.mark.django_db
def test_keyset_pages_walk_the_whole_queue_in_order(
    agent_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime

    from django.utils import timezone

    from kc.cases import selectors

    queue = QueueFactory()
    start = timezone.now() - datetime.timedelta(days=1)
    made = [
        CaseFactory(
            queue=queue, priority=1 + i % 4, received_at=start + datetime.timedelta(minutes=i // 3)
        )  # equal times too
        for i in range(23)
    ]
    expected = sorted(made, key=lambda c: (-c.priority, c.received_at, c.pk))
    seen, cursor = [], ""
    while True:
        page = selectors.page_after(
            selectors.case_list(queue_id=queue.pk, status="", assignee=None), cursor, 5
        )
        seen += page.cases
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert [c.pk for c in seen] == [c.pk for c in expected]
    monkeypatch.setattr("kc.cases.views.PAGE_SIZE", 5)
    first = agent_client.get(reverse("cases:list"), {"queue": queue.pk}).content.decode()
    assert "nach=" in first and "Zum Anfang" not in first
    second = agent_client.get(
        reverse("cases:list"), {"queue": queue.pk, "nach": selectors.cursor_of(expected[4])}
    )
    assert expected[5].number in second.content.decode()
    assert expected[4].number not in second.content.decode()
    assert "Zum Anfang" in second.content.decode()
    assert selectors.parse_cursor("x.y.z") is None  # a broken cursor shows the first page
    assert agent_client.get(reverse("cases:list"), {"nach": "1.2"}).status_code == 200
