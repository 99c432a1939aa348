"""Background tasks of supply data: call one service."""

from django.tasks import task

from kc.supply import readings


@task()
def scan_pending_reading_photos() -> int:
    """Meter photos from customers still waiting for clamd (it was down when they came)."""
    return readings.scan_pending_photos()
