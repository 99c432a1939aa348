"""Background tasks of the legacy import: load by id, call one service."""

from django.tasks import task

from kc.imports import retention, services


@task()
def execute_run(run_id: int) -> str:
    """The dry run or the real import of an uploaded export (see services.execute_run)."""
    return services.execute_run(run_id)


@task()
def purge_import_files() -> int:
    """Daily: delete stored export files whose retention has ended (see retention)."""
    return len(retention.purge_files())
