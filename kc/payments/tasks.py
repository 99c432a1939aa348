"""Background tasks of payments: call one service."""

from django.tasks import task
from django.utils import timezone

from kc.payments import mandates


@task()
def expire_unused_mandates() -> int:
    """SEPA: a mandate unused for 36 months may not be used again (checked daily)."""
    return mandates.expire_unused(timezone.localdate())
