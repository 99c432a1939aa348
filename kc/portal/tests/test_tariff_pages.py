"""Tariff comparison and switch in the portal: compare, take an offer (its letter goes to
the documents), confirm the switch from today with today's reading."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kc.billing.models import TariffOffer
from kc.customers.models import BusinessPartner
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory
from kc.portal.tests.factories import customer, invoiced_account
from kc.supply.models import Contract, MeterReading, Tariff
from kc.supply.tests.factories import PriceSheetFactory, TariffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def green() -> Tariff:
    LetterheadFactory()
    tariff = TariffFactory(code="oeko", name="Strom Öko", bonus=Decimal("50.00"))
    PriceSheetFactory(
        tariff=tariff,
        valid_from=datetime.date(2020, 1, 1),
        base_price_per_year=Decimal("150.00"),
        working_price=Decimal("0.29000"),
    )
    return tariff


@pytest.fixture
def contract(partner: BusinessPartner, green: Tariff) -> Contract:
    """Billed for 2025: 3,500 kWh in "Strom Basis" (120 € a year, 30 ct/kWh net)."""
    return invoiced_account(partner)[1]


def compare_url(contract: Contract) -> str:
    return reverse("portal:tariffs", kwargs={"contract_id": contract.pk})


def create_url(contract: Contract) -> str:
    return reverse("portal:tariff_offer_create", kwargs={"contract_id": contract.pk})


def offer_url(offer: TariffOffer) -> str:
    assert offer.contract_id is not None
    kwargs = {"contract_id": offer.contract_id, "offer_id": offer.pk}
    return reverse("portal:tariff_offer", kwargs=kwargs)


def pick(client: Client, contract: Contract, tariff: Tariff, consumption: str = "3500") -> object:
    return client.post(create_url(contract), {"tariff": tariff.pk, "consumption": consumption})


def test_comparison_for_the_billed_consumption_shows_prices_and_difference(
    customer_client: Client, contract: Contract
) -> None:
    response = customer_client.get(compare_url(contract))
    page = response.content.decode()
    assert response.status_code == 200
    # Basis: (120 + 0.30 × 3,500) × 1.19 = 1,392.30; Öko: (150 + 0.29 × 3,500) × 1.19 = 1,386.35.
    assert "1.392,30 €" in page and "1.386,35 €" in page
    assert "-5,95 €" in page  # a year in Öko against today's tariff
    assert "34,51 ct/kWh" in page and "178,50 €" in page and "50,00 €" in page
    assert "19 % Umsatzsteuer" in page and "Ihr Tarif" in page


@pytest.mark.parametrize(("consumption", "status"), [("2500", 200), ("0", 400), ("abc", 400)])
def test_the_customer_may_compare_another_consumption(
    customer_client: Client, contract: Contract, consumption: str, status: int
) -> None:
    response = customer_client.get(compare_url(contract), {"consumption": consumption})
    assert response.status_code == status
    if status == 200:
        assert "1.041,25 €" in response.content.decode()  # Öko at 2,500 kWh


def test_picking_a_tariff_writes_one_offer_and_its_letter_even_on_a_double_click(
    customer_client: Client, contract: Contract, green: Tariff, partner: BusinessPartner
) -> None:
    first = pick(customer_client, contract, green)
    second = pick(customer_client, contract, green)
    offer = TariffOffer.objects.get()
    assert first["Location"] == second["Location"] == offer_url(offer)  # type: ignore[index]
    assert offer.contract == contract and offer.annual_gross == Decimal("1386.35")
    letter = Letter.objects.get(partner=partner, kind="tariff_offer")
    assert offer.letter_number == letter.number
    page = customer_client.get(offer_url(offer)).content.decode()
    assert "5,95 € im Jahr weniger" in page and letter.number in page
    documents = customer_client.get(reverse("portal:documents")).content.decode()
    assert letter.number in documents


def test_confirming_switches_from_today_with_todays_reading_and_only_once(
    customer_client: Client, contract: Contract, green: Tariff
) -> None:
    pick(customer_client, contract, green)
    offer = TariffOffer.objects.get()
    refused = customer_client.post(offer_url(offer), {"reading": "4600"})  # no confirmation
    assert refused.status_code == 400
    low = customer_client.post(offer_url(offer), {"reading": "10", "confirm": "on"})
    assert low.status_code == 400 and "reading" in low.context["form"].errors
    contract.refresh_from_db()
    assert contract.tariff != green and not MeterReading.objects.filter(value=10).exists()

    done = customer_client.post(offer_url(offer), {"reading": "4.600", "confirm": "on"})
    assert done.status_code == 302
    today = timezone.localdate()
    contract.refresh_from_db()
    offer.refresh_from_db()
    assert contract.tariff == green and offer.status == TariffOffer.Status.ACCEPTED
    assert offer.switch_date == today
    reading = MeterReading.objects.get(read_on=today)
    assert reading.value == Decimal("4600") and reading.source == MeterReading.Source.CUSTOMER

    again = customer_client.post(offer_url(offer), {"confirm": "on"})
    assert again.status_code == 400 and "bereits angenommen" in again.content.decode()
    assert MeterReading.objects.filter(read_on=today).count() == 1


def test_a_switch_without_a_reading_is_split_by_the_service(
    customer_client: Client, contract: Contract, green: Tariff
) -> None:
    pick(customer_client, contract, green)
    offer = TariffOffer.objects.get()
    assert customer_client.post(offer_url(offer), {"confirm": "on"}).status_code == 302
    contract.refresh_from_db()
    assert contract.tariff == green
    assert not MeterReading.objects.filter(read_on=timezone.localdate()).exists()


def test_a_tariff_of_another_division_or_not_orderable_is_not_offered(
    customer_client: Client, contract: Contract
) -> None:
    gas = TariffFactory(code="gas", name="Gas", division="gas")
    old = TariffFactory(code="alt", name="Strom Alt", active=False)
    for tariff in (gas, old):
        assert pick(customer_client, contract, tariff).status_code == 404  # type: ignore[attr-defined]
    assert not TariffOffer.objects.exists()


def test_another_customers_contract_or_offer_answers_404_and_changes_nothing(
    customer_client: Client, contract: Contract, green: Tariff
) -> None:
    other_contract = invoiced_account(customer())[1]
    assert customer_client.get(compare_url(other_contract)).status_code == 404
    assert pick(customer_client, other_contract, green).status_code == 404  # type: ignore[attr-defined]
    assert not TariffOffer.objects.exists()

    other = TariffOffer.objects.create(
        partner=other_contract.account.partner,
        contract=other_contract,
        tariff=green,
        consumption=Decimal("3500"),
        annual_gross=Decimal("1386.35"),
        valid_until=timezone.localdate() + datetime.timedelta(days=28),
    )
    foreign = [
        offer_url(other),  # both ids someone else's
        reverse("portal:tariff_offer", kwargs={"contract_id": contract.pk, "offer_id": other.pk}),
    ]
    for url in foreign:
        assert customer_client.get(url).status_code == 404
        assert customer_client.post(url, {"confirm": "on"}).status_code == 404
    other.refresh_from_db()
    other_contract.refresh_from_db()
    assert other.status == TariffOffer.Status.OFFERED and other_contract.tariff != green


def test_post_without_csrf_token_is_forbidden(
    contract: Contract, green: Tariff, customer_user: object
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user)  # type: ignore[arg-type]
    assert pick(client, contract, green).status_code == 403  # type: ignore[attr-defined]
    assert not TariffOffer.objects.exists()
