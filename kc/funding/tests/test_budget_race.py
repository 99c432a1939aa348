"""Budget exhaustion under concurrent approvals (PostgreSQL: real row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from conftest import make_staff
from kc.core import roles
from kc.core.numbers import ensure_base_ranges
from kc.core.validation import Refusal
from kc.funding import decisions, selectors
from kc.funding.models import FundingApplication, ProgramBudget
from kc.funding.tests.factories import all_checks_done, apply, category, supplied_contract
from kc.letters import services as letter_services
from kc.payments import ledger

D = Decimal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_approvals_never_spend_more_than_the_budget() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this proves; SQLite serialises writers anyway")
    ensure_base_ranges()  # a transactional test's flush removed the migrations' rows
    letter_services.ensure_number_ranges()
    letter_services.ensure_default_templates()
    ledger.ensure_number_range()
    from django.contrib.auth.models import Group

    from kc.core.roles import sync_roles

    if not Group.objects.filter(name=roles.FUNDING_CLERK).exists():
        sync_roles()
    clerk = make_staff("foerderung", roles.FUNDING_CLERK)
    cat = category(amount_kind="fixed", fixed_amount=D("200.00"), percent=None)
    applications = [apply(supplied_contract(), cat) for _ in range(8)]
    ProgramBudget.objects.filter(program=cat.program).update(amount=D("1000.00"))
    for application in applications:
        all_checks_done(application, clerk)

    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(application: FundingApplication) -> None:
        barrier.wait()
        try:
            decisions.approve(application, actor=clerk)
            outcome = "approved"
        except Refusal as refusal:
            outcome = "budget" if "reicht nicht" in str(refusal) else f"other: {refusal}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved"] * 5 + ["budget"] * 3, outcomes
    use = selectors.consumption(cat.program, applications[0].budget_year)
    assert use.reserved == D("1000.00") and use.left == D("0.00")
    assert FundingApplication.objects.filter(status="approved").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_application_sent_from_four_tabs_at_once_is_stored_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what this proves; SQLite serialises writers anyway")
    ensure_base_ranges()
    cat = category()
    contract = supplied_contract()
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            apply(contract, cat)
            outcome = "stored"
        except Refusal as refusal:
            outcome = "repeat" if "schon einen Antrag" in str(refusal) else f"other: {refusal}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["repeat"] * 3 + ["stored"], outcomes
    assert FundingApplication.objects.filter(partner=contract.account.partner).count() == 1
