"""Enqueue periodic tasks (mail polling, outbox sweep, ...) on time; safe on several machines."""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from kc.core.scheduler import run_due
from kc.core.task_worker import CONNECTION_ERRORS

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic-task scheduler (settings.KC_PERIODIC_TASKS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                for name in run_due(settings.KC_PERIODIC_TASKS):
                    self.stdout.write(f"enqueued {name}")
            except CONNECTION_ERRORS:
                if options["once"]:
                    raise
                # A database restart ends this pass, not the scheduler: the next pass
                # connects again, and a job that was due is claimed then.
                log.warning("scheduler pass without a database; next in %ss", options["tick"])
            finally:
                close_old_connections()
            if options["once"]:
                return
            time.sleep(options["tick"])
