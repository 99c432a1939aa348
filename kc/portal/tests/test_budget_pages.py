"""Abschlag change in the portal: inside the limits at once, outside to a person, and no
second request from a double click."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kc.billing import plans
from kc.billing.models import BudgetBillingPlan, BudgetChangeRequest
from kc.cases.models import Case, CaseType
from kc.cases.tests.factories import QueueFactory
from kc.customers.models import BusinessPartner
from kc.portal.tests.factories import customer, invoiced_account
from kc.supply.models import Contract

pytestmark = pytest.mark.django_db


def planned_contract(partner: BusinessPartner) -> Contract:
    """A power contract billed for 2025 (3,500 kWh) with its plan: 127 € proposed and in force."""
    _account, contract, _invoice = invoiced_account(partner)
    plans.plan_after_bill(contract.billing_documents.get())
    return contract


@pytest.fixture
def contract(partner: BusinessPartner) -> Contract:
    QueueFactory(is_default=True)
    return planned_contract(partner)


def url(contract: Contract) -> str:
    return reverse("portal:budget", kwargs={"contract_id": contract.pk})


def post(client: Client, contract: Contract, amount: str, reason: str = "Neue Heizung") -> object:
    return client.post(url(contract), {"amount": amount, "reason": reason})


def instalment(contract: Contract) -> Decimal:
    return BudgetBillingPlan.objects.get(contract=contract, status="active").instalment


def test_page_shows_plan_proposal_range_and_first_due(
    customer_client: Client, contract: Contract
) -> None:
    page = customer_client.get(url(contract)).content.decode()
    # (3,500 kWh × 0.30 € + 120 €) × 1.19 / 11 = 126.57 → 127 €; ±20 %.
    assert "127,00 € im Monat" in page
    assert "101,60 € bis 152,40 €" in page
    earliest = plans.earliest_new_due(timezone.localdate())
    plan = plans.active_plan(contract)
    assert plan is not None
    first = plan.dues.filter(due_on__gte=earliest).order_by("due_on").first()
    assert first is not None and f"{first.due_on:%d.%m.%Y}" in page


def test_change_inside_the_limits_applies_at_once_and_a_double_submit_changes_nothing(
    customer_client: Client, contract: Contract, customer_user: object
) -> None:
    response = post(customer_client, contract, "110,50")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert instalment(contract) == Decimal("110.50")
    change = BudgetChangeRequest.objects.get(contract=contract)
    assert change.status == BudgetChangeRequest.Status.APPLIED
    assert change.channel == "portal" and change.requested_by == customer_user
    page = customer_client.get(url(contract)).content.decode()
    assert "gilt ab der Fälligkeit am" in page and "110,50 €" in page

    again = post(customer_client, contract, "110,50")
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "beträgt bereits" in again.content.decode()  # type: ignore[attr-defined]
    assert BudgetChangeRequest.objects.filter(contract=contract).count() == 1
    assert BudgetBillingPlan.objects.filter(contract=contract).count() == 2


def test_change_outside_the_limits_goes_to_customer_service_as_a_case(
    customer_client: Client, contract: Contract, partner: BusinessPartner
) -> None:
    response = customer_client.post(
        url(contract), {"amount": "60", "reason": "Solaranlage seit März"}, follow=True
    )
    page = response.content.decode()
    assert "wird von unserem Kundenservice geprüft" in page
    change = BudgetChangeRequest.objects.get(contract=contract)
    assert change.status == BudgetChangeRequest.Status.PENDING
    assert instalment(contract) == Decimal("127")
    case = Case.objects.get(number=change.case_number)
    assert case.partner == partner and case.case_type == CaseType.BUDGET_BILLING_CHANGE
    assert case.number in customer_client.get(reverse("portal:home")).content.decode()

    again = post(customer_client, contract, "60")
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "wird noch geprüft" in again.content.decode()  # type: ignore[attr-defined]
    assert BudgetChangeRequest.objects.count() == 1 and Case.objects.count() == 1


@pytest.mark.parametrize(
    "amount", ["0", "-5", "0,00", "abc", "1000000", "", "NaN", "1e9", "110.50", "1,2,3"]
)
def test_bad_amounts_are_refused_and_change_nothing(
    customer_client: Client, contract: Contract, amount: str
) -> None:
    response = post(customer_client, contract, amount)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not BudgetChangeRequest.objects.exists() and instalment(contract) == Decimal("127")


def test_a_reason_is_required(customer_client: Client, contract: Contract) -> None:
    assert post(customer_client, contract, "110", reason="   ").status_code == 400  # type: ignore[attr-defined]
    assert not BudgetChangeRequest.objects.exists()


def test_another_customers_contract_answers_404_and_changes_nothing(
    customer_client: Client, contract: Contract
) -> None:
    other = planned_contract(customer())
    assert customer_client.get(url(other)).status_code == 404
    assert post(customer_client, other, "110").status_code == 404  # type: ignore[attr-defined]
    assert not BudgetChangeRequest.objects.exists() and instalment(other) == Decimal("127")


def test_post_without_csrf_token_is_forbidden(contract: Contract, customer_user: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user)  # type: ignore[arg-type]
    response = client.post(url(contract), {"amount": "110", "reason": "Neue Heizung"})
    assert response.status_code == 403
    assert not BudgetChangeRequest.objects.exists()


def test_staff_and_strangers_go_to_the_portal_login(client: Client, contract: Contract) -> None:
    response = client.post(url(contract), {"amount": "110", "reason": "x"})
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    assert not BudgetChangeRequest.objects.exists()


def test_service_refuses_a_repeated_request(contract: Contract, customer_user: object) -> None:
    """The guard sits in plans.request_change, so every channel gets it."""
    args = {"contract": contract, "reason": "Umzug", "channel": "portal", "actor": None}
    plans.request_change(amount=Decimal("120"), **args)  # type: ignore[arg-type]
    with pytest.raises(plans.PlanError, match="beträgt bereits"):
        plans.request_change(amount=Decimal("120"), **args)  # type: ignore[arg-type]
    plans.request_change(amount=Decimal("300"), **args)  # type: ignore[arg-type]
    with pytest.raises(plans.PlanError, match="wird noch geprüft"):
        plans.request_change(amount=Decimal("125"), **args)  # type: ignore[arg-type]
    assert BudgetChangeRequest.objects.count() == 2


def test_home_links_the_self_service_pages(customer_client: Client, contract: Contract) -> None:
    page = customer_client.get(reverse("portal:home")).content.decode()
    assert url(contract) in page
    assert reverse("portal:tariffs", kwargs={"contract_id": contract.pk}) in page
    assert reverse("portal:mandate", kwargs={"account_id": contract.account_id}) in page
