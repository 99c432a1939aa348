"""Give back the tasks of a task worker that died (django-tasks-db leaves them RUNNING).

django-tasks-db 0.13 has no timeout: a worker killed while running a task leaves the
result RUNNING for good, and no other worker takes it (docs/production.md). This sweep
finds such results and puts them back to READY, so a live worker runs them again.

A RUNNING result is orphaned when the worker that claimed it last (`worker_ids[-1]`)

- has no fresh heartbeat (WorkerHeartbeat.seen_at older than STALE_AFTER_SECONDS), or
- has a heartbeat from a later process (the same --worker-id restarted by systemd after
  the claim: the heartbeat's started_at is after the task's started_at),

and the claim is older than the heartbeat grace, so a worker that has just started is
not mistaken for a dead one. The hand-back is a conditional UPDATE on (id, RUNNING,
started_at): of two sweepers only one changes the row, and a row that a worker has
claimed again in between is left alone. Every claim appends to worker_ids, so its length
counts the attempts; after KC_TASK_RECOVERY_MAX_ATTEMPTS the result is marked FAILED
instead, with a log line, so a task that kills its worker is not run for ever.

Running a task again assumes tasks are idempotent (docs/production.md, "Tasks whose
worker died").
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kc.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 3
GIVEN_UP = "kc.core.task_recovery.WorkerDied"


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)


def max_attempts() -> int:
    return int(getattr(settings, "KC_TASK_RECOVERY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def recover_orphaned_tasks(now: datetime.datetime | None = None) -> Recovery:
    """Hand back every RUNNING result whose worker is gone; returns what this caller did."""
    now = now or timezone.now()
    grace = datetime.timedelta(seconds=WorkerHeartbeat.STALE_AFTER_SECONDS)
    recovery = Recovery()
    up_since = database_up_since()
    if up_since is not None and now - up_since < grace:
        # Just after a database restart every heartbeat is stale though its worker lives on
        # (it could not write while the database was down): no verdict until they caught up.
        return recovery
    live = {
        beat.worker_id: beat.started_at
        for beat in WorkerHeartbeat.objects.filter(seen_at__gte=now - grace)
    }
    candidates = DBTaskResult.objects.running().filter(started_at__lt=now - grace)
    for result in candidates.only("id", "task_path", "started_at", "worker_ids"):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if not _worker_died(worker, result.started_at, live):
            continue
        if len(result.worker_ids) >= max_attempts():
            if _give_up(result, worker, now):
                recovery.given_up.append(str(result.id))
        elif _requeue(result, worker):
            recovery.requeued.append(str(result.id))
    return recovery


def database_up_since() -> datetime.datetime | None:
    """When the database server started (PostgreSQL); None where it cannot say."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        row = cursor.fetchone()
    return row[0] if row else None


def _worker_died(
    worker: str, started_at: datetime.datetime | None, live: dict[str, datetime.datetime]
) -> bool:
    process_started = live.get(worker)
    if process_started is None:
        return True
    # Same worker id, but a process that started after the claim: the claimer is gone.
    return started_at is not None and process_started > started_at


def _requeue(result: DBTaskResult[Any, Any], worker: str) -> bool:
    changed = DBTaskResult.objects.filter(
        id=result.id, status=TaskResultStatus.RUNNING, started_at=result.started_at
    ).update(
        status=TaskResultStatus.READY,
        started_at=None,
        traceback=f"worker {worker!r} died while running this task; handed back",
    )
    if changed:
        log.warning(
            "task %s (%s) handed back: worker %r died (attempt %d of %d)",
            result.id,
            result.task_path,
            worker,
            len(result.worker_ids),
            max_attempts(),
        )
    return bool(changed)


def _give_up(result: DBTaskResult[Any, Any], worker: str, now: datetime.datetime) -> bool:
    attempts = len(result.worker_ids)
    changed = DBTaskResult.objects.filter(
        id=result.id, status=TaskResultStatus.RUNNING, started_at=result.started_at
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=GIVEN_UP,
        traceback=(
            f"worker {worker!r} died while running this task; given up after "
            f"{attempts} attempts, each of whose workers died"
        ),
    )
    if changed:
        log.error(
            "task %s (%s) given up: its worker died on each of %d attempts (last %r)",
            result.id,
            result.task_path,
            attempts,
            worker,
        )
    return bool(changed)


def hand_back_interrupted(worker_id: str) -> list[str]:
    """Put back the task a live worker was running when it lost the database.

    The worker survives a database restart (kc.core.task_worker), but the result of the task
    it was running could not be written: it is RUNNING under this worker's id. The sweep
    above leaves it alone (the worker is alive), so the worker hands it back itself once the
    database is back; it then runs again (tasks are idempotent, see the module doc)."""
    handed_back = []
    for result in DBTaskResult.objects.running().only("id", "started_at", "worker_ids"):
        if not result.worker_ids or result.worker_ids[-1] != worker_id:
            continue
        changed = DBTaskResult.objects.filter(
            id=result.id, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(
            status=TaskResultStatus.READY,
            started_at=None,
            traceback=f"worker {worker_id!r} lost the database while running this task; "
            "handed back",
        )
        if changed:
            log.warning("task %s handed back: worker %r lost the database", result.id, worker_id)
            handed_back.append(str(result.id))
    return handed_back
