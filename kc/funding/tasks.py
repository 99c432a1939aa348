"""Background jobs of the funding program (adapters: each calls one service)."""

from django.tasks import task

from kc.funding import applications, payouts


@task()
def claw_back_ended_contracts() -> int:
    """Paid grants whose supply contract ended before the binding period was over."""
    return payouts.claw_back_ended_contracts()


@task()
def scan_pending_documents() -> int:
    """Application documents still waiting for clamd (it was down when they came)."""
    return applications.scan_pending_documents()
