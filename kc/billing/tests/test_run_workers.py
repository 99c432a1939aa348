"""The billing run in worker processes (PostgreSQL): every contract billed exactly once, exact
counters, and a worker killed inside its work (KC_CRASH_AT: os._exit, no cleanup) leaves its
committed chunks done; a new start bills the rest once."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from kc.billing import runs
from kc.billing.models import BillingDocument, BillingRun, BillingRunItem
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.core.faults import CRASH_EXIT_CODE
from kc.supply.models import Contract, MeterReading
from kc.supply.tests.factories import MeterReadingFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),  # the workers see committed data only
]
D = datetime.date
BILLING_DATE = D(2025, 1, 20)
CONTRACTS = 23
CHUNK = 4


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need PostgreSQL")


def contracts_with_a_year(count: int, *, bad_every: int = 0) -> list[Contract]:
    """Power contracts from 1.1.2024, each with a periodic reading on 31.12.2024; every
    `bad_every`-th reads lower than its move-in (an error)."""
    tariff = priced_tariff("strom-test", "Strom Test")
    contracts = []
    for n in range(count):
        contract, register = metered_contract(tariff=tariff, start=D(2024, 1, 1))
        bad = bad_every and n % bad_every == 0
        MeterReadingFactory(
            register=register,
            read_on=D(2024, 12, 31),
            value=Decimal("10" if bad else f"{2000 + n}"),
            reason=MeterReading.Reason.PERIODIC,
        )
        contracts.append(contract)
    return contracts


def assert_each_billed_once(run: BillingRun, contracts: list[Contract], errors: int) -> None:
    for contract in contracts:
        assert run.items.filter(contract=contract).count() == 1
    assert run.items.count() == len(contracts)
    billed = run.items.filter(outcome=BillingRunItem.Outcome.BILLED)
    assert billed.count() == len(contracts) - errors
    for item in billed:
        assert BillingDocument.objects.filter(contract_id=item.contract_id).count() == 1
    assert BillingDocument.objects.count() == len(contracts) - errors
    run.refresh_from_db()
    assert (run.contracts_done, run.document_count, run.errors) == (
        len(contracts),
        len(contracts) - errors,
        errors,
    )


def test_two_workers_bill_every_contract_exactly_once() -> None:
    contracts = contracts_with_a_year(CONTRACTS, bad_every=7)  # 4 errors
    seen: list[tuple[int, int, int]] = []
    result = runs.run_billing(
        BILLING_DATE, workers=2, chunk=CHUNK, progress=lambda *counts: seen.append(counts)
    )
    assert (result.contracts, result.documents, result.errors) == (CONTRACTS, CONTRACTS - 4, 4)
    assert seen[-1] == (CONTRACTS, CONTRACTS - 4, 4) and len(seen) >= CONTRACTS // CHUNK
    assert result.statements > 0 and result.run.status == BillingRun.Status.DONE
    assert_each_billed_once(result.run, contracts, errors=4)
    again = runs.run_billing(BILLING_DATE, workers=2, chunk=CHUNK)
    assert (again.contracts, again.documents) == (0, 0)
    assert BillingDocument.objects.count() == CONTRACTS - 4


@pytest.mark.parametrize(
    ("point", "committed"),
    [("billing.chunk_written", 0), ("billing.chunk_committed", 2 * CHUNK)],
)
def test_killed_workers_leave_their_committed_chunks_and_a_new_start_bills_the_rest(
    monkeypatch: pytest.MonkeyPatch, point: str, committed: int
) -> None:
    contracts = contracts_with_a_year(CONTRACTS)
    monkeypatch.setenv("KC_CRASH_AT", point)  # each worker dies in its first chunk
    with pytest.raises(runs.RunError, match=f"2 von 2 .*{CRASH_EXIT_CODE}"):
        runs.run_billing(BILLING_DATE, workers=2, chunk=CHUNK)
    run = BillingRun.objects.get()
    assert run.status == BillingRun.Status.RUNNING
    assert run.items.count() == BillingDocument.objects.count() == committed
    assert (run.contracts_done, run.document_count) == (committed, committed)

    monkeypatch.delenv("KC_CRASH_AT")
    resumed = runs.run_billing(BILLING_DATE, workers=2, chunk=CHUNK)
    assert (resumed.contracts, resumed.documents) == (CONTRACTS - committed,) * 2
    assert_each_billed_once(resumed.run, contracts, errors=0)


def test_command_with_workers() -> None:
    contracts_with_a_year(5, bad_every=5)
    out = StringIO()
    call_command("billing_run", "--date", "2025-02-20", "--workers", "2", stdout=out)
    text = out.getvalue()
    assert "5 Verträge geprüft, 4 Abrechnungen, 1 Fehler" in text
    assert "Fehler " in text and "§40c gefährdet" in text
