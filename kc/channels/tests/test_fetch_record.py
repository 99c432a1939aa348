"""A mailbox read through without an error is recorded for the mail fetch lag metric."""

import pytest

from kc.channels.email import ingest
from kc.channels.models import MailboxFetch

pytestmark = [pytest.mark.mailserver, pytest.mark.timeout(900), pytest.mark.django_db]


def test_a_successful_fetch_is_recorded_and_a_refused_login_is_not(  # type: ignore[no-untyped-def]
    mail_servers, imap_folder
) -> None:
    config = mail_servers.imap_config(folder=imap_folder)
    ingest.ingest_mailbox(config, own_addresses=[])
    first = MailboxFetch.objects.get(mailbox=ingest.mailbox_name(config)).succeeded_at
    ingest.ingest_mailbox(config, own_addresses=[])
    again = MailboxFetch.objects.get(mailbox=ingest.mailbox_name(config))
    assert again.succeeded_at > first and MailboxFetch.objects.count() == 1
    wrong = mail_servers.imap_config(folder=imap_folder, password="wrong-password")
    with pytest.raises(Exception):  # noqa: B017 - whatever imapclient raises
        ingest.ingest_mailbox(wrong, own_addresses=[])
    assert MailboxFetch.objects.get().succeeded_at == again.succeeded_at
