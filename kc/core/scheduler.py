"""Periodic tasks for any number of scheduler processes: each due run is enqueued once.

Jobs come from settings.KC_PERIODIC_TASKS: {name: {"task": dotted path, "every": seconds}}.
The task is imported by its path, so the platform needs no import of the apps above it.
"""

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

from kc.core.models import PeriodicJob

log = logging.getLogger(__name__)


def claim(name: str, every: int, now: datetime.datetime) -> bool:
    """True for exactly one caller per due run of `name`."""
    PeriodicJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
    return bool(
        PeriodicJob.objects.filter(name=name, next_run_at__lte=now).update(
            next_run_at=now + datetime.timedelta(seconds=every), last_enqueued_at=now
        )
    )


def run_due(
    jobs: Mapping[str, Mapping[str, Any]], now: datetime.datetime | None = None
) -> list[str]:
    """Enqueue every job that is due now; returns the names enqueued by this caller."""
    now = now or timezone.now()
    enqueued = []
    for name, job in jobs.items():
        if claim(name, int(job["every"]), now):
            import_string(job["task"]).enqueue()
            enqueued.append(name)
            log.info("scheduler enqueued %s", name)
    return enqueued
