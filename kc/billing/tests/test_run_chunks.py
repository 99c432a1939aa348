"""The billing run in chunks (SQLite and PostgreSQL): each chunk in one transaction, a second run
bills nothing, a crash inside a chunk rolls the chunk back and a new start bills the rest once,
errors are collected per contract, and the chunked path writes what `bill_contract` writes."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kc.billing import run_chunks, runs, services
from kc.billing.models import BillingDocument, BillingLine, BillingRun, BillingRunItem
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.supply.models import Contract, MeterReading
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory

pytestmark = pytest.mark.django_db
D = datetime.date
BILLING_DATE = D(2025, 1, 20)
JAN_2024 = D(2024, 1, 1)


def contract_with_a_year(value: str = "4500", *, start: datetime.date = JAN_2024) -> Contract:
    """A power contract from `start` (move-in reading 1000) with a periodic reading of
    `value` on 31.12.2024."""
    tariff = priced_tariff("strom-test", "Strom Test")
    contract, register = metered_contract(tariff=tariff, start=start)
    MeterReadingFactory(
        register=register,
        read_on=D(2024, 12, 31),
        value=Decimal(value),
        reason=MeterReading.Reason.PERIODIC,
    )
    return contract


def counters(run: BillingRun) -> tuple[int, int, int]:
    run.refresh_from_db()
    return run.contracts_done, run.document_count, run.errors


def test_chunks_bill_each_contract_once_and_a_second_run_bills_nothing() -> None:
    contracts = [contract_with_a_year(str(2000 + n)) for n in range(7)]
    seen: list[tuple[int, int, int]] = []
    first = runs.run_billing(BILLING_DATE, chunk=3, progress=lambda *counts: seen.append(counts))
    assert (first.contracts, first.documents, first.errors) == (7, 7, 0)
    assert seen == [(3, 3, 0), (6, 6, 0), (7, 7, 0)]  # after every chunk
    assert counters(first.run) == (7, 7, 0) and first.run.status == BillingRun.Status.DONE
    for contract in contracts:
        assert BillingDocument.objects.filter(contract=contract).count() == 1
    again = runs.run_billing(BILLING_DATE, chunk=3)
    assert (again.contracts, again.documents, again.errors) == (0, 0, 0)
    later = runs.run_billing(D(2025, 2, 1), chunk=3)  # a new run: everything is billed already
    assert (later.contracts, later.documents) == (7, 0)
    assert BillingDocument.objects.count() == 7
    assert set(later.run.items.values_list("outcome", flat=True)) == {"nothing_due"}


class Crash(BaseException):
    """Stands for the end of the process (`crash_point` calls os._exit there)."""


def crash_at(monkeypatch: pytest.MonkeyPatch, point: str, *, on_call: int) -> None:
    calls = {"n": 0}

    def crash_point(name: str) -> None:
        if name == point:
            calls["n"] += 1
            if calls["n"] == on_call:
                raise Crash(name)

    monkeypatch.setattr(run_chunks, "crash_point", crash_point)


@pytest.mark.parametrize(
    ("point", "committed"),
    [("billing.chunk_written", 3), ("billing.chunk_committed", 6)],
)
def test_a_crash_inside_a_chunk_rolls_it_back_and_a_new_start_bills_the_rest_once(
    monkeypatch: pytest.MonkeyPatch, point: str, committed: int
) -> None:
    contracts = [contract_with_a_year() for _ in range(8)]
    bad = contract_with_a_year("10")  # an error item is work done, too
    crash_at(monkeypatch, point, on_call=2)  # in the second chunk, before / after its commit
    with pytest.raises(Crash):
        runs.run_billing(BILLING_DATE, chunk=3)
    run = BillingRun.objects.get()
    # Exactly the committed chunks are done: documents, items and counters together.
    assert BillingDocument.objects.count() == committed
    assert run.items.count() == committed
    assert counters(run) == (committed, committed, 0)
    assert run.status == BillingRun.Status.RUNNING

    monkeypatch.undo()
    resumed = runs.run_billing(BILLING_DATE, chunk=3)
    assert (resumed.contracts, resumed.documents, resumed.errors) == (
        9 - committed,
        8 - committed,
        1,
    )
    assert counters(resumed.run) == (9, 8, 1)
    for contract in contracts:
        assert BillingDocument.objects.filter(contract=contract).count() == 1
        assert run.items.filter(contract=contract, outcome="billed").count() == 1
    assert run.items.get(contract=bad).outcome == BillingRunItem.Outcome.ERROR


def test_errors_are_collected_per_contract_and_the_run_goes_on() -> None:
    good = contract_with_a_year()
    lower = contract_with_a_year("900")
    no_meter = ContractFactory(tariff=good.tariff, start_date=D(2024, 1, 1))
    no_start = contract_with_a_year()
    MeterReading.objects.filter(
        register__meter__market_location=no_start.market_location, reason="move_in"
    ).delete()
    no_prices = contract_with_a_year(start=D(2024, 1, 1))
    tariff = priced_tariff("strom-spaet", "Strom Spät")
    tariff.price_sheets.update(valid_from=D(2024, 6, 1))
    Contract.objects.filter(pk=no_prices.pk).update(tariff=tariff)
    result = runs.run_billing(BILLING_DATE, chunk=2)
    assert (result.contracts, result.documents, result.errors) == (5, 1, 4)
    messages = dict(result.run.items.values_list("contract_id", "message"))
    assert "Überlauf" in messages[lower.pk]
    assert "kein Zähler" in messages[no_meter.pk]
    assert "fehlt ein Zählerstand" in messages[no_start.pk]
    assert "kein Preisblatt" in messages[no_prices.pk]
    assert messages[good.pk] == ""
    assert list(BillingDocument.objects.values_list("contract_id", flat=True)) == [good.pk]


LINE_FIELDS = (
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


def document_and_lines(document: BillingDocument) -> tuple[Any, ...]:
    fields = (
        "kind",
        "status",
        "period_start",
        "period_end",
        "consumption",
        "unit",
        "estimated",
        "net_total",
        "vat_total",
        "gross_total",
    )
    lines = BillingLine.objects.filter(document=document).order_by("position")
    return (
        tuple(getattr(document, name) for name in fields),
        document.start_reading_id,
        document.end_reading_id,
        list(lines.values_list(*LINE_FIELDS)),
    )


def test_the_run_writes_what_bill_contract_writes() -> None:
    """Same data twice: one contract billed by the run's chunk, one by `bill_contract`
    (a final bill with a price change inside, so several lines)."""
    tariff = priced_tariff("strom-test", "Strom Test")
    tariff.price_sheets.create(
        valid_from=D(2024, 7, 1),
        base_price_per_year=Decimal("132.00"),
        working_price=Decimal("0.31250"),
    )
    twins = []
    for _ in range(2):
        contract, register = metered_contract(tariff=tariff, start=D(2024, 1, 1))
        Contract.objects.filter(pk=contract.pk).update(end_date=D(2024, 10, 15))
        MeterReadingFactory(
            register=register,
            read_on=D(2024, 10, 15),
            value=Decimal("3712.345"),
            reason=MeterReading.Reason.MOVE_OUT,
            estimated=True,
            estimation_reason="Kunde nicht angetroffen",
        )
        twins.append(contract)
    (careful,) = services.bill_contract(twins[0], until=BILLING_DATE)
    result = runs.run_billing(BILLING_DATE)
    assert (result.contracts, result.documents) == (2, 1)
    fast = BillingDocument.objects.get(contract=twins[1])
    assert fast.run == result.run and fast.created_at is not None
    assert document_and_lines(fast)[0] == document_and_lines(careful)[0]
    assert document_and_lines(fast)[-1] == document_and_lines(careful)[-1]
    twin_readings = MeterReading.objects.filter(
        register__meter__market_location=fast.contract.market_location
    )
    assert {fast.start_reading_id, fast.end_reading_id} == set(
        twin_readings.values_list("pk", flat=True)
    )
    assert len(document_and_lines(fast)[-1]) == 4 and fast.kind == "final" and fast.estimated


def test_statements_depend_on_the_chunks_not_on_the_contracts() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite inserts the documents one by one (in process: no round trips)")
    for n in range(10):
        contract_with_a_year(str(2000 + n))
    first = runs.run_billing(BILLING_DATE)
    for n in range(10):
        contract_with_a_year(str(3000 + n))
    second = runs.run_billing(BILLING_DATE + datetime.timedelta(days=1))
    assert (first.contracts, second.contracts, second.documents) == (10, 20, 10)
    # Per chunk: contracts, registers, billed, readings, switches, SET LOCAL, document ids,
    # three COPYs, the counters; price sheets once per run.
    assert first.statements == second.statements <= 20


def test_more_than_one_worker_is_refused_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(runs.RunError, match="--workers 1"):
        runs.run_billing(BILLING_DATE, workers=2)
    with pytest.raises(CommandError, match="--workers 1"):
        call_command("billing_run", "--date", "2025-01-20", "--workers", "2")
    assert not BillingRun.objects.exists()
