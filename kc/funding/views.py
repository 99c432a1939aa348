"""The funding clerk's pages: the queue, a program with its budgets, one application with its
documents, eligibility, checklist, decision and payout. Views parse input, call one service
of kc.funding and render; a refusal shows on the page as the service worded it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.forms import BaseForm
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kc.core import audit
from kc.core.form_views import call_service, submitted
from kc.core.http import StaffRequest
from kc.core.money import format_eur
from kc.funding import decisions, eligibility, payouts, selectors
from kc.funding.forms import (
    ActionForm,
    ApproveForm,
    ChecklistForm,
    RejectForm,
    StatusFilterForm,
)
from kc.funding.models import (
    ApplicationDocument,
    FundingApplication,
    FundingCategory,
    FundingProgram,
)
from kc.letters.models import Letter

VIEW = "funding.view_fundingapplication"
CHANGE = "funding.change_fundingapplication"
VIEW_DOCUMENT = "funding.view_applicationdocument"
Status = FundingApplication.Status
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    today = timezone.localdate()
    rows = [
        (application, (today - timezone.localdate(application.applied_at)).days)
        for application in selectors.queue(status or None)[:200]
    ]
    counts = selectors.status_counts()
    programs = [
        (program, selectors.consumption(program, today.year))
        for program in FundingProgram.objects.filter(active=True)
    ]
    context = {
        "form": form,
        "status": status,
        "rows": rows,
        "counts": [(Status(key).label, key, n) for key, n in counts.items()],
        "programs": programs,
        "year": today.year,
    }
    return render(request, "funding/queue.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def program(request: StaffRequest, program_id: int) -> HttpResponse:
    found = get_object_or_404(FundingProgram, pk=program_id)
    budgets = [
        (budget, selectors.consumption(found, budget.year)) for budget in found.budgets.all()
    ]
    versions = FundingCategory.objects.filter(program=found).order_by("label", "-valid_from")
    context = {
        "program": found,
        "budgets": budgets,
        "in_force": [
            c
            for c in selectors.categories_in_force(timezone.localdate())
            if c.program_id == found.pk
        ],
        "versions": versions,
    }
    return render(request, "funding/program.html", context)


def _detail_page(
    request: StaffRequest, application_id: int, *, failed: dict[str, BaseForm] | None = None
) -> HttpResponse:
    application = get_object_or_404(
        FundingApplication.objects.select_related(
            "partner", "account", "contract", "category", "category__program", "case"
        ),
        pk=application_id,
    )
    failed = failed or {}
    is_open = application.status in FundingApplication.OPEN
    reasons = eligibility.check(decisions.decision_request(application), eligibility.DECISION_RULES)
    use = selectors.consumption(application.category.program, application.budget_year)
    letters = (
        Letter.objects.filter(case_number=application.case.number, kind__startswith="funding")
        if application.case
        else Letter.objects.none()
    )
    context: dict[str, Any] = {
        "application": application,
        "partner": application.partner,
        "documents": list(application.documents.all()),
        "checks": list(application.checks.select_related("done_by")),
        "reasons": reasons,
        "blockers": decisions.blockers(application) if is_open else [],
        "consumption": use,
        "deadline": eligibility.deadline(decisions.decision_request(application)),
        "letters": list(letters.order_by("created_at")),
        "is_open": is_open,
        "can_pay": application.status == Status.APPROVED,
        "checklist_form": failed.get("checks") or ChecklistForm(application=application),
        "approve_form": failed.get("approve") or ApproveForm(prefix="approve"),
        "reject_form": failed.get("reject") or RejectForm(prefix="reject"),
        "pay_form": failed.get("pay") or ActionForm(prefix="pay"),
    }
    context["refusals"] = [str(e) for form in failed.values() for e in form.non_field_errors()]
    if request.method == "GET":
        audit.record(
            actor=request.user,
            action=audit.Action.READ,
            obj=application,
            partner_id=application.partner_id,
        )
    return render(request, "funding/application.html", context, status=400 if failed else 200)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def application_detail(request: StaffRequest, application_id: int) -> HttpResponse:
    return _detail_page(request, application_id)


def _done(request: StaffRequest, application: FundingApplication, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("funding:application", application_id=application.pk)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def checks(request: StaffRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(FundingApplication, pk=application_id)
    form = ChecklistForm(request.POST)
    if submitted(request, form):
        done = form.cleaned_data["done"]
        result = call_service(
            form, lambda: decisions.set_checks(application, done=done, actor=request.user)
        )
        if result is not None:
            return _done(request, application, _("Prüfliste gespeichert."))
    return _detail_page(request, application_id, failed={"checks": form})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def approve(request: StaffRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(FundingApplication, pk=application_id)
    form = ApproveForm(request.POST, prefix="approve")
    if submitted(request, form):
        data = form.cleaned_data
        result = call_service(
            form,
            lambda: decisions.approve(
                application,
                actor=request.user,
                reason=data["reason"],
                accept_partial=data["accept_partial"],
            ),
        )
        if result is not None:
            return _done(
                request,
                result,
                _("Antrag bewilligt: %(amount)s; der Bewilligungsbrief ist erstellt.")
                % {"amount": format_eur(result.approved_amount or Decimal(0))},
            )
    return _detail_page(request, application_id, failed={"approve": form})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def reject(request: StaffRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(FundingApplication, pk=application_id)
    form = RejectForm(request.POST, prefix="reject")
    if submitted(request, form):
        reason = form.cleaned_data["reason"]
        result = call_service(
            form, lambda: decisions.reject(application, actor=request.user, reason=reason)
        )
        if result is not None:
            return _done(request, result, _("Antrag abgelehnt; der Ablehnungsbrief ist erstellt."))
    return _detail_page(request, application_id, failed={"reject": form})


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def pay(request: StaffRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(FundingApplication, pk=application_id)
    form = ActionForm(request.POST, prefix="pay")
    if submitted(request, form):
        result = call_service(form, lambda: payouts.pay(application, actor=request.user))
        if result is not None:
            return _done(
                request,
                result,
                _("Förderung ausgezahlt (%(way)s).") % {"way": result.get_payout_way_display()},
            )
    return _detail_page(request, application_id, failed={"pay": form})


@login_required
@permission_required(VIEW_DOCUMENT, raise_exception=True)
@require_GET
def document(request: StaffRequest, document_id: int) -> HttpResponseBase:
    """The stored (cleaned) file, only after clamd found it clean; every opening is audited."""
    found = get_object_or_404(
        ApplicationDocument.objects.select_related("application"), pk=document_id
    )
    if found.scan == ApplicationDocument.Scan.PENDING:
        return _plain(_("Die Unterlage wird noch auf Schadsoftware geprüft."), status=409)
    if found.scan != ApplicationDocument.Scan.CLEAN or not found.file:
        return _plain(_("Die Unterlage ist nicht geprüft sauber und wird nicht geöffnet."), 403)
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        obj=found,
        partner_id=found.application.partner_id,
    )
    content_type = found.content_type.split(";")[0].strip().lower()
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.filename,
        content_type=content_type if inline or content_type == "application/pdf" else None,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
