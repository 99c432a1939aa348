"""Hotline staffing (/hotline-bedarf/): the Erlang C need per opening hour from the call
journal against the shift plan, with the gaps. Thin: the form, kc/desk/staffing.py, a chart
per day through the report SVG module."""

import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kc.core.calendars import default_calendar
from kc.core.http import StaffRequest
from kc.desk import staffing
from kc.desk.forms_staffing import StaffingForm
from kc.desk.reports import svg


def _chart(day: staffing.DayGaps) -> svg.Chart:
    label = date_format(day.day, "l, d.m.Y")
    return svg.Chart(
        slug=f"bedarf-{day.day.isoformat()}",
        kind=svg.Kind.BARS,
        title=_("Hotline %(day)s: benötigt und geplant") % {"day": label},
        desc=_("Benötigte und geplante Mitarbeitende je Stunde; die Tabelle nennt die Zahlen."),
        categories=tuple(f"{h.hour:02d}" for h in day.hours),
        series=(
            svg.Series(_("benötigt"), tuple(h.staffing.agents for h in day.hours)),
            svg.Series(_("geplant"), tuple(Decimal(str(h.planned)) for h in day.hours)),
        ),
        unit=_("Mitarbeitende"),
    )


@login_required
@permission_required("desk.view_shift", raise_exception=True)
@require_GET
def staffing_page(request: StaffRequest) -> HttpResponse:
    form = StaffingForm(request.GET, timezone.localdate())
    context: dict[str, object] = {"form": form}
    if not form.is_valid():
        return render(request, "desk/staffing.html", context, status=400)
    data = form.cleaned_data
    calendar = default_calendar()
    monday = form.monday
    forecast = staffing.plan(
        calendar=calendar,
        until=monday,
        weeks=data["weeks"],
        target_level=data["level"] / 100,
        target_s=data["target_s"],
        after_call_s=data["after_call_s"],
    )
    days = staffing.week_gaps(forecast, calendar, monday)
    context.update(
        {
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "forecast": forecast,
            "handling_min": Decimal(str(round(forecast.handling_s / 60, 1))),
            "days": [(day, svg.render(_chart(day)) if day.hours else None) for day in days],
            "explanations": sorted(
                {h.staffing.explanation for d in days for h in d.hours if h.staffing.explanation}
            ),
        }
    )
    return render(request, "desk/staffing.html", context)
