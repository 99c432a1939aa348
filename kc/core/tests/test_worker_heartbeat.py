"""The worker's heartbeat survives a database error: a worker that lives on keeps beating, so
the task recovery never takes it for dead."""

import threading
from typing import Any

import pytest
from django.db import DatabaseError

from kc.core.management.commands import worker
from kc.core.models import WorkerHeartbeat


@pytest.mark.django_db(transaction=True)
def test_a_database_error_does_not_end_the_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    real = WorkerHeartbeat.objects.update_or_create
    calls: list[int] = []
    stop = threading.Event()

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        if len(calls) >= 2:
            stop.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(WorkerHeartbeat.objects, "update_or_create", flaky)
    monkeypatch.setattr(worker, "HEARTBEAT_SECONDS", 0.01)
    worker._beat("beat-1", stop)
    assert len(calls) == 2
    assert WorkerHeartbeat.objects.filter(worker_id="beat-1").exists()
