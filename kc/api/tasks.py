"""Background tasks of the API: webhook deliveries."""

from django.tasks import task

from kc.api import webhooks


@task()
def deliver_webhook(delivery_id: int) -> str:
    return webhooks.send(delivery_id)


@task()
def send_due_webhooks() -> int:
    """The periodic sweep (KC_PERIODIC_TASKS): retries whose time has come."""
    return webhooks.send_due()
