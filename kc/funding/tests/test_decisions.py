"""The clerk's decision, the budget, the payout and the clawback."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kc.cases.models import Message
from kc.core.models import User
from kc.core.validation import Refusal
from kc.funding import decisions, eligibility, payouts, selectors
from kc.funding.models import FundingApplication, FundingCategory, ProgramBudget, ReviewCheck
from kc.funding.tests.factories import all_checks_done, apply, category, supplied_contract
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments import payouts as payment_payouts
from kc.payments.collections import is_target_day
from kc.payments.models import LedgerDocument, Payout
from kc.supply import services as supply_services

pytestmark = pytest.mark.django_db
D = Decimal
Status = FundingApplication.Status


def approved(clerk: User, **apply_fields: object) -> FundingApplication:
    application = apply(supplied_contract(), category(), **apply_fields)  # type: ignore[arg-type]
    all_checks_done(application, clerk)
    return decisions.approve(application, actor=clerk)


def notes(application: FundingApplication) -> list[str]:
    assert application.case is not None
    return list(
        application.case.messages.filter(kind=Message.Kind.NOTE).values_list("body_text", flat=True)
    )


def test_approval_needs_every_check_of_the_list(clerk: User) -> None:
    application = apply(supplied_contract(), category())
    with pytest.raises(Refusal, match="Prüfliste ist nicht vollständig"):
        decisions.approve(application, actor=clerk)
    decisions.set_checks(application, done=[ReviewCheck.Item.DEVICE_MATCHES], actor=clerk)
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    with pytest.raises(Refusal, match="Rechnung lautet"):
        decisions.approve(application, actor=clerk)
    assert FundingApplication.objects.get(pk=application.pk).approved_amount is None


def test_approval_writes_the_letter_and_notes_it_on_the_case(clerk: User) -> None:
    application = approved(clerk, price="3000.00")
    assert application.status == Status.APPROVED
    assert application.approved_amount == D("300.00")
    letter = Letter.objects.get(kind="funding_approval", partner=application.partner)
    assert letter.values["betrag"] == "300,00 €"
    assert letter.status == Letter.Status.READY, letter.hold_reason
    assert letter.case_number == application.case.number  # type: ignore[union-attr]
    assert any(letter.number in text for text in notes(application))
    with pytest.raises(Refusal, match="bereits entschieden"):
        decisions.approve(application, actor=clerk)


def test_approval_rechecks_the_rules_at_the_decision(clerk: User) -> None:
    application = apply(supplied_contract(), category())
    all_checks_done(application, clerk)
    application.account.mandates.update(status="revoked")
    with pytest.raises(Refusal, match="kein SEPA-Lastschriftmandat"):
        decisions.approve(application, actor=clerk)


def test_an_approval_beyond_the_budget_is_refused_unless_a_part_is_decided(
    clerk: User,
) -> None:
    application = apply(supplied_contract(), category(), price="3000.00")  # 300 €
    all_checks_done(application, clerk)
    ProgramBudget.objects.update(amount=D("120.00"))
    with pytest.raises(Refusal, match="reicht nicht: beantragt 300,00 €, frei 120,00 €"):
        decisions.approve(application, actor=clerk)
    assert FundingApplication.objects.get(pk=application.pk).status == Status.IN_REVIEW
    decided = decisions.approve(application, actor=clerk, accept_partial=True)
    assert decided.approved_amount == D("120.00")
    assert "120,00 € statt 300,00 €" in decided.decision_reason
    assert selectors.consumption(application.category.program, decided.budget_year).left == 0


def test_rejection_needs_a_reason_and_sends_the_letter(clerk: User) -> None:
    application = apply(supplied_contract(), category())
    with pytest.raises(Refusal, match="Grund"):
        decisions.reject(application, actor=clerk, reason="  ")
    decisions.reject(application, actor=clerk, reason="Gerät nicht förderfähig.")
    application.refresh_from_db()
    assert application.status == Status.REJECTED and application.approved_amount is None
    letter = Letter.objects.get(kind="funding_rejection")
    assert letter.values["begruendung"] == "Gerät nicht förderfähig."
    assert letter.status == Letter.Status.READY, letter.hold_reason


def test_consumption_counts_reserved_paid_and_clawed_back(clerk: User) -> None:
    first = approved(clerk, price="3000.00")  # 300 reserved
    program, year = first.category.program, first.budget_year
    use = selectors.consumption(program, year)
    assert (use.reserved, use.paid, use.clawed_back, use.left) == (
        D("300.00"),
        D("0.00"),
        D("0.00"),
        D("9700.00"),
    )
    payouts.pay(first, actor=clerk)
    FundingApplication.objects.filter(pk=first.pk).update(
        status=Status.CLAWED_BACK, clawback_amount=D("100.00")
    )
    use = selectors.consumption(program, year)
    assert (use.reserved, use.paid, use.clawed_back, use.used) == (
        D("0.00"),
        D("300.00"),
        D("100.00"),
        D("200.00"),
    )


def test_payout_as_credit_is_posted_once(clerk: User) -> None:
    application = approved(clerk, price="3000.00")
    paid = payouts.pay(application, actor=clerk)
    again = payouts.pay(application, actor=clerk)
    assert paid.status == again.status == Status.PAID
    documents = LedgerDocument.objects.filter(source=f"funding-{application.number}")
    assert documents.count() == 1
    assert ledger.balance(application.account) == D("-300.00")
    assert documents.get().number in paid.payout_reference


def test_only_an_approved_application_is_paid(clerk: User) -> None:
    application = apply(supplied_contract(), category())
    with pytest.raises(Refusal, match="bewilligter Antrag"):
        payouts.pay(application, actor=clerk)
    assert not LedgerDocument.objects.filter(source__startswith="funding-").exists()


def test_payout_as_transfer_ends_up_in_the_pain001_file(clerk: User, tmp_path: Path) -> None:
    application = approved(clerk, payout_way=FundingApplication.PayoutWay.TRANSFER)
    payouts.pay(application, actor=clerk)
    payouts.pay(application, actor=clerk)
    payout = Payout.objects.get(source=f"funding-{application.number}")
    assert payout.amount == D("300.00") and payout.status == Payout.Status.REQUESTED
    day = timezone.localdate() + datetime.timedelta(days=1)
    while not is_target_day(day):
        day += datetime.timedelta(days=1)
    file = payment_payouts.export(day, tmp_path / "payouts.xml")
    assert file is not None and file.count == 1
    xml = (tmp_path / "payouts.xml").read_text()
    assert payout.end_to_end_id in xml and "300.00" in xml
    assert payment_payouts.release(file, actor=clerk) == 1
    assert ledger.balance(application.account) == D("0.00")


def paid_and_ended(clerk: User, *, ended_after_days: int, **category_fields: object):  # type: ignore[no-untyped-def]
    contract = supplied_contract()
    application = apply(contract, category(**category_fields), price="3000.00")
    all_checks_done(application, clerk)
    decisions.approve(application, actor=clerk)
    payouts.pay(application, actor=clerk)
    decided = timezone.localdate()
    # The contract ends through the supply service (move-out / legacy import use it too).
    supply_services.end_contract(
        contract=contract, end_date=decided + datetime.timedelta(days=ended_after_days), actor=None
    )
    return application, decided


def test_clawback_pro_rata_when_the_contract_ends_early(clerk: User) -> None:
    application, decided = paid_and_ended(clerk, ended_after_days=0)
    later = decided + datetime.timedelta(days=3)
    assert payouts.claw_back_ended_contracts(later) == 1
    assert payouts.claw_back_ended_contracts(later) == 0  # once
    application.refresh_from_db()
    assert application.status == Status.CLAWED_BACK
    bound = payouts.binding_end(application)
    total = (bound - decided).days
    expected = (D("300.00") * total / total).quantize(D("0.01"))  # ended on the first day
    assert application.clawback_amount == expected
    claim = LedgerDocument.objects.get(source=f"funding-clawback-{application.number}")
    assert claim.lines.filter(side="customer").get().amount == expected
    # A receivable is no "Gutschrift": the reversal of the grant's credit note.
    grant = LedgerDocument.objects.get(source=f"funding-{application.number}")
    assert (claim.kind, claim.reverses_id) == (LedgerDocument.Kind.REVERSAL, grant.pk)
    assert ledger.balance(application.account) == D("0.00")  # grant minus claim
    letter = Letter.objects.get(kind="funding_clawback")
    assert letter.values["betrag"] == "300,00 €"
    assert letter.status == Letter.Status.READY, letter.hold_reason
    assert any("zurückgefordert" in text for text in notes(application))


def test_clawback_share_of_the_missing_days(clerk: User) -> None:
    application, decided = paid_and_ended(clerk, ended_after_days=365, retention_years=2)
    assert payouts.claw_back_ended_contracts(decided + datetime.timedelta(days=400)) == 1
    application.refresh_from_db()
    total = (payouts.binding_end(application) - decided).days
    missing = total - 365
    assert application.clawback_amount == (D("300.00") * missing / total).quantize(D("0.01"))


def test_clawback_in_full_when_the_category_says_so(clerk: User) -> None:
    application, decided = paid_and_ended(
        clerk, ended_after_days=100, clawback=FundingCategory.Clawback.FULL
    )
    payouts.claw_back_ended_contracts(decided + datetime.timedelta(days=200))
    application.refresh_from_db()
    assert application.clawback_amount == D("300.00")


def test_no_clawback_when_the_contract_lasted_the_binding_period(clerk: User) -> None:
    application, decided = paid_and_ended(clerk, ended_after_days=800, retention_years=2)
    assert payouts.claw_back_ended_contracts(decided + datetime.timedelta(days=900)) == 0
    application.refresh_from_db()
    assert application.status == Status.PAID


def test_the_periodic_jobs_are_scheduled() -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    jobs = settings.KC_PERIODIC_TASKS
    for name in ("funding_clawbacks", "funding_documents"):
        assert import_string(str(jobs[name]["task"])) is not None


def test_the_deadline_counts_berlin_calendar_days_of_the_receipt(clerk: User) -> None:
    """Received at 23:30 UTC on the last day is 00:30 the next day in Berlin: too late."""
    application = apply(supplied_contract(), category(window_weeks=2))
    last_day = datetime.date(2026, 3, 10)
    FundingApplication.objects.filter(pk=application.pk).update(
        commissioned_on=last_day - datetime.timedelta(weeks=2),
        applied_at=datetime.datetime(2026, 3, 10, 22, 30, tzinfo=datetime.UTC),  # 23:30 CET
    )
    application.refresh_from_db()
    request = decisions.decision_request(application)
    assert eligibility.within_window(request) is None
    FundingApplication.objects.filter(pk=application.pk).update(
        applied_at=datetime.datetime(2026, 3, 10, 23, 30, tzinfo=datetime.UTC)  # 00:30 CET
    )
    application.refresh_from_db()
    reason = eligibility.within_window(decisions.decision_request(application))
    assert reason is not None and "bis zum 10.03.2026" in reason.message


def test_approval_waits_for_clean_documents(clerk: User) -> None:
    application = apply(supplied_contract(), category())
    all_checks_done(application, clerk)
    application.documents.filter(kind="commissioning").update(scan="pending")
    with pytest.raises(Refusal, match="geprüfter Nachweis: Nachweis der Inbetriebnahme"):
        decisions.approve(application, actor=clerk)
