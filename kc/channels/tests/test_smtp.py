"""Sending through the aiosmtpd sink (scripts/mailservers.sh)."""

import pytest

from kc.channels.email.parse import is_automatic, parse_message
from kc.channels.email.smtp import OutgoingAttachment, build_message, send_message

pytestmark = [pytest.mark.mailserver, pytest.mark.timeout(900)]


def test_sink_receives_a_threaded_acknowledgement(mail_servers):
    before = len(mail_servers.sent_mails())
    msg = build_message(
        from_addr="service@stadtwerke.example",
        from_name="Stadtwerke Kundencenter",
        to=["erika@example.org"],
        subject="Ihre Anfrage [KC-2026-000123]",
        text="Wir haben Ihre Nachricht erhalten.",
        html="<p>Wir haben Ihre Nachricht erhalten.</p>",
        in_reply_to="<plain-1@example.org>",
        references=["<first-1@example.org>"],
        auto_submitted="auto-replied",
        msgid_domain="stadtwerke.example",
        attachments=[OutgoingAttachment("Zählerstand März.pdf", b"%PDF-1.4\n", "application/pdf")],
    )
    msgid = send_message(mail_servers.smtp_config(), msg, envelope_from="bounce@stadtwerke.example")
    raw = mail_servers.sent_mails(wait_for=before + 1)[-1]
    assert raw.startswith(b"X-Envelope-From: bounce@stadtwerke.example\r\n")
    assert b"X-Envelope-To: erika@example.org" in raw
    got = parse_message(raw)
    assert got.message_id == msgid and msgid.endswith("@stadtwerke.example>")
    assert got.subject == "Ihre Anfrage [KC-2026-000123]"
    assert got.in_reply_to == "<plain-1@example.org>"
    assert got.references == ("<first-1@example.org>", "<plain-1@example.org>")
    assert got.text.strip() == "Wir haben Ihre Nachricht erhalten."
    assert [a.filename for a in got.attachments] == ["Zählerstand März.pdf"]
    # Our own acknowledgement, read back, is never acknowledged again.
    assert is_automatic(got, ["service@stadtwerke.example"]) is not None
