"""A lost database connection ends neither a task worker nor the scheduler (docs/production.md,
"A database restart"). The connection is ended by the server (pg_terminate_backend), which
is what a PostgreSQL restart does to every connection; the whole topology through a real
restart is kc/core/tests/test_database_restart.py."""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kc.core.models import PeriodicJob

ROOT = Path(__file__).resolve().parents[3]
RUNS: list[str] = []

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@task()
def lose_the_connection_once(key: str) -> str:
    """The first run loses its database connection as in a restart; the next one works."""
    RUNS.append(key)
    if len(RUNS) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    return key


def test_worker_lives_on_and_runs_the_interrupted_task_again() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    RUNS.clear()
    result_id = lose_the_connection_once.enqueue("a").id

    # Before: OperationalError out of db_worker, the process ended, the result RUNNING.
    call_command(
        "worker", batch=True, startup_delay=False, reload=False, worker_id="w-1", verbosity=0
    )

    result = DBTaskResult.objects.get(id=result_id)
    assert RUNS == ["a", "a"]
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids == ["w-1", "w-1"]  # claimed again by the same, living worker


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _terminate_others() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row: Any = cursor.fetchone()
    return int(row[0])


def test_scheduler_lives_on_when_its_connections_are_ended(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env = {
        **clean,
        "DATABASE_URL": _database_url(),
        "KC_VAR_DIR": str(tmp_path),
        "KC_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    scheduler = subprocess.Popen(
        [sys.executable, "manage.py", "scheduler", "--tick", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not PeriodicJob.objects.exists():
            assert scheduler.poll() is None, scheduler.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the scheduler never ran"
            time.sleep(0.1)
        # Every connection it opens is ended, as a restart does, for two seconds: passes fail.
        ended = 0
        until = time.monotonic() + 2
        while time.monotonic() < until:
            ended += _terminate_others()
            time.sleep(0.005)
        assert ended > 0
        time.sleep(0.5)
        assert scheduler.poll() is None, scheduler.communicate()[1][-3000:]
        # It goes on: a job made due now is enqueued by the same process.
        PeriodicJob.objects.filter(name="task_recovery").update(
            next_run_at="2000-01-01T00:00:00Z", last_enqueued_at=None
        )
        deadline = time.monotonic() + 30
        while not PeriodicJob.objects.filter(
            name="task_recovery", last_enqueued_at__isnull=False
        ).exists():
            assert scheduler.poll() is None, scheduler.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no job enqueued after the connections came back"
            time.sleep(0.1)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
