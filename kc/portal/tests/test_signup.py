"""Sign-up: customer number plus a secret only the customer knows, then the address check."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kc.letters.models import Letter
from kc.portal import tasks
from kc.portal.models import ActivationCode, PortalAccount, PortalMail
from kc.portal.tests.factories import PASSWORD, customer, invoiced_account, portal_login

pytestmark = pytest.mark.django_db
NOT_MATCHED = "Diese Angaben können wir keinem Kundenkonto zuordnen"


def signup(client: Client, **fields: str) -> Any:
    data = {
        "customer_number": "",
        "account_number": "",
        "invoice_amount": "",
        "code": "",
        "email": "neu@example.org",
        "password": PASSWORD,
        "password2": PASSWORD,
    } | fields
    return client.post(reverse("portal:signup"), data)


def link_in(mail: PortalMail) -> str:
    match = re.search(r"https?://\S+", mail.body)
    assert match, mail.body
    return match.group(0).split("8000", 1)[-1]


def test_invoice_amount_opens_a_login_that_works_after_the_address_check(client: Client) -> None:
    partner = customer()
    account, _, invoice = invoiced_account(partner)
    amount = f"{invoice.gross_total}".replace(".", ",")
    response = signup(
        client, customer_number=partner.number, account_number=account.number, invoice_amount=amount
    )
    assert response.status_code == 302
    login = PortalAccount.objects.get(partner=partner)
    assert login.email_verified_at is None and login.user.is_customer
    mail = PortalMail.objects.get(to="neu@example.org")
    # As a word: a random surname such as "Gute" is part of the greeting "Guten Tag".
    assert not re.search(rf"\b{re.escape(partner.last_name)}\b", mail.body)
    assert partner.number not in mail.body

    refused = client.post(
        reverse("portal:login"), {"email": "neu@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 403  # not before the address is confirmed
    assert client.get(link_in(mail)).status_code == 302
    assert PortalAccount.objects.get(pk=login.pk).email_verified_at is not None
    logged_in = client.post(
        reverse("portal:login"), {"email": "neu@example.org", "password": PASSWORD}
    )
    assert logged_in.status_code == 302 and logged_in["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_wrong_amount_and_an_unknown_customer_get_the_same_answer(client: Client) -> None:
    partner = customer()
    account, _, invoice = invoiced_account(partner)
    wrong = signup(
        client, customer_number=partner.number, account_number=account.number, invoice_amount="1,00"
    )
    unknown = signup(
        client, customer_number="9999999", account_number=account.number, invoice_amount="1,00"
    )
    other_account = signup(
        client,
        customer_number=customer().number,
        account_number=account.number,
        invoice_amount=str(invoice.gross_total).replace(".", ","),
    )
    for response in (wrong, unknown, other_account):
        assert response.status_code == 400
        assert NOT_MATCHED in response.content.decode()
    assert not PortalAccount.objects.exists() and not PortalMail.objects.exists()


def request_letter(client: Client, number: str, postal_code: str) -> int:
    """Ask for a code letter and run the task the page queued (the page never waits for it)."""
    response = client.post(
        reverse("portal:code_letter"), {"customer_number": number, "postal_code": postal_code}
    )
    queued = DBTaskResult.objects.filter(task_path="kc.portal.tasks.send_code_letter")
    for row in queued:
        tasks.send_code_letter.call(*row.args_kwargs["args"])
    queued.delete()
    return response.status_code


def test_the_code_by_letter_goes_by_post_and_works_once(client: Client) -> None:
    partner = customer()
    assert request_letter(client, partner.number, "42651") == 200
    letter = Letter.objects.get(partner=partner, kind="portal_code")
    code = str(letter.values["freischaltcode"])
    assert ActivationCode.objects.get(partner=partner).letter_number == letter.number
    assert code not in ActivationCode.objects.get(partner=partner).code_hash

    assert signup(client, customer_number=partner.number, code=code.lower()).status_code == 302
    assert PortalAccount.objects.get(partner=partner).signup_method == "letter_code"
    PortalAccount.objects.all().delete()
    again = signup(client, customer_number=partner.number, code=code, email="zwei@example.org")
    assert again.status_code == 400 and NOT_MATCHED in again.content.decode()


def test_a_code_letter_for_a_wrong_postal_code_is_not_sent_and_not_told(client: Client) -> None:
    partner = customer()
    assert request_letter(client, partner.number, "10115") == 200  # the same page as when sent
    assert not Letter.objects.filter(kind="portal_code").exists()


def test_one_code_letter_per_fortnight_and_the_first_code_keeps_working(client: Client) -> None:
    partner = customer()
    request_letter(client, partner.number, "42651")
    request_letter(client, partner.number, "42651")  # someone asks again: no second letter
    assert Letter.objects.filter(partner=partner, kind="portal_code").count() == 1
    code = str(Letter.objects.get(partner=partner, kind="portal_code").values["freischaltcode"])
    assert signup(client, customer_number=partner.number, code=code).status_code == 302


def test_an_address_already_in_use_gets_a_mail_and_no_second_login(client: Client) -> None:
    first = customer()
    portal_login(first, email="belegt@example.org")
    partner = customer()
    account, _, invoice = invoiced_account(partner)
    response = signup(
        client,
        customer_number=partner.number,
        account_number=account.number,
        invoice_amount=str(invoice.gross_total).replace(".", ","),
        email="belegt@example.org",
    )
    assert response.status_code == 302  # looks like any sign-up
    assert not PortalAccount.objects.filter(partner=partner).exists()
    assert "schon einen Zugang" in PortalMail.objects.get(to="belegt@example.org").body


@pytest.mark.parametrize("password", ["kurz-2026", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(client: Client, password: str) -> None:
    partner = customer()
    account, _, invoice = invoiced_account(partner)
    response = signup(
        client,
        customer_number=partner.number,
        account_number=account.number,
        invoice_amount=str(invoice.gross_total).replace(".", ","),
        password=password,
        password2=password,
    )
    assert response.status_code == 400
    assert not PortalAccount.objects.exists()


def test_sign_up_attempts_per_customer_number_are_limited(client: Client) -> None:
    partner = customer()
    account, _, _ = invoiced_account(partner)
    for _attempt in range(5):
        signup(
            client,
            customer_number=partner.number,
            account_number=account.number,
            invoice_amount="2,00",
        )
    response = signup(
        client, customer_number=partner.number, account_number=account.number, invoice_amount="3,00"
    )
    assert "Zu viele Versuche" in response.content.decode()
