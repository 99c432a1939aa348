"""Background tasks of the channels: load by id, call one function."""

import datetime

from django.tasks import task
from django.utils import timezone

from kc.cases import outbox as case_outbox
from kc.channels.email.ingest import configured_mailbox, ingest_mailbox, own_addresses
from kc.channels.email.outbox import send_queued_email

# Waits before the 2nd, 3rd, ... try of a failed send.
BACKOFF = (60, 300, 900, 3600, 3 * 3600)


@task()
def send_email(message_id: int, attempt: int = 1) -> bool:
    result = send_queued_email(message_id)
    if result.retry:
        wait = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
        send_email.using(run_after=timezone.now() + datetime.timedelta(seconds=wait)).enqueue(
            message_id, attempt + 1
        )
    return result.sent


@task()
def sweep_outbox() -> int:
    """Re-enqueue mails still waiting (e.g. queued while no worker ran)."""
    ids = case_outbox.queued_email_ids()
    for message_id in ids:
        send_email.enqueue(message_id)
    return len(ids)


@task()
def fetch_mail() -> int:
    """Poll the configured mailbox; returns the number of mails stored."""
    config = configured_mailbox()
    if config is None:
        return 0
    return ingest_mailbox(config, own_addresses=own_addresses()).stored
