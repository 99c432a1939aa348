"""The portal mailbox: list, thread without internal notes, replies, new messages, once only."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from kc.cases import portal_messages, services
from kc.cases.models import Case, CaseType, Message, Queue
from kc.cases.tests.factories import QueueFactory
from kc.core import uploads
from kc.core.models import User
from kc.customers.models import BusinessPartner
from kc.portal.tests.factories import customer, portal_login

pytestmark = pytest.mark.django_db
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    QueueFactory()


@pytest.fixture
def agent() -> User:
    return User.objects.create_user(username="agentin", password="x" * 20)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "grey").save(out, "JPEG")
    return out.getvalue()


def token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def case(partner: BusinessPartner, customer_user: User, agent: User) -> Case:
    case = portal_messages.message_from_portal(
        partner=partner, actor=customer_user, subject="Frage", text="Warum ist mein Abschlag so?"
    )
    services.add_note(case=case, text="GEHEIM: Kunde ruft oft an", actor=agent)
    portal_messages.reply_to_portal(case=case, text="Ihr Verbrauch ist gestiegen.", actor=agent)
    return case


def test_mailbox_lists_the_case_with_state_and_unread_answers(
    customer_client: Client, case: Case
) -> None:
    html = customer_client.get(reverse("portal:mailbox")).content.decode()
    assert case.number in html
    assert "1 ungelesen" in html
    assert "In Bearbeitung" in html or "Neu" in html or "Wartet auf Ihre Antwort" in html


def test_the_thread_shows_the_answer_never_the_note_and_marks_it_read(
    customer_client: Client, case: Case
) -> None:
    response = customer_client.get(reverse("portal:message", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ihr Verbrauch ist gestiegen." in html
    assert "GEHEIM" not in html
    assert not case.messages.filter(kind=Message.Kind.PORTAL_OUT, read_at__isnull=True).exists()
    assert "ungelesen" not in customer_client.get(reverse("portal:mailbox")).content.decode()


def test_a_reply_with_a_photo_lands_on_the_case(customer_client: Client, case: Case) -> None:
    url = reverse("portal:message", args=[case.pk])
    data = {
        "form_token": token(customer_client, url),
        "text": "Danke, und wie geht es weiter?",
        "attachment": SimpleUploadedFile("foto.jpg", jpeg(), content_type="image/jpeg"),
    }
    response = customer_client.post(url, data)
    assert response.status_code == 302
    message = case.messages.filter(kind=Message.Kind.PORTAL_IN).latest("pk")
    assert message.body_text == "Danke, und wie geht es weiter?"
    (attachment,) = message.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.scan == "pending"  # closed until clamd has passed it


def test_a_reply_with_html_named_jpg_is_refused(customer_client: Client, case: Case) -> None:
    url = reverse("portal:message", args=[case.pk])
    before = case.messages.count()
    data = {
        "form_token": token(customer_client, url),
        "text": "Anbei",
        "attachment": SimpleUploadedFile("foto.jpg", HTML, content_type="image/jpeg"),
    }
    response = customer_client.post(url, data)
    assert response.status_code == 400
    assert "Dateityp nicht erlaubt" in response.content.decode()
    assert case.messages.count() == before


def test_an_attachment_above_the_limit_is_refused(customer_client: Client, case: Case) -> None:
    url = reverse("portal:message", args=[case.pk])
    before = case.messages.count()
    big = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * uploads.DEFAULT_MAX_BYTES)
    data = {"form_token": token(customer_client, url), "text": "Anbei", "attachment": big}
    response = customer_client.post(url, data)
    assert response.status_code == 400
    assert "Datei zu groß" in response.content.decode()
    assert case.messages.count() == before


def new_message(client: Client, form_token: str):  # type: ignore[no-untyped-def]
    data = {
        "form_token": form_token,
        "topic": "invoice",
        "subject": "Rechnung vom Januar",
        "text": "Die Rechnung ist zu hoch.",
    }
    return client.post(reverse("portal:message_new"), data)


def test_a_new_message_opens_a_case_of_its_topic(
    customer_client: Client, partner: BusinessPartner
) -> None:
    response = new_message(customer_client, token(customer_client, reverse("portal:message_new")))
    (case,) = Case.objects.filter(partner=partner)
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.pk}/")
    assert case.case_type == CaseType.BILLING_QUESTION
    assert case.subject == "Rechnung: Rechnung vom Januar"


def test_the_same_form_sent_twice_opens_one_case(
    customer_client: Client, partner: BusinessPartner
) -> None:
    form_token = token(customer_client, reverse("portal:message_new"))
    first = new_message(customer_client, form_token)
    second = new_message(customer_client, form_token)
    assert Case.objects.filter(partner=partner).count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]
    page = customer_client.get(second["Location"]).content.decode()
    assert "nur einmal aufgenommen" in page
    # A fresh form is a new message.
    new_message(customer_client, token(customer_client, reverse("portal:message_new")))
    assert Case.objects.filter(partner=partner).count() == 2


def test_a_refused_form_can_be_sent_again_with_its_token(
    customer_client: Client, partner: BusinessPartner
) -> None:
    form_token = token(customer_client, reverse("portal:message_new"))
    data = {"form_token": form_token, "topic": "other", "subject": "Hallo", "text": "   "}
    assert customer_client.post(reverse("portal:message_new"), data).status_code == 400
    assert new_message(customer_client, form_token).status_code == 302
    assert Case.objects.filter(partner=partner).count() == 1


def test_another_customers_case_is_404_and_nothing_changes(
    customer_client: Client, agent: User
) -> None:
    other = customer()
    other_case = portal_messages.message_from_portal(
        partner=other, actor=portal_login(other), subject="Privat", text="Meine Sache"
    )
    portal_messages.reply_to_portal(case=other_case, text="Antwort", actor=agent)
    url = reverse("portal:message", args=[other_case.pk])
    before = other_case.messages.count()
    assert customer_client.get(url).status_code == 404
    data = {"form_token": "x" * 20, "text": "Eingeschleust"}
    assert customer_client.post(url, data).status_code == 404
    assert other_case.messages.count() == before
    assert other_case.messages.get(kind=Message.Kind.PORTAL_OUT).read_at is None


def test_a_case_without_customer_visible_messages_stays_out(
    customer_client: Client, partner: BusinessPartner, agent: User
) -> None:
    internal = services.open_case_with_note(
        note="Rückruf vorbereiten",
        actor=agent,
        subject="Interner Vorgang",
        channel="phone",
        case_type="general",
        priority=Case.Priority.NORMAL,
        queue=Queue.objects.get(),
        partner=partner,
    )
    assert "Interner Vorgang" not in customer_client.get(reverse("portal:mailbox")).content.decode()
    assert customer_client.get(reverse("portal:message", args=[internal.pk])).status_code == 404
