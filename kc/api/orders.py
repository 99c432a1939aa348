"""The field service's side of disconnection and reconnection orders (Bearer token, scope
"orders"): list the open orders, confirm one as executed or not.

GET  /api/v1/auftraege/                      open orders, urgent first
POST /api/v1/auftraege/{number}/bestaetigung {executed_at, done, meter_reading, note}

A confirmation is idempotent: the second one for an order changes nothing and answers with
the order as it stands.
"""

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from kc.api import reads
from kc.api.auth import TokenAuth
from kc.api.errors import REFUSALS, ApiError, ErrorOut
from kc.disconnection import chain
from kc.disconnection.models import FieldOrder

router = Router(auth=TokenAuth("orders"))
ERRORS = REFUSALS


class OrderOut(Schema):
    number: str
    kind: str
    priority: int
    status: str
    planned_on: datetime.date
    market_location: str
    meter: str
    street: str
    city: str
    disconnection_case: str


class Confirmation(Schema):
    executed_at: datetime.datetime
    done: bool = True
    meter_reading: Decimal | None = None
    note: str = ""


def _out(order: FieldOrder) -> OrderOut:
    contract = order.case.contract
    premise = contract.market_location.premise
    return OrderOut(
        number=order.number,
        kind=order.kind,
        priority=order.priority,
        status=order.status,
        planned_on=order.planned_on,
        market_location=contract.market_location.malo_id,
        meter=chain.meter_number(contract),
        street=premise.street_line,
        city=premise.city_line,
        disconnection_case=order.case.number,
    )


def _orders() -> QuerySet[FieldOrder]:
    return FieldOrder.objects.select_related(
        "case__contract__market_location__premise", "case__contract__account"
    )


@router.get("/", response={200: list[OrderOut]} | ERRORS, summary="Open orders, urgent first")
def open_orders(request: HttpRequest, limit: int = 100) -> list[OrderOut]:
    orders = _orders().filter(status=FieldOrder.Status.SENT).order_by("-priority", "sent_at")
    shown = list(orders[: max(1, min(limit, 500))])
    reads.record_many(request, [(o, o.case.contract.account.partner_id) for o in shown])
    return [_out(order) for order in shown]


@router.post(
    "/{number}/bestaetigung",
    response={200: OrderOut, 404: ErrorOut, 409: ErrorOut} | ERRORS,
    summary="Confirm execution",
)
def confirm(request: HttpRequest, number: str, body: Confirmation) -> OrderOut:
    order = get_object_or_404(FieldOrder, number=number)
    executed_at = body.executed_at
    if timezone.is_naive(executed_at):  # a local time without offset: the utility's zone
        executed_at = timezone.make_aware(executed_at)
    try:
        order = chain.confirm_order(
            order,
            executed_at=executed_at,
            done=body.done,
            meter_reading=body.meter_reading,
            note=body.note,
        )
    except chain.OrderCancelledError as error:
        raise ApiError(409, "order_cancelled", str(error)) from error
    return _out(get_object_or_404(_orders(), pk=order.pk))
