"""The billing run: every contract once per billing date, each in its own transaction.

Idempotent and resumable: a contract done in this run has an item row written in the same
transaction as its documents, so a second start (after a crash, or by mistake) skips it, and a
period is billed once (unique constraint on contract and period start). A contract that cannot
be billed gets an error item with the reason; the run goes on.

Speed: contracts go in chunks; the data of a chunk (registers, readings, last billed day) comes
in a few queries and price sheets once per tariff and run (`services.load_billing_data`). Each
contract is planned and rated in memory; one that bills something gets its own transaction
(documents, lines, item); the items of contracts with nothing due or an error are written
together after the chunk (nothing was written for them, so a crash before that only means
they are checked again). Should a contract have been billed by someone else since its chunk
was read, the unique constraint refuses the documents and the contract is billed again the
careful way (`services.bill_contract`: locked and read afresh).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kc.billing import rating, services
from kc.billing.models import BillingRun, BillingRunItem
from kc.supply.models import Contract, MeterReading, PriceSheet

CHUNK = 500
# §40c EnWG: the bill is due at the latest six weeks after the end of the period.
BILL_DEADLINE = datetime.timedelta(weeks=6)
AT_RISK_WITHIN = datetime.timedelta(weeks=2)


@dataclass(frozen=True)
class RunResult:
    run: BillingRun
    contracts: int
    documents: int
    errors: int


@dataclass(frozen=True)
class DeadlineRisk:
    contract_number: str
    period_end: datetime.date
    deadline: datetime.date
    reason: str


def run_billing(
    billing_date: datetime.date, *, progress: Callable[[int, int, int], None] | None = None
) -> RunResult:
    run, _ = BillingRun.objects.get_or_create(billing_date=billing_date)
    sheets: dict[int, list[PriceSheet]] = {}  # price sheets by tariff, read once per run
    contracts = documents = errors = 0
    for chunk in _pending_chunks(run):
        data = services.load_billing_data(chunk, until=billing_date, sheets=sheets)
        quiet: list[BillingRunItem] = []
        for contract in chunk:
            billed, error = _bill_one(run, contract, data, quiet)
            contracts += 1
            documents += billed
            errors += error
        BillingRunItem.objects.bulk_create(quiet)
        if progress is not None and contracts // CHUNK > (contracts - len(chunk)) // CHUNK:
            progress(contracts, documents, errors)
    BillingRun.objects.filter(pk=run.pk).update(
        status=BillingRun.Status.DONE,
        finished_at=timezone.now(),
        contracts_done=F("contracts_done") + contracts,
        document_count=F("document_count") + documents,
        errors=F("errors") + errors,
    )
    run.refresh_from_db()
    return RunResult(run, contracts, documents, errors)


def _pending_chunks(run: BillingRun) -> Iterator[list[Contract]]:
    """Contracts without an item in this run, in primary-key chunks (memory stays flat)."""
    last_pk = 0
    while True:
        chunk = list(
            Contract.objects.filter(pk__gt=last_pk).select_related("tariff").order_by("pk")[:CHUNK]
        )
        if not chunk:
            return
        done = set(
            BillingRunItem.objects.filter(
                run=run, contract_id__gte=chunk[0].pk, contract_id__lte=chunk[-1].pk
            ).values_list("contract_id", flat=True)
        )
        pending = [contract for contract in chunk if contract.pk not in done]
        if pending:
            yield pending
        last_pk = chunk[-1].pk


def _bill_one(
    run: BillingRun,
    contract: Contract,
    data: services.BillingData,
    quiet: list[BillingRunItem],
) -> tuple[int, int]:
    """(documents, errors) of one contract; items without documents go to `quiet`."""
    try:
        bills = services.rate_contract(contract, data)
    except (services.BillingError, rating.RatingError) as exc:
        quiet.append(_error_item(run, contract, exc))
        return 0, 1
    if not bills:
        quiet.append(
            BillingRunItem(run=run, contract=contract, outcome=BillingRunItem.Outcome.NOTHING_DUE)
        )
        return 0, 0
    try:
        item = BillingRunItem(run=run, contract=contract, outcome=BillingRunItem.Outcome.BILLED)
        with transaction.atomic():
            documents = services.store_bills(contract, bills, run, item=item)
    except IntegrityError:  # billed by someone else since the chunk was read
        return _bill_locked(run, contract, data.until)
    return len(documents), 0


def _error_item(run: BillingRun, contract: Contract, exc: Exception) -> BillingRunItem:
    return BillingRunItem(
        run=run, contract=contract, outcome=BillingRunItem.Outcome.ERROR, message=str(exc)[:300]
    )


def _bill_locked(
    run: BillingRun, contract: Contract, billing_date: datetime.date
) -> tuple[int, int]:
    try:
        with transaction.atomic():
            documents = services.bill_contract(contract, until=billing_date, run=run)
            outcome = (
                BillingRunItem.Outcome.BILLED if documents else BillingRunItem.Outcome.NOTHING_DUE
            )
            BillingRunItem.objects.create(run=run, contract=contract, outcome=outcome)
            return len(documents), 0
    except (services.BillingError, rating.RatingError) as exc:
        _error_item(run, contract, exc).save()
        return 0, 1


def deadline_risks(run: BillingRun) -> list[DeadlineRisk]:
    """Contracts that could not be billed although a period ended: the §40c deadline (six
    weeks after the period) has passed or comes within two weeks of the billing date."""
    risks = []
    items = run.items.filter(outcome=BillingRunItem.Outcome.ERROR).select_related("contract")
    for item in items:
        contract = item.contract
        start = services.next_period_start(contract)
        ended = (
            MeterReading.objects.filter(
                register__meter__market_location_id=contract.market_location_id,
                reason__in=services.END_REASONS,
                read_on__gte=start,
                read_on__lte=run.billing_date,
            )
            .order_by("read_on")
            .values_list("read_on", flat=True)
            .first()
        )
        if ended is None:
            continue
        deadline = ended + BILL_DEADLINE
        if deadline <= run.billing_date + AT_RISK_WITHIN:
            risks.append(DeadlineRisk(contract.number, ended, deadline, item.message))
    return sorted(risks, key=lambda risk: risk.deadline)
