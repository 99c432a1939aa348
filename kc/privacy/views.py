"""Staff pages of the GDPR requests: list with due dates, registration, the request with its
identity check, export, extension and completion, the erasure preview, and per customer
who saw and changed their data. Views parse, call a service, render."""

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kc.core import audit
from kc.core.form_views import call_service, form_page, submitted
from kc.core.http import StaffRequest
from kc.core.validation import Refusal
from kc.privacy import lifting, selectors, services
from kc.privacy.forms import (
    CompleteForm,
    ConfirmErasureForm,
    ExtensionForm,
    IdentityForm,
    LiftRestrictionForm,
    RequestForm,
)
from kc.privacy.models import PrivacyRequest

VIEW = "privacy.view_privacyrequest"
ADD = "privacy.add_privacyrequest"
CHANGE = "privacy.change_privacyrequest"
ERASE = "privacy.erase_personal_data"


@login_required
@permission_required(VIEW, raise_exception=True)
def request_list(request: StaffRequest) -> HttpResponse:
    state = request.GET.get("state", PrivacyRequest.State.OPEN)
    rows = selectors.requests(state)
    today = timezone.localdate()
    context = {
        "rows": [(r, (r.answer_due - today).days) for r in rows],
        "state": state,
        "states": PrivacyRequest.State.choices,
    }
    return render(request, "privacy/request_list.html", context)


def _received_at(day: datetime.date) -> datetime.datetime:
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@login_required
@permission_required(ADD, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_create(request: StaffRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if submitted(request, form):
        data = form.cleaned_data
        created = call_service(
            form,
            lambda: services.register_request(
                partner=services.find_partner(data["partner_number"]),
                kind=data["kind"],
                channel=data["channel"],
                actor=request.user,
                received_at=_received_at(data["received_on"]),
            ),
        )
        if created is not None:
            messages.success(
                request, _("Anfrage erfasst, fällig am %s.") % f"{created.due_on:%d.%m.%Y}"
            )
            return redirect("privacy:request_detail", request_id=created.pk)
    return form_page(request, "privacy/request_form.html", {"form": form})


def _detail_context(privacy_request: PrivacyRequest, **forms: object) -> dict[str, object]:
    return {
        "r": privacy_request,
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "complete_form": forms.get("complete_form") or CompleteForm(),
        "lift_form": forms.get("lift_form") or LiftRestrictionForm(),
        "lift_refusal": lifting.refusal(privacy_request),
    }


@login_required
@permission_required(VIEW, raise_exception=True)
def request_detail(request: StaffRequest, request_id: int) -> HttpResponse:
    privacy_request = selectors.request_for_page(request_id)
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        obj=privacy_request,
        partner_id=privacy_request.partner_id,
    )
    return render(request, "privacy/request_detail.html", _detail_context(privacy_request))


def _action(
    request: StaffRequest,
    request_id: int,
    form_name: str,
    form: BaseForm,
    action: Callable[[PrivacyRequest], object],
) -> HttpResponse:
    """Run a service on the request, loaded once; a refusal shows on the detail page."""
    privacy_request = selectors.request_for_page(request_id)
    if submitted(request, form) and call_service(form, lambda: action(privacy_request)) is not None:
        return redirect("privacy:request_detail", request_id=request_id)
    context = _detail_context(privacy_request, **{form_name: form})
    return form_page(request, "privacy/request_detail.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def identity_check(request: StaffRequest, request_id: int) -> HttpResponse:
    form = IdentityForm(request.POST)
    return _action(
        request,
        request_id,
        "identity_form",
        form,
        lambda privacy_request: services.check_identity(
            request=privacy_request,
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"],
            actor=request.user,
        ),
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def extend(request: StaffRequest, request_id: int) -> HttpResponse:
    form = ExtensionForm(request.POST)
    return _action(
        request,
        request_id,
        "extension_form",
        form,
        lambda privacy_request: services.extend(
            request=privacy_request,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            today=timezone.localdate(),
        ),
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def complete(request: StaffRequest, request_id: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    return _action(
        request,
        request_id,
        "complete_form",
        form,
        lambda privacy_request: services.complete(
            request=privacy_request,
            outcome=form.cleaned_data["outcome"],
            actor=request.user,
        ),
    )


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def export_download(request: StaffRequest, request_id: int) -> HttpResponse:
    """A POST: building the export is recorded (audit row, export date)."""
    privacy_request = selectors.request_for_page(request_id)
    try:
        package = services.release_export(request=privacy_request, actor=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal))
        return redirect("privacy:request_detail", request_id=request_id)
    filename = f"datenauskunft-{privacy_request.partner_number}-{timezone.localdate():%Y%m%d}.zip"
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required(ERASE, raise_exception=True)
@require_POST
def lift_restriction(request: StaffRequest, request_id: int) -> HttpResponse:
    """Art. 18 (3): the customer gets a letter, then the restriction is lifted."""
    form = LiftRestrictionForm(request.POST)
    response = _action(
        request,
        request_id,
        "lift_form",
        form,
        lambda privacy_request: lifting.lift_restriction(
            request=privacy_request, reason=form.cleaned_data["reason"], actor=request.user
        ),
    )
    if response.status_code == 302:
        messages.success(
            request, _("Einschränkung aufgehoben, der Kunde wird per Brief unterrichtet.")
        )
    return response


@login_required
@permission_required(ERASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def erasure_preview(request: StaffRequest, request_id: int) -> HttpResponse:
    privacy_request = selectors.request_for_page(request_id)
    today = timezone.localdate()
    form = ConfirmErasureForm(request.POST or None)
    if submitted(request, form):
        done = call_service(
            form,
            lambda: services.erase(request=privacy_request, actor=request.user, today=today),
        )
        if done is not None:
            messages.success(request, done.outcome)
            return redirect("privacy:request_detail", request_id=request_id)
    plan = None
    if privacy_request.partner is not None and privacy_request.is_open:
        plan = services.preview_erasure(privacy_request, today)
    context = {"r": privacy_request, "plan": plan, "form": form}
    return form_page(request, "privacy/erasure_preview.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def customer_audit(request: StaffRequest, partner_id: int) -> HttpResponse:
    """Who read or changed this customer's data; looking is itself recorded."""
    partner = selectors.partner_for_page(partner_id)
    page = selectors.audit_page(partner.pk, request.GET.get("page"))
    audit.record(
        actor=request.user,
        action=audit.Action.READ,
        object_type="core.auditlogentry",
        object_id=str(partner.pk),
        partner_id=partner.pk,
    )
    return render(request, "privacy/customer_audit.html", {"partner": partner, "page": page})
