"""Which case an inbound mail joins, and when we acknowledge it."""

import datetime

import pytest
from django.utils import timezone

from kc.cases import inbound, services
from kc.cases.inbound import InboundAttachment, InboundEmail, receive_email
from kc.cases.models import Attachment, Case, Message
from kc.cases.tests.factories import QueueFactory, TextModuleFactory
from kc.customers.tests.factories import BusinessPartnerFactory


@pytest.fixture
def setup(db: None) -> None:
    QueueFactory()
    TextModuleFactory(title=inbound.ACK_MODULE_TITLE, body="{anrede}\nDanke. Vorgang {vorgang}")


def mail(**fields: object) -> InboundEmail:
    defaults: dict[str, object] = {
        "message_id": "<m1@example.org>",
        "sender": "jana@example.org",
        "subject": "Zählerstand",
        "received_at": timezone.now(),
        "text": "Stand 4711",
    }
    return InboundEmail(**(defaults | fields))  # type: ignore[arg-type]


@pytest.mark.usefixtures("setup")
def test_new_mail_opens_case_for_known_customer_and_acknowledges() -> None:
    partner = BusinessPartnerFactory(email="Jana@Example.org", salutation="ms", last_name="Maier")
    got = receive_email(mail())
    assert got.new_case and got.message.case.partner == partner
    assert got.message.case.channel == "email"
    assert got.acknowledgement is not None and got.acknowledgement.automatic
    assert got.acknowledgement.body_text.startswith("Sehr geehrte Frau Maier,")
    assert got.acknowledgement.in_reply_to == "<m1@example.org>"


@pytest.mark.usefixtures("setup")
def test_unknown_sender_is_kept_for_matching_later() -> None:
    got = receive_email(mail(sender="fremd@example.net"))
    assert got.message.case.partner is None
    assert got.message.case.contact_email == "fremd@example.net"


@pytest.mark.usefixtures("setup")
def test_same_message_id_twice_is_stored_once() -> None:
    first = receive_email(mail())
    again = receive_email(mail())
    assert again.duplicate and again.message == first.message
    assert Message.objects.filter(kind="email_in").count() == 1
    assert Case.objects.count() == 1


@pytest.mark.usefixtures("setup")
def test_reply_threads_by_case_tag_and_reopens() -> None:
    first = receive_email(mail())
    case = first.message.case
    services.change_status(case=case, status="waiting_customer", actor=None)  # type: ignore[arg-type]
    got = receive_email(mail(message_id="<m2@example.org>", subject=f"Re: x [{case.number}]"))
    assert not got.new_case and got.message.case == case
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert case.updated_at >= got.message.created_at  # the reply counts as activity


@pytest.mark.usefixtures("setup")
def test_reply_threads_by_in_reply_to_our_outbound_message() -> None:
    case = receive_email(mail()).message.case
    answer = services.queue_email(case=case, text="Antwort", actor=None)
    got = receive_email(
        mail(message_id="<m3@example.org>", subject="Re: Antwort", in_reply_to=answer.message_id)
    )
    assert got.message.case == case and not got.new_case


@pytest.mark.usefixtures("setup")
def test_forged_case_number_from_a_stranger_opens_a_new_case() -> None:
    case = receive_email(mail()).message.case
    got = receive_email(
        mail(
            message_id="<evil@example.net>",
            sender="evil@example.net",
            subject=f"Re: [{case.number}]",
        )
    )
    assert got.new_case and got.message.case != case
    assert case.messages.filter(sender="evil@example.net").count() == 0


@pytest.mark.usefixtures("setup")
@pytest.mark.parametrize("reason", ["auto-replied", "bounce", "list"])
def test_no_acknowledgement_for_automatic_mail(reason: str) -> None:
    got = receive_email(mail(automatic=reason))
    assert got.new_case and got.acknowledgement is None


@pytest.mark.usefixtures("setup")
def test_no_acknowledgement_to_ourselves_and_rate_limited() -> None:
    own = frozenset({"kundenservice@stadtwerke-musterstadt.example"})
    got = receive_email(
        mail(sender="kundenservice@stadtwerke-musterstadt.example"), own_addresses=own
    )
    assert got.acknowledgement is None
    acks = [
        receive_email(
            mail(message_id=f"<flood{i}@example.org>", subject=f"Flut {i}")
        ).acknowledgement
        for i in range(5)
    ]
    assert sum(a is not None for a in acks) == inbound.ACKS_PER_SENDER_PER_HOUR


@pytest.mark.usefixtures("setup")
def test_attachments_wait_for_the_virus_scan() -> None:
    got = receive_email(
        mail(
            attachments=(
                InboundAttachment("Zählerstand März.pdf", "application/pdf", b"%PDF-1.4 test"),
            )
        )
    )
    attachment = Attachment.objects.get()
    assert attachment.message == got.message and attachment.scan == Attachment.Scan.PENDING
    assert not attachment.may_open and attachment.size == 13
    assert attachment.file.read() == b"%PDF-1.4 test"


def test_received_at_is_kept() -> None:
    when = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC)
    assert mail(received_at=when).received_at == when
