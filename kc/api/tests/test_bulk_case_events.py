"""Case webhooks for changes made with QuerySet.update() (kc.cases.bulk.update_cases): the
same case.updated / case.resolved events as a save, written in the changing transaction with
one insert, and from every place in the code base that changes cases that way."""

import datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.api.tests.conftest import sent_order
from kc.cases import complaints
from kc.cases.bulk import update_cases
from kc.cases.models import Case
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.cases.tests.test_complaints import at, complaint_case
from kc.core.models import User
from kc.disconnection import chain, reconnection
from kc.disconnection.models import DisconnectionCase
from kc.disconnection.tests.factories import claim, household_contract
from kc.letters.tests.factories import LetterheadFactory

pytestmark = pytest.mark.django_db
Priority = Case.Priority


def hook(events: str = "case.updated,case.resolved", name: str = "Leitstelle") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name=name, url="https://hooks.example.org/kc", secret="s", events=events
    )


def events_for(case_number: str, event: str = "case.updated") -> list[dict[str, Any]]:
    deliveries = WebhookDelivery.objects.filter(event=event).order_by("pk")
    return [d.payload["data"] for d in deliveries if d.payload["data"]["case"] == case_number]


def priority_raised(case_number: str) -> bool:
    """A case.updated that reports the priority going to urgent and nothing else."""
    return any(
        data["changed"] == ["priority"] and data["priority"] == Priority.URGENT
        for data in events_for(case_number)
    )


def test_each_changed_case_gets_its_event_and_an_unchanged_one_none() -> None:
    hook()
    changed = [CaseFactory(priority=Priority.NORMAL) for _ in range(3)]
    unchanged = CaseFactory(priority=Priority.URGENT)
    everyone = Case.objects.filter(pk__in=[c.pk for c in [*changed, unchanged]])
    assert update_cases(everyone, priority=Priority.URGENT) == 4
    for case in changed:
        (data,) = events_for(case.number)
        assert data["changed"] == ["priority"] and data["priority"] == Priority.URGENT
        assert data["previous_status"] == case.status == data["status"]
    assert events_for(unchanged.number) == []
    # One sweep task after the commit, not a task per delivery.
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count("kc.api.tasks.send_due_webhooks") == 1
    assert "kc.api.tasks.deliver_webhook" not in paths


def test_every_endpoint_gets_the_events_it_wants() -> None:
    hook()
    hook(events="case.created", name="Nur neue")
    other = hook(events="case.updated", name="Zweite")
    case = CaseFactory(priority=Priority.LOW)
    update_cases(Case.objects.filter(pk=case.pk), priority=Priority.HIGH)
    updated = WebhookDelivery.objects.filter(event="case.updated")
    assert updated.count() == 2 and updated.filter(endpoint=other).exists()


def test_the_queries_do_not_grow_with_the_number_of_cases() -> None:
    hook()

    def queries_for(count: int) -> int:
        cases = [CaseFactory(priority=Priority.LOW) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            update_cases(Case.objects.filter(pk__in=[c.pk for c in cases]), priority=Priority.HIGH)
        return len(captured)

    assert queries_for(2) == queries_for(12)
    assert WebhookDelivery.objects.filter(event="case.updated").count() == 14


def test_a_bulk_resolve_sends_case_resolved_too() -> None:
    hook()
    case = CaseFactory(status=Case.Status.OPEN)
    update_cases(Case.objects.filter(pk=case.pk), status=Case.Status.RESOLVED)
    (data,) = events_for(case.number)
    assert data["changed"] == ["status"] and data["previous_status"] == Case.Status.OPEN
    assert len(events_for(case.number, "case.resolved")) == 1


def test_a_change_that_rolls_back_writes_no_event() -> None:
    hook()
    case = CaseFactory(priority=Priority.LOW)
    with pytest.raises(RuntimeError), transaction.atomic():
        update_cases(Case.objects.filter(pk=case.pk), priority=Priority.URGENT)
        assert events_for(case.number)  # written in the changing transaction
        raise RuntimeError("abort")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path="kc.api.tasks.send_due_webhooks").exists()


def test_without_endpoints_nothing_is_written() -> None:
    case = CaseFactory(priority=Priority.LOW)
    assert update_cases(Case.objects.filter(pk=case.pk), priority=Priority.URGENT) == 1
    assert not WebhookDelivery.objects.exists()
    case.refresh_from_db()
    assert case.priority == Priority.URGENT


# --- the places that change cases in bulk ------------------------------------------------------


def test_an_overdue_complaint_announces_its_urgent_case(agent: User) -> None:
    LetterheadFactory()
    QueueFactory()
    hook()
    complaint = complaints.register_complaint(
        case=complaint_case(), category="billing", actor=agent
    )
    assert complaints.escalate_due_complaints(at(2026, 12, 2, 9)) == (1, 1)
    assert priority_raised(complaint.case.number)


def _disconnected() -> DisconnectionCase:
    QueueFactory(is_default=True)
    contract = household_contract(monthly="100.00")
    for day in (datetime.date(2026, 9, 15), datetime.date(2026, 10, 15)):
        claim(contract, "150.00", day)
    case = chain.threaten(contract, on=datetime.date(2026, 11, 20))
    case = chain.announce(case, on=datetime.date(2026, 11, 21))
    assert case.planned_on is not None
    order = chain.order_disconnection(case, on=case.planned_on)
    chain.confirm_order(order, executed_at=timezone.now())
    return case


def test_an_ordered_reconnection_announces_its_urgent_case(agent: User) -> None:
    case = _disconnected()
    hook()
    reconnection.order_reconnection(case, actor=agent, reason="Kind mit Fieber, Heizung nötig")
    assert priority_raised(case.case_number)


def test_an_overdue_reconnection_announces_its_urgent_case(settings: Any) -> None:
    case = _disconnected()
    Case.objects.filter(number=case.case_number).update(priority=Priority.NORMAL)
    DisconnectionCase.objects.filter(pk=case.pk).update(
        proof_received_at=timezone.now() - datetime.timedelta(hours=3)
    )
    settings.KC_RECONNECTION_TARGET_MINUTES = 120
    hook()
    assert reconnection.escalate_overdue() == 1
    assert priority_raised(case.case_number)


def test_a_withdrawn_order_done_anyway_announces_its_urgent_case(agent: User) -> None:
    order = sent_order()
    chain.stop(order.case, reason="Attest", actor=agent)
    hook()
    with pytest.raises(chain.OrderCancelledError):
        chain.confirm_order(order, executed_at=timezone.now())
    assert priority_raised(order.case.case_number)
