"""Mailbox → cases with a real Dovecot, and the outbox → a real SMTP sink: exactly once."""

from email import message_from_bytes

import pytest

from kc.cases.inbound import ACK_MODULE_TITLE, receive_email
from kc.cases.models import Case, Message
from kc.cases.tests.factories import QueueFactory, TextModuleFactory
from kc.channels.email import ingest, outbox
from kc.channels.email.imap import ImapMailbox
from kc.channels.models import ProcessedMail
from kc.channels.tests.conftest import append
from kc.customers.tests.factories import BusinessPartnerFactory

pytestmark = [pytest.mark.mailserver, pytest.mark.timeout(900), pytest.mark.django_db]

OWN = ["kundenservice@stadtwerke-musterstadt.example"]


def mail(n: int, sender: str = "jana@example.org", extra: str = "") -> bytes:
    return (
        f"From: Jana Maier <{sender}>\r\nTo: {OWN[0]}\r\nSubject: Anfrage {n}\r\n"
        f"Message-ID: <m{n}@example.org>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nZählerstand {n}\r\n"
    ).encode()


@pytest.fixture
def queue(db: None) -> None:
    QueueFactory()
    TextModuleFactory(title=ACK_MODULE_TITLE, body="{anrede}\nDanke! Ihr Vorgang: {vorgang}")


def test_mails_become_cases_once_and_are_marked(mail_servers, imap_folder, queue) -> None:  # type: ignore[no-untyped-def]
    partner = BusinessPartnerFactory(email="jana@example.org")
    append(mail_servers, imap_folder, mail(1), mail(2, "fremd@example.net"))
    config = mail_servers.imap_config(folder=imap_folder)
    report = ingest.ingest_mailbox(config, own_addresses=OWN)
    assert (report.fetched, report.stored, report.new_cases, report.failed) == (2, 2, 2, [])
    assert Case.objects.get(subject="Anfrage 1").partner == partner
    assert Case.objects.get(subject="Anfrage 2").partner is None
    assert ProcessedMail.objects.count() == 2
    again = ingest.ingest_mailbox(config, own_addresses=OWN)
    assert again.fetched == 0  # marked in IMAP after the commit


def test_crash_after_commit_before_mark_loses_and_doubles_nothing(  # type: ignore[no-untyped-def]
    mail_servers, imap_folder, queue, monkeypatch
) -> None:
    append(mail_servers, imap_folder, mail(3))
    config = mail_servers.imap_config(folder=imap_folder)

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionResetError("worker killed")

    monkeypatch.setattr(ImapMailbox, "mark_processed_many", crash)
    with pytest.raises(ConnectionResetError):
        ingest.ingest_mailbox(config, own_addresses=OWN)
    monkeypatch.undo()
    report = ingest.ingest_mailbox(config, own_addresses=OWN)
    assert (report.fetched, report.already_done, report.stored) == (1, 1, 0)
    assert Message.objects.filter(kind="email_in").count() == 1
    assert ingest.ingest_mailbox(config, own_addresses=OWN).fetched == 0


def test_crash_before_commit_keeps_the_mail_for_the_next_run(  # type: ignore[no-untyped-def]
    mail_servers, imap_folder, queue, monkeypatch
) -> None:
    append(mail_servers, imap_folder, mail(4), mail(5))
    config = mail_servers.imap_config(folder=imap_folder)
    real = receive_email

    def flaky(parsed, **kwargs):  # type: ignore[no-untyped-def]
        if parsed.subject == "Anfrage 4":
            raise RuntimeError("database went away")
        return real(parsed, **kwargs)

    monkeypatch.setattr("kc.channels.email.ingest.receive_email", flaky)
    report = ingest.ingest_mailbox(config, own_addresses=OWN)
    assert report.stored == 1 and len(report.failed) == 1
    assert not Case.objects.filter(subject="Anfrage 4").exists()
    monkeypatch.undo()
    report = ingest.ingest_mailbox(config, own_addresses=OWN)
    assert (report.fetched, report.stored) == (1, 1)
    assert Case.objects.filter(subject="Anfrage 4").count() == 1


def test_auto_replies_are_stored_but_not_acknowledged(mail_servers, imap_folder, queue) -> None:  # type: ignore[no-untyped-def]
    append(mail_servers, imap_folder, mail(6, extra="Auto-Submitted: auto-replied\r\n"), mail(7))
    ingest.ingest_mailbox(mail_servers.imap_config(folder=imap_folder), own_addresses=OWN)
    automatic = Case.objects.get(subject="Anfrage 6")
    assert automatic.messages.get().automatic
    assert not Message.objects.filter(case=automatic, kind="email_out").exists()
    assert (
        Message.objects.filter(case__subject="Anfrage 7", kind="email_out", automatic=True).count()
        == 1
    )


def test_acknowledgement_goes_out_threaded_and_once(mail_servers, imap_folder, queue) -> None:  # type: ignore[no-untyped-def]
    append(mail_servers, imap_folder, mail(8))
    ingest.ingest_mailbox(mail_servers.imap_config(folder=imap_folder), own_addresses=OWN)
    ack = Message.objects.get(kind="email_out")
    assert outbox.send_queued_email(ack.pk, mail_servers.smtp_config()).sent
    assert not outbox.send_queued_email(ack.pk, mail_servers.smtp_config()).sent  # no twice
    ack.refresh_from_db()
    assert ack.delivery == Message.Delivery.SENT and ack.send_attempts == 1
    sent = [message_from_bytes(raw) for raw in mail_servers.sent_mails(wait_for=1)]
    # Long headers may be folded: compare unfolded.
    mine = [m for m in sent if " ".join(m["Message-ID"].split()) == ack.message_id]
    assert len(mine) == 1
    assert " ".join(mine[0]["In-Reply-To"].split()) == "<m8@example.org>"
    assert mine[0]["Auto-Submitted"] == "auto-replied"
    assert ack.case.number in mine[0]["Subject"]


def test_unreachable_relay_retries_then_fails(queue) -> None:  # type: ignore[no-untyped-def]
    from kc.cases import outbox as case_outbox
    from kc.cases import services
    from kc.cases.tests.factories import CaseFactory
    from kc.channels.email.smtp import SmtpConfig

    case = CaseFactory(contact_email="x@example.org")
    message = services.queue_email(case=case, text="Hallo", actor=None)
    dead = SmtpConfig(host="127.0.0.1", port=9, security="plain", timeout=2)
    results = [
        outbox.send_queued_email(message.pk, dead) for _ in range(case_outbox.MAX_SEND_ATTEMPTS)
    ]
    assert [r.retry for r in results] == [True] * (case_outbox.MAX_SEND_ATTEMPTS - 1) + [False]
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED and message.delivery_detail


def test_fetch_mail_command(mail_servers, imap_folder, queue, settings) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.KC_IMAP = {**settings.KC_IMAP, "host": ""}
    with pytest.raises(CommandError):
        call_command("fetch_mail")
    config = mail_servers.imap_config(folder=imap_folder)
    settings.KC_IMAP = {
        **settings.KC_IMAP,
        "host": config.host,
        "port": config.port,
        "security": "plain",
        "user": config.user,
        "password": config.password,
        "folder": imap_folder,
    }
    append(mail_servers, imap_folder, mail(9))
    out = StringIO()
    call_command("fetch_mail", stdout=out)
    assert "1 fetched, 1 stored (1 new cases)" in out.getvalue()
