"""The billing run: every contract once per billing date, each in its own transaction.

Idempotent and resumable: a contract done in this run has an item row written in the same
transaction as its documents, so a second start (after a crash, or by mistake) skips it, and a
period is billed once (unique constraint on contract and period start). A contract that cannot
be billed gets an error item with the reason; the run goes on.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kc.billing import rating, services
from kc.billing.models import BillingRun, BillingRunItem
from kc.supply.models import Contract, MeterReading

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
    contracts = documents = errors = 0
    for contract in _pending_contracts(run):
        billed, error = _bill_one(run, contract, billing_date)
        contracts += 1
        documents += billed
        errors += error
        if progress is not None and contracts % CHUNK == 0:
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


def _pending_contracts(run: BillingRun) -> Iterator[Contract]:
    """Contracts without an item in this run, in primary-key chunks (memory stays flat)."""
    last_pk = 0
    while True:
        chunk = list(
            Contract.objects.filter(pk__gt=last_pk)
            .exclude(pk__in=BillingRunItem.objects.filter(run=run).values("contract_id"))
            .select_related("tariff")
            .order_by("pk")[:CHUNK]
        )
        if not chunk:
            return
        yield from chunk
        last_pk = chunk[-1].pk


def _bill_one(run: BillingRun, contract: Contract, billing_date: datetime.date) -> tuple[int, int]:
    try:
        with transaction.atomic():
            documents = services.bill_contract(contract, until=billing_date, run=run)
            outcome = (
                BillingRunItem.Outcome.BILLED if documents else BillingRunItem.Outcome.NOTHING_DUE
            )
            BillingRunItem.objects.create(run=run, contract=contract, outcome=outcome)
            return len(documents), 0
    except (services.BillingError, rating.RatingError) as exc:
        BillingRunItem.objects.create(
            run=run,
            contract=contract,
            outcome=BillingRunItem.Outcome.ERROR,
            message=str(exc)[:300],
        )
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
