"""Messages between the customer portal and the case: services, selectors and the case page."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kc.cases import portal_messages, selectors, services
from kc.cases.models import Attachment, Case, Message
from kc.cases.signals import attachment_stored
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.KC_PORTAL_URL = "https://portal.example/portal/"


@pytest.fixture
def customer() -> User:
    return User.objects.create_user(username="kunde@example.org", password="x" * 20)


@pytest.fixture
def partner() -> BusinessPartner:
    QueueFactory()
    return BusinessPartnerFactory(first_name="Hildegard", last_name="Quast")


@pytest.fixture
def stored_ids() -> Iterator[list[int]]:
    ids: list[int] = []

    def receiver(sender: Any, attachment_id: int, **kwargs: Any) -> None:
        ids.append(attachment_id)

    attachment_stored.connect(receiver, dispatch_uid="test-portal-attachments")
    yield ids
    attachment_stored.disconnect(dispatch_uid="test-portal-attachments")


def write(partner: BusinessPartner, customer: User, **kwargs: Any) -> Case:
    return portal_messages.message_from_portal(
        partner=partner,
        actor=customer,
        subject=kwargs.pop("subject", "Frage zum Abschlag"),
        text=kwargs.pop("text", "Warum ist mein Abschlag gestiegen?"),
        **kwargs,
    )


def test_new_case_from_the_portal(partner: BusinessPartner, customer: User) -> None:
    case = write(partner, customer, case_type="budget_billing_change")
    assert (case.channel, case.partner, case.case_type) == (
        "portal",
        partner,
        "budget_billing_change",
    )
    assert case.subject == "Frage zum Abschlag"
    assert case.first_response_due is not None and case.resolution_due is not None
    message = case.messages.get()
    assert message.kind == Message.Kind.PORTAL_IN
    assert message.body_text == "Warum ist mein Abschlag gestiegen?"
    assert message.sender == "kunde@example.org" and message.author is None
    assert AuditLogEntry.objects.filter(
        action="create", object_type="cases.message", partner_id=partner.pk
    ).exists()


def test_follow_up_on_own_case_reopens_it(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    case = write(partner, customer)
    services.change_status(case=case, status=Case.Status.RESOLVED, actor=agent)
    again = write(partner, customer, case=case, subject="", text="Noch eine Frage.")
    assert again.pk == case.pk
    assert again.status == Case.Status.OPEN and again.resolved_at is None
    assert Case.objects.count() == 1
    kinds = list(case.messages.filter(kind=Message.Kind.PORTAL_IN).values_list("body_text"))
    assert kinds == [("Warum ist mein Abschlag gestiegen?",), ("Noch eine Frage.",)]


def test_follow_up_on_another_customers_case_is_refused(
    partner: BusinessPartner, customer: User, stored_ids: list[int]
) -> None:
    foreign = CaseFactory(partner=BusinessPartnerFactory(), status=Case.Status.RESOLVED)
    with pytest.raises(Refusal):
        write(partner, customer, case=foreign, attachments=[("a.pdf", b"%PDF-1.4", "x/y")])
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert stored_ids == []
    foreign.refresh_from_db()
    assert foreign.status == Case.Status.RESOLVED
    # A case without a customer belongs to nobody in the portal, an unsaved partner too.
    orphan = CaseFactory()
    with pytest.raises(Refusal):
        write(partner, customer, case=orphan)
    with pytest.raises(Refusal):
        write(BusinessPartner(), customer, case=orphan)
    with pytest.raises(Refusal):
        portal_messages.mark_read_by_customer(case=orphan, partner=BusinessPartner())
    assert not Message.objects.exists()


def test_empty_text_is_refused(partner: BusinessPartner, customer: User) -> None:
    with pytest.raises(ValidationError) as refused:
        write(partner, customer, text="  \n ")
    assert refused.value.error_dict["text"][0].code == "empty_message"
    assert not Case.objects.exists()


def test_attachment_is_stored_closed_and_its_scan_requested(
    partner: BusinessPartner, customer: User, stored_ids: list[int]
) -> None:
    case = write(
        partner,
        customer,
        attachments=[("../../Zählerfoto.jpg", b"\xff\xd8\xff\xe0 photo", "image/jpeg")],
    )
    attachment = Attachment.objects.get()
    assert attachment.message.kind == Message.Kind.PORTAL_IN
    assert attachment.message.case_id == case.pk
    assert attachment.scan == Attachment.Scan.PENDING and not attachment.may_open
    assert attachment.filename == "Zählerfoto.jpg"
    assert (attachment.size, attachment.content_type) == (10, "image/jpeg")
    assert stored_ids == [attachment.pk]
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"\xff\xd8\xff\xe0 photo"


def test_reply_into_the_portal_sends_only_a_bare_notice(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    case = write(partner, customer, subject="Umzug nach Solingen")
    answer = portal_messages.reply_to_portal(case=case, text="Ihr Abschlag sinkt.", actor=agent)
    assert (answer.kind, answer.author, answer.read_at) == (Message.Kind.PORTAL_OUT, agent, None)
    case.refresh_from_db()
    assert case.first_response_at == answer.created_at and case.status == Case.Status.OPEN
    notice = case.messages.get(kind=Message.Kind.EMAIL_OUT)
    assert notice.recipients == partner.email.lower()
    assert notice.automatic and notice.delivery == Message.Delivery.QUEUED
    assert notice.subject.startswith("Neue Nachricht im Kundenportal")
    assert "https://portal.example/portal/" in notice.body_text
    mail = f"{notice.subject}\n{notice.body_text}"
    for secret in (
        "Hildegard",
        "Quast",
        partner.display_name,
        partner.number,
        partner.email,
        "Umzug",
        "Abschlag",
        "Ihr Abschlag sinkt",
    ):
        assert secret not in mail
    assert DBTaskResult.objects.filter(task_path__endswith="send_email").exists()


def test_reply_into_the_portal_without_address_waits_for_the_login(
    customer: User, agent: User
) -> None:
    QueueFactory()
    partner = BusinessPartnerFactory(email="")
    case = write(partner, customer)
    portal_messages.reply_to_portal(case=case, text="Antwort", actor=agent)
    assert list(case.messages.values_list("kind", flat=True)) == ["portal_in", "portal_out"]
    with pytest.raises(ValidationError):
        portal_messages.reply_to_portal(case=CaseFactory(), text="Antwort", actor=agent)
    with pytest.raises(ValidationError):
        portal_messages.reply_to_portal(case=case, text=" ", actor=agent)


def test_thread_shows_only_what_passed_between_customer_and_us(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    case = write(partner, customer)
    services.add_note(case=case, text="intern: Kunde schwierig", actor=agent)
    services.change_status(case=case, status=Case.Status.WAITING_INTERNAL, actor=agent)
    services.queue_email_to(
        case=case, recipient="aussendienst@example.org", subject="Auftrag", text="x", actor=agent
    )
    services.reply_by_email(case=case, text="Antwort per E-Mail", actor=agent)
    portal_messages.reply_to_portal(case=case, text="Antwort im Portal", actor=agent)
    thread = list(selectors.portal_thread(case).values_list("kind", "body_text"))
    assert thread == [
        ("portal_in", "Warum ist mein Abschlag gestiegen?"),
        ("email_out", "Antwort per E-Mail"),
        ("portal_out", "Antwort im Portal"),
    ]


def test_mail_of_a_third_party_on_the_case_stays_internal(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    case = write(partner, customer)
    services.add_message(
        case,
        Message.Kind.EMAIL_IN,
        None,
        sender="vermieter@example.org",
        body_text="Der Mieter zieht aus.",
    )
    services.add_message(
        case, Message.Kind.EMAIL_IN, None, sender=partner.email_key, body_text="Von der Kundin"
    )
    services.queue_email_to(
        case=case,
        recipient="vermieter@example.org",
        subject="Danke",
        text="an Vermieter",
        actor=agent,
    )
    shown = [body for _kind, body in selectors.portal_thread(case).values_list("kind", "body_text")]
    assert "Von der Kundin" in shown
    assert "Der Mieter zieht aus." not in shown and "an Vermieter" not in shown


def test_portal_lists_only_cases_with_something_to_read(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    internal = services.open_case_with_note(
        note="Sperrung prüfen",
        actor=agent,
        subject="Intern: Sperrprüfung",
        channel="phone",
        case_type="general",
        priority=2,
        queue=QueueFactory(),
        partner=partner,
    )
    older = write(partner, customer, subject="Erste")
    newer = write(partner, customer, subject="Zweite")
    write(BusinessPartnerFactory(), customer, subject="Fremd")
    listed = list(selectors.portal_cases(partner))
    assert listed == [newer, older] and internal not in listed


def test_a_case_the_customer_opened_in_the_portal_is_listed_without_messages(
    partner: BusinessPartner,
) -> None:
    QueueFactory()
    request = services.open_case(
        subject="Abschlagsänderung auf 60 €", channel="portal", partner=partner, actor=None
    )
    assert list(selectors.portal_cases(partner)) == [request]


def test_unread_answers_count_until_the_customer_reads_them(
    partner: BusinessPartner, customer: User, agent: User
) -> None:
    first = write(partner, customer)
    second = write(partner, customer, subject="Zweite")
    portal_messages.reply_to_portal(case=first, text="eins", actor=agent)
    portal_messages.reply_to_portal(case=first, text="zwei", actor=agent)
    portal_messages.reply_to_portal(case=second, text="drei", actor=agent)
    assert selectors.unread_portal_answers(partner) == 3
    counts = {c.pk: c.unread_answers for c in selectors.portal_cases(partner)}
    assert counts == {first.pk: 2, second.pk: 1}
    assert portal_messages.mark_read_by_customer(case=first, partner=partner) == 2
    assert selectors.unread_portal_answers(partner) == 1
    with pytest.raises(Refusal):
        portal_messages.mark_read_by_customer(case=second, partner=BusinessPartnerFactory())
    assert selectors.unread_portal_answers(partner) == 1


def test_agent_answers_into_the_portal_from_the_case_page(
    agent_client: Client, partner: BusinessPartner, customer: User
) -> None:
    case = write(partner, customer)
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Antwort ins Kundenportal" in page and "Antwort an den Kunden (E-Mail)" in page
    portal_radio = re.search(r'<input type="radio" name="mode" value="portal"[^>]*>', page)
    assert portal_radio is not None and "checked" in portal_radio.group(0)
    response = agent_client.post(
        reverse("cases:compose", args=[case.number]), {"mode": "portal", "text": "Erledigt."}
    )
    assert response.status_code == 302
    assert case.messages.get(kind=Message.Kind.PORTAL_OUT).body_text == "Erledigt."
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Nachricht ins Portal" in page and "vom Kunden noch nicht gelesen" in page


def test_email_case_does_not_offer_the_portal(agent_client: Client) -> None:
    case = CaseFactory(partner=BusinessPartnerFactory())
    page = agent_client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Antwort ins Kundenportal" not in page
    response = agent_client.post(
        reverse("cases:compose", args=[case.number]), {"mode": "portal", "text": "x"}
    )
    assert response.status_code == 400
    assert not case.messages.exists()
