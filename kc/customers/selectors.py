"""Reads of partner data shared by several callers: search lookups and hit cards.

Every lookup here is written so that one index serves it on SQLite and on
PostgreSQL (see kc/desk/search.py for the EXPLAIN notes). Arguments are already
normalised keys (kc.core.text, kc.core.contact); callers parse user input.

Name and street prefixes: PostgreSQL uses LIKE 'x%' on a text_pattern_ops index,
SQLite a range key >= p AND key < prefix_upper_bound(p) on the B-tree (SQLite's
LIKE is case-insensitive and never uses an ordinary index).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection
from django.db.models import Q, QuerySet

from kc.core.text import prefix_upper_bound
from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.customers.phonetics import cologne_phonetic

# Address rows fetched per wanted partner: a partner has at most one per kind.
_ADDRESS_ROWS_PER_PARTNER = len(PostalAddress.Kind)


class MatchField(StrEnum):
    """Which field of the customer's data a search hit came from."""

    NUMBER = "number"
    ACCOUNT_NUMBER = "account_number"
    NAME = "name"
    NAME_PHONETIC = "name_phonetic"
    ADDRESS = "address"
    PREMISE_ADDRESS = "premise_address"
    POSTAL_CODE = "postal_code"
    CITY = "city"
    METER = "meter"
    MALO = "malo"
    IBAN = "iban"
    PHONE = "phone"
    MOBILE = "mobile"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class PartnerMatch:
    partner_id: int
    field: MatchField
    value: str
    # Name order (name key, first-name key, number) where the lookup read it.
    sort_key: tuple[str, str, str] = ("", "", "")


@dataclass(frozen=True, slots=True)
class PartnerCard:
    """What a search hit shows about a partner, plus its sort keys."""

    partner_id: int
    number: str
    display_name: str
    address_line: str
    sort_key: tuple[str, str, str]


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in the form the vendor's index can serve."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})


def dedupe(matches: Iterable[PartnerMatch], limit: int) -> list[PartnerMatch]:
    """First match per partner, in the given order, at most `limit`."""
    seen: set[int] = set()
    result: list[PartnerMatch] = []
    for match in matches:
        if match.partner_id not in seen:
            seen.add(match.partner_id)
            result.append(match)
            if len(result) == limit:
                break
    return result


def partners_by_number(number: str, *, limit: int) -> list[PartnerMatch]:
    """Customer number or contract-account number, exact (unique indexes)."""
    matches = [
        PartnerMatch(pk, MatchField.NUMBER, number)
        for pk in BusinessPartner.objects.filter(number=number).values_list("pk", flat=True)
    ]
    accounts = ContractAccount.objects.filter(number=number).values_list("partner_id", flat=True)
    matches += [PartnerMatch(pk, MatchField.ACCOUNT_NUMBER, number) for pk in accounts[:limit]]
    return dedupe(matches, limit)


NAME_ORDER = ("name_key", "first_name_key", "number")


def _name_matches(qs: QuerySet[BusinessPartner], name_key: str, limit: int) -> list[PartnerMatch]:
    rows = qs.order_by(*NAME_ORDER).values_list(
        "pk", "name_key", "last_name", "organisation_name", "first_name_key", "number"
    )[:limit]
    return [
        PartnerMatch(
            pk,
            MatchField.NAME if key.startswith(name_key) else MatchField.NAME_PHONETIC,
            organisation or last,
            sort_key=(key, first, number),
        )
        for pk, key, last, organisation, first, number in rows
    ]


def partners_by_name(name_key: str, first_name_key: str = "", *, limit: int) -> list[PartnerMatch]:
    """Family/organisation name by prefix or Kölner Phonetik, narrowed by first-name prefix.

    Phonetic matching compares the whole code (Meier finds Mayer, not Meierhof), and
    only for words of three letters or more, where the code says something.
    Prefix and phonetic hits are read as two queries, each in the order of its own
    index so it stops at the limit (a common name has thousands of rows), then merged.
    """
    if not name_key:
        return []
    queries = [BusinessPartner.objects.filter(prefix_q("name_key", name_key))]
    code = cologne_phonetic(name_key) if len(name_key) >= 3 else ""
    if code:
        queries.append(BusinessPartner.objects.filter(phonetic_key=code))
    if first_name_key:
        queries = [qs.filter(prefix_q("first_name_key", first_name_key)) for qs in queries]
    merged = sorted(
        (match for qs in queries for match in _name_matches(qs, name_key, limit)),
        key=lambda match: match.sort_key,
    )
    return dedupe(merged, limit)


def partners_by_address(street: str, house_number: str, *, limit: int) -> list[PartnerMatch]:
    """Partner addresses: street key and house number exact, or street key prefix alone."""
    if not street:
        return []
    qs = PostalAddress.objects.all()
    if house_number:
        qs = qs.filter(street_key=street, house_number=house_number)
    else:
        qs = qs.filter(prefix_q("street_key", street))
    rows = qs.values_list("partner_id", "street", "house_number")
    return dedupe(
        (
            PartnerMatch(pk, MatchField.ADDRESS, f"{name} {number}")
            for pk, name, number in rows[: limit * _ADDRESS_ROWS_PER_PARTNER]
        ),
        limit,
    )


def partners_by_postal_code_city(
    postal_code: str, city_key: str, *, limit: int
) -> list[PartnerMatch]:
    """Partner addresses by postal code and/or city key (both exact)."""
    if postal_code:
        qs = PostalAddress.objects.filter(postal_code=postal_code)
        field = MatchField.POSTAL_CODE
        if city_key:
            qs = qs.filter(city_key=city_key)
    elif city_key:
        qs = PostalAddress.objects.filter(city_key=city_key)
        field = MatchField.CITY
    else:
        return []
    rows = qs.values_list("partner_id", "postal_code", "city")
    return dedupe(
        (
            PartnerMatch(pk, field, f"{code} {city}")
            for pk, code, city in rows[: limit * _ADDRESS_ROWS_PER_PARTNER]
        ),
        limit,
    )


def partners_by_iban(iban: str, *, limit: int) -> list[PartnerMatch]:
    """Contract accounts by IBAN (compact, upper case), exact."""
    rows = ContractAccount.objects.filter(iban=iban).values_list("partner_id", flat=True)
    return dedupe((PartnerMatch(pk, MatchField.IBAN, iban) for pk in rows[: limit * 4]), limit)


def partners_by_masked_iban(head: str, tail: str, *, limit: int) -> list[PartnerMatch]:
    """Masked IBAN like 'DE89 **** 3000': prefix served by the index, tail filtered."""
    if len(head) < 4 or not tail:
        return []
    qs = ContractAccount.objects.filter(prefix_q("iban", head), iban__endswith=tail)
    rows = qs.values_list("partner_id", "iban")[: limit * 4]
    return dedupe((PartnerMatch(pk, MatchField.IBAN, iban) for pk, iban in rows), limit)


def partners_by_phone(e164: str, *, limit: int) -> list[PartnerMatch]:
    """Phone or mobile number in E.164."""
    if not e164:
        return []
    qs = BusinessPartner.objects.filter(Q(phone_key=e164) | Q(mobile_key=e164))
    rows = qs.values_list("pk", "phone_key")[: limit * 2]
    return dedupe(
        (
            PartnerMatch(pk, MatchField.PHONE if key == e164 else MatchField.MOBILE, e164)
            for pk, key in rows
        ),
        limit,
    )


def partners_by_email(email_key: str, *, limit: int) -> list[PartnerMatch]:
    if not email_key:
        return []
    rows = BusinessPartner.objects.filter(email_key=email_key).values_list("pk", flat=True)
    return [PartnerMatch(pk, MatchField.EMAIL, email_key) for pk in rows[:limit]]


def partner_cards(partner_ids: Iterable[int]) -> dict[int, PartnerCard]:
    """Number, display name and main address line of each partner (two queries)."""
    ids = list(partner_ids)
    if not ids:
        return {}
    lines = {
        address.partner_id: f"{address.street_line}, {address.city_line}"
        for address in PostalAddress.objects.filter(
            partner_id__in=ids, kind=PostalAddress.Kind.MAIN
        ).only("partner_id", "street", "house_number", "postal_code", "city")
    }
    partners = BusinessPartner.objects.filter(pk__in=ids).only(
        "number",
        "kind",
        "title",
        "first_name",
        "last_name",
        "organisation_name",
        "name_key",
        "first_name_key",
    )
    return {
        p.pk: PartnerCard(
            partner_id=p.pk,
            number=p.number,
            display_name=p.display_name,
            address_line=lines.get(p.pk, ""),
            sort_key=(p.name_key, p.first_name_key, p.number),
        )
        for p in partners
    }
