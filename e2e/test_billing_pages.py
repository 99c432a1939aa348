"""Billing in the browser: an agent opens a billing document from the customer page, then the
contract's Abschlag, mistypes and then submits a change. Every page through axe."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.billing import plans, services
from kc.billing.models import BudgetChangeRequest
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import NumberRange
from kc.letters.tests.factories import customer_with_address
from kc.supply.models import MeterReading
from kc.supply.tests.factories import MeterReadingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_reads_a_bill_and_changes_the_abschlag(page: Page, base_url: str) -> None:
    QueueFactory(is_default=True)
    end = timezone.localdate() - datetime.timedelta(days=10)
    start = end - datetime.timedelta(days=364)
    partner = customer_with_address(last_name="Zählerfreund")
    contract, register = metered_contract(
        tariff=priced_tariff("strom-plan", "Strom Plan"), start=start, account__partner=partner
    )
    MeterReadingFactory(
        register=register,
        read_on=end,
        value=Decimal("4500"),
        source=MeterReading.Source.UTILITY,
        estimated=True,
        estimation_reason="Zähler nicht zugänglich",
    )
    (document,) = services.bill_contract(contract, until=end)
    plans.plan_after_bill(document)
    make_staff("agent", roles.AGENT)

    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/kunden/{partner.pk}/")
    expect(page.get_by_role("heading", name="Abrechnungen")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Turnusabrechnung")).click()

    expect(page).to_have_url(re.compile(rf"/abrechnung/belege/{document.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Turnusabrechnung")
    expect(page.get_by_text("Zähler nicht zugänglich")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Netto", exact=True)).to_be_visible()
    expect(page.get_by_role("rowheader", name="Summe brutto")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Abschlag des Vertrags")).click()
    expect(page).to_have_url(re.compile(rf"/abrechnung/vertraege/{contract.pk}/abschlag/$"))
    expect(page.get_by_role("heading", name="Vorschlag aus dem Verbrauch")).to_be_visible()
    assert_accessible(page)

    amount = page.get_by_label("Neuer Abschlag in €")
    amount.fill("110.50")
    page.get_by_label("Grund der Änderung").fill("Neue Heizung, weniger Verbrauch")
    page.get_by_role("button", name="Änderung beantragen").click()
    expect(page.get_by_text("Komma vor den Nachkommastellen")).to_be_visible()
    assert_accessible(page)  # the form with its error

    page.get_by_label("Neuer Abschlag in €").fill("110,50")
    page.get_by_label("Wunsch kam per").select_option(label="Telefon")
    page.get_by_role("button", name="Änderung beantragen").click()

    expect(page.get_by_role("heading", name="Abschlag geändert")).to_be_visible()
    change = BudgetChangeRequest.objects.get()
    assert change.status == BudgetChangeRequest.Status.APPLIED
    assert change.requested == Decimal("110.50")
    expect(page.get_by_role("cell", name="Übernommen")).to_be_visible()
    assert_accessible(page)


def test_tariff_comparison_offer_and_decisions_are_accessible(page: Page, base_url: str) -> None:
    from kc.letters.tests.factories import LetterheadFactory
    from kc.supply.tests.factories import PriceSheetFactory, TariffFactory

    QueueFactory(is_default=True)
    # transaction=True tests flush the tables, including the case number range of the migrations.
    NumberRange.objects.get_or_create(
        key="case", defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8}
    )
    LetterheadFactory()
    green = TariffFactory(code="strom-oeko", name="Strom Öko", bonus=Decimal("50.00"))
    PriceSheetFactory(tariff=green, valid_from=datetime.date(2020, 1, 1))
    end = timezone.localdate() - datetime.timedelta(days=10)
    partner = customer_with_address(last_name="Wechsler")
    contract, register = metered_contract(
        tariff=priced_tariff("strom-plan", "Strom Plan"),
        start=end - datetime.timedelta(days=364),
        account__partner=partner,
    )
    MeterReadingFactory(register=register, read_on=end, value=Decimal("4500"))
    (document,) = services.bill_contract(contract, until=end)
    plans.plan_after_bill(document)
    agent = make_staff("agent", roles.AGENT)
    make_staff("lead", roles.TEAM_LEAD)
    plans.request_change(
        contract=contract, amount=Decimal("40"), reason="Urlaub", channel="phone", actor=agent
    )

    log_in(page, base_url, "agent", check_a11y=False)
    page.goto(f"{base_url}/kunden/{partner.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Tarifvergleich")).click()
    expect(page.get_by_role("heading", name="Tarife im Vergleich")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"Angebot erstellen.*Strom Öko")).click()
    expect(page.locator("h1")).to_contain_text("Tarifangebot")
    assert_accessible(page)
    page.get_by_label("Wechsel zum").fill(timezone.localdate().isoformat())
    page.get_by_label("Zählerstand am Wechseltag").fill("4.600")
    page.get_by_role("button", name="Angebot annehmen").click()
    expect(page.locator(".messages")).to_contain_text("Angebot angenommen")
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, base_url, "lead", check_a11y=False)
    page.goto(f"{base_url}/abrechnung/abschlagsaenderungen/")
    expect(page.get_by_role("button", name="Genehmigen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_text("Dieses Feld ist zwingend erforderlich.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Begründung der Entscheidung").fill("Kein Nachweis")
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.locator(".messages")).to_contain_text("Abgelehnt")
    assert_accessible(page)
