"""Staff pages: permissions, audit of reads, forms that refuse bad input without a 500."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory, RegisterFactory


def _customer_with_contracts(n: int) -> BusinessPartner:
    account = ContractAccountFactory(partner__last_name="Mayer")
    PostalAddressFactory(partner=account.partner)
    for _ in range(n):
        contract = ContractFactory(account=account)
        register = RegisterFactory(meter__market_location=contract.market_location)
        for year in (2023, 2024, 2025):
            MeterReadingFactory(
                register=register,
                read_on=datetime.date(year, 12, 31),
                value=Decimal(1000 * (year - 2020)),
            )
    return account.partner


@pytest.mark.django_db
def test_customer_page_shows_everything_and_is_audited(agent_client: Client, agent) -> None:  # type: ignore[no-untyped-def]
    partner = _customer_with_contracts(2)
    response = agent_client.get(reverse("desk:customer_detail", args=[partner.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert partner.display_name in html and partner.number in html
    contract = partner.accounts.get().contracts.all()[0]
    assert contract.market_location.malo_id in html
    assert "DE89 **** 3000" in html and "DE89370400440532013000" not in html
    assert "5000,000" in html  # German number format
    entry = AuditLogEntry.objects.get(action="read")
    assert (entry.actor, entry.partner_id, entry.request_path) == (
        agent,
        partner.pk,
        f"/kunden/{partner.pk}/",
    )
    assert entry.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_customer_page_query_count_does_not_grow_with_contracts(agent_client: Client) -> None:
    def count(partner: BusinessPartner) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert (
                agent_client.get(reverse("desk:customer_detail", args=[partner.pk])).status_code
                == 200
            )
        return len(ctx.captured_queries)

    agent_client.get(reverse("desk:home"))  # the first request of a session saves it
    assert count(_customer_with_contracts(1)) == count(_customer_with_contracts(10))


@pytest.mark.django_db
def test_unknown_customer_is_404(agent_client: Client) -> None:
    assert agent_client.get(reverse("desk:customer_detail", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_staff_without_a_role_sees_no_customer(client: Client) -> None:
    client.force_login(make_staff("norole", None))
    partner = BusinessPartnerFactory()
    assert client.get(reverse("desk:customer_detail", args=[partner.pk])).status_code == 403
    assert client.get(reverse("desk:customer_search"), {"q": "x"}).status_code == 403
    assert not AuditLogEntry.objects.filter(action="read").exists()


@pytest.mark.django_db
def test_customer_center_staff_may_read_but_not_edit(client: Client) -> None:
    client.force_login(make_staff("vorort", roles.CUSTOMER_CENTER))
    partner = BusinessPartnerFactory()
    assert client.get(reverse("desk:customer_detail", args=[partner.pk])).status_code == 200
    edit = client.post(reverse("desk:customer_edit", args=[partner.pk]), {"last_name": "X"})
    assert edit.status_code == 403
    assert client.get(reverse("desk:audit_log")).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("desk:customer_detail", args=[1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_search_page_and_htmx_partial(agent_client: Client) -> None:
    partner = _customer_with_contracts(1)
    page = agent_client.get(reverse("desk:customer_search"), {"q": "Meier"})
    assert page.status_code == 200
    assert reverse("desk:customer_detail", args=[partner.pk]) in page.content.decode()
    partial = agent_client.get(
        reverse("desk:customer_search"), {"q": "Meier"}, headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.content
    assert b"Name (\xc3\xa4hnlich klingend)" in partial.content


VALID_CUSTOMER = {
    "kind": "person",
    "salutation": "mr",
    "first_name": "Jörg",
    "last_name": "Weiß",
    "preferred_channel": "email",
    "email": "joerg@example.org",
    "address-street": "Lindenallee",
    "address-house_number": "3",
    "address-postal_code": "42651",
    "address-city": "Musterstadt",
    "account-payment_method": "transfer",
}


@pytest.mark.django_db
def test_create_customer_form(agent_client: Client) -> None:
    response = agent_client.post(reverse("desk:customer_create"), VALID_CUSTOMER)
    assert response.status_code == 302
    partner = BusinessPartner.objects.get()
    assert response["Location"] == reverse("desk:customer_detail", args=[partner.pk])
    assert partner.accounts.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("address-postal_code", "1234", "keine gültige deutsche Postleitzahl"),
        ("account-payment_method", "direct_debit", "IBAN"),
        ("last_name", "", "Nachnamen"),
    ],
)
def test_create_customer_bad_input(
    agent_client: Client, field: str, value: str, message: str
) -> None:
    response = agent_client.post(reverse("desk:customer_create"), {**VALID_CUSTOMER, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BusinessPartner.objects.exists()


@pytest.mark.django_db
def test_edit_customer_is_audited(agent_client: Client) -> None:
    partner = BusinessPartnerFactory(last_name="Meier")
    data = {
        "kind": "person",
        "salutation": "ms",
        "first_name": partner.first_name,
        "last_name": "Meyer",
        "preferred_channel": "post",
        "email": partner.email,
        "phone": partner.phone,
        "birth_date": "1970-05-17",
    }
    response = agent_client.post(reverse("desk:customer_edit", args=[partner.pk]), data)
    assert response.status_code == 302
    assert AuditLogEntry.objects.get(action="update").changes == {"last_name": ["Meier", "Meyer"]}


@pytest.mark.django_db
def test_reading_form_checks_ownership_and_rules(agent_client: Client) -> None:
    partner = _customer_with_contracts(1)
    other = _customer_with_contracts(1)
    register = partner.accounts.get().contracts.get().market_location.meters.get().registers.get()
    url = reverse("desk:reading_create", args=[other.pk, register.pk])
    assert agent_client.get(url).status_code == 404
    url = reverse("desk:reading_create", args=[partner.pk, register.pk])
    data = {"read_on": "2026-01-05", "value": "100", "reason": "interim", "source": "customer"}
    response = agent_client.post(url, data)
    assert response.status_code == 400
    assert "kleiner als" in response.content.decode()
    response = agent_client.post(url, {**data, "value": "5400"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_audit_log_page_for_admins(client: Client, admin_user, agent) -> None:  # type: ignore[no-untyped-def]
    partner = BusinessPartnerFactory()
    agent_client = Client()
    agent_client.force_login(agent)
    agent_client.get(reverse("desk:customer_detail", args=[partner.pk]))
    client.force_login(admin_user)
    response = client.get(reverse("desk:audit_log"), {"partner": partner.pk})
    assert response.status_code == 200
    assert "agent" in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_database_and_worker(client: Client) -> None:
    from django.utils import timezone

    from kc.core.models import WorkerHeartbeat

    body = client.get("/healthz").json()
    assert body["database"]["ok"] and body["status"] == "ok"
    assert body["worker"]["ok"] is False
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=timezone.now(), seen_at=timezone.now()
    )
    assert client.get("/healthz").json()["worker"]["ok"] is True


@pytest.mark.django_db
def test_bank_data_change_derives_bic_and_checks_owner(agent_client: Client) -> None:
    account = ContractAccountFactory()
    other = BusinessPartnerFactory()
    wrong_owner = reverse("desk:account_edit", args=[other.pk, account.pk])
    assert agent_client.get(wrong_owner).status_code == 404
    url = reverse("desk:account_edit", args=[account.partner_id, account.pk])
    data = {
        "payment_method": "direct_debit",
        "iban": "DE02 1203 0000 0000 2020 51",
        "bic": "",
        "account_holder": "Jana Maier",
    }
    bad = agent_client.post(url, {**data, "iban": "DE02120300000000202052"})
    assert bad.status_code == 400 and "IBAN" in bad.content.decode()
    assert agent_client.post(url, data).status_code == 302
    account.refresh_from_db()
    assert (account.iban, account.bic) == ("DE02120300000000202051", "BYLADEM1001")


@pytest.mark.django_db
def test_consents_are_recorded_with_audit(agent_client: Client) -> None:
    partner = BusinessPartnerFactory(last_name="Meier")
    data = {
        "kind": "person",
        "salutation": "ms",
        "first_name": partner.first_name,
        "last_name": "Meier",
        "preferred_channel": "post",
        "email": partner.email,
        "phone": partner.phone,
        "birth_date": "1970-05-17",
        "consent-marketing_email": "on",
    }
    url = reverse("desk:customer_edit", args=[partner.pk])
    assert agent_client.post(url, data).status_code == 302
    consent = partner.consents.get()
    assert (consent.topic, consent.granted, consent.source) == ("marketing_email", True, "agent")
    entry = AuditLogEntry.objects.get(object_type="customers.consent")
    assert entry.changes == {"marketing_email": ["", "True"]}
    # Saving again without changes writes nothing new.
    assert agent_client.post(url, data).status_code == 302
    assert AuditLogEntry.objects.filter(object_type="customers.consent").count() == 1
    del data["consent-marketing_email"]
    agent_client.post(url, data)
    assert not partner.consents.get(topic="marketing_email").granted


@pytest.mark.django_db
def test_reading_form_when_customer_moved_back_in(agent_client: Client) -> None:
    first = ContractFactory(
        start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2021, 6, 30)
    )
    ContractFactory(
        account=first.account,
        market_location=first.market_location,
        start_date=datetime.date(2023, 1, 1),
    )
    register = RegisterFactory(meter__market_location=first.market_location)
    url = reverse("desk:reading_create", args=[first.account.partner_id, register.pk])
    assert agent_client.get(url).status_code == 200


@pytest.mark.django_db
def test_bank_data_of_an_account_with_a_mandate_is_changed_on_the_mandate(
    agent_client: Client,
) -> None:
    from kc.payments.tests.factories import mandated_account

    account, mandate = mandated_account()
    url = reverse("desk:account_edit", args=[account.partner_id, account.pk])
    response = agent_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:mandate_change_bank", args=[mandate.pk])
