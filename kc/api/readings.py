"""Meters and their readings (scope "readings"; reporting a reading needs "readings:write").

GET  /api/v1/zaehler/{number}                   the meter and its registers
GET  /api/v1/zaehler/{number}/zaehlerstaende     readings, newest first
POST /api/v1/zaehler/{number}/zaehlerstaende     a customer's reading, checked like one from
                                                 the portal (kc.supply.services)

A reading far off the expected consumption is refused with 409 `needs_confirmation` (nothing
stored) until it is sent again with `"confirmed": true`; then it is stored for review.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kc.api import reads
from kc.api.auth import TokenAuth, token_of
from kc.api.errors import REFUSALS, ApiError, ErrorOut
from kc.api.paging import PageMeta, PageQuery, page_of
from kc.api.services import technical_user
from kc.billing.selectors import billed_annual_consumption_in
from kc.supply import readings as supply_readings
from kc.supply.models import Contract, Meter, MeterReading, Register

router = Router(auth=TokenAuth("readings"))
ERRORS = REFUSALS | {404: ErrorOut}


class RegisterOut(Schema):
    obis_code: str
    unit: str
    digits: int
    description: str


class MeterOut(Schema):
    number: str
    division: str
    kind: str
    market_location: str | None
    installed_on: datetime.date
    removed_on: datetime.date | None
    registers: list[RegisterOut]


class ReadingOut(Schema):
    id: int
    obis_code: str
    read_on: datetime.date
    value: Decimal
    reason: str
    source: str
    estimated: bool
    plausibility: str
    needs_review: bool


class ReadingPage(PageMeta):
    items: list[ReadingOut]


class ReadingIn(Schema):
    read_on: datetime.date
    value: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
    obis_code: Annotated[str, Field(max_length=20)] = ""
    confirmed: bool = False


def reading_out(reading: MeterReading) -> ReadingOut:
    return ReadingOut(
        id=reading.pk,
        obis_code=reading.register.obis_code,
        read_on=reading.read_on,
        value=reading.value,
        reason=reading.reason,
        source=reading.source,
        estimated=reading.estimated,
        plausibility=reading.plausibility,
        needs_review=reading.needs_review,
    )


def _partner_id(meter: Meter, day: datetime.date) -> int | None:
    contract = _contract(meter, day)
    return contract.account.partner_id if contract else None


def _contract(meter: Meter, day: datetime.date) -> Contract | None:
    if meter.market_location_id is None:
        return None
    return (
        Contract.objects.select_related("account")
        .filter(market_location_id=meter.market_location_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .order_by("-start_date")
        .first()
    )


@router.get("/zaehler/{number}", response={200: MeterOut} | ERRORS, summary="One meter")
def meter(request: HttpRequest, number: str) -> MeterOut:
    found = get_object_or_404(Meter.objects.select_related("market_location"), number=number)
    reads.record(request, found, partner_id=_partner_id(found, timezone.localdate()))
    return MeterOut(
        number=found.number,
        division=found.division,
        kind=found.kind,
        market_location=found.market_location.malo_id if found.market_location else None,
        installed_on=found.installed_on,
        removed_on=found.removed_on,
        registers=[
            RegisterOut(
                obis_code=r.obis_code, unit=r.unit, digits=r.digits, description=r.description
            )
            for r in found.registers.order_by("obis_code")
        ],
    )


@router.get(
    "/zaehler/{number}/zaehlerstaende",
    response={200: ReadingPage} | ERRORS,
    summary="A meter's readings, newest first",
)
def readings(request: HttpRequest, number: str, page: PageQuery) -> ReadingPage:
    found = get_object_or_404(Meter, number=number)
    rows = MeterReading.objects.filter(register__meter=found).select_related("register")
    items, meta = page_of(rows.order_by("-read_on", "-pk"), page)
    reads.record_many(request, [(r, _partner_id(found, r.read_on)) for r in items])
    return ReadingPage(items=[reading_out(r) for r in items], **meta.dict())


@router.post(
    "/zaehler/{number}/zaehlerstaende",
    response={201: ReadingOut, 409: ErrorOut} | ERRORS,
    summary="Report a customer's reading",
    auth=TokenAuth("readings:write"),
)
def report_reading(request: HttpRequest, number: str, body: ReadingIn) -> Status[ReadingOut]:
    found = get_object_or_404(Meter, number=number)
    register = _register(found, body.obis_code)
    contract = _contract(found, body.read_on)
    if contract is None:
        raise ApiError(
            409, "no_contract", _("Zu diesem Zähler gibt es an diesem Tag keinen Liefervertrag.")
        )
    try:
        reading = supply_readings.record_customer_reading(
            register=register,
            read_on=body.read_on,
            value=body.value,
            actor=technical_user(token_of(request)),
            confirmed=body.confirmed,
            supplied_from=contract.start_date,
            via="api",
            annual_consumption=billed_annual_consumption_in(contract, register.unit),
        )
    except supply_readings.ReadingNeedsConfirmation as asked:
        raise ApiError(
            409,
            "needs_confirmation",
            str(asked),
            {"verdict": asked.check.verdict, "resend_with": {"confirmed": True}},
        ) from asked
    return Status(201, reading_out(reading))


def _register(meter: Meter, obis_code: str) -> Register:
    registers = list(meter.registers.order_by("obis_code"))
    if obis_code:
        for register in registers:
            if register.obis_code == obis_code:
                return register
        raise ApiError(
            422,
            "unknown_register",
            _("Der Zähler hat kein Zählwerk %(obis)s.") % {"obis": obis_code},
            {"obis_codes": [r.obis_code for r in registers]},
        )
    if len(registers) != 1:
        raise ApiError(
            422,
            "register_required",
            _("Der Zähler hat mehrere Zählwerke: bitte obis_code angeben."),
            {"obis_codes": [r.obis_code for r in registers]},
        )
    return registers[0]
