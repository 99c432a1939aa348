"""Agent search for the customer 360° view: one box, any of nine kinds of query.

`search_customers` parses the query, picks the kind (or takes the one given),
runs the index-served lookups of kc.customers.selectors / kc.supply.selectors and
returns distinct partners, sorted by name, then customer number.

Without a kind the query's shape decides (`detect_kinds`); when the shape allows
several kinds they are tried in order and the first with hits wins.

Bounds: each lookup fetches at most limit + 1 partners in index order; the hits
shown are sorted by name. Only name search reads in name order, so for the other
kinds a truncated result (`truncated=True`) shows the first partners found, not
the alphabetically first of all matches: the agent narrows the query.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kc.core.contact import normalize_email, normalize_phone
from kc.core.text import search_key, street_key
from kc.core.validators import is_german_postal_code, is_malo_id
from kc.customers import selectors as customers
from kc.customers.models import BusinessPartner
from kc.customers.selectors import MatchField, PartnerMatch, dedupe
from kc.supply import selectors as supply

MAX_QUERY_LENGTH = 100
DEFAULT_LIMIT = 25
MAX_NAME_WORDS = 4


class SearchKind(StrEnum):
    NUMBER = "number"
    NAME = "name"
    ADDRESS = "address"
    POSTAL_CODE_CITY = "postal_code_city"
    METER = "meter"
    MALO = "malo"
    IBAN = "iban"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class SearchHit:
    partner_id: int
    number: str
    display_name: str
    address_line: str
    matched_field: MatchField
    matched_value: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    kind: SearchKind | None
    hits: tuple[SearchHit, ...]
    truncated: bool = False


Lookup = Callable[[str, int], list[PartnerMatch]]

# --- parsing ----------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_DIGITS_SEPARATED = re.compile(r"\+?[\d\s/()\-.]+")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
_MASKED_IBAN = re.compile(r"([A-Z]{2}\d{2}\d*)[*.…X]+(\d{2,})")
_ADDRESS = re.compile(
    r"(?P<street>.*?[^\d\s.,])[\s.,]*\s(?:nr\.?\s*)?"
    r"(?P<number>\d+(?:\s*[a-z])?(?:\s*[-/]\s*\d+(?:\s*[a-z])?)?)",
    re.IGNORECASE,
)
_STREET_WORD = re.compile(
    r"(str(asse|aße|\.)?|weg|platz|allee|gasse|ring|damm|ufer|pfad|chaussee)$", re.IGNORECASE
)
_POSTAL_CODE_CITY = re.compile(r"(?P<code>\d{5})(?:\s+(?P<city>\D.*))?")
_PARTIAL_STREET_SUFFIX = re.compile(r"(?<=str)(a|as|ass)$")
_METER = re.compile(r"[A-Z0-9][A-Z0-9.\-]*")


def clean_query(raw: str) -> str:
    """Drop control characters (NUL breaks PostgreSQL), squeeze spaces, cut the length."""
    printable = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    return _SPACE.sub(" ", printable).strip()[:MAX_QUERY_LENGTH]


def compact(query: str) -> str:
    return _SPACE.sub("", query)


def name_variants(query: str) -> list[tuple[str, str]]:
    """(family name key, first-name key) readings of 'Meier, Anna', 'Anna Meier', 'Meier Anna'.

    Without a comma every split of the words is a reading, the whole string first
    (organisations, double names); 'Anna von der Heide' splits after 'Anna'.
    """
    if "," in query:
        family, first = query.split(",", 1)
        return [(search_key(family), search_key(first))]
    words = search_key(query).split()[:MAX_NAME_WORDS]
    variants = [(" ".join(words), "")] if words else []
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        variants += [(tail, head), (head, tail)]
    return variants


def street_prefix_key(street: str) -> str:
    """Key for a typed street prefix: 'Hauptstra' must reach the key 'hauptstr'."""
    return _PARTIAL_STREET_SUFFIX.sub("", street_key(street))


def split_address(query: str) -> tuple[str, str]:
    """('hauptstr', '12a') from 'Hauptstraße 12 a'; a street alone gives ('prefix', '')."""
    match = _ADDRESS.fullmatch(query)
    if match:
        number = match["number"].lower().replace(" ", "")
        return street_key(match["street"]), number
    return street_prefix_key(query), ""


def split_masked_iban(query: str) -> tuple[str, str] | None:
    match = _MASKED_IBAN.fullmatch(compact(query).upper())
    return (match[1], match[2]) if match else None


# --- lookups per kind -------------------------------------------------------------------


def _by_number(query: str, limit: int) -> list[PartnerMatch]:
    number = compact(query)
    return customers.partners_by_number(number, limit=limit) if number.isalnum() else []


def _by_name(query: str, limit: int) -> list[PartnerMatch]:
    matches: list[PartnerMatch] = []
    for family, first in name_variants(query):
        matches += customers.partners_by_name(family, first, limit=limit)
    return dedupe(matches, limit)


def _by_address(query: str, limit: int) -> list[PartnerMatch]:
    street, number = split_address(query)
    if not street:
        return []
    matches = customers.partners_by_address(street, number, limit=limit)
    matches += supply.partners_by_premise_address(street, number, limit=limit)
    return dedupe(matches, limit)


def _by_postal_code_city(query: str, limit: int) -> list[PartnerMatch]:
    match = _POSTAL_CODE_CITY.fullmatch(query)
    if match:
        if not is_german_postal_code(match["code"]):
            return []
        city = search_key(match["city"] or "")
        return customers.partners_by_postal_code_city(match["code"], city, limit=limit)
    return customers.partners_by_postal_code_city("", search_key(query), limit=limit)


def _by_meter(query: str, limit: int) -> list[PartnerMatch]:
    number = compact(query).upper()
    return supply.partners_by_meter(number, limit=limit) if _METER.fullmatch(number) else []


def _by_malo(query: str, limit: int) -> list[PartnerMatch]:
    malo_id = compact(query)
    return supply.partners_by_malo(malo_id, limit=limit) if malo_id.isdigit() else []


def _by_iban(query: str, limit: int) -> list[PartnerMatch]:
    iban = re.sub(r"[\s\-]", "", query).upper()
    if _IBAN.fullmatch(iban):
        return customers.partners_by_iban(iban, limit=limit)
    masked = split_masked_iban(query)
    return customers.partners_by_masked_iban(*masked, limit=limit) if masked else []


def _by_phone(query: str, limit: int) -> list[PartnerMatch]:
    if sum(ch.isdigit() for ch in query) < 6 or not _DIGITS_SEPARATED.fullmatch(query):
        return []
    return customers.partners_by_phone(normalize_phone(query), limit=limit)


def _by_email(query: str, limit: int) -> list[PartnerMatch]:
    email = normalize_email(query)
    return customers.partners_by_email(email, limit=limit) if "@" in email else []


LOOKUPS: dict[SearchKind, Lookup] = {
    SearchKind.NUMBER: _by_number,
    SearchKind.NAME: _by_name,
    SearchKind.ADDRESS: _by_address,
    SearchKind.POSTAL_CODE_CITY: _by_postal_code_city,
    SearchKind.METER: _by_meter,
    SearchKind.MALO: _by_malo,
    SearchKind.IBAN: _by_iban,
    SearchKind.PHONE: _by_phone,
    SearchKind.EMAIL: _by_email,
}

# --- kind detection ---------------------------------------------------------------------

K = SearchKind


def _detect_digits(digits: str) -> tuple[SearchKind, ...]:
    if len(digits) == 5:
        return (K.POSTAL_CODE_CITY,)
    if len(digits) == 11 and is_malo_id(digits):
        return (K.MALO, K.METER)
    if len(digits) in (7, 12):
        return (K.NUMBER, K.PHONE) if digits.startswith("0") else (K.NUMBER, K.METER, K.MALO)
    if digits.startswith("0") and len(digits) >= 6:
        return (K.PHONE, K.METER, K.MALO)
    return (K.METER, K.MALO) if len(digits) >= 3 else ()


def _detect_words(query: str) -> tuple[SearchKind, ...]:
    if "," in query:
        return (K.NAME,)
    if _STREET_WORD.search(query.split()[0]) or _STREET_WORD.search(query):
        return (K.ADDRESS, K.NAME)
    return (K.NAME, K.POSTAL_CODE_CITY, K.ADDRESS)


def detect_kinds(query: str) -> tuple[SearchKind, ...]:
    """The kinds a cleaned query may be, most likely first; () for garbage."""
    packed = compact(query)
    if not any(ch.isalnum() for ch in packed):
        return ()
    if "@" in packed:
        return (K.EMAIL,)
    upper = packed.upper()
    if _IBAN.fullmatch(upper) or split_masked_iban(query):
        return (K.IBAN, K.METER)
    if packed.isdigit():
        return _detect_digits(packed)
    if _DIGITS_SEPARATED.fullmatch(query):
        digits = re.sub(r"\D", "", query)
        return (K.PHONE,) if query[0] in "+0(" else _detect_digits(digits)
    if _POSTAL_CODE_CITY.fullmatch(query):
        return (K.POSTAL_CODE_CITY,)
    if not any(ch.isdigit() for ch in packed):
        return _detect_words(query)
    if _ADDRESS.fullmatch(query):
        return (K.ADDRESS, K.METER)
    return (K.METER, K.ADDRESS) if _METER.fullmatch(upper) else (K.ADDRESS,)


# --- the service ------------------------------------------------------------------------


def _hits(matches: list[PartnerMatch], limit: int) -> tuple[SearchHit, ...]:
    cards = customers.partner_cards(m.partner_id for m in matches)
    found = [(cards[m.partner_id], m) for m in matches if m.partner_id in cards]
    found.sort(key=lambda pair: pair[0].sort_key)
    return tuple(
        SearchHit(
            partner_id=card.partner_id,
            number=card.number,
            display_name=card.display_name,
            address_line=card.address_line,
            matched_field=match.field,
            matched_value=match.value,
        )
        for card, match in found[:limit]
    )


def _without_restricted(matches: list[PartnerMatch]) -> list[PartnerMatch]:
    """Customers whose processing is restricted (Art. 18 GDPR, kc.privacy) are not found."""
    hidden = set(
        BusinessPartner.objects.filter(
            pk__in={m.partner_id for m in matches}, processing_restricted_at__isnull=False
        ).values_list("pk", flat=True)
    )
    return [m for m in matches if m.partner_id not in hidden] if hidden else matches


# A digit fragment fits a meter number as well as a MaLo-ID: ask both, merge the hits.
_ASKED_TOGETHER = (K.METER, K.MALO)


def _steps(kinds: tuple[SearchKind, ...]) -> list[tuple[SearchKind, ...]]:
    """The kinds in order, with a METER directly followed by MALO as one step."""
    steps: list[tuple[SearchKind, ...]] = []
    for kind in kinds:
        if steps and steps[-1] + (kind,) == _ASKED_TOGETHER:
            steps[-1] = _ASKED_TOGETHER
        else:
            steps.append((kind,))
    return steps


def search_customers(
    query: str, *, kind: SearchKind | None = None, limit: int = DEFAULT_LIMIT
) -> SearchResult:
    """Distinct partners matching `query`, by name then number, at most `limit`."""
    cleaned = clean_query(query)
    kinds = (kind,) if kind else detect_kinds(cleaned)
    if not cleaned or limit < 1:
        return SearchResult(query=cleaned, kind=kind, hits=())
    for step in _steps(kinds):
        matches = _without_restricted(
            dedupe(
                [match for candidate in step for match in LOOKUPS[candidate](cleaned, limit + 1)],
                limit + 1,
            )
        )
        if matches:
            return SearchResult(
                query=cleaned,
                kind=step[0],
                hits=_hits(matches, limit),
                truncated=len(matches) > limit,
            )
    return SearchResult(query=cleaned, kind=kinds[0] if kinds else None, hits=())
