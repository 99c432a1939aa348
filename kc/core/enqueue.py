"""Enqueue a task so that it exists exactly when the data it works on exists.

With the database task backend (django-tasks-db) on the same database, the task row is
written inside the open transaction: it commits or rolls back with the business data and
costs no commit of its own. Any other backend (e.g. Redis) gets the task after the commit.
"""

from typing import Any

from django.db import router, transaction
from django.tasks import Task

DATABASE_BACKEND = "django_tasks_db.backend.DatabaseBackend"


def enqueue_with_transaction(task: Task[Any, Any], *args: Any) -> None:
    backend = task.get_backend()
    if _stores_in_default_database(backend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def _stores_in_default_database(backend: object) -> bool:
    cls = type(backend)
    if f"{cls.__module__}.{cls.__qualname__}" != DATABASE_BACKEND:
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == "default"
