"""Case and field-order events for webhooks, from Django's model signals.

Every save of a Case or FieldOrder is compared with the values it was loaded with, so no
service below needs to know about webhooks; cases changed with QuerySet.update() go through
kc.cases.bulk.update_cases, whose signal carries the values from before. The deliveries are
written in the saving transaction (they commit or roll back with the change) and sent after
the commit.

Payloads carry identifiers and states, not personal data: a receiver that needs more
reads it through the API, where the read is audited.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models.signals import post_init, post_save

from kc.api import webhooks
from kc.api.models import WebhookEndpoint
from kc.cases.models import Case
from kc.cases.signals import cases_updated as cases_updated_in_bulk
from kc.disconnection.models import FieldOrder

CASE_FIELDS = ("status", "priority", "queue_id", "assignee_id", "case_type", "partner_id")
ORDER_FIELDS = ("status",)
ORIGINAL = "_kc_webhook_original"
DONE = {Case.Status.RESOLVED, Case.Status.CLOSED}
Event = WebhookEndpoint.Event


def _remember(instance: Any, fields: tuple[str, ...]) -> None:
    # __dict__, not getattr: a deferred field must not cost a query per loaded row.
    setattr(instance, ORIGINAL, {name: instance.__dict__.get(name) for name in fields})


def remember_case(sender: type, instance: Case, **kwargs: Any) -> None:
    _remember(instance, CASE_FIELDS)


def remember_order(sender: type, instance: FieldOrder, **kwargs: Any) -> None:
    _remember(instance, ORDER_FIELDS)


def case_saved(sender: type, instance: Case, created: bool, **kwargs: Any) -> None:
    before: dict[str, Any] = getattr(instance, ORIGINAL, {})
    _remember(instance, CASE_FIELDS)
    if kwargs.get("raw") or not webhooks.has_endpoints():
        return
    if created:
        data = case_data(instance, before.get("status"))
        webhooks.emit(Event.CASE_CREATED, f"case.created:{instance.number}", data)
        return
    for event, key, changes in case_changes(instance, before):
        webhooks.emit(event, key, changes)


def cases_updated(sender: type, before: Mapping[int, Mapping[str, Any]], **kwargs: Any) -> None:
    """Cases changed by a QuerySet.update (kc.cases.bulk.update_cases): the same events as
    for a save, written with one query for the cases and one insert for the deliveries."""
    if not webhooks.has_endpoints():
        return
    events = []
    for case in Case.objects.filter(pk__in=list(before)).select_related("partner"):
        events.extend(case_changes(case, before[case.pk]))
    webhooks.emit_many(events)


def case_changes(case: Case, before: Mapping[str, Any]) -> list[webhooks.Occurrence]:
    """case.updated (and case.resolved) for a case whose fields were `before`."""
    events: list[webhooks.Occurrence] = []
    data = case_data(case, before.get("status", case.status))
    changed = [f for f in CASE_FIELDS if f in before and before[f] != getattr(case, f)]
    if changed:
        data["changed"] = [f.removesuffix("_id") for f in changed]
        events.append((Event.CASE_UPDATED, f"case.updated:{uuid.uuid4()}", data))
    if case.status in DONE and before.get("status") not in DONE | {None}:
        key = f"case.resolved:{case.number}:{case.resolved_at or uuid.uuid4()}"
        events.append((Event.CASE_RESOLVED, key, data))
    return events


def order_saved(sender: type, instance: FieldOrder, created: bool, **kwargs: Any) -> None:
    before: dict[str, Any] = getattr(instance, ORIGINAL, {})
    _remember(instance, ORDER_FIELDS)
    if kwargs.get("raw") or not webhooks.has_endpoints():
        return
    if created:
        webhooks.emit(Event.ORDER_CREATED, f"order.created:{instance.number}", order_data(instance))
    elif "status" in before and before["status"] != instance.status:
        event = (
            Event.ORDER_CANCELLED
            if instance.status == FieldOrder.Status.CANCELLED
            else Event.ORDER_CONFIRMED
        )
        key = f"{event}:{instance.number}:{instance.status}"
        webhooks.emit(event, key, order_data(instance))


def case_data(case: Case, previous_status: str | None) -> dict[str, Any]:
    return {
        "case": case.number,
        "status": case.status,
        "previous_status": previous_status,
        "case_type": case.case_type,
        "priority": case.priority,
        "customer": case.partner.number if case.partner_id and case.partner else None,
        "resolved_at": case.resolved_at,
    }


def order_data(order: FieldOrder) -> dict[str, Any]:
    return {
        "order": order.number,
        "kind": order.kind,
        "status": order.status,
        "planned_on": order.planned_on,
        "executed_at": order.executed_at,
        "disconnection_case": order.case.number,
    }


def connect() -> None:
    post_init.connect(remember_case, sender=Case, dispatch_uid="kc_api_case_init")
    post_save.connect(case_saved, sender=Case, dispatch_uid="kc_api_case_saved")
    cases_updated_in_bulk.connect(cases_updated, sender=Case, dispatch_uid="kc_api_cases_bulk")
    post_init.connect(remember_order, sender=FieldOrder, dispatch_uid="kc_api_order_init")
    post_save.connect(order_saved, sender=FieldOrder, dispatch_uid="kc_api_order_saved")
