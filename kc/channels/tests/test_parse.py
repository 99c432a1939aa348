import base64
import io
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.channels.email.parse import (
    ParsedMail,
    is_automatic,
    parse_message,
    safe_filename,
)
from kc.channels.tests.conftest import FIXTURES, fixture_bytes

OWN = ["service@stadtwerke.example"]


def parse(name: str) -> ParsedMail:
    return parse_message(fixture_bytes(name))


def test_plain_text_mail():
    mail = parse("plain.eml")
    assert mail.message_id == "<plain-1@example.org>"
    assert not mail.message_id_generated
    assert mail.subject == "Frage zu meiner Abschlagszahlung [KC-2026-000123]"
    assert mail.from_address == "erika.mustermann@example.org"
    assert mail.from_name == "Erika Mustermann"
    assert [a.address for a in mail.to] == ["service@stadtwerke.example"]
    assert mail.return_path == "erika.mustermann@example.org"
    assert mail.date == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert "80 €" in mail.text
    assert mail.in_reply_to == "<reply-7@stadtwerke.example>"
    assert mail.references == ("<first-1@stadtwerke.example>", "<reply-7@stadtwerke.example>")
    assert mail.thread_ids[0] == "<reply-7@stadtwerke.example>"
    assert mail.thread_ids[1] == "<first-1@stadtwerke.example>"
    assert mail.defects == ()
    assert not mail.too_large
    assert is_automatic(mail, OWN) is None


def test_quoted_printable_latin1():
    mail = parse("qp-latin1.eml")
    assert mail.subject == "Zählerstand für März"
    assert mail.from_name == "Hans Müller"
    assert mail.text.startswith("Der Zählerstand beträgt 12345 kWh. Grüße")
    assert [(a.name, a.address) for a in mail.cc] == [
        ("Meier, Jutta", "jutta@example.net"),
        ("", "otto@example.net"),
    ]


def test_broken_charsets_are_tolerated():
    mail = parse("broken-charset.eml")
    assert mail.subject == "Stromzähler kaputt überall"
    assert mail.text.strip() == "Der Zähler ist defekt. Grüße"
    assert mail.date is None
    assert "unparsable Date header" in mail.defects


def test_multipart_alternative_gives_text_and_html():
    mail = parse("alternative.eml")
    assert mail.text == "Ich ziehe am 1. April um."
    assert "<b>1. April</b>" in mail.html
    assert mail.attachments == ()


def test_inline_image_with_content_id():
    mail = parse("inline-image.eml")
    assert mail.subject == "Foto vom Zähler"
    assert 'src="cid:zaehler-foto@example.com"' in mail.html
    (image,) = mail.attachments
    assert image.inline
    assert image.content_id == "zaehler-foto@example.com"
    assert image.content_type == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert image.size == len(image.content)


def test_attachment_with_rfc2231_german_filename_is_sniffed():
    (att,) = parse("attachment-rfc2231.eml").attachments
    assert att.filename == "Zählerstand März.pdf"
    assert att.declared_type == "application/octet-stream"
    assert att.content_type == "application/pdf"  # from the bytes, not the header
    assert not att.inline
    assert att.content.startswith(b"%PDF")


def test_nested_message_is_one_attachment_not_body():
    mail = parse("nested-rfc822.eml")
    assert mail.text == "Weitergeleitet, siehe unten."
    (att,) = mail.attachments
    assert att.filename == "Rechnung.eml"
    assert att.content_type == "message/rfc822"
    inner = parse_message(att.content)
    assert inner.message_id == "<inner-1@example.com>"
    assert "gehört nicht" in inner.text


def test_malformed_boundary_keeps_text_and_reports_defect():
    mail = parse("malformed-boundary.eml")
    assert "Text ohne passende Grenze." in mail.text
    assert "StartBoundaryNotFoundDefect" in mail.defects


def test_missing_message_id_gets_stable_content_hash_id():
    raw = fixture_bytes("no-message-id.eml")
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id_generated
    assert first.message_id == f"<{first.content_hash}@kundencenter.invalid>"
    assert first.message_id == second.message_id
    assert parse_message(raw + b"x").message_id != first.message_id
    assert first.date is not None and first.date.utcoffset() == timedelta(0)  # naive → UTC


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bounce.eml", "empty Return-Path"),
        ("auto-reply.eml", "Auto-Submitted: auto-replied"),
        ("list.eml", "list mail (list-id, list-unsubscribe)"),
    ],
)
def test_automatic_mails_are_recognised(name, reason):
    found = is_automatic(parse(name), OWN)
    assert found is not None and found.startswith(reason)


def test_bounce_report_parts_are_attachments():
    mail = parse("bounce.eml")
    assert mail.auto.report_type == "delivery-status"
    types = [a.declared_type for a in mail.attachments]
    assert types == ["message/delivery-status", "text/rfc822-headers"]
    assert b"Status: 5.1.1" in mail.attachments[0].content


def header_mail(headers: str, sender: str = "kunde@example.com") -> ParsedMail:
    return parse_message(f"From: {sender}\r\n{headers}Subject: x\r\n\r\nbody\r\n".encode())


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-generated\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "List-Post: <mailto:l@example.org>\r\n",
        "Return-Path: <>\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: Abwesend\r\n",
        "X-Auto-Response-Suppress: OOF, AutoReply\r\n",
    ],
)
def test_is_automatic_headers(headers):
    assert is_automatic(header_mail(headers), OWN) is not None


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example.org", "postmaster@example.org", "service@stadtwerke.example"],
)
def test_is_automatic_senders(sender):
    assert is_automatic(header_mail("", sender), OWN) is not None


def test_person_mail_is_not_automatic():
    mail = header_mail("Auto-Submitted: no\r\nReturn-Path: <kunde@example.com>\r\n")
    assert is_automatic(mail, OWN) is None
    assert is_automatic(header_mail("Return-Path: <service@stadtwerke.example>\r\n"), OWN)


def test_fifty_megabyte_mail_is_refused_before_decoding():
    body = base64.encodebytes(b"\0" * (37 * 1024 * 1024))  # ~50 MB once encoded
    raw = (
        b"From: kunde@example.com\r\nSubject: Riesig\r\nMessage-ID: <big@example.com>\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ) + body
    assert len(raw) > 50 * 1000 * 1000
    tracemalloc.start()
    try:
        mail = parse_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.too_large
    assert mail.message_id == "<big@example.com>" and mail.subject == "Riesig"
    assert mail.text == "" and mail.attachments == ()
    assert mail.size == len(raw)
    assert peak < 2 * 1024 * 1024, peak  # headers only: nothing near the mail's size


def test_header_only_raw_with_real_size_is_too_large():
    raw = b"From: a@example.com\r\nSubject: s\r\n\r\n"
    mail = parse_message(raw, size=60_000_000)
    assert mail.too_large and mail.size == 60_000_000


def test_zip_bomb_is_carried_as_bytes_not_expanded():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bombe.bin", b"\0" * (64 * 1024 * 1024))
    bomb = buf.getvalue()
    assert len(bomb) * 500 < 64 * 1024 * 1024  # compression ratio above 500:1
    raw = (
        (
            b"From: a@example.com\r\nSubject: zip\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            b"Content-Type: text/plain\r\n\r\nAnbei.\r\n--B\r\n"
            b'Content-Type: application/zip; name="rechnung.zip"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n"
        )
        + base64.encodebytes(bomb)
        + b"--B--\r\n"
    )
    tracemalloc.start()
    try:
        mail = parse_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (att,) = mail.attachments
    assert att.content == bomb and att.content_type == "application/zip"
    assert peak < 20 * len(raw), peak  # no expansion to 64 MiB


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary parameter",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain;"
        b" charset=utf-99\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64===\r\n",
        b"Subject: =?utf-8?B?broken=?=\r\nFrom: <<<@@@>>>\r\nDate: 99 Foo 99999\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n" + b"--a\r\n" * 2000,
    ],
)
def test_malformed_input_never_raises(raw):
    mail = parse_message(raw)
    assert mail.message_id.endswith("@kundencenter.invalid>") or mail.message_id.startswith("<")
    assert mail.content_hash


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml"))))
def test_mutated_fixtures_never_raise(noise, name):
    raw = fixture_bytes(name)
    cut = len(noise) % max(len(raw), 1)
    assert isinstance(parse_message(raw[:cut] + noise + raw[cut:]), ParsedMail)


def test_date_offsets_are_kept():
    mail = header_mail("Date: Mon, 02 Mar 2026 09:15:00 -0500\r\n")
    assert mail.date is not None
    assert mail.date.utcoffset() == timezone(timedelta(hours=-5)).utcoffset(None)


@pytest.mark.parametrize(
    ("name", "ctype", "expected"),
    [
        ("../../etc/passwd", "text/plain", "passwd"),
        ("C:\\Users\\x\\Rechnung.pdf", "application/pdf", "Rechnung.pdf"),
        ("evil\x00name.exe", "application/x-msdownload", "evil_name.exe"),
        ("", "application/pdf", "attachment.pdf"),
        ("", "text/plain", "attachment.txt"),
        ("x" * 300 + ".pdf", "application/pdf", "x" * 137 + ".pdf"),
    ],
)
def test_safe_filename(name, ctype, expected):
    assert safe_filename(name, ctype) == expected


@pytest.mark.parametrize(
    "nested",
    [
        b"".join(
            f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
            for i in range(3000)
        ),
        b"Content-Type: message/rfc822\r\n\r\n" * 3000,
    ],
)
def test_absurd_nesting_falls_back_to_headers(nested):
    raw = b"From: a@example.com\r\nSubject: tief\r\n" + nested + b"Subject: x\r\n\r\nhallo\r\n"
    mail = parse_message(raw)
    assert mail.subject == "tief"
    assert any("RecursionError" in d for d in mail.defects)
