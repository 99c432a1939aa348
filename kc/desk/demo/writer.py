"""Write one batch of demo rows, parents before children, as fast as the database allows.

The Django ORM's bulk_create spends most of its time compiling SQL for each
object. Here the rows become plain tuples once and go in with executemany
(SQLite) or COPY (PostgreSQL). Primary keys are handed out up front: on SQLite
from MAX(id) while the batch transaction holds the write lock, on PostgreSQL
from the table's sequence, so concurrent writers never collide. The caller
must hold a transaction (transaction.atomic) around write_batch.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.desk.demo.people import Customer
from kc.desk.demo.supply import ReadingRow, SupplyRows
from kc.supply.models import Contract, MarketLocation, Meter, MeterReading, Premise, Register


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608  # nosec B608
        first = int(cursor.fetchone()[0]) + 1
        return list(range(first, first + count))


def _getter(field: models.Field[Any, Any], now: datetime.datetime) -> Callable[[Any], Any]:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stamp = (
            connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
        )
        return lambda obj: stamp
    if field.is_relation:
        name = field.name

        def related_id(obj: Any) -> Any:
            value = obj.__dict__.get(attname)
            return value if value is not None else getattr(obj, name).pk

        return related_id
    if isinstance(field, models.DateTimeField) and connection.vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        return lambda obj: adapt(obj.__dict__[attname])
    return lambda obj: obj.__dict__[attname]


def _insert(model: type[models.Model], objs: Sequence[models.Model], now: datetime.datetime) -> int:
    if not objs:
        return 0
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    getters = [_getter(field, now) for field in fields]
    _copy(
        model,
        [str(field.column) for field in fields],
        [tuple(get(obj) for get in getters) for obj in objs],
    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)


def _copy(model: type[models.Model], column_names: list[str], rows: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(f'"{name}"' for name in column_names)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in column_names)
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)  # noqa: S608  # nosec B608


_READING_COLUMNS = [
    "id",
    "register_id",
    "read_on",
    "value",
    "reason",
    "source",
    "estimated",
    "estimation_reason",
    "recorded_at",
    # A customer's reading from the portal carries these; the demo's readings are unchecked.
    "plausibility",
    "needs_review",
    "photo",
    "photo_scan",
]


def _insert_readings(readings: list[ReadingRow], now: datetime.datetime) -> int:
    if not readings:
        return 0
    stamp = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    ids = _reserve_ids(MeterReading, len(readings))
    _copy(
        MeterReading,
        _READING_COLUMNS,
        [
            (
                pk,
                r.register.pk,
                r.read_on,
                r.value,
                r.reason,
                r.source,
                r.estimated,
                r.estimation_reason,
                stamp,
                "",
                False,
                "",
                "",
            )
            for pk, r in zip(ids, readings, strict=True)
        ],
    )
    return len(readings)


def write_batch(customers: list[Customer], rows: SupplyRows) -> int:
    now = timezone.now()
    written = _insert(BusinessPartner, [c.partner for c in customers], now)
    written += _insert(PostalAddress, [c.address for c in customers], now)
    written += _insert(ContractAccount, [c.account for c in customers], now)
    written += _insert(Consent, [consent for c in customers for consent in c.consents], now)
    written += _insert(Premise, rows.premises, now)
    written += _insert(MarketLocation, rows.locations, now)
    written += _insert(Contract, rows.contracts, now)
    written += _insert(Meter, rows.meters, now)
    written += _insert(Register, rows.registers, now)
    written += _insert_readings(rows.readings, now)
    return written
