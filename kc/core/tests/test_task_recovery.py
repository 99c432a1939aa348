"""Tasks left RUNNING by a dead worker go back to the queue once, then run; or are given up."""

import datetime
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kc.core import scheduler
from kc.core.models import WorkerHeartbeat
from kc.core.task_recovery import GIVEN_UP, database_up_since, recover_orphaned_tasks

ROOT = Path(__file__).resolve().parents[3]
RAN: list[str] = []


@task()
def remember(key: str) -> str:
    RAN.append(key)
    return key


def _running(key: str, worker: str, minutes_ago: float = 5) -> DBTaskResult[Any, Any]:
    """A result claimed by `worker` `minutes_ago`, as db_worker leaves it."""
    result = DBTaskResult.objects.get(id=remember.enqueue(key).id)
    result.claim(worker)
    DBTaskResult.objects.filter(id=result.id).update(
        started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    result.refresh_from_db()
    return result


def _beat(worker: str, started_minutes_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker,
        hostname="host",
        pid=1,
        started_at=now - datetime.timedelta(minutes=started_minutes_ago),
        seen_at=now,
    )


@pytest.mark.django_db(transaction=True)
def test_dead_workers_task_is_handed_back_once_and_then_runs() -> None:
    RAN.clear()
    result = _running("a", "dead-1")

    assert recover_orphaned_tasks().requeued == [str(result.id)]
    assert recover_orphaned_tasks().requeued == []  # already back in the queue
    result.refresh_from_db()
    assert result.status == TaskResultStatus.READY

    call_command("db_worker", batch=True, startup_delay=False, worker_id="live-1", verbosity=0)
    result.refresh_from_db()
    assert RAN == ["a"]
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids == ["dead-1", "live-1"]


@pytest.mark.django_db
def test_task_of_a_live_worker_is_left_alone() -> None:
    _beat("live-1", started_minutes_ago=30)
    result = _running("b", "live-1")

    recovery = recover_orphaned_tasks()

    assert recovery.requeued == recovery.given_up == []
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_fresh_claim_is_not_taken_for_a_dead_worker() -> None:
    # The claimer may not have written its first heartbeat yet.
    result = _running("c", "new-1", minutes_ago=0.1)

    assert recover_orphaned_tasks().requeued == []
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_task_of_a_worker_id_restarted_since_the_claim_is_handed_back() -> None:
    # systemd restarted kundencenter-worker@1 with the same --worker-id after the kill.
    result = _running("d", "worker-1", minutes_ago=5)
    _beat("worker-1", started_minutes_ago=1)

    assert recover_orphaned_tasks().requeued == [str(result.id)]


@pytest.mark.django_db
def test_a_worker_with_a_stale_heartbeat_counts_as_dead() -> None:
    _beat("hung-1", started_minutes_ago=30)
    WorkerHeartbeat.objects.filter(worker_id="hung-1").update(
        seen_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    result = _running("e", "hung-1")

    assert recover_orphaned_tasks().requeued == [str(result.id)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_no_verdict_on_stale_heartbeats_just_after_a_database_restart() -> None:
    """While PostgreSQL was down no worker could beat; right after it started again every
    heartbeat is stale though the workers live on. Taking them for dead would run their
    tasks twice."""
    up_since = database_up_since()
    if up_since is None:
        pytest.skip("PostgreSQL tells when it started")
    _beat("alive-1", started_minutes_ago=30)
    WorkerHeartbeat.objects.filter(worker_id="alive-1").update(
        seen_at=up_since - datetime.timedelta(minutes=3)
    )
    result = _running("r", "alive-1")
    DBTaskResult.objects.filter(id=result.id).update(
        started_at=up_since - datetime.timedelta(minutes=2)
    )

    restarted = recover_orphaned_tasks(now=up_since + datetime.timedelta(seconds=20))
    assert restarted.requeued == restarted.given_up == []
    # A minute on, a heartbeat still stale means the worker is gone.
    later = recover_orphaned_tasks(now=up_since + datetime.timedelta(minutes=2))
    assert later.requeued == [str(result.id)]


@override_settings(KC_TASK_RECOVERY_MAX_ATTEMPTS=3)
@pytest.mark.django_db
def test_a_task_that_keeps_killing_its_worker_is_given_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = _running("f", "dead-1")
    for attempt in (2, 3):
        assert recover_orphaned_tasks().requeued == [str(result.id)]
        result.refresh_from_db()
        result.claim(f"dead-{attempt}")
        DBTaskResult.objects.filter(id=result.id).update(
            started_at=timezone.now() - datetime.timedelta(minutes=5)
        )

    with caplog.at_level(logging.ERROR, logger="kc.core.task_recovery"):
        recovery = recover_orphaned_tasks()

    assert recovery.requeued == []
    assert recovery.given_up == [str(result.id)]
    result.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == GIVEN_UP
    assert result.finished_at is not None
    assert "given up" in caplog.text and str(result.id) in caplog.text
    assert recover_orphaned_tasks().given_up == []  # no endless loop


@pytest.mark.django_db
def test_the_scheduler_runs_the_recovery() -> None:
    job = settings.KC_PERIODIC_TASKS["task_recovery"]
    assert scheduler.run_due({"task_recovery": job}) == ["task_recovery"]
    queued = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert queued.task_path == "kc.core.tasks.recover_orphaned_tasks"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_hand_each_task_back_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent UPDATEs are what this proves; SQLite serialises writers")
    orphans = {str(_running(f"g{i}", "dead-1").id) for i in range(30)}
    handed_back: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def sweeper() -> None:
        try:
            barrier.wait()
            mine = recover_orphaned_tasks().requeued
            with lock:
                handed_back.extend(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(handed_back) == sorted(orphans)  # each exactly once, none missing
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 30


@task()
def linger(path: str, seconds: float) -> str:
    """Notes each start; the first attempt runs long enough to be killed."""
    log = Path(path)
    first = not log.exists()
    with log.open("a") as handle:
        handle.write("start\n")
    if first:
        time.sleep(seconds)
    with log.open("a") as handle:
        handle.write("done\n")
    return "done"


def _worker(worker_id: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own manage.py with a fixed argv
        [
            sys.executable,
            "manage.py",
            "worker",
            "--worker-id",
            worker_id,
            "--no-startup-delay",
            "--interval",
            "0.2",
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=env,
    )


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_task_of_a_sigkilled_worker_runs_again_on_another_worker(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes need a shared server database")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env = {**clean, "DATABASE_URL": url, "KC_VAR_DIR": str(tmp_path)}
    marks = tmp_path / "linger.log"
    result_id = linger.enqueue(str(marks), 120).id

    def state() -> DBTaskResult[Any, Any]:
        return DBTaskResult.objects.get(id=result_id)

    first = _worker("kill-me", env)
    try:
        assert _wait(lambda: marks.exists() and state().status == "RUNNING", 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert state().status == TaskResultStatus.RUNNING  # what the backend leaves behind
    # Age the claim and the dead worker's last heartbeat instead of waiting a minute.
    past = timezone.now() - datetime.timedelta(minutes=2)
    DBTaskResult.objects.filter(id=result_id).update(started_at=past)
    WorkerHeartbeat.objects.filter(worker_id="kill-me").update(seen_at=past)

    assert recover_orphaned_tasks().requeued == [str(result_id)]

    second = _worker("survivor", env)
    try:
        assert _wait(lambda: state().status == TaskResultStatus.SUCCESSFUL, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert state().worker_ids == ["kill-me", "survivor"]
    assert marks.read_text().split() == ["start", "start", "done"]  # ran again, finished once
