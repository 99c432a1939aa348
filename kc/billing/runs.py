"""The billing run: every contract once per billing date, in chunks of a thousand or so, each
chunk in one transaction; on PostgreSQL optionally in several processes.

Idempotent and resumable: a contract done in this run has an item row, committed in the same
transaction as its documents and the run's counters, and a second start (after a crash, or by
mistake) reads only contracts without an item; a period is billed once (unique constraint on
contract and period start). A contract that cannot be billed gets an error item with the
reason; the run goes on. How a chunk is read, rated and written, and what happens when someone
else billed one of its contracts meanwhile: `kc.billing.run_chunks`.

Speed: the pending contracts are read by primary key order (keyset, `NOT EXISTS` an item of this
run: no OFFSET, nothing held for the whole run), the data of a chunk in five queries as rows,
price sheets once per tariff and run. `workers=N` (PostgreSQL only; SQLite has one writer)
starts N processes (`kc.billing.run_workers`), worker i billing the contracts with pk % N = i
on its own connection; the counters stay exact because each chunk adds its own in its
transaction. Progress is reported after every chunk; memory stays flat in the number of
contracts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing import run_chunks, run_workers, services
from kc.billing.models import BillingDocument, BillingRun, BillingRunItem
from kc.billing.run_chunks import Counts
from kc.supply.models import Contract, MeterReading

CHUNK = 1000
# §40c EnWG: the bill is due at the latest six weeks after the end of the period.
BILL_DEADLINE = datetime.timedelta(weeks=6)
AT_RISK_WITHIN = datetime.timedelta(weeks=2)

Progress = Callable[[int, int, int], None]


class RunError(RuntimeError):
    """The run cannot start or did not finish; the message (German) says why."""


@dataclass(frozen=True)
class RunResult:
    run: BillingRun
    contracts: int  # checked by this call (an earlier, interrupted call's are in `run`)
    documents: int
    errors: int
    statements: int = 0  # SQL statements sent by this call, workers included


@dataclass(frozen=True)
class DeadlineRisk:
    contract_number: str
    period_end: datetime.date
    deadline: datetime.date
    reason: str


def run_billing(
    billing_date: datetime.date,
    *,
    progress: Progress | None = None,
    workers: int = 1,
    chunk: int = CHUNK,
) -> RunResult:
    """Bill every contract not yet done in the run of `billing_date` (created if new).
    `progress(contracts, documents, errors)` is called after every chunk with the totals of
    this call so far. RunError if `workers` > 1 on SQLite or a worker process failed (the run
    can then simply be started again)."""
    if workers < 1:
        raise RunError(_("Mindestens ein Abrechnungsprozess."))
    if workers > 1 and connection.vendor == "sqlite":
        raise RunError(
            _("SQLite kann nur einen Abrechnungsprozess schreiben lassen: --workers 1 angeben.")
        )
    run, _created = BillingRun.objects.get_or_create(billing_date=billing_date)
    if workers == 1:
        counts, statements = _bill_here(run, chunk, progress)
    else:
        counts, statements = run_workers.bill_in_processes(run, workers, chunk, progress)
    BillingRun.objects.filter(pk=run.pk).update(
        status=BillingRun.Status.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return RunResult(run, *counts, statements=statements)


def _bill_here(run: BillingRun, chunk: int, progress: Progress | None) -> tuple[Counts, int]:
    counts = Counts()
    before = run_chunks.STATEMENTS.count
    with connection.execute_wrapper(run_chunks.STATEMENTS):
        for done in bill_shard(run, 0, 1, chunk=chunk):
            counts += done
            if progress is not None:
                progress(*counts)
    return counts, run_chunks.STATEMENTS.count - before


def bill_shard(run: BillingRun, shard: int, shards: int, *, chunk: int = CHUNK) -> Iterator[Counts]:
    """Bill the pending contracts with pk % shards == shard, chunk by chunk; yields what each
    chunk did once it is committed."""
    prices = services.TariffPrices()  # price sheets by tariff, read once per run and process
    for contracts in _pending_chunks(run, shard, shards, chunk):
        data = services.load_billing_data(contracts, until=run.billing_date, prices=prices)
        yield run_chunks.bill(run, contracts, data)


def _pending_chunks(
    run: BillingRun, shard: int, shards: int, size: int
) -> Iterator[list[services.ContractRow]]:
    """Contracts without an item in this run, in primary-key order, `size` at a time: each
    query starts after the last contract of the one before (keyset), so it costs the same at
    the end of a million contracts as at the start."""
    pending = Contract.objects.filter(
        ~Exists(BillingRunItem.objects.filter(run=run, contract=OuterRef("pk")))
    )
    if shards > 1:
        pending = pending.alias(shard=F("pk") % shards).filter(shard=shard)
    last_pk = 0
    while True:
        rows = pending.filter(pk__gt=last_pk).order_by("pk").values_list(*services.CONTRACT_FIELDS)
        chunk = [services.ContractRow(*row) for row in rows[:size]]
        if not chunk:
            return
        yield chunk
        last_pk = chunk[-1].pk


def deadline_risks(run: BillingRun) -> list[DeadlineRisk]:
    """Contracts that could not be billed although a period ended: the §40c deadline (six
    weeks after the period) has passed or comes within two weeks of the billing date. Two
    queries per thousand errors."""
    risks = []
    errors = (
        run.items.filter(outcome=BillingRunItem.Outcome.ERROR)
        .order_by("contract_id")
        .values_list(
            "contract_id",
            "contract__number",
            "contract__market_location_id",
            "contract__start_date",
            "message",
        )
    )
    batch: list[tuple[int, str, int, datetime.date, str]] = []
    for row in errors.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) == CHUNK:
            risks += _risks(run, batch)
            batch = []
    risks += _risks(run, batch)
    return sorted(risks, key=lambda risk: risk.deadline)


def _risks(
    run: BillingRun, errors: list[tuple[int, str, int, datetime.date, str]]
) -> list[DeadlineRisk]:
    if not errors:
        return []
    billed_until = dict(
        BillingDocument.objects.filter(
            contract_id__in=[row[0] for row in errors], status=BillingDocument.Status.BILLED
        )
        .values("contract_id")
        .annotate(last=Max("period_end"))
        .order_by()
        .values_list("contract_id", "last")
    )
    ends: dict[int, list[datetime.date]] = defaultdict(list)
    readings = (
        MeterReading.objects.filter(
            register__meter__market_location_id__in={row[2] for row in errors},
            reason__in=services.END_REASONS,
            read_on__lte=run.billing_date,
        )
        .order_by("read_on")
        .values_list("register__meter__market_location_id", "read_on")
    )
    for location, day in readings:
        ends[location].append(day)
    risks = []
    for contract_id, number, location, start_date, message in errors:
        start = services._next_start(start_date, billed_until.get(contract_id))
        ended = next((day for day in ends.get(location, ()) if day >= start), None)
        if ended is None:
            continue
        deadline = ended + BILL_DEADLINE
        if deadline <= run.billing_date + AT_RISK_WITHIN:
            risks.append(DeadlineRisk(number, ended, deadline, message))
    return risks
