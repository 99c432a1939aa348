"""Background task of the GDPR app: the periodic retention purge."""

from django.tasks import task
from django.utils import timezone

from kc.privacy import periodic


@task()
def purge_expired() -> dict[str, int]:
    """Daily: restrict customers whose erasure was blocked and purge those whose last
    retention period has ended."""
    return periodic.run(timezone.localdate()).counts()
