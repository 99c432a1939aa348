"""Background tasks of cases: call one service."""

from django.tasks import task

from kc.cases import complaints, escalation


@task()
def sla_reminders() -> int:
    return escalation.send_reminders()


@task()
def escalate_complaints() -> list[int]:
    """Complaints near their § 111a EnWG deadline to the complaint manager; overdue flagged."""
    return list(complaints.escalate_due_complaints())
