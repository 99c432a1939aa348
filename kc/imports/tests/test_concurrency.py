"""The same export imported twice at the same moment creates every object once: the second
run waits on the first one's legacy-key claim and then finds the keys (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from kc.core.numbers import ensure_base_ranges
from kc.customers.models import BusinessPartner, ContractAccount
from kc.imports import archive, engine
from kc.imports.models import LegacyKey
from kc.imports.report import Report
from kc.imports.tests.conftest import SAMPLE, make_tariffs
from kc.supply.models import Contract


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_parallel_runs_of_the_same_files_create_nothing_twice() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    ensure_base_ranges()
    make_tariffs()
    all_files = archive.read_directory(SAMPLE).files
    files = {
        name: all_files[name] for name in ("kunden.csv", "vertragskonten.csv", "vertraege.csv")
    }
    barrier = threading.Barrier(2)
    reports: list[Report] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            reports.append(engine.run_import(files, system="sap", dry_run=False, actor=None))
        except BaseException as error:  # noqa: BLE001 (reported to the test thread)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert BusinessPartner.objects.count() == 26
    assert ContractAccount.objects.count() == 24
    assert Contract.objects.count() == 21
    assert LegacyKey.objects.filter(entity="customer").count() == 26
    created = sum(report.totals()["created"] for report in reports)
    unchanged = sum(report.totals()["unchanged"] for report in reports)
    assert created == 26 + 24 + 21 and unchanged == created
    assert sorted(report.totals()["failed"] for report in reports) == [21, 21]
