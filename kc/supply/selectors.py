"""Reads of supply data shared by several callers: meter, MaLo and premise lookups.

A hit leads from the meter, market location or premise over the contracts to the
contract account's partner; every contract counts, ended ones too (the agent may
be looking for a former tenant).

Partial meter numbers and MaLo-IDs (three characters or more): SQLite searches the
FTS5 trigram tables of migration 0002 with MATCH on a quoted FTS5 string,
PostgreSQL uses LIKE '%x%', served by the pg_trgm GIN indexes.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from kc.customers.selectors import MatchField, PartnerMatch, dedupe, prefix_q
from kc.supply.models import Contract

MIN_PARTIAL_LENGTH = 3
# Contract rows fetched per wanted partner: a premise or meter has seen several tenants.
_CONTRACT_ROWS_PER_PARTNER = 4


@dataclass(frozen=True, slots=True)
class _Partial:
    table: str
    column: str


_METER = _Partial("supply_meter", "number")
_MALO = _Partial("supply_marketlocation", "malo_id")


def fts5_string(term: str) -> str:
    """`term` as one FTS5 string: double quotes, inner quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def _partial_ids(partial: _Partial, term: str, limit: int) -> RawSQL:
    """Ids of rows whose column contains `term`, as a subquery on the trigram index."""
    if connection.vendor == "sqlite":
        fts = f"{partial.table}_fts"
        return RawSQL(  # noqa: S611 (table, column: module constants; term: parameter)  # nosec B611
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s LIMIT %s",  # noqa: S608  # nosec B608
            (fts5_string(term), limit),
        )
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return RawSQL(  # noqa: S611 (table, column: module constants; term: parameter)  # nosec B611
        f"SELECT id FROM {partial.table} WHERE {partial.column} LIKE %s LIMIT %s",  # noqa: S608  # nosec B608
        (f"%{escaped}%", limit),
    )


def _contract_matches(
    condition: Q, field: MatchField, value_path: str, limit: int
) -> list[PartnerMatch]:
    rows = (
        Contract.objects.filter(condition)
        .order_by()
        .values_list("account__partner_id", value_path)[: limit * _CONTRACT_ROWS_PER_PARTNER]
    )
    return dedupe((PartnerMatch(pk, field, str(value)) for pk, value in rows), limit)


def partners_by_meter(number: str, *, limit: int) -> list[PartnerMatch]:
    """Meter number (upper case) exact; else meters containing it (three characters or more)."""
    if not number:
        return []
    path = "market_location__meters__number"
    matches = _contract_matches(
        Q(market_location__meters__number=number), MatchField.METER, path, limit
    )
    if not matches and len(number) >= MIN_PARTIAL_LENGTH:
        ids = _partial_ids(_METER, number, limit * _CONTRACT_ROWS_PER_PARTNER)
        matches += _contract_matches(
            Q(market_location__meters__id__in=ids), MatchField.METER, path, limit
        )
    return dedupe(matches, limit)


def partners_by_malo(malo_id: str, *, limit: int) -> list[PartnerMatch]:
    """MaLo-ID exact; else MaLo-IDs containing it (three digits or more)."""
    if not malo_id:
        return []
    path = "market_location__malo_id"
    matches = _contract_matches(Q(market_location__malo_id=malo_id), MatchField.MALO, path, limit)
    if not matches and len(malo_id) >= MIN_PARTIAL_LENGTH:
        ids = _partial_ids(_MALO, malo_id, limit * _CONTRACT_ROWS_PER_PARTNER)
        matches += _contract_matches(Q(market_location_id__in=ids), MatchField.MALO, path, limit)
    return dedupe(matches, limit)


def partners_by_premise_address(
    street: str, house_number: str, *, limit: int
) -> list[PartnerMatch]:
    """Premises (Verbrauchsstellen): street key and house number exact, or street prefix."""
    if not street:
        return []
    if house_number:
        condition = Q(
            market_location__premise__street_key=street,
            market_location__premise__house_number=house_number,
        )
    else:
        condition = prefix_q("market_location__premise__street_key", street)
    rows = (
        Contract.objects.filter(condition)
        .order_by()
        .values_list(
            "account__partner_id",
            "market_location__premise__street",
            "market_location__premise__house_number",
        )[: limit * _CONTRACT_ROWS_PER_PARTNER]
    )
    return dedupe(
        (PartnerMatch(pk, MatchField.PREMISE_ADDRESS, f"{s} {n}") for pk, s, n in rows), limit
    )
