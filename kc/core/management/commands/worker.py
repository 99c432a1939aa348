"""The task worker: django-tasks-db's db_worker plus a heartbeat for /healthz, living through
a database restart (kc.core.task_worker)."""

import logging
import os
import socket
import threading
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from kc.core.models import WorkerHeartbeat
from kc.core.task_worker import ResilientWorker

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
            self._work(**options)
        finally:
            stop.set()
            beat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()

    def _work(self, **options: Any) -> None:
        """db_worker's handle with ResilientWorker in place of its Worker."""
        self.configure_logging(options["verbosity"])
        queues = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queues:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queues,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # in the reloaded child only
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()


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
