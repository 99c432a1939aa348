"""Letters by e-mail through the real SMTP sink: PDF attached, portal notices without
personal data, sent once, a relay that stays down sends the letter by post instead."""

from email import message_from_bytes
from email.message import Message as MailMessage

import pytest

from kc.channels.email.letters import send_letter_delivery
from kc.channels.email.smtp import SmtpConfig
from kc.customers.models import BusinessPartner
from kc.letters import outbox, services
from kc.letters.models import Delivery, Letter, LetterEvent
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def letterhead() -> None:
    LetterheadFactory()


def letter_for(channel: str, kind: str = "payment_reminder") -> Letter:
    partner = customer_with_address(preferred_channel=channel, last_name="Müßig")
    return services.create_letter(kind=kind, partner=partner, values=SAMPLES[kind], actor=None)


def mails_to(mail_servers, address: str, count: int) -> list[MailMessage]:  # type: ignore[no-untyped-def]
    found: list[MailMessage] = []
    for raw in mail_servers.sent_mails(wait_for=count):
        mail = message_from_bytes(raw)
        if address in str(mail["To"]):
            found.append(mail)
    return found


@pytest.mark.mailserver
def test_letter_goes_by_email_with_its_pdf_once(mail_servers) -> None:  # type: ignore[no-untyped-def]
    letter = letter_for(BusinessPartner.Channel.EMAIL)
    delivery = letter.deliveries.get(channel=Delivery.Channel.EMAIL)
    assert send_letter_delivery(delivery.pk, mail_servers.smtp_config()).sent
    assert not send_letter_delivery(delivery.pk, mail_servers.smtp_config()).sent  # once
    (mail,) = mails_to(mail_servers, letter.partner.email, 1)
    assert mail["Subject"] == letter.subject
    (attachment,) = [part for part in mail.walk() if part.get_filename()]
    assert attachment.get_filename() == f"{letter.number}.pdf"
    assert attachment.get_payload(decode=True) == letter.pdf.read()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert letter.events.filter(kind=LetterEvent.Kind.EMAILED).count() == 1


@pytest.mark.mailserver
def test_portal_notice_carries_no_personal_data(mail_servers) -> None:  # type: ignore[no-untyped-def]
    letter = letter_for(BusinessPartner.Channel.PORTAL)
    delivery = letter.deliveries.get(channel=Delivery.Channel.PORTAL)
    assert send_letter_delivery(delivery.pk, mail_servers.smtp_config()).sent
    (mail,) = mails_to(mail_servers, letter.partner.email, 1)
    payload = mail.get_payload(decode=True)
    text = payload.decode() if isinstance(payload, bytes) else ""
    assert "Kundenportal" in text
    assert not [part for part in mail.walk() if part.get_filename()]
    for private in (letter.partner.last_name, letter.partner.number, letter.subject, "156,00"):
        assert private not in text and private not in str(mail["Subject"])
    assert letter.events.filter(kind=LetterEvent.Kind.PORTAL).exists()


def test_relay_down_retries_then_the_letter_goes_by_post() -> None:
    letter = letter_for(BusinessPartner.Channel.EMAIL)
    delivery = letter.deliveries.get(channel=Delivery.Channel.EMAIL)
    dead = SmtpConfig(host="127.0.0.1", port=9, security="plain", timeout=2)
    results = [send_letter_delivery(delivery.pk, dead) for _ in range(outbox.MAX_SEND_ATTEMPTS)]
    assert [r.retry for r in results] == [True] * (outbox.MAX_SEND_ATTEMPTS - 1) + [False]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    post = letter.deliveries.get(channel=Delivery.Channel.POST)
    assert post.state == Delivery.State.QUEUED
    kinds = list(letter.events.values_list("kind", flat=True))
    assert kinds[-2:] == [LetterEvent.Kind.EMAIL_FAILED, LetterEvent.Kind.QUEUED]


def test_queued_delivery_enqueues_the_send_task_on_creation() -> None:
    from django_tasks_db.models import DBTaskResult

    letter_for(BusinessPartner.Channel.EMAIL)
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "kc.channels.tasks.send_letter" in paths
    assert outbox.waiting_ids() == list(
        Delivery.objects.filter(channel="email").values_list("pk", flat=True)
    )
