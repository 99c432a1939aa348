"""Funding program in the portal: the categories with amounts and conditions, the application
with its documents (checked before it is sent: every failing reason at once), and the
customer's own applications with state and decision.

The form has two buttons: "Voraussetzungen prüfen" shows amount and reasons without storing
anything (files not needed yet); "Antrag absenden" submits once (one-time token).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kc.core.form_views import form_page, submitted
from kc.core.validation import Refusal
from kc.funding import applications, selectors
from kc.funding.models import DocumentKind, FundingApplication, FundingCategory
from kc.portal.forms_funding import FundingApplicationForm
from kc.portal.views.common import CustomerRequest, customer_required, scope
from kc.portal.views.messages import submit_once


def _categories() -> list[FundingCategory]:
    return selectors.categories_in_force(timezone.localdate())


@customer_required
@require_GET
def overview(request: CustomerRequest) -> HttpResponse:
    context = {
        "categories": _categories(),
        "applications": list(scope(request).funding_applications()),
    }
    return render(request, "portal/funding.html", context)


def _form(request: CustomerRequest, action: str) -> FundingApplicationForm:
    today = timezone.localdate()
    categories = FundingCategory.objects.filter(pk__in=[c.pk for c in _categories()])
    form = FundingApplicationForm(
        request.POST or None,
        request.FILES or None,
        categories=categories.select_related("program").order_by("program__name", "label"),
        contracts=scope(request).current_contracts(today),
        initial={"category": categories.filter(key=request.GET.get("kategorie", "")).first()},
    )
    if action == "check":  # the documents are needed only to send the application
        form.fields["invoice"].required = False
    return form


def _uploads(data: dict[str, Any]) -> list[applications.Upload]:
    pairs = [
        (DocumentKind.INVOICE, data["invoice"]),
        (DocumentKind.COMMISSIONING, data["commissioning"]),
    ]
    return [applications.Upload(kind, content) for kind, content in pairs if content]


@customer_required
@require_http_methods(["GET", "POST"])
def apply(request: CustomerRequest) -> HttpResponse:
    action = request.POST.get("action", "check") if request.method == "POST" else "check"
    form = _form(request, action)
    context: dict[str, Any] = {"form": form, "assessment": None, "has_contracts": True}
    if not form.fields["contract"].queryset.exists():  # type: ignore[attr-defined]
        context["has_contracts"] = False
        return render(request, "portal/funding_form.html", context)
    if submitted(request, form):
        data = form.cleaned_data
        partner = scope(request).partner
        if action == "check":
            terms, amount, reasons = applications.assess(
                partner=partner,
                contract=data["contract"],
                category=data["category"],
                commissioned_on=data["commissioned_on"],
                price=data["purchase_price"],
            )
            context["assessment"] = {"terms": terms, "amount": amount, "reasons": reasons}
            return render(request, "portal/funding_form.html", context)
        # The service checks every rule again and refuses with all reasons (on the form);
        # a second post of the same form goes to the application the first one made.
        done = submit_once(
            request,
            form,
            lambda: applications.submit_application(
                partner=partner,
                contract=data["contract"],
                category=data["category"],
                item=data["item"],
                purchase_price=data["purchase_price"],
                commissioned_on=data["commissioned_on"],
                payout_way=data["payout_way"],
                documents=_uploads(data),
                actor=request.user,
                note=data["note"],
            ),
            lambda application: _submitted(request, application),
        )
        if done is not None:
            return done
    return form_page(request, "portal/funding_form.html", context)


def _submitted(request: CustomerRequest, application: FundingApplication) -> str:
    messages.success(
        request,
        _(
            "Ihr Förderantrag %(number)s ist eingegangen. Wir prüfen ihn mit Ihren Unterlagen; "
            "bewilligt ist die Förderung erst mit unserer schriftlichen Zusage."
        )
        % {"number": application.number},
    )
    return reverse("portal:funding_application", kwargs={"application_id": application.pk})


@customer_required
@require_http_methods(["GET", "POST"])
def application(request: CustomerRequest, application_id: int) -> HttpResponse:
    found = scope(request).funding_application(application_id)
    if request.method == "POST":
        try:
            applications.withdraw(found, actor=request.user)
            messages.success(request, _("Sie haben den Antrag zurückgezogen."))
        except Refusal as refusal:
            messages.error(request, str(refusal))
        return redirect("portal:funding_application", application_id=found.pk)
    context = {
        "application": found,
        "documents": list(found.documents.all()),
        "can_withdraw": found.status in FundingApplication.OPEN,
    }
    return render(request, "portal/funding_application.html", context)
