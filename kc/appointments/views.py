"""Staff pages of the consultations: the day list of the advisors' calendar, booking for a
customer, a booking with reschedule, cancel and the advisor's outcome.

Views parse input, call kc.appointments.booking and render; a refused slot comes back on the
form with its reason."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kc.appointments import booking as service
from kc.appointments import selectors
from kc.appointments.forms import (
    BookingDetailsForm,
    CancelForm,
    CustomerLookupForm,
    OutcomeForm,
    RescheduleForm,
    TypeChoiceForm,
    parse_slot,
)
from kc.appointments.models import Advisor, Booking
from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.customers.models import BusinessPartner

VIEW = "appointments.view_booking"
BOOK = "appointments.add_booking"
OUTCOME = "appointments.change_booking"


# The day list reads `?tag=`; a day at the edge of the date range (0001-01-01, 9999-12-31)
# would overflow the previous/next links and the day's bounds.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def _day(value: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if FIRST_DAY <= day <= LAST_DAY else timezone.localdate()


@login_required
@permission_required(VIEW, raise_exception=True)
def calendar(request: StaffRequest) -> HttpResponse:
    """One day of appointments, of one advisor or all (an advisor sees their own first)."""
    day = _day(request.GET.get("tag"))
    advisors = list(Advisor.objects.filter(active=True).select_related("user"))
    own = next((a for a in advisors if a.user_id == request.user.pk), None)
    chosen_id = request.GET.get("berater", str(own.pk) if own else "")
    chosen = next((a for a in advisors if str(a.pk) == chosen_id), None)
    context = {
        "day": day,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
        "advisors": advisors,
        "chosen": chosen,
        "bookings": list(selectors.bookings_on(day, chosen)),
    }
    return render(request, "appointments/calendar.html", context)


def _partner(number: str) -> BusinessPartner | None:
    return BusinessPartner.objects.filter(number=number.strip()).first() if number else None


@login_required
@permission_required(BOOK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def book(request: StaffRequest) -> HttpResponse:
    """Pick the customer and the kind of consultation, see the week's free slots, book."""
    lookup = CustomerLookupForm(request.GET or None)
    partner = _partner(request.GET.get("customer", ""))
    if lookup.is_bound and lookup.is_valid() and partner is None:
        lookup.add_error("customer", _("Kein Kunde mit dieser Nummer."))
    type_form = TypeChoiceForm(request.GET if "appointment_type" in request.GET else None)
    kind = type_form.cleaned_data["appointment_type"] if type_form.is_valid() else None
    span = selectors.week(request.GET.get("woche"), timezone.localdate())
    days = selectors.free_week(kind, span, with_advisor=True) if kind and partner else []
    form = BookingDetailsForm(
        request.POST or None,
        initial={"contact_phone": partner.phone, "contact_email": partner.email}
        if partner
        else None,
    )
    if partner is not None and kind is not None and submitted(request, form):
        data = form.cleaned_data

        def action() -> Booking:
            advisor_id, starts_at = parse_slot(data["slot"])
            return service.book(
                partner=partner,
                appointment_type=kind,
                advisor=get_object_or_404(Advisor, pk=advisor_id),
                starts_at=starts_at,
                topic=data["topic"],
                customer_note=data["customer_note"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                channel=Booking.Channel.AGENT,
                actor=request.user,
            )

        booking = call_service(form, action)
        if booking is not None:
            messages.success(request, _("Termin %(number)s gebucht.") % {"number": booking.number})
            return redirect("appointments:detail", booking_id=booking.pk)
    if partner is not None and request.method == "GET":
        audit.record(
            actor=request.user, action=audit.Action.READ, obj=partner, partner_id=partner.pk
        )
    context = {
        "lookup": lookup,
        "type_form": type_form,
        "partner": partner,
        "kind": kind,
        "span": span,
        "days": days,
        "form": form,
    }
    return form_page(request, "appointments/book.html", context)


def _booking(booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("partner", "advisor__user", "appointment_type", "case"),
        pk=booking_id,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def detail(request: StaffRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    audit.record(
        actor=request.user, action=audit.Action.READ, obj=booking, partner_id=booking.partner_id
    )
    return _detail_page(request, booking)


def _detail_page(
    request: StaffRequest,
    booking: Booking,
    *,
    cancel_form: CancelForm | None = None,
    outcome_form: OutcomeForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    context = {
        "booking": booking,
        "can_change": booking.status == Booking.Status.BOOKED,
        "can_record": booking.status == Booking.Status.BOOKED and booking.starts_at <= now,
        "cancel_form": cancel_form or CancelForm(),
        "outcome_form": outcome_form or OutcomeForm(),
    }
    failed = cancel_form is not None or outcome_form is not None
    # A refusal shows on top, also when the refused action is no longer offered.
    context["refusals"] = [
        str(error)
        for form in (cancel_form, outcome_form)
        if form is not None
        for error in form.non_field_errors()
    ]
    return render(request, "appointments/detail.html", context, status=400 if failed else 200)


@login_required
@permission_required(BOOK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def reschedule(request: StaffRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    span = selectors.week(request.GET.get("woche"), timezone.localdate())
    days = selectors.free_week(booking.appointment_type, span, with_advisor=True)
    form = RescheduleForm(request.POST or None)
    if submitted(request, form):

        def action() -> Booking:
            advisor_id, starts_at = parse_slot(form.cleaned_data["slot"])
            return service.reschedule(
                booking=booking,
                starts_at=starts_at,
                advisor=get_object_or_404(Advisor, pk=advisor_id),
                actor=request.user,
            )

        moved = call_service(form, action)
        if moved is not None:
            messages.success(request, _("Termin verlegt; die Kundin/der Kunde ist informiert."))
            return redirect("appointments:detail", booking_id=moved.pk)
    context = {"booking": booking, "span": span, "days": days, "form": form}
    return form_page(request, "appointments/reschedule.html", context)


@login_required
@permission_required(BOOK, raise_exception=True)
@require_POST
def cancel(request: StaffRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    form = CancelForm(request.POST)
    if submitted(request, form):
        done = call_service(
            form,
            lambda: service.cancel(
                booking=booking, reason=form.cleaned_data["reason"], actor=request.user
            ),
        )
        if done is not None:
            messages.success(request, _("Termin abgesagt; die Kundin/der Kunde ist informiert."))
            return redirect("appointments:detail", booking_id=booking.pk)
    return _detail_page(request, booking, cancel_form=form)


@login_required
@permission_required(OUTCOME, raise_exception=True)
@require_POST
def outcome(request: StaffRequest, booking_id: int) -> HttpResponse:
    booking = _booking(booking_id)
    form = OutcomeForm(request.POST)
    if submitted(request, form):
        data = form.cleaned_data
        result = call_service(
            form,
            lambda: (
                service.record_outcome(
                    booking=booking,
                    outcome=data["outcome"],
                    notes=data["notes"],
                    follow_up=data["follow_up"],
                    actor=request.user,
                )
                or True
            ),
        )
        if result is not None:
            messages.success(request, _("Ergebnis eingetragen."))
            return redirect("appointments:detail", booking_id=booking.pk)
    return _detail_page(request, booking, outcome_form=form)
