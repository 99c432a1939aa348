"""Agent search: every kind finds its partner and no other; kind detection; garbage."""

from typing import cast

import pytest

from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.customers.selectors import MatchField
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)
from kc.desk.search import SearchKind, detect_kinds, search_customers
from kc.supply.models import Contract
from kc.supply.tests.factories import (
    ContractFactory,
    MarketLocationFactory,
    MeterFactory,
    PremiseFactory,
)

pytestmark = pytest.mark.django_db

K = SearchKind


def partner(last_name: str, first_name: str = "Anna", **kwargs: object) -> BusinessPartner:
    kwargs.setdefault("phone", "")
    made = BusinessPartnerFactory(last_name=last_name, first_name=first_name, **kwargs)
    return cast(BusinessPartner, made)


def address(**kwargs: object) -> PostalAddress:
    return cast(PostalAddress, PostalAddressFactory(**kwargs))


def account(**kwargs: object) -> ContractAccount:
    return cast(ContractAccount, ContractAccountFactory(**kwargs))


def contract(**kwargs: object) -> Contract:
    return cast(Contract, ContractFactory(**kwargs))


def numbers(query: str, kind: SearchKind | None = None) -> list[str]:
    return [hit.number for hit in search_customers(query, kind=kind).hits]


@pytest.fixture
def meiers() -> dict[str, BusinessPartner]:
    names = ["Meier", "Mayer", "Maier", "Meyer", "Müller", "Meierhof"]
    return {name: partner(name, number=f"100000{i}") for i, name in enumerate(names)}


def test_number_finds_customer_and_account() -> None:
    anna = partner("Schmitz", number="1234567")
    other = partner("Schmitz", number="1234568")
    ContractAccountFactory(partner=anna, number="450000000077")
    ContractAccountFactory(partner=other, number="450000000078")
    assert numbers("1234567") == ["1234567"]
    assert numbers("4500 0000 0077") == ["1234567"]
    hit = search_customers("450000000077").hits[0]
    assert hit.matched_field == MatchField.ACCOUNT_NUMBER


def test_name_prefix_and_phonetic(meiers: dict[str, BusinessPartner]) -> None:
    found = set(numbers("Meier"))
    expected = {meiers[n].number for n in ("Meier", "Mayer", "Maier", "Meyer", "Meierhof")}
    assert found == expected
    assert meiers["Müller"].number not in found
    assert numbers("Mül") == [meiers["Müller"].number]
    assert numbers("Mueller") == [meiers["Müller"].number]


def test_name_hits_sorted_by_name_then_number(meiers: dict[str, BusinessPartner]) -> None:
    partner("Maier", number="0999999")
    hits = search_customers("Meier").hits
    keys = [(h.display_name.split()[-1], h.number) for h in hits]
    assert [h.number for h in hits][:2] == ["0999999", meiers["Maier"].number]
    assert len(keys) == len({h.partner_id for h in hits})


def test_name_narrowed_by_first_name() -> None:
    anna = partner("Meyer", "Anna")
    partner("Meyer", "Bernd")
    assert numbers("Anna Meier") == [anna.number]
    assert numbers("Meier, Anna") == [anna.number]
    assert numbers("Meier, An") == [anna.number]
    assert numbers("Meyer Anna") == [anna.number]


def test_multi_word_family_name_with_first_name() -> None:
    heide = partner("von der Heide", "Anna")
    partner("von der Heide", "Bernd")
    assert numbers("Anna von der Heide") == [heide.number]
    assert numbers("von der Heide Anna") == [heide.number]
    assert len(numbers("von der Heide")) == 2


def test_organisation_name() -> None:
    firm = partner(
        "",
        kind=BusinessPartner.Kind.ORGANISATION,
        organisation_name="Bäckerei Schulte GmbH",
        first_name="",
    )
    assert numbers("Bäckerei Schulte") == [firm.number]
    assert search_customers("baeckerei").hits[0].display_name == "Bäckerei Schulte GmbH"


def test_address_street_spelling_and_house_number() -> None:
    at_12 = address(street="Hauptstraße", house_number="12").partner
    at_12a = address(street="Hauptstr.", house_number="12 a").partner
    PostalAddressFactory(street="Hauptstraße", house_number="120")
    PostalAddressFactory(street="Nebenstraße", house_number="12")
    assert numbers("Hauptstr. 12") == [at_12.number]
    assert numbers("Hauptstraße 12a") == [at_12a.number]
    assert numbers("hauptstrasse 12 A") == [at_12a.number]
    assert len(numbers("Hauptstra")) == 3
    assert len(numbers("Haupt", kind=K.ADDRESS)) == 3


def test_address_finds_premise_customers() -> None:
    tenant = partner("Kaya")
    premise = PremiseFactory(street="Lindenallee", house_number="7")
    ContractFactory(
        account=ContractAccountFactory(partner=tenant),
        market_location=MarketLocationFactory(premise=premise),
    )
    ContractFactory(market_location=MarketLocationFactory(premise=PremiseFactory(house_number="8")))
    hits = search_customers("Lindenallee 7").hits
    assert [h.number for h in hits] == [tenant.number]
    assert hits[0].matched_field == MatchField.PREMISE_ADDRESS


def test_postal_code_and_city() -> None:
    here = address(postal_code="42651", city="Musterstadt").partner
    PostalAddressFactory(postal_code="42653", city="Musterstadt")
    PostalAddressFactory(postal_code="42651", city="Anderstadt")
    assert len(numbers("42651")) == 2
    assert numbers("42651 Musterstadt") == [here.number]
    assert len(numbers("Musterstadt")) == 2
    assert len(numbers("musterstadt", kind=K.POSTAL_CODE_CITY)) == 2


def test_hit_shows_main_address() -> None:
    main = address(street="Hauptstraße", house_number="3", city="Solingen")
    hit = search_customers(main.partner.number).hits[0]
    assert hit.address_line == "Hauptstraße 3, 42651 Solingen"
    assert hit.display_name == main.partner.display_name


@pytest.fixture
def metered() -> BusinessPartner:
    owner = partner("Yilmaz")
    supplied = contract(account=ContractAccountFactory(partner=owner))
    MeterFactory(number="1ESY1160512345", market_location=supplied.market_location)
    supplied.market_location.malo_id = "51238696781"
    supplied.market_location.save()
    other = contract(market_location__malo_id="50000000008")
    MeterFactory(number="1ESY1199999999", market_location=other.market_location)
    return owner


def test_meter_exact_and_partial(metered: BusinessPartner) -> None:
    assert numbers("1ESY1160512345") == [metered.number]
    assert numbers("1esy 1160512345") == [metered.number]
    assert numbers("605123", kind=K.METER) == [metered.number]
    assert numbers("y116", kind=K.METER) == [metered.number]
    assert len(numbers("1ESY11", kind=K.METER)) == 2
    assert numbers("12", kind=K.METER) == []


def test_malo_exact_and_partial(metered: BusinessPartner) -> None:
    assert numbers("51238696781") == [metered.number]
    assert numbers("386967", kind=K.MALO) == [metered.number]
    assert numbers("51", kind=K.MALO) == []
    hit = search_customers("51238696781").hits[0]
    assert (hit.matched_field, hit.matched_value) == (MatchField.MALO, "51238696781")


def test_iban_any_spacing_and_case() -> None:
    acct = account(iban="DE02120300000000202051")
    ContractAccountFactory(iban="DE89370400440532013000")
    expected = [acct.partner.number]
    assert numbers("DE02120300000000202051") == expected
    assert numbers("de02 1203 0000 0000 2020 51") == expected
    assert numbers("DE02 **** 2051") == expected
    assert numbers("DE02 **** 9999") == []


@pytest.mark.parametrize("query", ["+49 212 1234567", "0212/1234567", "(0212) 123 4567"])
def test_phone_formats(query: str) -> None:
    caller = partner("Becker", phone="0212 1234567")
    mobile = partner("Wagner", mobile="+49 212 1234567")
    partner("Schulz", phone="0212 1234568")
    assert sorted(numbers(query)) == sorted([caller.number, mobile.number])
    fields = {h.number: h.matched_field for h in search_customers(query).hits}
    assert fields == {caller.number: MatchField.PHONE, mobile.number: MatchField.MOBILE}


def test_email_case_insensitive() -> None:
    anna = partner("Hoffmann", email="Anna.Hoffmann@Example.org")
    partner("Hoffmann", email="anna.hoffmann@example.com")
    assert numbers(" ANNA.hoffmann@example.ORG ") == [anna.number]


def test_distinct_partners_and_limit() -> None:
    anna = partner("Schmitz")
    for _ in range(3):
        ContractFactory(
            account=ContractAccountFactory(partner=anna),
            market_location__premise=PremiseFactory(street="Ringstraße", house_number="1"),
        )
    PostalAddressFactory(partner=anna, street="Ringstraße", house_number="1")
    assert numbers("Ringstr 1") == [anna.number]
    for _ in range(4):
        partner("Schmitz")
    result = search_customers("Schmitz", limit=3)
    assert len(result.hits) == 3 and result.truncated
    assert not search_customers("Schmitz", limit=10).truncated


@pytest.mark.parametrize(
    ("query", "kinds"),
    [
        ("anna@example.org", (K.EMAIL,)),
        ("DE02 1203 0000 0000 2020 51", (K.IBAN, K.METER)),
        ("DE02 **** 2051", (K.IBAN, K.METER)),
        ("51238696781", (K.MALO, K.METER)),
        ("51238696782", (K.METER, K.MALO)),
        ("1234567", (K.NUMBER, K.METER, K.MALO)),
        ("450000000077", (K.NUMBER, K.METER, K.MALO)),
        ("+49 212 1234567", (K.PHONE,)),
        ("0212/1234567", (K.PHONE,)),
        ("(0212) 123 4567", (K.PHONE,)),
        ("02121234567", (K.PHONE, K.METER, K.MALO)),
        ("42651", (K.POSTAL_CODE_CITY,)),
        ("01067", (K.POSTAL_CODE_CITY,)),
        ("42651 Musterstadt", (K.POSTAL_CODE_CITY,)),
        ("Hauptstr. 12", (K.ADDRESS, K.METER)),
        ("Hauptstraße 12a", (K.ADDRESS, K.METER)),
        ("Am Markt 3", (K.ADDRESS, K.METER)),
        ("1ESY1160512345", (K.METER, K.ADDRESS)),
        ("Hauptstraße", (K.ADDRESS, K.NAME)),
        ("Meier", (K.NAME, K.POSTAL_CODE_CITY, K.ADDRESS)),
        ("Anna Meier", (K.NAME, K.POSTAL_CODE_CITY, K.ADDRESS)),
        ("Meier, Anna", (K.NAME,)),
        ("605", (K.METER, K.MALO)),
        ("12", ()),
        ("", ()),
        ("%%%", ()),
    ],
)
def test_detect_kinds(query: str, kinds: tuple[SearchKind, ...]) -> None:
    assert detect_kinds(query) == kinds


def test_ambiguous_query_falls_through_to_next_kind() -> None:
    resident = address(city="Musterstadt", partner__last_name="Schmitz").partner
    result = search_customers("Musterstadt")
    assert result.kind == K.POSTAL_CODE_CITY
    assert [h.number for h in result.hits] == [resident.number]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "%",
        "%%%",
        "_",
        "*",
        "'; DROP TABLE x; --",
        '"',
        'a"b',
        "\x00",
        "🙂",
        "x" * 10_000,
        "0" * 50,
        "@",
        "DE",
        "+",
        "((",
        "Straße ",
        "- 12",
        "AND OR NOT",
        'NEAR("a" "b")',
        "ab*",
        "^abc",
        "12a",
        "ÄÖÜß",
    ],
)
def test_garbage_returns_empty_result(query: str) -> None:
    partner("Meier")
    for kind in (None, *SearchKind):
        assert search_customers(query, kind=kind).hits == ()


def test_control_characters_are_dropped() -> None:
    meier = partner("Meier")
    assert numbers("Mei\x00er\n") == [meier.number]


def test_kind_mismatch_is_empty_not_error() -> None:
    partner("Meier", number="1234567")
    assert search_customers("Meier", kind=K.PHONE).hits == ()
    assert search_customers("Meier", kind=K.IBAN).hits == ()
    assert search_customers("Meier", kind=K.MALO).hits == ()
    assert search_customers("1234567", kind=K.EMAIL).hits == ()


@pytest.mark.django_db
def test_digit_fragment_finds_meter_and_malo_owners_together() -> None:
    from kc.supply.tests.factories import ContractFactory, MeterFactory

    by_malo = ContractFactory(market_location__malo_id="51238696781")
    by_meter = ContractFactory()
    MeterFactory(number="9XYZ5123869", market_location=by_meter.market_location)
    result = search_customers("5123869")
    assert {hit.partner_id for hit in result.hits} == {
        by_malo.account.partner_id,
        by_meter.account.partner_id,
    }
    assert {hit.matched_field for hit in result.hits} == {MatchField.MALO, MatchField.METER}
