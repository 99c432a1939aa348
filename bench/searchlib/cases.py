# ruff: noqa: S608  (SQL built from constant table/column names; values are parameters)
"""Bench cases: realistic queries per search kind, drawn from the data, with raw SQL.

Each case has a query the agent would type (as the service sees it) and a raw
lookup: one hand-written statement that only probes the index behind that kind,
so the ratio service/raw shows what parsing, joins and the ORM cost on top.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from kc.core.contact import normalize_phone
from kc.core.text import prefix_upper_bound, search_key, street_key
from kc.customers.phonetics import cologne_phonetic
from kc.supply.selectors import fts5_string

LIMIT = 26  # service limit 25, plus one to see truncation


@dataclass(frozen=True)
class Case:
    query: str
    raw_sql: str
    raw_params: tuple[str, ...]


Builder = Callable[[random.Random, tuple[str, ...]], Case | None]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _prefix_sql(column: str, prefix: str) -> tuple[str, tuple[str, ...]]:
    if _pg():
        return f"{column} LIKE %s", (prefix + "%",)
    return f"{column} >= %s AND {column} < %s", (prefix, prefix_upper_bound(prefix))


def _contains_sql(table: str, column: str, term: str) -> tuple[str, tuple[str, ...]]:
    if _pg():
        return f"SELECT id FROM {table} WHERE {column} LIKE %s LIMIT {LIMIT * 4}", (f"%{term}%",)
    fts = f"{table}_fts"
    return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s LIMIT {LIMIT * 4}", (fts5_string(term),)


def number(rng: random.Random, row: tuple[str, ...]) -> Case:
    sql = "SELECT id FROM customers_businesspartner WHERE number = %s"
    return Case(row[0], sql, (row[0],))


def account(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[1]:
        return None
    sql = "SELECT partner_id FROM customers_contractaccount WHERE number = %s"
    return Case(row[1], sql, (row[1],))


def name(rng: random.Random, row: tuple[str, ...]) -> Case:
    family = row[2]
    where, params = _prefix_sql("name_key", search_key(family))
    sql = (
        f"SELECT id FROM customers_businesspartner WHERE ({where}) OR phonetic_key = %s "
        f"LIMIT {LIMIT}"
    )
    return Case(family, sql, (*params, cologne_phonetic(family)))


def full_name(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    family, first = row[2], row[3].split(" ")[0]
    if not first:
        return None
    where, params = _prefix_sql("name_key", search_key(family))
    first_where, first_params = _prefix_sql("first_name_key", search_key(first))
    sql = (
        f"SELECT id FROM customers_businesspartner WHERE ({where}) AND {first_where} LIMIT {LIMIT}"
    )
    query = f"{family}, {first}" if rng.random() < 0.5 else f"{first} {family}"
    return Case(query, sql, (*params, *first_params))


def address(rng: random.Random, row: tuple[str, ...]) -> Case:
    street, house = row[4], row[5]
    typed = street.replace("straße", "str.") if rng.random() < 0.5 else street
    sql = (
        "SELECT partner_id FROM customers_postaladdress "
        f"WHERE street_key = %s AND house_number = %s LIMIT {LIMIT * 3}"
    )
    return Case(f"{typed} {house}", sql, (street_key(street), house))


def street(rng: random.Random, row: tuple[str, ...]) -> Case:
    key = street_key(row[4])
    where, params = _prefix_sql("street_key", key)
    sql = f"SELECT partner_id FROM customers_postaladdress WHERE {where} LIMIT {LIMIT * 3}"
    return Case(row[4], sql, params)


def postal_code(rng: random.Random, row: tuple[str, ...]) -> Case:
    sql = f"SELECT partner_id FROM customers_postaladdress WHERE postal_code = %s LIMIT {LIMIT * 3}"
    return Case(f"{row[6]} {row[7]}", sql, (row[6],))


def meter(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[8]:
        return None
    return Case(row[8], "SELECT id FROM supply_meter WHERE number = %s", (row[8],))


def meter_partial(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[8]:
        return None
    term = row[8][-6:]  # what is legible on a worn meter plate: the last digits
    sql, params = _contains_sql("supply_meter", "number", term)
    return Case(term, sql, params)


def malo(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[9]:
        return None
    sql = "SELECT id FROM supply_marketlocation WHERE malo_id = %s"
    return Case(row[9], sql, (row[9],))


def malo_partial(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[9]:
        return None
    start = rng.randrange(0, 5)
    term = row[9][start : start + 7]
    sql, params = _contains_sql("supply_marketlocation", "malo_id", term)
    return Case(term, sql, params)


def iban(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[10]:
        return None
    compact = row[10]
    spaced = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    typed = spaced.lower() if rng.random() < 0.3 else spaced
    sql = "SELECT partner_id FROM customers_contractaccount WHERE iban = %s"
    return Case(typed, sql, (compact,))


def phone(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    typed = row[11] or row[12]
    e164 = normalize_phone(typed) if typed else ""
    if not e164:
        return None
    sql = "SELECT id FROM customers_businesspartner WHERE phone_key = %s OR mobile_key = %s"
    return Case(typed, sql, (e164, e164))


def email(rng: random.Random, row: tuple[str, ...]) -> Case | None:
    if not row[13]:
        return None
    typed = row[13].upper() if rng.random() < 0.3 else row[13]
    sql = "SELECT id FROM customers_businesspartner WHERE email_key = %s"
    return Case(typed, sql, (row[13].lower(),))


BUILDERS: dict[str, Builder] = {
    "number": number,
    "account": account,
    "name": name,
    "name+first": full_name,
    "address": address,
    "street": street,
    "postal_code": postal_code,
    "meter": meter,
    "meter~partial": meter_partial,
    "malo": malo,
    "malo~partial": malo_partial,
    "iban": iban,
    "phone": phone,
    "email": email,
}

_SAMPLE_SQL = """
SELECT bp.number, COALESCE(ca.number, ''),
       CASE WHEN bp.kind = 'organisation' THEN bp.organisation_name ELSE bp.last_name END,
       bp.first_name, a.street, a.house_number, a.postal_code, a.city,
       COALESCE(me.number, ''), COALESCE(ml.malo_id, ''), COALESCE(ca.iban, ''),
       bp.phone, bp.mobile, bp.email
FROM customers_businesspartner bp
JOIN customers_postaladdress a ON a.partner_id = bp.id AND a.kind = 'main'
LEFT JOIN customers_contractaccount ca ON ca.partner_id = bp.id
LEFT JOIN supply_contract c ON c.account_id = ca.id
LEFT JOIN supply_marketlocation ml ON ml.id = c.market_location_id
LEFT JOIN supply_meter me ON me.market_location_id = ml.id
WHERE bp.id IN ({ids})
"""


def sample_rows(rng: random.Random, count: int) -> list[tuple[str, ...]]:
    """Data of `count` random partners (one row each: first account, contract, meter)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM customers_businesspartner")
        low, high = cursor.fetchone()
        ids = sorted({rng.randint(low, high) for _ in range(count * 2)})
        cursor.execute(_SAMPLE_SQL.format(ids=",".join(str(i) for i in ids)))
        by_number: dict[str, tuple[str, ...]] = {}
        for row in cursor.fetchall():
            by_number.setdefault(row[0], tuple(str(v or "") for v in row))
    rows = list(by_number.values())
    rng.shuffle(rows)
    return rows


def build_cases(seed: int, per_kind: int) -> dict[str, list[Case]]:
    rng = random.Random(seed)
    rows = sample_rows(rng, per_kind * 3)
    cases: dict[str, list[Case]] = {}
    for label, builder in BUILDERS.items():
        built = (builder(rng, row) for row in rows)
        cases[label] = [case for case in built if case][:per_kind]
    return cases
