"""SEPA mandate in the portal: grant with the mandate text, bank change, revocation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kc.customers.models import BusinessPartner, ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory
from kc.payments import mandates
from kc.payments.models import SepaMandate
from kc.payments.tests.factories import (
    IBAN,
    IBAN_OTHER_BANK,
    creditor,
    mandated_account,
)
from kc.portal.tests.factories import customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup() -> None:
    creditor()
    LetterheadFactory()


@pytest.fixture
def account(partner: BusinessPartner) -> ContractAccount:
    return ContractAccountFactory(
        partner=partner, payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="", bic=""
    )


def url(name: str, account: ContractAccount) -> str:
    return reverse(f"portal:{name}", kwargs={"account_id": account.pk})


def grant(client: Client, account: ContractAccount, **fields: str) -> object:
    data = {"iban": IBAN, "account_holder": "Erika Muster", "consent": "on"} | fields
    return client.post(url("mandate", account), data)


def test_grant_page_shows_the_mandate_text(
    customer_client: Client, account: ContractAccount
) -> None:
    page = customer_client.get(url("mandate", account)).content.decode()
    for text in (
        "Stadtwerke Musterstadt GmbH",
        "DE98ZZZ09999999999",
        "wird nach Erteilung mitgeteilt",
        "acht Wochen",
        "beauftrage ich meine Bank",
        "Bedingungen, die ich mit meiner Bank vereinbart habe",
        "Ich erteile das SEPA-Lastschriftmandat",
    ):
        assert text in page, text


def test_grant_creates_an_electronic_mandate_with_its_letter_and_a_repeat_changes_nothing(
    customer_client: Client, account: ContractAccount, partner: BusinessPartner
) -> None:
    response = grant(customer_client, account, iban="de89 3704 0044 0532 0130 00")
    assert response.status_code == 302  # type: ignore[attr-defined]
    mandate = SepaMandate.objects.get(account=account)
    assert mandate.origin == SepaMandate.Origin.ELECTRONIC and mandate.iban == IBAN
    assert mandate.status == SepaMandate.Status.ACTIVE
    account.refresh_from_db()
    assert account.payment_method == ContractAccount.PaymentMethod.DIRECT_DEBIT
    assert Letter.objects.filter(partner=partner, kind="sepa_mandate").count() == 1
    page = customer_client.get(url("mandate", account)).content.decode()
    assert mandate.reference in page and "IBAN endet auf 3000" in page
    assert "DE98ZZZ09999999999" in page and IBAN not in page

    again = grant(customer_client, account)
    assert again.status_code == 302  # type: ignore[attr-defined]
    assert SepaMandate.objects.filter(account=account).count() == 1
    assert Letter.objects.filter(partner=partner, kind="sepa_mandate").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "Prüfziffer"),
        ({"iban": "DE8937040044"}, "iban", ""),
        ({"iban": ""}, "iban", ""),
        ({"account_holder": ""}, "account_holder", ""),
        ({"consent": ""}, "consent", "Häkchen"),
    ],
)
def test_bad_grant_input_is_refused_on_its_field(
    customer_client: Client,
    account: ContractAccount,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = grant(customer_client, account, **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    form = response.context["form"]  # type: ignore[attr-defined]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert not SepaMandate.objects.exists()


def test_bank_change_keeps_the_mandate_and_confirms_by_letter(
    customer_client: Client, partner: BusinessPartner
) -> None:
    account, mandate = mandated_account(partner=partner)
    page = customer_client.get(url("mandate", account)).content.decode()
    assert mandate.reference in page and "Bankverbindung ändern" in page
    data = {"iban": IBAN_OTHER_BANK, "account_holder": "", "consent": "on"}
    response = customer_client.post(url("mandate_bank", account), data)
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.iban == IBAN_OTHER_BANK and mandate.status == SepaMandate.Status.ACTIVE
    assert mandate.amended_from_iban == account.iban
    assert Letter.objects.filter(partner=partner, kind="sepa_mandate").count() == 1

    again = customer_client.post(url("mandate_bank", account), data)
    assert again.status_code == 400
    assert "bisherige IBAN" in again.content.decode()
    assert Letter.objects.filter(partner=partner, kind="sepa_mandate").count() == 1


def test_bank_change_shows_the_iban_check_on_the_field(
    customer_client: Client, partner: BusinessPartner
) -> None:
    account, mandate = mandated_account(partner=partner)
    data = {"iban": "DE00370400440532013000", "consent": "on"}
    response = customer_client.post(url("mandate_bank", account), data)
    assert response.status_code == 400
    assert "iban" in response.context["form"].errors
    mandate.refresh_from_db()
    assert mandate.iban == account.iban


def test_revocation_needs_the_confirmation_step(
    customer_client: Client, partner: BusinessPartner
) -> None:
    account, mandate = mandated_account(partner=partner)
    page = customer_client.get(url("mandate_revoke", account)).content.decode()
    assert "Ja, ich widerrufe" in page
    assert customer_client.post(url("mandate_revoke", account), {}).status_code == 400
    mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.ACTIVE

    response = customer_client.post(url("mandate_revoke", account), {"confirm": "on"})
    assert response.status_code == 302
    mandate.refresh_from_db()
    account.refresh_from_db()
    assert mandate.status == SepaMandate.Status.REVOKED
    assert account.payment_method == ContractAccount.PaymentMethod.TRANSFER
    again = customer_client.post(url("mandate_revoke", account), {"confirm": "on"})
    assert again.status_code == 302  # nothing left to revoke: back to the page
    page = customer_client.get(url("mandate", account)).content.decode()
    assert "Frühere Mandate" in page and "Mandat erteilen" in page


@pytest.mark.parametrize("name", ["mandate", "mandate_bank", "mandate_revoke"])
def test_another_customers_account_answers_404_and_changes_nothing(
    customer_client: Client, name: str
) -> None:
    other, mandate = mandated_account(partner=customer())
    assert customer_client.get(url(name, other)).status_code == 404
    data = {"iban": IBAN_OTHER_BANK, "account_holder": "X", "consent": "on", "confirm": "on"}
    assert customer_client.post(url(name, other), data).status_code == 404
    mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.ACTIVE and mandate.iban == other.iban
    assert SepaMandate.objects.count() == 1 and not Letter.objects.exists()


def test_post_without_csrf_token_is_forbidden(
    account: ContractAccount, customer_user: object
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user)  # type: ignore[arg-type]
    data = {"iban": IBAN, "account_holder": "Erika Muster", "consent": "on"}
    assert client.post(url("mandate", account), data).status_code == 403
    assert not SepaMandate.objects.exists()


def test_service_refuses_a_second_grant_when_asked_not_to_replace(partner: BusinessPartner) -> None:
    """The guard holds under a race too: grant locks the account before it looks."""
    account, mandate = mandated_account(partner=partner)
    with pytest.raises(ValidationError, match="bereits ein Lastschriftmandat"):
        mandates.grant(
            account=account,
            iban=IBAN_OTHER_BANK,
            account_holder="Erika Muster",
            signed_on=datetime.date(2026, 1, 1),
            origin=SepaMandate.Origin.ELECTRONIC,
            actor=None,
            replace_active=False,
        )
    mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.ACTIVE and SepaMandate.objects.count() == 1
