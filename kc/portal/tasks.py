"""Background tasks of the portal: load by id, call one function."""

from django.tasks import task

from kc.portal import accounts, mail


@task()
def send_portal_mail(mail_id: int, attempt: int = 1) -> bool:
    sent, retry = mail.send(mail_id)
    if retry:
        mail.OUTBOX.retry_later(send_portal_mail, mail_id, attempt)
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
