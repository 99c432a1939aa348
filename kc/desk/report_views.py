"""Reports for team leads and admins (/berichte/): the page with a chart and table per report,
and each table as CSV (/berichte/<table>.csv with the same period). Thin: the period form,
the selectors in kc/desk/reports/, the SVG module, the CSV writer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kc.core.http import StaffRequest
from kc.desk.reports import svg
from kc.desk.reports.catalogue import all_sections, find_table
from kc.desk.reports.csv_export import table_csv
from kc.desk.reports.forms import PRESET_LABELS, period_form

# Team figures are for those who see the team: team leads and admins (kc/core/roles.py);
# agents and on-site staff do not have it.
REPORTS_PERMISSION = "core.view_team"


@login_required
@permission_required(REPORTS_PERMISSION, raise_exception=True)
@require_GET
def reports(request: StaffRequest) -> HttpResponse:
    form = period_form(request.GET, timezone.localdate())
    context: dict[str, object] = {"form": form, "presets": PRESET_LABELS.items()}
    if form.is_valid():
        period = form.period
        context["period"] = period
        context["query"] = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
        context["sections"] = [
            (
                section,
                [
                    (figure, svg.render(figure.chart) if figure.chart else None)
                    for figure in section.figures
                ],
            )
            for section in all_sections(period)
        ]
    status = 200 if form.is_valid() else 400
    return render(request, "desk/reports.html", context, status=status)


@login_required
@permission_required(REPORTS_PERMISSION, raise_exception=True)
@require_GET
def report_csv(request: StaffRequest, table: str) -> HttpResponse:
    form = period_form(request.GET, timezone.localdate())
    if not form.is_valid():
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    period = form.period
    found = find_table(period, table)
    if found is None:
        raise Http404
    response = HttpResponse(table_csv(found), content_type="text/csv; charset=utf-8")
    name = f"{found.slug}_{period.start.isoformat()}_{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
