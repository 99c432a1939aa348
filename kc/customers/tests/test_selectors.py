"""Partner lookups: each returns the matching partners only, with the field that matched."""

from typing import cast

import pytest

from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.customers.selectors import (
    MatchField,
    PartnerMatch,
    dedupe,
    partner_cards,
    partners_by_address,
    partners_by_email,
    partners_by_iban,
    partners_by_masked_iban,
    partners_by_name,
    partners_by_number,
    partners_by_phone,
    partners_by_postal_code_city,
)
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)

pytestmark = pytest.mark.django_db


def partner(**kwargs: object) -> BusinessPartner:
    return cast(BusinessPartner, BusinessPartnerFactory(**kwargs))


def ids(matches: list[PartnerMatch]) -> set[int]:
    return {m.partner_id for m in matches}


def test_dedupe_keeps_first_match_per_partner_and_limit() -> None:
    matches = [
        PartnerMatch(1, MatchField.NAME, "a"),
        PartnerMatch(1, MatchField.EMAIL, "b"),
        PartnerMatch(2, MatchField.NAME, "c"),
        PartnerMatch(3, MatchField.NAME, "d"),
    ]
    assert dedupe(matches, 2) == [matches[0], matches[2]]


def test_number_and_account_number() -> None:
    anna = partner(number="1234567")
    cast(ContractAccount, ContractAccountFactory(partner=anna, number="450000000001"))
    assert partners_by_number("1234567", limit=5) == [
        PartnerMatch(anna.pk, MatchField.NUMBER, "1234567")
    ]
    assert partners_by_number("450000000001", limit=5)[0].field == MatchField.ACCOUNT_NUMBER
    assert partners_by_number("7654321", limit=5) == []


def test_name_prefix_phonetic_and_first_name() -> None:
    meier = partner(last_name="Meier", first_name="Anna")
    mayer = partner(last_name="Mayer", first_name="Bernd")
    partner(last_name="Müller", first_name="Anna")
    found = partners_by_name("meier", limit=5)
    assert [(m.partner_id, m.field) for m in found] == [
        (mayer.pk, MatchField.NAME_PHONETIC),
        (meier.pk, MatchField.NAME),
    ]
    assert ids(partners_by_name("meier", "an", limit=5)) == {meier.pk}
    assert ids(partners_by_name("m", limit=5)) == {meier.pk, mayer.pk} | ids(
        partners_by_name("mueller", limit=5)
    )
    assert partners_by_name("", limit=5) == []


def test_address_exact_and_street_prefix() -> None:
    at_12 = cast(PostalAddress, PostalAddressFactory(street="Hauptstraße", house_number="12"))
    cast(PostalAddress, PostalAddressFactory(street="Hauptstraße", house_number="13"))
    assert ids(partners_by_address("hauptstr", "12", limit=5)) == {at_12.partner_id}
    assert len(partners_by_address("haupt", "", limit=5)) == 2
    assert partners_by_address("", "12", limit=5) == []


def test_postal_code_and_city() -> None:
    here = cast(PostalAddress, PostalAddressFactory(postal_code="42651", city="Solingen"))
    cast(PostalAddress, PostalAddressFactory(postal_code="42653", city="Solingen"))
    assert ids(partners_by_postal_code_city("42651", "", limit=5)) == {here.partner_id}
    assert len(partners_by_postal_code_city("", "solingen", limit=5)) == 2
    assert partners_by_postal_code_city("", "", limit=5) == []


def test_iban_exact_and_masked() -> None:
    account = cast(ContractAccount, ContractAccountFactory(iban="DE02120300000000202051"))
    cast(ContractAccount, ContractAccountFactory(iban="DE89370400440532013000"))
    assert ids(partners_by_iban("DE02120300000000202051", limit=5)) == {account.partner_id}
    assert ids(partners_by_masked_iban("DE02", "2051", limit=5)) == {account.partner_id}
    assert partners_by_masked_iban("DE", "2051", limit=5) == []


def test_phone_mobile_and_email() -> None:
    anna = partner(phone="0212 1234567", mobile="", email="Anna@Example.org")
    bernd = partner(phone="", mobile="0151 2345678")
    assert partners_by_phone("+492121234567", limit=5)[0].field == MatchField.PHONE
    assert partners_by_phone("+491512345678", limit=5)[0] == PartnerMatch(
        bernd.pk, MatchField.MOBILE, "+491512345678"
    )
    assert ids(partners_by_email("anna@example.org", limit=5)) == {anna.pk}
    assert partners_by_phone("", limit=5) == partners_by_email("", limit=5) == []


def test_partner_cards_show_main_address() -> None:
    address = cast(PostalAddress, PostalAddressFactory(street="Hauptstraße", house_number="3"))
    card = partner_cards([address.partner_id])[address.partner_id]
    assert card.address_line == "Hauptstraße 3, 42651 Solingen"
    assert partner_cards([]) == {}
