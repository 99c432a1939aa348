import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from kc.core import scheduler
from kc.core.models import PeriodicJob

calls: list[str] = []


class FakeTask:
    """Stands in for a django.tasks Task: records enqueue() calls."""

    def enqueue(self) -> None:
        calls.append("run")


ping = FakeTask()
JOBS = {"ping": {"task": "kc.core.tests.test_scheduler.ping", "every": 60}}


@pytest.mark.django_db
def test_each_due_run_is_enqueued_once() -> None:
    calls.clear()
    now = timezone.now()
    assert scheduler.run_due(JOBS, now) == ["ping"]
    assert scheduler.run_due(JOBS, now + datetime.timedelta(seconds=30)) == []
    assert scheduler.run_due(JOBS, now + datetime.timedelta(seconds=61)) == ["ping"]
    assert calls == ["run", "run"]
    assert PeriodicJob.objects.get(name="ping").last_enqueued_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_race_and_one_wins() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims need a server database")
    now = timezone.now()
    PeriodicJob.objects.create(name="race", next_run_at=now)
    wins: list[bool] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        barrier.wait()
        wins.append(scheduler.claim("race", 60, now))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
