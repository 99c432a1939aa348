"""The IMAP adapter against a real Dovecot (scripts/mailservers.sh)."""

import socket

import pytest

from kc.channels.email.imap import ImapMailbox, UidValidityChangedError
from kc.channels.email.parse import parse_message
from kc.channels.tests.conftest import append

pytestmark = [pytest.mark.mailserver, pytest.mark.timeout(900)]  # first use may apt-get Dovecot


def mail(n: int, size: int = 0) -> bytes:
    return (
        f"From: kunde{n}@example.com\r\nTo: service@stadtwerke.example\r\n"
        f"Subject: Anfrage {n}\r\nMessage-ID: <m{n}@example.com>\r\n\r\nText {n}\r\n"
    ).encode() + b"x" * size


def subjects(mails):
    return [parse_message(m.raw).subject for m in mails]


def test_fetch_in_uid_order_then_mark_processed(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1), mail(2), mail(3))
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder)) as box:
        fetched = list(box.fetch_unseen())
        assert subjects(fetched) == ["Anfrage 1", "Anfrage 2", "Anfrage 3"]
        uids = [m.uid for m in fetched]
        assert uids == sorted(uids)
        assert {m.uidvalidity for m in fetched} == {box.uidvalidity(imap_folder)}
        assert all(m.folder == imap_folder and not m.headers_only for m in fetched)
        # Reading does not mark: the same mails come again.
        assert [m.uid for m in box.fetch_unseen()] == uids
        for m in fetched[:2]:
            box.mark_processed(m.uid, uidvalidity=m.uidvalidity)
        assert [m.uid for m in box.fetch_unseen()] == uids[2:]
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder)) as box:
        assert [m.uid for m in box.fetch_unseen()] == uids[2:]


def test_crash_before_mark_brings_the_mail_back(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1), mail(2))
    box = ImapMailbox(mail_servers.imap_config(folder=imap_folder))
    first = next(box.fetch_unseen())
    box.mark_processed(first.uid, uidvalidity=first.uidvalidity)
    second = next(box.fetch_unseen())
    box._drop()  # the worker dies between the DB commit and mark_processed
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder)) as again:
        (back,) = again.fetch_unseen()
        assert (back.uid, back.uidvalidity, back.raw) == (
            second.uid,
            second.uidvalidity,
            second.raw,
        )


def test_limit(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1), mail(2), mail(3))
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder)) as box:
        assert subjects(box.fetch_unseen(limit=2)) == ["Anfrage 1", "Anfrage 2"]


def test_processed_folder_and_keyword(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1), mail(2))
    done = f"{imap_folder}-done"
    config = mail_servers.imap_config(
        folder=imap_folder, processed_folder=done, processed_keyword="KcProcessed"
    )
    with ImapMailbox(config) as box:
        first, second = box.fetch_unseen()
        box.mark_processed(first.uid, uidvalidity=first.uidvalidity)
        assert [m.uid for m in box.fetch_unseen()] == [second.uid]
    client = mail_servers.imap_client()
    try:
        client.select_folder(done)
        moved = client.search(["ALL"])
        assert len(moved) == 1
        flags = client.get_flags(moved)[moved[0]]
        assert b"\\Seen" in flags and b"KcProcessed" in flags
        # Keyword mode: a person reading the mail in a mail program does not hide it.
        client.select_folder(imap_folder)
        client.add_flags([second.uid], [b"\\Seen"])
    finally:
        client.logout()
    with ImapMailbox(config) as box:
        assert [m.uid for m in box.fetch_unseen()] == [second.uid]


def test_oversized_mail_is_fetched_as_headers_only(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1, size=200_000))
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder, max_bytes=100_000)) as box:
        (big,) = box.fetch_unseen()
    assert big.headers_only and big.size > 200_000 and len(big.raw) < 1_000
    parsed = parse_message(big.raw, max_bytes=100_000, size=big.size)
    assert parsed.too_large and parsed.subject == "Anfrage 1" and parsed.text == ""


def test_reconnects_after_a_dropped_connection(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1), mail(2))
    sleeps: list[float] = []
    box = ImapMailbox(mail_servers.imap_config(folder=imap_folder), sleep=sleeps.append)
    with box:
        first = next(box.fetch_unseen())
        box.client._imap.sock.shutdown(socket.SHUT_RDWR)  # the network drops us
        box.mark_processed(first.uid, uidvalidity=first.uidvalidity)
        assert subjects(box.fetch_unseen()) == ["Anfrage 2"]
    assert sleeps  # it did reconnect, with a backoff


def test_changed_uidvalidity_refuses_to_mark(mail_servers, imap_folder):
    append(mail_servers, imap_folder, mail(1))
    with ImapMailbox(mail_servers.imap_config(folder=imap_folder)) as box:
        (m,) = box.fetch_unseen()
        with pytest.raises(UidValidityChangedError):
            box.mark_processed(m.uid, uidvalidity=m.uidvalidity + 1)
        assert [x.uid for x in box.fetch_unseen()] == [m.uid]


def test_chunks_group_mails_and_keep_oversized_ones_alone():
    from kc.channels.email.imap import FETCH_CHUNK_MAILS, _chunks

    mails = [(uid, 1000) for uid in range(1, 31)] + [(31, 10**9), (32, 500)]
    chunks = list(_chunks(mails, max_bytes=10**6))
    assert [len(c) for c in chunks] == [FETCH_CHUNK_MAILS, 30 - FETCH_CHUNK_MAILS, 1, 1]
    assert chunks[2] == [(31, 10**9)]
    assert [uid for c in chunks for uid, _ in c] == list(range(1, 33))
