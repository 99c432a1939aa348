"""Background tasks of the platform."""

from django.tasks import task

from kc.core import task_recovery


@task()
def recover_orphaned_tasks() -> int:
    """Hand back tasks whose worker died (kc/core/task_recovery.py); returns how many."""
    recovery = task_recovery.recover_orphaned_tasks()
    return len(recovery.requeued) + len(recovery.given_up)
