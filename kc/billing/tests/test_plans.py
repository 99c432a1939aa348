"""Abschlag plans after a bill; change requests inside the limits applied, outside to a person."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kc.billing import plans, services
from kc.billing.models import BillingDocument, BudgetBillingPlan, BudgetChangeRequest
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.cases.models import Case, CaseType
from kc.cases.tests.factories import QueueFactory
from kc.core.models import AuditLogEntry
from kc.supply.models import Contract
from kc.supply.tests.factories import (
    ContractFactory,
    MeterReadingFactory,
)

pytestmark = pytest.mark.django_db


def billed_contract() -> tuple[Contract, BillingDocument]:
    """A power contract billed for the year that ended ten days ago (3,500 kWh)."""
    end = timezone.localdate() - datetime.timedelta(days=10)
    start = end - datetime.timedelta(days=364)
    tariff = priced_tariff("strom-plan", "Strom Plan")
    contract, register = metered_contract(tariff=tariff, start=start)
    MeterReadingFactory(register=register, read_on=end, value=Decimal("4500"))
    (document,) = services.bill_contract(contract, until=end)
    return contract, document


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


def test_plan_after_a_bill_has_eleven_dues_from_next_month(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_BUDGET_INSTALMENTS = 11
    contract, document = billed_contract()
    plan = plans.plan_after_bill(document)
    # (3,500 kWh × 0.30 € + 120 €) × 1.19 / 11 = 126.57 → 127 € (whole euros).
    assert plan.instalment == Decimal("127")
    dues = list(plan.dues.values_list("due_on", flat=True))
    assert len(dues) == 11
    assert dues[0] == plans.first_plan_due(document.period_end, timezone.localdate())
    assert dues[0].day == settings.KC_BUDGET_DUE_DAY and dues[0] > document.period_end
    again = plans.plan_after_bill(document)
    plan.refresh_from_db()
    assert plan.status == BudgetBillingPlan.Status.REPLACED and plans.active_plan(contract) == again


def test_change_inside_the_limits_is_applied_at_once(agent) -> None:  # type: ignore[no-untyped-def]
    contract, document = billed_contract()
    old = plans.plan_after_bill(document)
    change = plans.request_change(
        contract=contract,
        amount=Decimal("110"),
        reason="Neue Heizung, weniger Verbrauch",
        channel="phone",
        actor=agent,
    )
    assert change.status == BudgetChangeRequest.Status.APPLIED and change.proposed == Decimal("127")
    plan = plans.active_plan(contract)
    assert plan is not None and plan != old and plan.instalment == Decimal("110")
    assert set(plan.dues.values_list("amount", flat=True)) == {Decimal("110.00")}
    assert AuditLogEntry.objects.filter(object_type="billing.budgetchangerequest").exists()


def test_change_outside_the_limits_goes_to_a_person(agent, admin_user) -> None:  # type: ignore[no-untyped-def]
    contract, document = billed_contract()
    plans.plan_after_bill(document)
    change = plans.request_change(
        contract=contract, amount=Decimal("40"), reason="Urlaub", channel="portal", actor=None
    )
    assert change.status == BudgetChangeRequest.Status.PENDING
    case = Case.objects.get(number=change.case_number)
    assert case.case_type == CaseType.BUDGET_BILLING_CHANGE and case.partner_id is not None
    assert plans.active_plan(contract).instalment == Decimal("127")  # type: ignore[union-attr]
    with pytest.raises(plans.PlanError, match="begründen"):
        plans.decide_change(change=change, approve=False, note="", actor=admin_user)
    decided = plans.decide_change(
        change=change, approve=True, note="Kunde zieht aus", actor=admin_user
    )
    assert decided.status == BudgetChangeRequest.Status.APPROVED
    assert plans.active_plan(contract).instalment == Decimal("40")  # type: ignore[union-attr]
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert "genehmigt: Kunde zieht aus" in case.messages.order_by("-id").first().body_text  # type: ignore[union-attr]
    with pytest.raises(plans.PlanError, match="bereits entschieden"):
        plans.decide_change(change=change, approve=False, note="x", actor=admin_user)


def test_requests_need_a_plan_a_reason_and_a_positive_amount(agent) -> None:  # type: ignore[no-untyped-def]
    contract, document = billed_contract()
    with pytest.raises(plans.PlanError, match="keinen gültigen Abschlagsplan"):
        plans.request_change(
            contract=contract, amount=Decimal("100"), reason="x", channel="phone", actor=agent
        )
    plans.plan_after_bill(document)
    for amount, reason, message in (
        (Decimal("0"), "x", "größer als 0"),
        (Decimal("100"), " ", "Grund"),
    ):
        with pytest.raises(plans.PlanError, match=message):
            plans.request_change(
                contract=contract, amount=amount, reason=reason, channel="phone", actor=agent
            )


def test_unbilled_contract_has_no_proposal() -> None:
    contract = ContractFactory()
    with pytest.raises(plans.PlanError, match="noch nicht abgerechnet"):
        plans.proposal_for(contract, on=timezone.localdate())


def test_the_first_due_date_leaves_time_for_the_pre_notification(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_BUDGET_DUE_DAY, settings.KC_LETTER_RECEIPT_DAYS = 15, 4
    end = datetime.date(2025, 12, 31)
    # Planned in good time: the month after the period.
    assert plans.first_plan_due(end, datetime.date(2025, 12, 20)) == datetime.date(2026, 1, 15)
    # Invoiced on 20 January: 15 January has passed, 15 February is 26 days ahead.
    assert plans.first_plan_due(end, datetime.date(2026, 1, 20)) == datetime.date(2026, 2, 15)
    # Invoiced on 2 February: 15 February is only 13 days ahead, so 15 March.
    assert plans.first_plan_due(end, datetime.date(2026, 2, 2)) == datetime.date(2026, 3, 15)


def test_a_change_leaves_a_due_date_too_close_for_a_new_pre_notification(agent) -> None:  # type: ignore[no-untyped-def]
    from kc.payments import ledger

    contract, _document = billed_contract()
    today = timezone.localdate()
    soon, later = today + datetime.timedelta(days=5), today + datetime.timedelta(days=35)
    plans._replace_plan(contract, Decimal("127"), [soon, later], reason="Test", actor=None)
    plans.request_change(
        contract=contract, amount=Decimal("110"), reason="weniger", channel="phone", actor=agent
    )
    plan = plans.active_plan(contract)
    assert plan is not None and list(plan.dues.values_list("due_on", flat=True)) == [later]
    claims = {(i.line.due_on, i.open_amount) for i in ledger.open_items(contract.account)}
    assert claims == {(soon, Decimal("127.00")), (later, Decimal("110.00"))}


def test_a_change_withdraws_prepaid_claims_and_the_prepayment_pays_the_new_ones(agent) -> None:  # type: ignore[no-untyped-def]
    from kc.billing import invoices
    from kc.payments import ledger
    from kc.payments.models import LedgerDocument, LedgerLine

    contract, _document = billed_contract()
    today = timezone.localdate()
    later = today + datetime.timedelta(days=35)
    plans._replace_plan(contract, Decimal("127"), [later], reason="Test", actor=None)
    prepaid = ledger.post(
        account=contract.account,
        kind=LedgerDocument.Kind.PAYMENT,
        source="bank:prepaid",
        text="Vorauszahlung",
        entries=[ledger.Entry(amount=Decimal("-50.00"), text="Überweisung")],
        offset=LedgerLine.Offset.BANK,
    )
    ledger.settle_account(contract.account, prepaid)
    plans.request_change(
        contract=contract, amount=Decimal("110"), reason="weniger", channel="phone", actor=agent
    )
    claims = [(i.line.due_on, i.open_amount) for i in ledger.open_items(contract.account)]
    assert claims == [(later, Decimal("60.00"))]  # 110 € less the 50 € prepaid, nothing twice
    assert ledger.balance(contract.account) == Decimal("60.00")
    # An invoice over that date counts only the claim that stands, with what was paid on it.
    assert invoices._instalment_claims([_bill_over(contract, later)]) == [
        (ledger.open_items(contract.account)[0].line, Decimal("50.00"))
    ]


def _bill_over(contract: Contract, day: datetime.date) -> BillingDocument:
    return BillingDocument(
        contract=contract, period_start=day - datetime.timedelta(days=1), period_end=day
    )
