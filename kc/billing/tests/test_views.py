"""Billing pages: the document an agent reads out, the Abschlag with change requests (inside
the limits applied, outside a case), decisions, tariff comparison and offers; permissions,
CSRF, audit."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.billing import plans, services
from kc.billing.models import (
    BillingDocument,
    BudgetBillingPlan,
    BudgetChangeRequest,
    TariffOffer,
)
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.cases.models import Case
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.core.money import format_decimal_de, parse_decimal_de
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.supply.models import Contract, ContractTariff, MeterReading
from kc.supply.tests.factories import MeterReadingFactory, PriceSheetFactory, TariffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


@pytest.fixture
def lead(db: None) -> User:
    return make_staff("lead", roles.TEAM_LEAD)


@pytest.fixture
def lead_client(lead: User) -> Client:
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def green_tariff():  # type: ignore[no-untyped-def]
    tariff = TariffFactory(code="strom-oeko", name="Strom Öko", bonus=Decimal("50.00"))
    PriceSheetFactory(
        tariff=tariff,
        valid_from=datetime.date(2020, 1, 1),
        base_price_per_year=Decimal("150.00"),
        working_price=Decimal("0.29000"),
    )
    return tariff


def billed_contract(*, estimated_end: bool = False) -> tuple[Contract, BillingDocument]:
    """A power contract of a customer with an address, billed for the year that ended ten days
    ago (3,500 kWh), with its Abschlag plan after the bill (127 €)."""
    end = timezone.localdate() - datetime.timedelta(days=10)
    start = end - datetime.timedelta(days=364)
    tariff = priced_tariff("strom-plan", "Strom Plan")
    partner = customer_with_address(last_name="Abschlag")
    contract, register = metered_contract(tariff=tariff, start=start, account__partner=partner)
    extra: dict[str, object] = {}
    if estimated_end:
        extra = {
            "source": MeterReading.Source.UTILITY,
            "estimated": True,
            "estimation_reason": "Zähler nicht zugänglich",
        }
    MeterReadingFactory(register=register, read_on=end, value=Decimal("4500"), **extra)
    (document,) = services.bill_contract(contract, until=end)
    plans.plan_after_bill(document)
    return contract, document


def plan_url(contract: Contract) -> str:
    return reverse("billing:budget_plan", args=[contract.pk])


# --- German amounts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("127", "127"),
        ("127,50", "127.50"),
        ("1.234,56", "1234.56"),
        ("1.234", "1234"),
        (" 85,5 € ", "85.5"),
    ],
)
def test_german_amounts(text: str, value: str) -> None:
    assert parse_decimal_de(text) == Decimal(value)


@pytest.mark.parametrize("text", ["127.50", "12,34,5", "abc", "1.23,4", "-5", ""])
def test_ambiguous_or_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal_de(text)


# --- billing document ------------------------------------------------------------------


def test_document_page_shows_readings_lines_and_totals_and_is_audited(
    agent_client: Client, agent: User
) -> None:
    contract, document = billed_contract(estimated_end=True)
    response = agent_client.get(reverse("billing:document_detail", args=[document.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Turnusabrechnung" in html and contract.number in html
    assert "Zähler nicht zugänglich" in html and "geschätzt" in html  # how it was obtained
    assert "abgelesen (Ableser/in)" in html and "Einzug" in html  # the move-in reading
    assert "3.500 kWh" in html
    for line in document.lines.all():
        assert line.text in html
    for total in (document.net_total, document.vat_total, document.gross_total):
        assert f"{format_decimal_de(total)} €" in html
    assert '<th scope="col" class="num">Netto</th>' in html
    partner = contract.account.partner
    assert reverse("desk:customer_detail", args=[partner.pk]) in html
    entry = AuditLogEntry.objects.get(action="read", object_type="billing.billingdocument")
    assert (entry.actor, entry.partner_id, entry.object_id) == (
        agent,
        partner.pk,
        str(document.pk),
    )
    assert entry.request_path == f"/abrechnung/belege/{document.pk}/"


def test_pages_refuse_staff_without_the_permission(client: Client) -> None:
    contract, document = billed_contract()
    client.force_login(make_staff("vorort", roles.CUSTOMER_CENTER))
    assert client.get(reverse("billing:document_detail", args=[document.pk])).status_code == 403
    assert client.get(plan_url(contract)).status_code == 403
    assert client.get(reverse("billing:change_list")).status_code == 403
    assert client.get(reverse("billing:tariff_comparison")).status_code == 403
    assert not AuditLogEntry.objects.filter(action="read").exists()


def test_unknown_document_and_contract_are_404(agent_client: Client) -> None:
    assert agent_client.get(reverse("billing:document_detail", args=[999999])).status_code == 404
    comparison = reverse("billing:tariff_comparison")
    assert agent_client.get(comparison, {"vertrag": "999999"}).status_code == 404
    assert agent_client.get(comparison, {"vertrag": "x"}).status_code == 404


def test_customer_page_links_documents_abschlag_and_comparison(agent_client: Client) -> None:
    contract, document = billed_contract()
    partner = contract.account.partner
    html = agent_client.get(reverse("desk:customer_detail", args=[partner.pk])).content.decode()
    assert reverse("billing:document_detail", args=[document.pk]) in html
    assert plan_url(contract) in html
    assert f"{reverse('billing:tariff_comparison')}?vertrag={contract.pk}" in html


# --- Abschlag and change requests ------------------------------------------------------


def test_abschlag_page_shows_plan_and_proposal(agent_client: Client) -> None:
    contract, _document = billed_contract()
    response = agent_client.get(plan_url(contract))
    assert response.status_code == 200
    html = response.content.decode()
    plan = BudgetBillingPlan.objects.get(contract=contract, status="active")
    assert "127,00 €" in html  # the plan and the proposal
    for due in plan.dues.all():
        assert due.due_on.strftime("%d.%m.%Y") in html
    assert "101,60 € bis 152,40 €" in html  # ± 20 %
    assert 'name="amount"' in html
    assert AuditLogEntry.objects.filter(action="read", object_type="supply.contract").exists()


def test_change_inside_the_limits_is_applied(agent_client: Client, agent: User) -> None:
    contract, _document = billed_contract()
    response = agent_client.post(
        plan_url(contract),
        {"amount": "110,00", "reason": "Neue Heizung", "channel": "phone"},
    )
    change = BudgetChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{plan_url(contract)}?aenderung={change.pk}"
    assert change.status == BudgetChangeRequest.Status.APPLIED and change.requested_by == agent
    plan = plans.active_plan(contract)
    assert plan is not None and plan.instalment == Decimal("110")
    html = agent_client.get(response["Location"]).content.decode()
    assert "Abschlag geändert" in html and "110,00 €" in html


def test_change_outside_the_limits_opens_a_case(agent_client: Client) -> None:
    contract, _document = billed_contract()
    response = agent_client.post(
        plan_url(contract),
        {"amount": "40", "reason": "Urlaub im Sommer", "channel": "email"},
        follow=True,
    )
    assert response.status_code == 200
    change = BudgetChangeRequest.objects.get()
    assert change.status == BudgetChangeRequest.Status.PENDING and change.case_number
    case = Case.objects.get(number=change.case_number)
    assert case.partner == contract.account.partner and case.channel == "email"
    html = response.content.decode()
    assert "Zur Prüfung weitergegeben" in html
    assert f'href="{reverse("cases:detail", args=[case.number])}"' in html
    assert plans.active_plan(contract).instalment == Decimal("127")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "110.50", "reason": "x", "channel": "phone"}, "Komma"),
        ({"amount": "abc", "reason": "x", "channel": "phone"}, "Komma"),
        ({"amount": "110,505", "reason": "x", "channel": "phone"}, "Nachkommastellen"),
        ({"amount": "0", "reason": "x", "channel": "phone"}, "größer als 0"),
        ({"amount": "110", "reason": "  ", "channel": "phone"}, "zwingend erforderlich"),
        ({"amount": "110", "reason": "x", "channel": "fax"}, "keine gültige Auswahl"),
    ],
)
def test_invalid_change_shows_the_form_error(
    agent_client: Client, data: dict[str, str], message: str
) -> None:
    contract, _document = billed_contract()
    response = agent_client.post(plan_url(contract), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BudgetChangeRequest.objects.exists()


def test_change_without_plan_is_refused_on_the_form(agent_client: Client) -> None:
    contract, _document = billed_contract()
    BudgetBillingPlan.objects.filter(contract=contract).update(status="replaced")
    response = agent_client.post(
        plan_url(contract), {"amount": "110", "reason": "x", "channel": "phone"}
    )
    # No plan: the form is not offered; a crafted POST gets the service's refusal.
    assert response.status_code == 400
    assert "keinen gültigen Abschlagsplan" in response.content.decode()


def test_post_without_csrf_token_is_refused(agent: User, lead: User) -> None:
    contract, _document = billed_contract()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(plan_url(contract), {"amount": "110", "reason": "x", "channel": "phone"})
    assert response.status_code == 403 and not BudgetChangeRequest.objects.exists()
    offer = client.post(reverse("billing:offer_create", args=[contract.pk]), {})
    assert offer.status_code == 403
    change = plans.request_change(
        contract=contract, amount=Decimal("40"), reason="x", channel="phone", actor=agent
    )
    client.force_login(lead)
    url = reverse("billing:change_decide", args=[change.pk])
    data = {f"change-{change.pk}-note": "ok", f"change-{change.pk}-decision": "approve"}
    assert client.post(url, data).status_code == 403
    change.refresh_from_db()
    assert change.status == BudgetChangeRequest.Status.PENDING


def test_reading_only_role_may_see_abschlag_but_not_change_it(client: Client) -> None:
    contract, _document = billed_contract()
    client.force_login(make_staff("berater", roles.ENERGY_ADVISOR))
    page = client.get(plan_url(contract))
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    response = client.post(plan_url(contract), {"amount": "110", "reason": "x", "channel": "phone"})
    assert response.status_code == 403 and not BudgetChangeRequest.objects.exists()


# --- decisions -------------------------------------------------------------------------


def test_team_lead_approves_and_rejects_pending_changes(
    lead_client: Client, agent_client: Client, agent: User, lead: User
) -> None:
    contract, _document = billed_contract()
    first = plans.request_change(
        contract=contract, amount=Decimal("40"), reason="Urlaub", channel="phone", actor=agent
    )
    assert agent_client.get(reverse("billing:change_list")).status_code == 403
    page = lead_client.get(reverse("billing:change_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert contract.number in html and "40,00 €" in html and "Telefon" in html
    assert f'href="{reverse("cases:detail", args=[first.case_number])}"' in html

    url = reverse("billing:change_decide", args=[first.pk])
    prefix = f"change-{first.pk}"
    missing_note = lead_client.post(url, {f"{prefix}-note": "", f"{prefix}-decision": "approve"})
    assert missing_note.status_code == 400
    assert "zwingend erforderlich" in missing_note.content.decode()

    response = lead_client.post(
        url, {f"{prefix}-note": "Nachweis liegt vor", f"{prefix}-decision": "approve"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("billing:change_list")
    first.refresh_from_db()
    assert first.status == BudgetChangeRequest.Status.APPROVED and first.decided_by == lead
    assert plans.active_plan(contract).instalment == Decimal("40")  # type: ignore[union-attr]

    second = plans.request_change(
        contract=contract,
        amount=Decimal("400"),
        reason="Sicher ist sicher",
        channel="phone",
        actor=agent,
    )
    prefix = f"change-{second.pk}"
    lead_client.post(
        reverse("billing:change_decide", args=[second.pk]),
        {f"{prefix}-note": "Zu hoch", f"{prefix}-decision": "reject"},
    )
    second.refresh_from_db()
    assert second.status == BudgetChangeRequest.Status.REJECTED
    assert plans.active_plan(contract).instalment == Decimal("40")  # type: ignore[union-attr]
    assert (
        "Keine Abschlagsänderungen zur Prüfung"
        in lead_client.get(reverse("billing:change_list")).content.decode()
    )


# --- tariff comparison and offers ------------------------------------------------------


def test_comparison_from_a_contract_offer_and_acceptance(
    agent_client: Client, agent: User, green_tariff
) -> None:  # type: ignore[no-untyped-def]
    LetterheadFactory()
    contract, _document = billed_contract()
    page = agent_client.get(reverse("billing:tariff_comparison"), {"vertrag": contract.pk})
    assert page.status_code == 200
    html = page.content.decode()
    # 3,500 kWh: Plan (120 + 1,050) × 1.19 = 1,392.30; Öko (150 + 1,015) × 1.19 = 1,386.35.
    assert 'value="3500"' in html and "Strom Öko" in html and "Strom Plan" in html
    assert "1.392,30 €" in html and "1.386,35 €" in html and "-5,95 €" in html
    assert "Angebot erstellen" in html

    response = agent_client.post(
        reverse("billing:offer_create", args=[contract.pk]),
        {"tariff": green_tariff.pk, "consumption": "3500", "postal_code": "42655"},
    )
    offer = TariffOffer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:offer_detail", args=[offer.pk])
    assert (offer.contract, offer.tariff, offer.created_by) == (contract, green_tariff, agent)
    letter = Letter.objects.get(number=offer.letter_number)
    detail = agent_client.get(response["Location"])
    assert detail.status_code == 200
    assert reverse("letters:detail", args=[letter.number]) in detail.content.decode()
    assert AuditLogEntry.objects.filter(action="read", object_type="billing.tariffoffer").exists()

    today = timezone.localdate()
    bad = agent_client.post(response["Location"], {"switch_date": "", "reading": "4.600,5"})
    assert bad.status_code == 400
    future = agent_client.post(
        response["Location"],
        {"switch_date": (today + datetime.timedelta(days=3)).isoformat(), "reading": "4600"},
    )
    assert future.status_code == 400 and "Zukunft" in future.content.decode()
    assert not ContractTariff.objects.exists()  # nothing half done

    accepted = agent_client.post(
        response["Location"], {"switch_date": today.isoformat(), "reading": "4.600,5"}
    )
    assert accepted.status_code == 302
    offer.refresh_from_db()
    contract.refresh_from_db()
    assert offer.status == TariffOffer.Status.ACCEPTED and offer.switch_date == today
    assert contract.tariff == green_tariff
    reading = MeterReading.objects.get(read_on=today)
    assert reading.value == Decimal("4600.5") and reading.reason == MeterReading.Reason.INTERIM
    again = agent_client.get(accepted["Location"]).content.decode()
    assert "Angenommen" in again and 'name="switch_date"' not in again


def test_accept_without_reading_for_a_future_switch(agent_client: Client, green_tariff) -> None:  # type: ignore[no-untyped-def]
    LetterheadFactory()
    contract, _document = billed_contract()
    agent_client.post(
        reverse("billing:offer_create", args=[contract.pk]),
        {"tariff": green_tariff.pk, "consumption": "3500", "postal_code": "42655"},
    )
    offer = TariffOffer.objects.get()
    switch = timezone.localdate() + datetime.timedelta(days=14)
    response = agent_client.post(
        reverse("billing:offer_detail", args=[offer.pk]), {"switch_date": switch.isoformat()}
    )
    assert response.status_code == 302
    assert ContractTariff.objects.filter(contract=contract, valid_from=switch).exists()


def test_comparison_without_a_contract_has_no_offer_button(agent_client: Client) -> None:
    priced_tariff("strom-plan", "Strom Plan")
    response = agent_client.get(
        reverse("billing:tariff_comparison"),
        {"consumption": "2.500", "postal_code": "42651", "division": "power"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # (120 + 0.30 × 2,500) × 1.19 = 1,035.30
    assert "1.035,30 €" in html and "Angebot erstellen" not in html
    bad = agent_client.get(
        reverse("billing:tariff_comparison"),
        {"consumption": "0", "postal_code": "1234", "division": "power"},
    )
    assert "keine gültige deutsche Postleitzahl" in bad.content.decode()


def test_offer_pages_need_their_permissions(client: Client, green_tariff) -> None:  # type: ignore[no-untyped-def]
    LetterheadFactory()
    contract, _document = billed_contract()
    client.force_login(make_staff("berater", roles.ENERGY_ADVISOR))
    response = client.post(
        reverse("billing:offer_create", args=[contract.pk]),
        {"tariff": green_tariff.pk, "consumption": "3500", "postal_code": "42655"},
    )
    assert response.status_code == 403 and not TariffOffer.objects.exists()
