"""Background tasks of dunning, disconnection and reconnection: call one service."""

from django.tasks import task

from kc.core import clamd
from kc.disconnection import proofs, reconnection


@task()
def check_proof(proof_id: int) -> str:
    """Scan, read and match a proof of payment; clamd down leaves it for the sweep."""
    try:
        return proofs.check(proof_id)
    except clamd.ClamdUnavailable:
        return "pending"


@task()
def sweep_proofs() -> int:
    done = 0
    for proof_id in proofs.pending_ids():
        check_proof.call(proof_id)
        done += 1
    return done


@task()
def reconnect_paid_and_escalate() -> dict[str, int]:
    """Paid up by bank: reconnect; waiting too long: escalate."""
    return {
        "reconnected": reconnection.reconnect_paid(),
        "escalated": reconnection.escalate_overdue(),
    }
