"""Background tasks of the consultations: call one service."""

from django.tasks import task

from kc.appointments import reminders


@task()
def send_reminders() -> int:
    """Reminders for the appointments of the coming hours (periodic, see settings)."""
    return reminders.send_due_reminders()
