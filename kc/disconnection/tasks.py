"""Background tasks of dunning, disconnection and reconnection: call one service."""

from django.tasks import task

from kc.core import clamd
from kc.disconnection import proofs, reconnection


@task()
def check_proof(proof_id: int) -> str:
    """The fast part first (scan; reconnection at once when the payment is booked), then the
    reading as its own task, so a burst of proofs is decided before any of them is read."""
    try:
        if proofs.scan(proof_id):
            read_proof.enqueue(proof_id)
            return "scanned"
    except clamd.ClamdUnavailable:
        return "pending"  # the sweep tries again
    return "done"


@task()
def read_proof(proof_id: int) -> str:
    return proofs.read(proof_id)


@task()
def sweep_proofs() -> int:
    """Proofs left behind: clamd was down, or their reading task was lost."""
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
