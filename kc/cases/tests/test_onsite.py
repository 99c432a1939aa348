"""On-site tasks: an agent at home asks the customer center for work at the counter, the
on-site staff see it with the requester and confirm it back to the case (with the scan for
paper mail), and the agent sees the confirmation on their own list."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import make_staff
from kc.cases import onsite
from kc.cases.models import Attachment, CaseTask
from kc.cases.tests.factories import CaseFactory, QueueFactory, TeamFactory
from kc.core import roles
from kc.core.models import Team, User
from kc.core.validation import Refusal

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def site_queue():  # type: ignore[no-untyped-def]
    site = TeamFactory(name="Kunden-Center", kind=Team.Kind.CUSTOMER_CENTER)
    QueueFactory(name="Kunden-Center Post", team=site, is_default=False)
    return QueueFactory(name="Kunden-Center Fenster", team=site, is_default=True)


@pytest.fixture
def on_site_staff(site_queue) -> User:  # type: ignore[no-untyped-def]
    user = make_staff("vorort", roles.CUSTOMER_CENTER)
    user.team = site_queue.team
    user.save()
    return user


def test_on_site_kind_goes_to_the_customer_center(site_queue, agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    task = onsite.request_task(
        case=case, kind=CaseTask.Kind.HAND_OVER, title="", note="Kunde kommt 10 Uhr", actor=agent
    )
    assert task.queue == site_queue  # the team's default queue
    assert task.title == "Am Fenster aushändigen"
    assert task.requested_by == agent


def test_other_work_needs_a_team(site_queue, agent) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        onsite.request_task(
            case=CaseFactory(), kind=CaseTask.Kind.OTHER, title="x", note="", actor=agent
        )


def test_without_a_customer_center_queue_the_request_is_refused(agent) -> None:  # type: ignore[no-untyped-def]
    QueueFactory()  # a home-office queue only
    with pytest.raises(ValidationError, match="Kunden-Center"):
        onsite.request_task(
            case=CaseFactory(), kind=CaseTask.Kind.PRINT, title="", note="", actor=agent
        )
    assert not CaseTask.objects.exists()


def test_paper_mail_is_confirmed_with_its_scan(site_queue, agent, on_site_staff) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    task = onsite.request_task(
        case=case, kind=CaseTask.Kind.SCAN_MAIL, title="", note="Brief vom Anwalt", actor=agent
    )
    with pytest.raises(ValidationError, match="Scan"):
        onsite.confirm(task=task, actor=on_site_staff, note="ohne")
    task.refresh_from_db()
    assert task.status == CaseTask.Status.OPEN

    onsite.confirm(task=task, actor=on_site_staff, note="2 Seiten", scan=_png(), filename="a.png")
    task.refresh_from_db()
    assert task.status == CaseTask.Status.DONE and task.done_note == "2 Seiten"
    attachment = Attachment.objects.get(message__case=case)
    assert attachment.filename == "a.png" and attachment.scan == Attachment.Scan.PENDING
    # confirming twice changes nothing
    onsite.confirm(task=task, actor=on_site_staff, scan=_png(), filename="b.png")
    assert Attachment.objects.filter(message__case=case).count() == 1


def test_a_forged_scan_is_refused(site_queue, agent, on_site_staff) -> None:  # type: ignore[no-untyped-def]
    task = onsite.request_task(
        case=CaseFactory(), kind=CaseTask.Kind.SCAN_MAIL, title="", note="", actor=agent
    )
    with pytest.raises(Refusal):
        onsite.confirm(
            task=task, actor=on_site_staff, scan=b"MZ\x90\x00 not a pdf", filename="x.pdf"
        )
    task.refresh_from_db()
    assert task.status == CaseTask.Status.OPEN


def test_round_trip_through_the_pages(client: Client, site_queue, agent, on_site_staff) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    home = Client()
    home.force_login(agent)
    response = home.post(
        reverse("cases:task_create", args=[case.number]),
        {"task-kind": "scan_mail", "task-queue": "", "task-title": "", "task-note": "Post"},
    )
    assert response.status_code == 302
    task = CaseTask.objects.get()
    assert task.queue == site_queue

    client.force_login(on_site_staff)
    page = client.get(reverse("cases:tasks")).content.decode()
    assert "Papierpost scannen" in page and "agent" in page and 'type="file"' in page
    only_prints = client.get(reverse("cases:tasks"), {"kind": "print"}).content.decode()
    assert case.number not in only_prints

    missing = client.post(reverse("cases:task_done", args=[task.pk]), {"note": "x"}, follow=True)
    assert "Bitte den Scan der Papierpost anhängen." in missing.content.decode()
    scan = SimpleUploadedFile("post.png", _png(), content_type="image/png")
    client.post(reverse("cases:task_done", args=[task.pk]), {"note": "eingescannt", "scan": scan})
    task.refresh_from_db()
    assert task.status == CaseTask.Status.DONE

    mine = home.get(reverse("cases:task_requests")).content.decode()
    assert "erledigt" in mine and "eingescannt" in mine and "vorort" in mine
    # the on-site colleague asked nobody for anything
    assert case.number not in client.get(reverse("cases:task_requests")).content.decode()


def test_done_requests_leave_the_requesters_list_after_two_weeks(
    site_queue, agent, on_site_staff
) -> None:  # type: ignore[no-untyped-def]
    import datetime

    from django.utils import timezone

    task = onsite.request_task(
        case=CaseFactory(), kind=CaseTask.Kind.PRINT, title="", note="", actor=agent
    )
    onsite.confirm(task=task, actor=on_site_staff)
    later = timezone.now() + datetime.timedelta(days=15)
    assert list(onsite.requested_by(agent)) == [task]
    assert list(onsite.requested_by(agent, now=later)) == []


@pytest.mark.parametrize("queue", ["²", "99999999999999999999999", "abc", "-1"])
def test_a_garbage_queue_filter_shows_my_teams_tasks_not_a_500(  # type: ignore[no-untyped-def]
    client: Client, site_queue, agent, on_site_staff, queue: str
) -> None:
    task = onsite.request_task(case=CaseFactory(), kind="print", title="", note="", actor=agent)
    client.force_login(on_site_staff)
    response = client.get(reverse("cases:tasks"), {"queue": queue})
    assert response.status_code == 200
    assert task.case.number in response.content.decode()


def test_a_portal_customer_is_no_task_owner(site_queue, agent) -> None:  # type: ignore[no-untyped-def]
    case = CaseFactory()
    customer = User.objects.create_user(
        username="kundin@example.org", first_name="Paula", last_name="Portal", is_customer=True
    )
    home = Client()
    home.force_login(agent)
    page = home.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "kundin@example.org" not in page and "Paula Portal" not in page
    response = home.post(
        reverse("cases:task_create", args=[case.number]),
        {"task-kind": "print", "task-queue": "", "task-owner": customer.pk},
    )
    assert response.status_code == 400
    assert not CaseTask.objects.exists()


def test_a_second_confirmation_says_it_was_not_taken(  # type: ignore[no-untyped-def]
    client: Client, site_queue, agent, on_site_staff
) -> None:
    # Two colleagues at the window confirm the same paper mail: the second scan is not stored,
    # and the page said "erledigt und an den Vorgang gemeldet" all the same.
    task = onsite.request_task(
        case=CaseFactory(), kind=CaseTask.Kind.SCAN_MAIL, title="", note="", actor=agent
    )
    onsite.confirm(task=task, actor=on_site_staff, note="erste", scan=_png(), filename="a.png")
    colleague = make_staff("vorort2", roles.CUSTOMER_CENTER)
    client.force_login(colleague)
    scan = SimpleUploadedFile("b.png", _png(), content_type="image/png")
    response = client.post(
        reverse("cases:task_done", args=[task.pk]), {"note": "zweite", "scan": scan}, follow=True
    )
    page = response.content.decode()
    assert "war schon erledigt (vorort" in page and "nicht übernommen" in page
    assert "an den Vorgang gemeldet" not in page
    assert Attachment.objects.filter(message__case=task.case).count() == 1


def test_only_the_team_the_owner_or_a_team_lead_confirm(site_queue, agent, on_site_staff) -> None:  # type: ignore[no-untyped-def]
    task = onsite.request_task(
        case=CaseFactory(), kind=CaseTask.Kind.HAND_OVER, title="", note="", actor=agent
    )
    with pytest.raises(Refusal, match="Kunden-Center"):
        onsite.confirm(task=task, actor=agent, note="erledigt?")
    task.refresh_from_db()
    assert task.status == CaseTask.Status.OPEN
    lead = make_staff("lead", roles.TEAM_LEAD)
    assert onsite.may_confirm(lead, task)
    assert onsite.may_confirm(on_site_staff, task)
    task.owner = agent
    assert onsite.may_confirm(agent, task)
