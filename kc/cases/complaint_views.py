"""Complaint pages: register and answer on the case, the complaint manager's list, the
monthly report (HTML and CSV). Views parse input, call kc.cases.complaints and render."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kc.cases import complaint_report, complaints
from kc.cases.complaint_forms import AnswerComplaintForm, RegisterComplaintForm
from kc.cases.models import Case, Complaint
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest


def panel_context(case: Case) -> dict[str, object]:
    """The complaint box of the case page."""
    complaint = Complaint.objects.filter(case=case).first()
    return {
        **(_deadline(complaint) if complaint else {"complaint": None}),
        "register_form": RegisterComplaintForm(prefix="complaint"),
        "answer_form": AnswerComplaintForm(prefix="answer"),
    }


def _deadline(complaint: Complaint) -> dict[str, object]:
    left = complaints.days_left(complaint)
    return {
        "complaint": complaint,
        "complaint_days_left": left,
        "complaint_days_overdue": max(-left, 0),
    }


@login_required
@permission_required("cases.add_complaint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def complaint_register(request: StaffRequest, number: str) -> HttpResponse:
    case = get_object_or_404(Case.objects.select_related("partner"), number=number)
    form = RegisterComplaintForm(request.POST or None, prefix="complaint")
    if submitted(request, form):
        complaint = call_service(
            form,
            lambda: complaints.register_complaint(
                case=case, category=form.cleaned_data["category"], actor=request.user
            ),
        )
        if complaint is not None:
            messages.success(
                request,
                _("Als Beschwerde erfasst; Eingang bestätigt. Antwort spätestens am %(due)s.")
                % {"due": f"{complaint.answer_due:%d.%m.%Y}"},
            )
            return redirect("cases:detail", number=case.number)
    return form_page(request, "cases/complaint_register.html", {"case": case, "form": form})


@login_required
@permission_required("cases.change_complaint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def complaint_answer(request: StaffRequest, number: str) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.select_related("case__partner"), case__number=number
    )
    form = AnswerComplaintForm(request.POST or None, prefix="answer")
    if submitted(request, form):
        data = form.cleaned_data
        answered = call_service(
            form,
            lambda: complaints.answer(
                complaint=complaint,
                outcome=data["outcome"],
                reasons=data["reasons"],
                actor=request.user,
            ),
        )
        if answered is not None:
            messages.success(
                request,
                _("Beschwerde beantwortet: Antwortschreiben %(letter)s.")
                % {"letter": answered.answer_letter.number if answered.answer_letter else "–"},
            )
            return redirect("cases:detail", number=number)
    return form_page(
        request,
        "cases/complaint_answer.html",
        {"case": complaint.case, "form": form, **_deadline(complaint)},
    )


@login_required
@permission_required("cases.view_complaint", raise_exception=True)
@require_GET
def complaint_list(request: StaffRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (complaint, complaints.days_left(complaint, today))
        for complaint in complaint_report.open_complaints()[:500]
    ]
    return render(request, "cases/complaint_list.html", {"rows": rows})


@login_required
@permission_required("cases.view_complaint", raise_exception=True)
@require_GET
def complaint_month_report(request: StaffRequest) -> HttpResponse:
    today = timezone.localdate()
    text = request.GET.get("monat", "") or f"{today:%Y-%m}"
    try:
        month = complaint_report.parse_month(text)
    except complaint_report.BadMonth as exc:
        return render(
            request, "cases/complaint_report.html", {"error": str(exc), "monat": text}, status=400
        )
    report = complaint_report.month_report(month, today)
    if request.GET.get("format") == "csv":
        return _csv(report)
    return render(
        request,
        "cases/complaint_report.html",
        {
            "report": report,
            "monat": f"{month:%Y-%m}",
            "previous": f"{complaint_report.previous_month(month):%Y-%m}",
            "next": f"{complaint_report.next_month(month):%Y-%m}",
        },
    )


def _csv(report: complaint_report.MonthReport) -> HttpResponse:
    """Semicolon-separated with a byte-order mark: opens as columns in German Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Bereich"), _("Wert"), _("Anzahl")])
    for label, count in report.by_category:
        writer.writerow([_("Kategorie"), label, count])
    for label, count in report.by_channel:
        writer.writerow([_("Eingangskanal"), label, count])
    for label, count in (
        (_("eingegangen"), report.total),
        (_("fristgerecht beantwortet"), report.answered_in_time),
        (_("verspätet beantwortet"), report.answered_late),
        (_("offen, Frist überschritten"), report.open_overdue),
        (_("offen, in der Frist"), report.open_in_time),
    ):
        writer.writerow([_("Fristen"), label, count])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="beschwerden-{report.month:%Y-%m}.csv"'
    return response
