"""Background tasks of the portal: load by id, call one function."""

import datetime

from django.tasks import task
from django.utils import timezone

from kc.portal import accounts, mail

BACKOFF = (60, 300, 900, 3600, 3 * 3600)


@task()
def send_portal_mail(mail_id: int, attempt: int = 1) -> bool:
    sent, retry = mail.send(mail_id)
    if retry:
        wait = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
        send_portal_mail.using(run_after=timezone.now() + datetime.timedelta(seconds=wait)).enqueue(
            mail_id, attempt + 1
        )
    return sent


@task()
def sweep_portal_mail() -> int:
    """Re-enqueue mails still waiting (queued while no worker ran, or a worker died)."""
    ids = mail.waiting_ids()
    for mail_id in ids:
        send_portal_mail.enqueue(mail_id)
    return len(ids)


@task()
def send_code_letter(customer_number: str, postal_code: str) -> None:
    """In the background, so the page answers in the same time whether or not it matched."""
    accounts.send_code_letter(customer_number, postal_code)
