"""db_worker's loop, made to live through a database restart.

django-tasks-db's Worker re-raises every database error but a locked SQLite file, so a
PostgreSQL restart (or failover, or a dropped connection) ended every task worker, and the
task it was running stayed RUNNING (docs/production.md, "A database restart"). Here a lost
connection ends only the current pass: the worker waits until the database answers again,
hands back the task it was running (its result could not be written) and goes on.
"""

import contextlib
import logging
import time

from django.db import InterfaceError, OperationalError, connection
from django_tasks_db.management.commands.db_worker import Worker

from kc.core.task_recovery import hand_back_interrupted

log = logging.getLogger(__name__)

# Connection errors (server gone, connection refused or closed); not data or integrity errors.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


class ResilientWorker(Worker):
    reconnect_seconds = 1.0

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except CONNECTION_ERRORS:
                if not self.running:
                    raise  # asked to stop: a dead worker's task is the task recovery's job
                log.warning(
                    "task worker %s lost the database; waiting for it",
                    self.worker_id,
                    exc_info=True,
                )
            self.running_task = False  # a signal now ends the process at once
            self._recover()

    def _recover(self) -> None:
        """Wait until the database answers, then hand back the interrupted task."""
        while True:
            with contextlib.suppress(*CONNECTION_ERRORS):
                connection.close()
            try:
                handed_back = hand_back_interrupted(self.worker_id)
            except CONNECTION_ERRORS:
                time.sleep(self.reconnect_seconds)
                continue
            log.warning(
                "task worker %s has the database again; handed back %s",
                self.worker_id,
                handed_back or "nothing",
            )
            return
