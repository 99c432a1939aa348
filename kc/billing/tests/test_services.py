"""Billing contracts from their readings; the billing run: idempotent, resumable, errors per
contract, §40c deadline report."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kc.billing import rating, run_chunks, runs, services
from kc.billing.models import BillingDocument, BillingRun, BillingRunItem
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.supply.models import Contract, MeterReading
from kc.supply.tests.factories import (
    ContractFactory,
    MeterReadingFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date
JAN_2024 = D(2024, 1, 1)


def power_contract(
    start: datetime.date = JAN_2024, end_date: datetime.date | None = None
) -> Contract:
    tariff = priced_tariff("strom-test", "Strom Test")
    return metered_contract(tariff=tariff, start=start, end_date=end_date)[0]


def read(contract: Contract, day: datetime.date, value: str, **kwargs: object) -> MeterReading:
    register = services.billing_register(contract)
    fields = {"reason": MeterReading.Reason.PERIODIC, **kwargs}
    return MeterReadingFactory(register=register, read_on=day, value=Decimal(value), **fields)


def test_a_year_is_billed_once_with_lines_that_sum_up() -> None:
    contract = power_contract()
    read(contract, D(2024, 12, 31), "4500")
    (document,) = services.bill_contract(contract, until=D(2025, 1, 15))
    assert (document.period_start, document.period_end) == (D(2024, 1, 1), D(2024, 12, 31))
    assert document.consumption == Decimal("3500")
    assert document.kind == BillingDocument.Kind.ANNUAL
    lines = list(document.lines.all())
    assert sum(line.net for line in lines) == document.net_total
    assert document.gross_total == document.net_total + document.vat_total
    # 3,500 kWh × 0.30 € + 120 €/year for a full (leap) year, 19 % VAT.
    assert document.net_total == Decimal("1170.00")
    assert document.gross_total == Decimal("1392.30")
    assert services.bill_contract(contract, until=D(2025, 1, 15)) == []  # nothing twice


def test_consecutive_years_and_a_final_bill() -> None:
    contract = power_contract(end_date=D(2025, 6, 30))
    read(contract, D(2024, 12, 31), "4500")
    read(contract, D(2025, 6, 30), "6000", reason=MeterReading.Reason.MOVE_OUT)
    first, final = services.bill_contract(contract, until=D(2025, 7, 10))
    assert (final.period_start, final.period_end, final.kind) == (
        D(2025, 1, 1),
        D(2025, 6, 30),
        BillingDocument.Kind.FINAL,
    )
    assert final.consumption == Decimal("1500") and final.start_reading == first.end_reading


def test_lower_reading_is_refused_not_billed() -> None:
    contract = power_contract()
    read(contract, D(2024, 12, 31), "900")
    with pytest.raises(services.BillingError, match="Zählerwechsel oder Überlauf"):
        services.bill_contract(contract, until=D(2025, 1, 15))
    assert not BillingDocument.objects.exists()


def test_missing_start_reading_and_missing_meter() -> None:
    contract = power_contract()
    MeterReading.objects.all().delete()
    read(contract, D(2024, 12, 31), "900")
    with pytest.raises(services.BillingError, match="fehlt ein Zählerstand"):
        services.bill_contract(contract, until=D(2025, 1, 15))
    bare = ContractFactory()
    with pytest.raises(services.BillingError, match="kein Zähler"):
        services.bill_contract(bare, until=D(2025, 1, 15))


def test_period_without_price_sheet_is_an_error() -> None:
    contract = power_contract()
    contract.tariff.price_sheets.update(valid_from=D(2024, 6, 1))
    read(contract, D(2024, 12, 31), "4500")
    with pytest.raises(rating.RatingError) as error:
        services.bill_contract(contract, until=D(2025, 1, 15))
    assert not BillingDocument.objects.exists() and str(error.value)


def test_run_is_idempotent_resumable_and_collects_errors() -> None:
    good = power_contract()
    read(good, D(2024, 12, 31), "4500")
    bad = power_contract()
    read(bad, D(2024, 12, 31), "10")
    first = runs.run_billing(D(2025, 2, 20))
    assert (first.contracts, first.documents, first.errors) == (2, 1, 1)
    item = BillingRunItem.objects.get(contract=bad)
    assert item.outcome == BillingRunItem.Outcome.ERROR and "Überlauf" in item.message
    again = runs.run_billing(D(2025, 2, 20))  # the same run again: resumes, nothing left
    assert (again.contracts, again.documents) == (0, 0)
    assert BillingRun.objects.count() == 1 and BillingDocument.objects.count() == 1
    later = runs.run_billing(D(2025, 3, 1))  # a new run bills nothing twice
    assert later.documents == 0 and BillingDocument.objects.count() == 1
    (risk,) = runs.deadline_risks(first.run)
    assert risk.contract_number == bad.number and risk.deadline == D(2025, 2, 11)


def test_run_after_a_crash_goes_on_where_it_stopped() -> None:
    contracts = [power_contract() for _ in range(3)]
    for contract in contracts:
        read(contract, D(2024, 12, 31), "2000")
    run = BillingRun.objects.create(billing_date=D(2025, 1, 20))
    # A crash after the first contract: its item and document were committed together.
    services.bill_contract(contracts[0], until=run.billing_date, run=run)
    BillingRunItem.objects.create(run=run, contract=contracts[0], outcome="billed")
    result = runs.run_billing(D(2025, 1, 20))
    assert (result.contracts, result.documents) == (2, 2)
    assert BillingDocument.objects.count() == 3


def test_command_prints_progress_errors_and_deadlines() -> None:
    bad = power_contract()
    read(bad, D(2024, 12, 31), "10")
    out = StringIO()
    call_command("billing_run", "--date", "2025-02-20", stdout=out)
    text = out.getvalue()
    assert "1 Verträge geprüft" in text and f"Fehler {bad.number}" in text
    assert "§40c gefährdet" in text


def test_run_falls_back_to_the_locked_path_when_billed_meanwhile() -> None:
    contract = power_contract()
    read(contract, D(2024, 12, 31), "4500")
    other = power_contract()
    read(other, D(2024, 12, 31), "2000")
    run = BillingRun.objects.create(billing_date=D(2025, 1, 20))
    rows = [
        services.ContractRow(*row)
        for row in Contract.objects.order_by("pk").values_list(*services.CONTRACT_FIELDS)
    ]
    stale = services.load_billing_data(rows, until=run.billing_date)
    services.bill_contract(contract, until=run.billing_date)  # someone else, after the load
    # The chunk's documents are refused as a whole; each contract is then billed on its own.
    assert run_chunks.bill(run, rows, stale) == run_chunks.Counts(2, 1, 0)
    item = BillingRunItem.objects.get(run=run, contract=contract)
    assert item.outcome == BillingRunItem.Outcome.NOTHING_DUE
    assert BillingRunItem.objects.get(run=run, contract=other).outcome == "billed"
    assert BillingDocument.objects.filter(contract=contract).count() == 1
    run.refresh_from_db()
    assert (run.contracts_done, run.document_count, run.errors) == (2, 1, 0)
