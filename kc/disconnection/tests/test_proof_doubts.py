"""A receipt that may not show a new payment (sent before, or paid before the threat) is
flagged, and only a person accepts it, with a reason."""

import datetime

import pytest
from django.utils import timezone

from kc.cases.tests.factories import QueueFactory
from kc.disconnection import chain, proofs, receipts
from kc.disconnection.models import DisconnectionCase, PaymentProof
from kc.disconnection.tests.factories import claim, household_contract

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = datetime.date(2026, 9, 15), datetime.date(2026, 10, 15), datetime.date(2026, 11, 15)
THREAT = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


def disconnected_case() -> DisconnectionCase:
    contract = household_contract(monthly="100.00")
    for day in (SEP, OCT, NOV):
        claim(contract, "100.00", day)
    case = chain.threaten(contract, on=THREAT)
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    return case


def read_proof(case: DisconnectionCase, *, sha256: str, paid_on: datetime.date) -> PaymentProof:
    proof = PaymentProof.objects.create(
        account=case.account,
        case=case,
        source="portal",
        content_type="image/png",
        sha256=sha256,
        scan="clean",
    )
    facts = receipts.ReceiptFacts(
        amount_cents=100_000,
        date=paid_on,
        payer_iban=None,
        reference=None,
        account_numbers=[case.account.number],
        invoice_numbers=[],
        confidence="high",
        notes=[],
    )
    proofs.match(proof, "", facts)
    proof.refresh_from_db()
    return proof


def test_a_fresh_receipt_after_the_threat_has_no_doubt(agent) -> None:  # type: ignore[no-untyped-def]
    case = disconnected_case()
    proof = read_proof(case, sha256="a" * 64, paid_on=timezone.localdate())
    assert proof.status == PaymentProof.Status.COVERS and proof.doubt == ""
    proofs.accept(proof, actor=agent)  # one action, no reason needed
    case.refresh_from_db()
    assert case.status == DisconnectionCase.Status.RECONNECTION_ORDERED


def test_the_same_receipt_twice_needs_a_reason(agent) -> None:  # type: ignore[no-untyped-def]
    case = disconnected_case()
    first = read_proof(case, sha256="b" * 64, paid_on=timezone.localdate())
    proofs.reject(first, actor=agent, reason="unleserlich")
    again = read_proof(case, sha256="b" * 64, paid_on=timezone.localdate())
    assert "schon am" in again.doubt and case.account.number in again.doubt
    assert again.doubt in again.note
    with pytest.raises(chain.ChainError, match="nur mit Begründung"):
        proofs.accept(again, actor=agent)
    case.refresh_from_db()
    assert case.status == DisconnectionCase.Status.DISCONNECTED
    proofs.accept(again, actor=agent, reason="Kundin hat Kontoauszug am Telefon vorgelesen")
    case.refresh_from_db()
    assert case.status == DisconnectionCase.Status.RECONNECTION_ORDERED
    assert case.events.filter(kind="proof_despite_doubt").exists()


def test_a_payment_before_the_threat_needs_a_reason(agent) -> None:  # type: ignore[no-untyped-def]
    case = disconnected_case()
    proof = read_proof(case, sha256="c" * 64, paid_on=THREAT - datetime.timedelta(days=3))
    assert "vor der Sperrandrohung" in proof.doubt
    with pytest.raises(chain.ChainError):
        proofs.accept(proof, actor=agent)
