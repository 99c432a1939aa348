"""The task worker: django-tasks-db's db_worker plus a heartbeat for /healthz."""

import logging
import os
import socket
import threading
from typing import Any

from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from kc.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15


class Command(DBWorkerCommand):
    help = "Run a background task worker that reports a heartbeat."

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        if verbosity == 1:
            # django.tasks says "started" and "finished" per task; kc.core.logs writes one
            # line with the duration instead (failures still come with their traceback).
            logging.getLogger("django.tasks").setLevel(logging.WARNING)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        beat = threading.Thread(
            target=_beat, args=(options["worker_id"], stop), name="heartbeat", daemon=True
        )
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            beat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()


def _beat(worker_id: str, stop: threading.Event) -> None:
    started = timezone.now()
    while True:
        try:
            WorkerHeartbeat.objects.update_or_create(
                worker_id=worker_id,
                defaults={
                    "hostname": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": started,
                    "seen_at": timezone.now(),
                },
            )
        except DatabaseError:
            # A database restart must not end the beat of a worker that lives on: without it
            # the task recovery would take the worker for dead and run its task twice.
            logger.warning("worker heartbeat failed, retrying", exc_info=True)
        finally:
            close_old_connections()
        if stop.wait(HEARTBEAT_SECONDS):
            return
