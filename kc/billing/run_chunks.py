"""One chunk of the billing run: its contracts rated in memory, then everything written in one
transaction, or else each contract the careful way.

`bill` rates every contract of a chunk from rows read beforehand (`services.load_billing_data`,
`services.rate_contract`), then writes in one transaction all documents, all their lines, one
item per contract (billed, nothing due, or error with the reason) and the run's counters. On
PostgreSQL these are three COPYs and two small statements (document ids are drawn from the
sequence first, so lines can name their document without a round trip per document); elsewhere
executemany. The transaction commits without waiting for the WAL flush (see `_async_commit`).

Safe against a crash: nothing of a chunk is visible before its commit, and its items are
committed with its documents, so a second start skips exactly the committed chunks and redoes
the rest. Safe against others: a contract billed since its chunk was read (by an agent, or by
another process of the same run) makes the unique constraints on (contract, period start) or
(run, contract) refuse the chunk; it is rolled back and every contract of it is then billed on
its own (`bill_carefully`: locked, read afresh, skipped if this run has done it already).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from kc.billing import rating, services
from kc.billing.models import BillingDocument, BillingLine, BillingRun, BillingRunItem
from kc.core.faults import crash_point
from kc.supply.models import Contract

BILLED = BillingRunItem.Outcome.BILLED.value
NOTHING_DUE = BillingRunItem.Outcome.NOTHING_DUE.value
ERROR = BillingRunItem.Outcome.ERROR.value
MESSAGE_LENGTH = 300
TEXT_LENGTH = 200

# The columns the run gives per row, in row order; every other column of these tables must have
# a default or be auto_now(_add) (checked in `_Table`).
DOCUMENT_COLUMNS = (
    "contract_id",
    "kind",
    "period_start",
    "period_end",
    "consumption",
    "unit",
    "start_reading_id",
    "end_reading_id",
    "estimated",
    "net_total",
    "vat_total",
    "gross_total",
    "run_id",
)
LINE_COLUMNS = (
    "document_id",
    "position",
    "kind",
    "start",
    "end",
    "quantity",
    "unit",
    "unit_price",
    "net",
    "vat_rate",
    "text",
)
ITEM_COLUMNS = ("run_id", "contract_id", "outcome", "message")


class Counts(NamedTuple):
    contracts: int = 0
    documents: int = 0
    errors: int = 0

    def __add__(self, other: tuple[Any, ...]) -> Counts:
        return Counts(*(a + b for a, b in zip(self, other, strict=True)))


class StatementCounter:
    """SQL statements sent by this process (an execute wrapper, plus the COPYs, which do not
    pass Django's cursor): the bench reports them per contract."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        self.count += 1
        return execute(sql, *args)


STATEMENTS = StatementCounter()


class _Chunk:
    """The rows of one chunk: documents (without id; lines name them by their index here),
    lines, items."""

    def __init__(self) -> None:
        self.documents: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.items: list[tuple[Any, ...]] = []
        self.counts = Counts()

    def add(self, run_id: int, contract: services.ContractRow, data: services.BillingData) -> None:
        try:
            bills = services.rate_contract(contract, data)
        except (services.BillingError, rating.RatingError) as exc:
            self.items.append((run_id, contract.pk, ERROR, str(exc)[:MESSAGE_LENGTH]))
            self.counts += (1, 0, 1)
            return
        for plan, result in bills:
            index = len(self.documents)
            start, end = plan.start_reading, plan.end_reading
            self.documents.append(
                (
                    contract.pk,
                    plan.kind,
                    plan.start,
                    plan.end,
                    plan.consumption,
                    plan.unit,
                    start.pk,
                    end.pk,
                    start.estimated or end.estimated,
                    result.net_total,
                    result.vat_total,
                    result.gross_total,
                    run_id,
                )
            )
            self.lines.extend(
                (
                    index,
                    position,
                    line.kind,
                    line.start,
                    line.end,
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    line.net,
                    line.vat_rate,
                    line.text[:TEXT_LENGTH],
                )
                for position, line in enumerate(result.lines, start=1)
            )
        self.items.append((run_id, contract.pk, BILLED if bills else NOTHING_DUE, ""))
        self.counts += (1, len(bills), 0)


def bill(
    run: BillingRun, contracts: Sequence[services.ContractRow], data: services.BillingData
) -> Counts:
    """Bill a chunk of contracts of `run` (none of them done in it when read): in one
    transaction, else each on its own. Returns what was done here."""
    chunk = _Chunk()
    for contract in contracts:
        chunk.add(run.pk, contract, data)
    try:
        with transaction.atomic():
            _async_commit()
            _write(chunk)
            _count(run, chunk.counts)
            crash_point("billing.chunk_written")
    except IntegrityError:
        counts = Counts()
        for contract in contracts:
            counts += bill_carefully(run, contract.pk)
        return counts
    crash_point("billing.chunk_committed")
    return chunk.counts


def bill_carefully(run: BillingRun, contract_id: int) -> Counts:
    """One contract in its own transaction, locked and read afresh (`services.bill_contract`),
    with its item and the counters; nothing if this run has done it already (another process
    of the run, meanwhile)."""
    try:
        with transaction.atomic():
            if BillingRunItem.objects.filter(run=run, contract_id=contract_id).exists():
                return Counts()
            contract = Contract(pk=contract_id)
            try:
                with transaction.atomic():
                    documents = services.bill_contract(contract, until=run.billing_date, run=run)
            except (services.BillingError, rating.RatingError) as exc:
                outcome, message, counts = ERROR, str(exc)[:MESSAGE_LENGTH], Counts(1, 0, 1)
            else:
                outcome = BILLED if documents else NOTHING_DUE
                message, counts = "", Counts(1, len(documents), 0)
            BillingRunItem.objects.create(
                run=run, contract_id=contract_id, outcome=outcome, message=message
            )
            _count(run, counts)
            return counts
    except IntegrityError:  # the item: another process of this run was quicker
        return Counts()


def _count(run: BillingRun, counts: Counts) -> None:
    """The run's counters, in the transaction of the work they count (exact after a crash and
    with workers: each adds its own)."""
    BillingRun.objects.filter(pk=run.pk).update(
        contracts_done=F("contracts_done") + counts.contracts,
        document_count=F("document_count") + counts.documents,
        errors=F("errors") + counts.errors,
    )


def _async_commit() -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL flush. A crash of the
    database server may then lose the last few hundred milliseconds of commits, never part of
    one: those chunks are simply not done and the resumable run bills them again (items and
    documents go together). Every other session keeps synchronous commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


# --- writing --------------------------------------------------------------------------------


class _Table:
    """A table as the run writes it: the given columns per row, then the model's other
    concrete fields with one value for the whole chunk (auto_now(_add): now; else the default,
    else NULL). A new required field without a default stops the run loudly here."""

    def __init__(self, model: type[Model], given: Sequence[str], *, with_pk: bool) -> None:
        opts = model._meta
        fields = {
            field.attname: field
            for field in opts.concrete_fields
            if not getattr(field, "generated", False)
        }
        pk_name = opts.pk.attname
        self.given = [pk_name, *given] if with_pk else list(given)
        unknown = set(self.given) - fields.keys()
        if unknown:
            raise LookupError(f"{opts.label} has no columns {sorted(unknown)}")
        self.rest = [
            field
            for name, field in fields.items()
            if name not in self.given and field is not opts.auto_field
        ]
        for field in self.rest:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            if not (auto or field.has_default() or field.null):
                raise LookupError(f"{opts.label}.{field.name}: the billing run gives no value")
        quote = connection.ops.quote_name
        self.name = quote(opts.db_table)
        self.columns = ", ".join(quote(str(fields[name].column)) for name in self.given) + "".join(
            f", {quote(str(field.column))}" for field in self.rest
        )
        self.width = len(self.given) + len(self.rest)

    def constants(self) -> tuple[Any, ...]:
        now = timezone.now()
        values = []
        for field in self.rest:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = now
            elif field.has_default():
                value = field.get_default()
            else:
                value = None
            values.append(field.get_db_prep_save(value, connection))
        return tuple(values)


_tables: dict[str, tuple[_Table, _Table, _Table]] = {}


def _the_tables(vendor: str) -> tuple[_Table, _Table, _Table]:
    """Documents, lines, items; on PostgreSQL the documents with their ids."""
    if vendor not in _tables:
        _tables[vendor] = (
            _Table(BillingDocument, DOCUMENT_COLUMNS, with_pk=vendor == "postgresql"),
            _Table(BillingLine, LINE_COLUMNS, with_pk=False),
            _Table(BillingRunItem, ITEM_COLUMNS, with_pk=False),
        )
    return _tables[vendor]


def _write(chunk: _Chunk) -> None:
    documents, lines, items = _the_tables(connection.vendor)
    if connection.vendor == "postgresql":
        ids = _document_ids(len(chunk.documents))
        _copy(documents, ((pk, *row) for pk, row in zip(ids, chunk.documents, strict=True)))
        _copy(lines, ((ids[row[0]], *row[1:]) for row in chunk.lines))
        _copy(items, chunk.items)
        return
    ids = _insert_returning(documents, chunk.documents)
    _insert_many(lines, [(ids[row[0]], *row[1:]) for row in chunk.lines])
    _insert_many(items, chunk.items)


def _document_ids(count: int) -> list[int]:
    """`count` new primary keys from the documents' sequence, in one statement."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [BillingDocument._meta.db_table, BillingDocument._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy(table: _Table, rows: Any) -> None:
    constants = table.constants()
    STATEMENTS.count += 1
    with connection.cursor() as cursor, connection.wrap_database_errors:
        copy_sql = f"COPY {table.name} ({table.columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row((*row, *constants))


def _insert_sql(table: _Table, *, returning: str = "") -> str:
    marks = ", ".join(["%s"] * table.width)
    sql = f"INSERT INTO {table.name} ({table.columns}) VALUES ({marks})"  # noqa: S608  # nosec B608
    return f"{sql} RETURNING {returning}" if returning else sql


def _insert_returning(table: _Table, rows: list[tuple[Any, ...]]) -> list[int]:
    """One INSERT … RETURNING per row: the ids in row order (SQLite: no round trips)."""
    constants = table.constants()
    sql = _insert_sql(
        table, returning=connection.ops.quote_name(str(BillingDocument._meta.pk.column))
    )
    ids = []
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, (*row, *constants))
            ids.append(cursor.fetchone()[0])
    return ids


def _insert_many(table: _Table, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        constants = table.constants()
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(table), [(*row, *constants) for row in rows])
