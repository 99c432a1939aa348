"""Presence pages: my presence (the widget, also on the start page), everyone at a glance
(polled by htmx, complete without JavaScript) and the shift plan for team leads."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kc.core.calendars import default_calendar
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.models import User
from kc.core.validation import Refusal
from kc.desk import presence_overview, shifts
from kc.desk.forms_presence import CopyWeekForm, PresenceForm, ShiftForm
from kc.desk.models import Location, Presence, PresenceState, Shift
from kc.desk.presence import PresenceOutcome, location_today, planned_shift, set_presence

VIEW_PRESENCE = "desk.view_presence"
VIEW_SHIFT = "desk.view_shift"
POLL_SECONDS = 20  # KC_PRESENCE_POLL_SECONDS overrides (browser tests poll faster)
STOP_POLLING = 286  # htmx stops polling on this status (logged out: no login page swapped in)


def widget_context(user: User, form: PresenceForm | None = None) -> dict[str, object]:
    """What the presence widget shows: today's presence and a form set to it."""
    now = timezone.now()
    presence = Presence.objects.filter(user=user).first()
    given = location_today(presence, timezone.localdate(now))
    if form is None:
        shift = planned_shift(user, now)
        planned = shift.location if shift is not None else Location.HOME_OFFICE
        chosen = given if given and given != Location.UNKNOWN else planned
        state = presence.state if presence is not None and given else PresenceState.AVAILABLE
        form = PresenceForm(initial={"location": chosen, "state": state})
    return {"presence": presence if given else None, "presence_form": form}


@login_required
@permission_required(VIEW_PRESENCE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def my_presence(request: StaffRequest) -> HttpResponse:
    form = PresenceForm(request.POST or None)
    outcome: PresenceOutcome | None = None
    if submitted(request, form):
        outcome = call_service(
            form,
            lambda: set_presence(
                request.user,
                location=form.cleaned_data["location"],
                state=form.cleaned_data["state"],
            ),
        )
    if outcome is not None:
        message = outcome.message or _("Gespeichert.")
        if request.htmx:
            # The swap replaces the button that had the focus: htmx focuses the new one.
            context = {**widget_context(request.user), "presence_message": message, "refocus": True}
            return render(request, "desk/presence_widget_response.html", context)
        if outcome.message:
            messages.info(request, message)
        else:
            messages.success(request, message)
        return redirect(_next_url(request))
    context = widget_context(request.user, form if request.method == "POST" else None)
    if request.htmx and request.method == "POST":
        # htmx does not swap a 400: the widget comes back with its errors as 200.
        context["refocus"] = True
        return render(request, "desk/presence_widget_response.html", context)
    return form_page(request, "desk/presence_me.html", context)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("desk:presence_me")


def _overview_context() -> dict[str, object]:
    return {
        "groups": presence_overview.overview(),
        "today": timezone.localdate(),
        "now": timezone.now(),
        "poll_seconds": max(1, int(getattr(settings, "KC_PRESENCE_POLL_SECONDS", POLL_SECONDS))),
    }


@login_required
@permission_required(VIEW_PRESENCE, raise_exception=True)
@require_GET
def presence_board(request: StaffRequest) -> HttpResponse:
    return render(request, "desk/presence_overview.html", _overview_context())


@require_GET
def presence_rows(request: HttpRequest) -> HttpResponse:
    """The groups, polled by the overview page (htmx)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return HttpResponse(status=STOP_POLLING)
    if not user.has_perm(VIEW_PRESENCE):
        raise PermissionDenied
    if not request.headers.get("HX-Request"):
        return redirect("desk:presence_overview")
    response = render(request, "desk/presence_rows.html", _overview_context())
    patch_vary_headers(response, ["HX-Request"])
    return response


def _week(request: HttpRequest) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("woche", ""))
    except ValueError:
        day = timezone.localdate()
    if not shifts.EARLIEST_DAY <= day <= shifts.LATEST_DAY:  # the grid and its links overflow
        day = timezone.localdate()
    return shifts.week_start(day)


def _week_url(monday: datetime.date) -> str:
    return f"{reverse('desk:shift_week')}?woche={monday.isoformat()}"


@login_required
@permission_required(VIEW_SHIFT, raise_exception=True)
@require_GET
def shift_week(request: StaffRequest) -> HttpResponse:
    monday = _week(request)
    columns, rows = presence_overview.week_grid(monday, default_calendar())
    week = datetime.timedelta(days=7)
    context = {
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "columns": columns,
        "rows": rows,
        "previous_week": monday - week,
        "next_week": monday + week,
        "this_week": shifts.week_start(timezone.localdate()),
        "week_is_empty": not any(any(cell) for row in rows for cell in row.cells),
    }
    return render(request, "desk/shift_week.html", context)


@login_required
@permission_required("desk.add_shift", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shift_create(request: StaffRequest) -> HttpResponse:
    initial = {
        "day": request.GET.get("tag") or timezone.localdate(),
        "user": request.GET.get("mitarbeiter"),
        "start": datetime.time(8),
        "end": datetime.time(14),
        "location": Location.HOME_OFFICE,
    }
    form = ShiftForm(request.POST or None, initial=initial)
    return _shift_form(request, form, None)


@login_required
@permission_required("desk.change_shift", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shift_edit(request: StaffRequest, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=shift_id)
    initial = {
        "user": shift.user_id,
        "day": shift.day,
        "start": shift.start,
        "end": shift.end,
        "location": shift.location,
    }
    form = ShiftForm(request.POST or None, initial=initial)
    return _shift_form(request, form, shift)


def _shift_form(request: StaffRequest, form: ShiftForm, shift: Shift | None) -> HttpResponse:
    if submitted(request, form):
        data = form.cleaned_data
        saved = call_service(
            form,
            lambda: shifts.save_shift(
                user=data["user"],
                day=data["day"],
                start=data["start"],
                end=data["end"],
                location=data["location"],
                shift=shift,
            ),
        )
        if saved is not None:
            messages.success(request, _("Die Schicht ist gespeichert."))
            return redirect(_week_url(shifts.week_start(saved.day)))
    title = _("Schicht ändern") if shift else _("Schicht anlegen")
    return form_page(
        request, "desk/shift_form.html", {"form": form, "shift": shift, "title": title}
    )


@login_required
@permission_required("desk.delete_shift", raise_exception=True)
@require_http_methods(["GET", "POST"])
def shift_delete(request: StaffRequest, shift_id: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.select_related("user"), pk=shift_id)
    if request.method == "POST":
        shifts.delete_shift(shift)
        messages.success(request, _("Die Schicht ist gelöscht."))
        return redirect(_week_url(shifts.week_start(shift.day)))
    return render(request, "desk/shift_delete.html", {"shift": shift})


@login_required
@permission_required("desk.add_shift", raise_exception=True)
@require_POST
def shift_copy_week(request: StaffRequest) -> HttpResponse:
    form = CopyWeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unbekannte Woche."))
        return redirect("desk:shift_week")
    target = form.cleaned_data["week"]
    try:
        copied = shifts.copy_week(
            source_monday=target - datetime.timedelta(days=7), target_monday=target
        )
    except Refusal as refusal:
        messages.error(request, str(refusal))
        return redirect(_week_url(target))
    if copied == 0:
        messages.warning(request, _("Die Vorwoche hat keine Schichten; nichts kopiert."))
    else:
        messages.success(
            request,
            _("%(count)d Schichten aus der Vorwoche übernommen.") % {"count": copied},
        )
    return redirect(_week_url(target))
