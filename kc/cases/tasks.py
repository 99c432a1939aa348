"""Background tasks of cases: call one service."""

from django.tasks import task

from kc.cases import escalation


@task()
def sla_reminders() -> int:
    return escalation.send_reminders()
