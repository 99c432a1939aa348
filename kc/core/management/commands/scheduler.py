"""Enqueue periodic tasks (mail polling, outbox sweep, ...) on time; safe on several machines."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from kc.core.scheduler import run_due


class Command(BaseCommand):
    help = "Run the periodic-task scheduler (settings.KC_PERIODIC_TASKS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for name in run_due(settings.KC_PERIODIC_TASKS):
                self.stdout.write(f"enqueued {name}")
            close_old_connections()
            if options["once"]:
                return
            time.sleep(options["tick"])
