"""Background tasks of the legacy import: load by id, call one service."""

from django.tasks import task

from kc.imports import services


@task()
def execute_run(run_id: int) -> str:
    """The dry run or the real import of an uploaded export (see services.execute_run)."""
    return services.execute_run(run_id)
