"""Energy-saving consultation in the portal: own appointments, booking from the free slots of
a week (radio buttons, paged by week, no JavaScript needed), rescheduling and cancelling.

A booking is loaded only through the customer's scope (another customer's id is 404); the
booking service checks the slot again under the advisor's lock, refuses a customer's change
after the start, and sends the invitation."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kc.appointments import booking as service
from kc.appointments import notify, selectors
from kc.appointments.forms import BookingDetailsForm, RescheduleForm, parse_slot
from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.appointments.slots import Problem
from kc.core.form_views import form_page, submitted
from kc.portal.forms_requests import OnceForm
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.portal.views.messages import submit_once


class PortalBookingForm(OnceForm, BookingDetailsForm):
    field_order = ["slot", "topic", "customer_note", "contact_phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The invitation names the customer and the appointment: it goes to the verified
        # login address only, never to an address typed into the form.
        del self.fields["contact_email"]


class PortalRescheduleForm(OnceForm, RescheduleForm):
    pass


class PortalCancelForm(OnceForm):
    reason = forms.CharField(
        label=gettext_lazy("Grund (freiwillig)"), max_length=300, required=False
    )


def _types() -> list[AppointmentType]:
    return list(AppointmentType.objects.filter(active=True).order_by("name"))


def _chosen_type(request: CustomerRequest, types: list[AppointmentType]) -> AppointmentType | None:
    wanted = request.GET.get("art", "")
    return next((kind for kind in types if str(kind.pk) == wanted), None)


def _detail_url(booking: Booking) -> str:
    return reverse("portal:consultation_booking", kwargs={"booking_id": booking.pk})


@customer_required
def overview(request: CustomerRequest) -> HttpResponse:
    """The customer's appointments: coming ones first, then the earlier ones."""
    now = timezone.now()
    bookings = list(scope(request).bookings())
    upcoming = sorted(
        (b for b in bookings if b.status == Booking.Status.BOOKED and b.ends_at > now),
        key=lambda b: b.starts_at,
    )
    earlier = [b for b in bookings if b not in upcoming]
    context = {"upcoming": upcoming, "earlier": earlier}
    return render(request, "portal/consultation_list.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def book(request: CustomerRequest) -> HttpResponse:
    types = _types()
    kind = _chosen_type(request, types)
    span = selectors.week(request.GET.get("woche"), timezone.localdate())
    days = selectors.free_week(kind, span, with_advisor=False) if kind else []
    partner = scope(request).partner
    form = PortalBookingForm(
        request.POST or None,
        initial={"contact_phone": partner.phone or partner.mobile},
    )
    if kind is not None and submitted(request, form):
        data = form.cleaned_data

        def action() -> Booking:
            advisor_id, starts_at = parse_slot(data["slot"])
            return service.book(
                partner=partner,
                appointment_type=kind,
                advisor=_advisor(advisor_id),
                starts_at=starts_at,
                topic=data["topic"],
                customer_note=data["customer_note"],
                contact_phone=data["contact_phone"],
                contact_email=request.user.email,
                channel=Booking.Channel.PORTAL,
                actor=request.user,
            )

        def done(booking: Booking) -> str:
            messages.success(request, _confirmed(booking))
            return _detail_url(booking)

        sent = submit_once(request, form, action, done)
        if sent is not None:
            return sent
    context = {"types": types, "kind": kind, "span": span, "days": days, "form": form}
    return form_page(request, "portal/consultation_book.html", context)


def _advisor(pk: int) -> Advisor:
    advisor = Advisor.objects.filter(pk=pk, active=True).select_related("user").first()
    if advisor is None:
        raise service.BookingRefusal(Problem.TAKEN)
    return advisor


def _confirmed(booking: Booking) -> str:
    text = _("Ihr Termin ist gebucht: %(when)s.") % {"when": notify.when(booking)}
    if booking.contact_email:
        text += " " + _("Die Bestätigung mit dem Kalendereintrag kommt per E-Mail.")
    return text


@customer_required
def detail(request: CustomerRequest, booking_id: int) -> HttpResponse:
    booking = scope(request).booking(booking_id)
    context = {"booking": booking, **_may_change(booking), "form": PortalCancelForm()}
    return render(request, "portal/consultation_detail.html", context)


def _may_change(booking: Booking) -> dict[str, Any]:
    changeable = booking.status == Booking.Status.BOOKED and booking.starts_at > timezone.now()
    return {"changeable": changeable}


@customer_required
@require_http_methods(["GET", "POST"])
def reschedule(request: CustomerRequest, booking_id: int) -> HttpResponse:
    booking = scope(request).booking(booking_id)
    if not _may_change(booking)["changeable"]:
        raise Http404
    span = selectors.week(request.GET.get("woche"), timezone.localdate())
    days = selectors.free_week(booking.appointment_type, span, with_advisor=False)
    form = PortalRescheduleForm(request.POST or None)
    if submitted(request, form):

        def action() -> Booking:
            advisor_id, starts_at = parse_slot(form.cleaned_data["slot"])
            return service.reschedule(
                booking=booking,
                starts_at=starts_at,
                advisor=_advisor(advisor_id),
                actor=request.user,
                by_partner=scope(request).partner,
            )

        def done(moved: Booking) -> str:
            messages.success(
                request,
                _("Ihr Termin ist verlegt auf %(when)s.") % {"when": notify.when(moved)},
            )
            return _detail_url(moved)

        sent = submit_once(request, form, action, done)
        if sent is not None:
            return sent
    context = {"booking": booking, "span": span, "days": days, "form": form}
    return form_page(request, "portal/consultation_reschedule.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def cancel(request: CustomerRequest, booking_id: int) -> HttpResponse:
    booking = scope(request).booking(booking_id)
    form = PortalCancelForm(request.POST or None)
    if request.method == "GET":
        return redirect(_detail_url(booking))
    if submitted(request, form):

        def done(cancelled: Booking) -> str:
            messages.success(request, _("Ihr Termin ist abgesagt."))
            return _detail_url(cancelled)

        sent = submit_once(
            request,
            form,
            lambda: service.cancel(
                booking=booking,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                by_partner=scope(request).partner,
            ),
            done,
        )
        if sent is not None:
            return sent
    context = {"booking": booking, **_may_change(booking), "form": form}
    return form_page(request, "portal/consultation_detail.html", context)
