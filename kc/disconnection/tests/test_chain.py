"""The legal chain end to end: reminders, threat, agreement, announcement, order, execution,
proof, reconnection; and the stops: below threshold, disputed, proportionality."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail  # noqa: F401  (outbox messages are case messages here)
from django.utils import timezone

from kc.cases.models import Case, Message
from kc.cases.tests.factories import QueueFactory
from kc.disconnection import chain, dunning, proofs, receipts, reconnection
from kc.disconnection.models import (
    DisconnectionCase,
    DunningNotice,
    FieldOrder,
    InstallmentPlan,
    PaymentProof,
)
from kc.disconnection.tests.factories import claim, household_contract, pay
from kc.letters.models import Letter
from kc.payments import ledger

pytestmark = pytest.mark.django_db
D = Decimal
Status = DisconnectionCase.Status
SEP, OCT, NOV = datetime.date(2026, 9, 15), datetime.date(2026, 10, 15), datetime.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


def overdue_contract():  # type: ignore[no-untyped-def]
    contract = household_contract(monthly="100.00")
    for day in (SEP, OCT, NOV):
        claim(contract, "100.00", day)
    return contract


def run(day: datetime.date) -> dunning.RunResult:
    return dunning.run(day)


def test_reminders_then_threat_announcement_order_execution_and_reconnection(agent) -> None:  # type: ignore[no-untyped-def]
    contract = overdue_contract()
    account = contract.account
    assert run(datetime.date(2026, 9, 20)).notices == 0  # 5 days overdue: too early
    assert run(datetime.date(2026, 9, 23)).notices == 1
    assert run(datetime.date(2026, 9, 23)).notices == 0  # the same run date again
    assert run(datetime.date(2026, 10, 1)).notices == 0  # level 2 waits 21 days and 14 since
    assert run(datetime.date(2026, 10, 7)).notices == 1
    levels = list(DunningNotice.objects.order_by("run_date").values_list("level", "fee"))
    assert levels == [(1, D("0.00")), (2, D("2.00"))]
    # After the last level, the threat (arrears 302 € ≥ 2 × 100 € and ≥ 100 €).
    result = run(datetime.date(2026, 11, 20))
    assert result.threats == 1
    case = DisconnectionCase.objects.get()
    assert case.status == Status.THREATENED and case.rule_set == "enwg-41f-2025-12"
    # The contract's claims count (300 €); the 2 € dunning fee is the account's, not the contract's.
    assert case.arrears == D("300.00") and case.threshold == D("200.00")
    assert case.earliest_on >= datetime.date(2026, 11, 20) + datetime.timedelta(weeks=4)
    assert Letter.objects.filter(kind="disconnection_threat", account=account).exists()
    # Nothing happens before the last day to announce; then the announcement and the offer.
    latest = chain.latest_announcement(chain.rules_of(contract, case.earliest_on), case.earliest_on)
    assert run(latest - datetime.timedelta(days=1)).announcements == 0
    assert run(latest).announcements == 1
    case.refresh_from_db()
    assert case.status == Status.ANNOUNCED and case.planned_on == case.earliest_on
    assert Letter.objects.filter(kind="disconnection_announcement").exists()
    assert InstallmentPlan.objects.filter(case=case, status="offered").exists()
    # On the day: the order, by e-mail on the case (the field service confirms via the API).
    assert run(case.planned_on).orders == 1
    order = FieldOrder.objects.get(case=case)
    assert order.kind == FieldOrder.Kind.DISCONNECT
    work_case = Case.objects.get(number=case.case_number)
    mail_out = Message.objects.get(case=work_case, kind=Message.Kind.EMAIL_OUT)
    assert order.number in mail_out.body_text and mail_out.recipients == "auftraege@netz.example"
    executed = timezone.now()
    chain.confirm_order(order, executed_at=executed)
    chain.confirm_order(order, executed_at=executed)  # a second report changes nothing
    case.refresh_from_db()
    assert case.status == Status.DISCONNECTED and case.costs == D("95.00")
    assert ledger.balance(account) == D("302.00") + D("95.00")
    # A proof that covers it: one action, the reconnection order goes out at top priority.
    proof = PaymentProof.objects.create(
        account=account, case=case, source="window", content_type="image/png", sha256="x"
    )
    with pytest.raises(chain.ChainError, match="Schadsoftware"):
        proofs.accept(proof, actor=agent)  # not scanned yet
    PaymentProof.objects.filter(pk=proof.pk).update(scan="clean")
    facts = receipts.ReceiptFacts(
        amount_cents=39700,
        date=datetime.date(2026, 12, 20),
        payer_iban=None,
        reference=f"Vertragskonto {account.number}",
        account_numbers=[account.number],
        invoice_numbers=[],
        confidence="high",
        notes=[],
    )
    assert proofs.match(proof, "Überweisung 397,00 EUR", facts) == PaymentProof.Status.COVERS
    proofs.accept(proof, actor=agent)
    with pytest.raises(chain.ChainError, match="bereits entschieden"):
        proofs.reject(proof, actor=agent, reason="doch nicht")
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED
    reconnect = FieldOrder.objects.get(case=case, kind=FieldOrder.Kind.RECONNECT)
    assert reconnect.priority == reconnection.URGENT
    assert reconnection.lead_time(case) is not None
    chain.confirm_order(reconnect, executed_at=timezone.now())
    case.refresh_from_db()
    assert case.status == Status.RECONNECTED
    assert Letter.objects.filter(kind="reconnection_confirmation").exists()
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[:3] == ["threat", "agreement_offer", "announcement"]
    assert "order_disconnect" in kinds and "reconnected" in kinds


def test_no_threat_below_the_threshold_or_for_disputed_amounts() -> None:
    contract = household_contract(monthly="100.00")
    claim(contract, "100.00", SEP)
    claim(contract, "150.00", OCT, disputed=True)
    for day in (
        datetime.date(2026, 9, 23),
        datetime.date(2026, 10, 14),
        datetime.date(2026, 11, 20),
    ):
        run(day)
    assert not DisconnectionCase.objects.exists()
    test = chain.test_arrears(contract, datetime.date(2026, 11, 20))[1]
    assert not test.ok and test.threshold == D("200.00")
    with pytest.raises(chain.ChainError):
        chain.threaten(contract, on=datetime.date(2026, 11, 20))


def test_the_chain_stops_by_itself_when_the_arrears_fall_below_the_threshold() -> None:
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    pay(contract, "250.00", "bank:partial")
    result = run(datetime.date(2026, 11, 25))
    assert result.stopped == 1
    case.refresh_from_db()
    assert case.status == Status.STOPPED and "Schwelle" in case.stop_reason


def test_an_agent_stops_the_chain_with_a_reason(agent) -> None:  # type: ignore[no-untyped-def]
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    with pytest.raises(chain.ChainError):
        chain.stop(case, reason=" ", actor=agent)
    chain.stop(case, reason="Sauerstoffgerät im Haushalt (Gefahr für Leib und Leben)", actor=agent)
    case.refresh_from_db()
    assert case.status == Status.STOPPED
    assert run(case.earliest_on).orders == 0


def test_no_order_before_the_announced_day_and_no_announcement_before_the_threat_period() -> None:
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    announced = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert announced.planned_on is not None and announced.planned_on >= case.earliest_on
    with pytest.raises(chain.ChainError, match="angekündigte Termin"):
        chain.order_disconnection(case, on=announced.planned_on - datetime.timedelta(days=1))


def test_agreement_on_request_pauses_the_chain() -> None:
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    plan = chain.request_agreement(case, on=datetime.date(2026, 11, 22), actor=None)
    assert plan.months == 6 and plan.amount == D("300.00")
    assert Letter.objects.filter(kind="installment_offer").exists()
    chain.accept_agreement(plan, actor=None)
    case.refresh_from_db()
    assert case.status == Status.AGREEMENT
    # The first instalment (50 €, due 15.12.) is paid: the agreement holds, nothing is announced.
    assert plan.first_due_on == datetime.date(2026, 12, 15)
    pay(contract, "50.00", "bank:rate-1")
    assert not chain.check_agreement(case, on=datetime.date(2026, 12, 23))
    assert run(case.earliest_on).announcements == 0
    # The second (15.01.) is not paid a week later: broken, the chain resumes.
    assert run(datetime.date(2027, 1, 23)).broken_agreements == 1
    case.refresh_from_db()
    plan.refresh_from_db()
    assert plan.status == InstallmentPlan.Status.BROKEN
    assert case.status in (Status.THREATENED, Status.ANNOUNCED)


def test_reconnection_without_cover_needs_a_person_and_a_reason(agent) -> None:  # type: ignore[no-untyped-def]
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    with pytest.raises(chain.ChainError, match="ohne Deckung"):
        reconnection.order_reconnection(case, actor=None)
    reconnection.order_reconnection(case, actor=agent, reason="Kind mit Fieber, Heizung nötig")
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED
    assert case.events.filter(kind="reconnect_without_cover").exists()


def test_a_booked_payment_reconnects_by_itself_and_waiting_too_long_escalates(settings) -> None:  # type: ignore[no-untyped-def]
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    # A proof is in, but not enough: after the target time the reconnection escalates.
    DisconnectionCase.objects.filter(pk=case.pk).update(
        proof_received_at=timezone.now() - datetime.timedelta(hours=3)
    )
    settings.KC_RECONNECTION_TARGET_MINUTES = 120
    assert reconnection.escalate_overdue() == 1
    assert reconnection.escalate_overdue() == 0
    assert Case.objects.get(number=case.case_number).priority == Case.Priority.URGENT
    assert reconnection.reconnect_paid() == 0
    pay(contract, "397.00", "bank:all")
    assert reconnection.reconnect_paid() == 1
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED


def test_a_receipt_for_another_customer_or_too_small_is_not_taken() -> None:
    contract = overdue_contract()
    account = contract.account
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))

    def proof_with(amount: int | None, numbers: list[str]) -> str:
        proof = PaymentProof.objects.create(
            account=account, case=case, source="portal", content_type="image/png", sha256="x"
        )
        facts = receipts.ReceiptFacts(
            amount_cents=amount,
            date=None,
            payer_iban=None,
            reference=None,
            account_numbers=numbers,
            invoice_numbers=[],
            confidence="high" if amount else "none",
            notes=[],
        )
        return proofs.match(proof, "", facts)

    assert proof_with(50000, ["400000000999"]) == PaymentProof.Status.MISMATCH
    assert proof_with(10000, [account.number]) == PaymentProof.Status.PARTIAL
    assert proof_with(None, []) == PaymentProof.Status.UNREADABLE


def test_an_image_mailed_by_a_customer_in_the_chain_becomes_a_proof() -> None:
    from django.core.files.base import ContentFile

    from kc.cases.models import Attachment
    from kc.cases.tests.factories import CaseFactory
    from kc.disconnection.tests.receipt_images import transfer_receipt

    contract = overdue_contract()
    chain.threaten(contract, on=datetime.date(2026, 11, 20))
    mail_case = CaseFactory(partner=contract.account.partner)
    message = Message.objects.create(
        case=mail_case, kind=Message.Kind.EMAIL_IN, body_text="Beleg", created_at=timezone.now()
    )
    data = transfer_receipt(amount="302,00")

    def attachment(content_type: str) -> Attachment:
        return Attachment.objects.create(
            message=message,
            file=ContentFile(data, name="beleg.png"),
            filename="beleg.png",
            content_type=content_type,
            size=len(data),
            sha256="x",
            scan=Attachment.Scan.CLEAN,
        )

    proof = proofs.receive_attachment(attachment("image/png"), data)
    assert proof is not None and proof.source == "email" and proof.scan == "clean"
    assert proof.case == DisconnectionCase.objects.get()
    assert proofs.receive_attachment(attachment("text/plain"), b"hallo") is None


def test_stopping_after_the_order_withdraws_it_from_the_field_service(agent) -> None:  # type: ignore[no-untyped-def]
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.stop(case, reason="Schwangerschaft, ärztliches Attest", actor=agent)
    order.refresh_from_db()
    assert order.status == FieldOrder.Status.CANCELLED
    cancel = Message.objects.filter(kind=Message.Kind.EMAIL_OUT, subject__startswith="STORNO")
    assert cancel.count() == 1 and order.number in cancel.get().body_text


@pytest.mark.tesseract
def test_a_photographed_receipt_is_read_and_a_booked_payment_reconnects_at_once(
    tesseract: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The automatic path end to end with the real OCR (clamd is tested with its own marker)."""
    from kc.core import clamd
    from kc.disconnection.tests.receipt_images import transfer_receipt

    monkeypatch.setattr(clamd, "scan_bytes", lambda data, **_: clamd.ScanVerdict(True, None))
    contract = overdue_contract()
    account = contract.account
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    pay(contract, "397.00", "bank:paid-before-the-photo")
    image = transfer_receipt(
        amount="397,00", reference=f"Vertragskonto {account.number}", photo=True
    )
    proof = proofs.receive(account=account, data=image, source="window")
    # The payment decides at the scan, before the OCR; the proof keeps what it says.
    assert proofs.scan(proof.pk) is True
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED
    assert proofs.read(proof.pk) == PaymentProof.Status.COVERS
    proof.refresh_from_db()
    assert proof.amount == D("397.00") and account.number in proof.ocr_text.replace(" ", "")
    case.refresh_from_db()
    assert case.status == Status.RECONNECTION_ORDERED
    assert reconnection.lead_time(case) is not None


def test_the_stop_below_the_threshold_stays_when_the_step_is_refused() -> None:
    contract = overdue_contract()
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    pay(contract, "250.00", "bank:most")
    with pytest.raises(chain.ChainError):
        chain.announce(case, on=datetime.date(2026, 11, 21))
    case.refresh_from_db()
    assert case.status == Status.STOPPED


def test_another_contracts_arrears_do_not_count_for_this_one() -> None:
    from kc.billing.tests.factories import metered_contract, priced_tariff

    contract = household_contract(monthly="100.00")
    other, _ = metered_contract(
        tariff=priced_tariff("strom-zwei", "Strom Zwei"),
        start=datetime.date(2024, 1, 1),
        account=contract.account,
    )
    for day in (SEP, OCT, NOV):
        claim(other, "100.00", day)
    assert not chain.test_arrears(contract, datetime.date(2026, 11, 20))[1].ok
