"""Meter readings from the customer: choose a meter, enter the reading, confirm if far off.

A reading far off what we expect is not refused: the page explains why it looks odd and asks
to confirm it. The confirm button re-posts the same values with `confirm` naming them, so a
value changed after the question is checked again. A photo is never kept between the two
posts (no upload bytes in the session): the question asks to attach it again.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing.selectors import billed_annual_consumption_in
from kc.core.form_views import call_service, form_page, submitted
from kc.portal.forms_requests import ReadingForm
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.supply import readings as supply_readings
from kc.supply.models import Contract, MeterReading, Register
from kc.supply.plausibility import Plausibility

LAST_READINGS = 6


@customer_required
def readings(request: CustomerRequest) -> HttpResponse:
    """The meters the customer can report a reading for, each with its last reading."""
    customer = scope(request)
    rows = [
        (register, contract, customer.readings(register, contract).first())
        for register, contract in customer.reporting_registers(timezone.localdate())
    ]
    return render(request, "portal/readings.html", {"rows": rows})


def confirm_key(read_on: datetime.date, value: Decimal) -> str:
    """What the confirm button posts: the very values the customer was asked about."""
    return f"{read_on.isoformat()}|{value}"


def _record(
    request: CustomerRequest, register: Register, contract: Contract, form: ReadingForm
) -> MeterReading | Plausibility:
    """The stored reading, or the check the customer is asked to confirm."""
    data = form.cleaned_data
    confirmed = request.POST.get("confirm") == confirm_key(data["read_on"], data["value"])
    try:
        return supply_readings.record_customer_reading(
            register=register,
            read_on=data["read_on"],
            value=data["value"],
            actor=request.user,
            confirmed=confirmed,
            supplied_from=contract.start_date,
            photo=data["photo"],
            via="portal",
            annual_consumption=billed_annual_consumption_in(contract, register.unit),
        )
    except supply_readings.ReadingNeedsConfirmation as asked:
        return asked.check


@customer_required
def reading_register(request: CustomerRequest, register_id: int) -> HttpResponse:
    customer = scope(request)
    today = timezone.localdate()
    register, contract = customer.reporting_register(register_id, today)
    form = ReadingForm(request.POST or None, request.FILES or None, initial={"read_on": today})
    question: Plausibility | None = None
    if submitted(request, form):
        result = call_service(form, lambda: _record(request, register, contract, form))
        if isinstance(result, MeterReading):
            messages.success(request, _success_message(result))
            return redirect("portal:reading", register_id=register.pk)
        question = result
    context = {
        "form": form,
        "register": register,
        "contract": contract,
        "readings": customer.readings(register, contract)[:LAST_READINGS],
        "question": question,
        "confirm": _confirm_context(form, question),
    }
    if question is not None:  # nothing stored, nothing wrong with the input: answer 200
        return render(request, "portal/reading_form.html", context)
    return form_page(request, "portal/reading_form.html", context)


def _confirm_context(form: ReadingForm, question: Plausibility | None) -> dict[str, object]:
    if question is None:
        return {}
    data = form.cleaned_data
    return {
        "key": confirm_key(data["read_on"], data["value"]),
        "had_photo": data.get("photo") is not None,
    }


def _success_message(reading: MeterReading) -> str:
    text = _("Vielen Dank: Ihr Zählerstand vom %(date)s ist bei uns eingegangen.") % {
        "date": f"{reading.read_on:%d.%m.%Y}"
    }
    if reading.needs_review:
        text += " " + _(
            "Weil er von unserer Erwartung abweicht, sieht ihn sich jemand aus unserem Team an."
        )
    return text
