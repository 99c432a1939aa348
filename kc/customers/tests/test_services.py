import pytest
from django.core.exceptions import ValidationError

from kc.core.models import AuditLogEntry
from kc.customers import services
from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.customers.tests.factories import BusinessPartnerFactory, ContractAccountFactory

PERSON = {
    "kind": "person",
    "salutation": "ms",
    "first_name": "Jana",
    "last_name": "Maier",
    "email": "Jana.Maier@Example.org",
    "phone": "0212 / 123 456",
}
ADDRESS = {
    "street": "Beethovenstraße",
    "house_number": "12 a",
    "postal_code": "42651",
    "city": "Solingen",
}


@pytest.mark.django_db
def test_create_customer_numbers_keys_and_audit(agent) -> None:  # type: ignore[no-untyped-def]
    partner = services.create_customer(
        data=PERSON,
        address=ADDRESS,
        account={"payment_method": "direct_debit", "iban": "de89 3704 0044 0532 0130 00"},
        actor=agent,
    )
    assert partner.number == "1000000"
    assert (partner.name_key, partner.phonetic_key) == ("maier", "67")
    assert partner.email_key == "jana.maier@example.org"
    assert partner.phone_key == "+49212123456"
    address = partner.addresses.get()
    assert (address.street_key, address.house_number) == ("beethovenstr", "12a")
    account = partner.accounts.get()
    assert account.number == "400000000000"
    assert (account.iban, account.bic) == ("DE89370400440532013000", "COBADEFFXXX")
    actions = list(
        AuditLogEntry.objects.filter(partner_id=partner.pk).values_list("action", "object_type")
    )
    assert ("create", "customers.businesspartner") in actions
    assert ("create", "customers.contractaccount") in actions
    created = AuditLogEntry.objects.get(object_type="customers.contractaccount")
    assert "0532013000" not in str(created.changes)  # the IBAN is logged masked


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "account", "field"),
    [
        ({**ADDRESS, "postal_code": "4265"}, {"payment_method": "transfer"}, "postal_code"),
        (ADDRESS, {"payment_method": "direct_debit", "iban": "DE89370400440532013001"}, "iban"),
        (ADDRESS, {"payment_method": "direct_debit", "iban": ""}, "iban"),
    ],
)
def test_bad_input_saves_nothing(agent, address, account, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        services.create_customer(data=PERSON, address=address, account=account, actor=agent)
    assert field in err.value.message_dict
    assert not BusinessPartner.objects.exists()
    assert not PostalAddress.objects.exists()
    assert not ContractAccount.objects.exists()
    assert not AuditLogEntry.objects.exists()
    # The number was not used up either.
    assert (
        services.create_customer(
            data=PERSON, address=ADDRESS, account={"payment_method": "transfer"}, actor=agent
        ).number
        == "1000000"
    )


@pytest.mark.django_db
def test_duplicate_customer_number_is_a_validation_error(agent) -> None:  # type: ignore[no-untyped-def]
    BusinessPartnerFactory(number="1000000")
    with pytest.raises(ValidationError) as err:
        services.create_customer(
            data=PERSON, address=ADDRESS, account={"payment_method": "transfer"}, actor=agent
        )
    assert "number" in err.value.message_dict


@pytest.mark.django_db
def test_update_records_only_what_changed(agent) -> None:  # type: ignore[no-untyped-def]
    partner = BusinessPartnerFactory(last_name="Meier", email="a@example.org")
    services.update_business_partner(
        partner=partner, data={"last_name": "Meyer", "email": "a@example.org"}, actor=agent
    )
    partner.refresh_from_db()
    assert partner.phonetic_key == "67" and partner.name_key == "meyer"
    entry = AuditLogEntry.objects.get(action="update")
    assert entry.changes == {"last_name": ["Meier", "Meyer"]}
    services.update_business_partner(partner=partner, data={"last_name": "Meyer"}, actor=agent)
    assert AuditLogEntry.objects.filter(action="update").count() == 1


@pytest.mark.django_db
def test_organisation_needs_a_name(agent) -> None:  # type: ignore[no-untyped-def]
    partner = BusinessPartnerFactory()
    with pytest.raises(ValidationError):
        services.update_business_partner(
            partner=partner, data={"kind": "organisation", "organisation_name": ""}, actor=agent
        )


@pytest.mark.django_db
def test_bank_change_keeps_iban_masked_in_audit(agent) -> None:  # type: ignore[no-untyped-def]
    account = ContractAccountFactory()
    services.update_contract_account(
        account=account, data={"iban": "DE02120300000000202051"}, actor=agent
    )
    account.refresh_from_db()
    assert account.iban == "DE02120300000000202051"
    assert account.bic == "BYLADEM1001"
    entry = AuditLogEntry.objects.get(action="update")
    assert entry.changes["iban"] == ["DE89 **** 3000", "DE02 **** 2051"]
