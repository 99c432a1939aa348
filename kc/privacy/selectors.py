"""Reads of the GDPR pages."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kc.core.models import AuditLogEntry
from kc.customers.models import BusinessPartner
from kc.privacy.models import PrivacyRequest


def requests(state: str) -> QuerySet[PrivacyRequest]:
    qs = PrivacyRequest.objects.select_related("case", "partner", "handled_by")
    if state in PrivacyRequest.State.values:
        qs = qs.filter(state=state)
    return qs.order_by("due_on", "pk")


def request_for_page(request_id: int) -> PrivacyRequest:
    return get_object_or_404(
        PrivacyRequest.objects.select_related("case", "partner", "identity_checked_by"),
        pk=request_id,
    )


def partner_for_page(partner_id: int) -> BusinessPartner:
    return get_object_or_404(BusinessPartner, pk=partner_id)


def audit_page(partner_id: int, page: str | None) -> Page[AuditLogEntry]:
    entries = AuditLogEntry.objects.filter(partner_id=partner_id).order_by("-created_at", "-pk")
    return Paginator(entries, 50).get_page(page)
