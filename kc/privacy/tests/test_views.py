"""GDPR pages: permissions, registration with refusals, identity before export, the audited
download, the erasure preview and its confirmation, the per-customer audit, the search."""

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.customers.models import BusinessPartner
from kc.desk.search import search_customers
from kc.portal.tests.factories import customer
from kc.privacy import services
from kc.privacy.models import PrivacyRequest
from kc.privacy.package import JSON_NAME

pytestmark = pytest.mark.django_db


def client_for(role: str, username: str) -> Client:
    client = Client()
    client.force_login(make_staff(username, role))
    return client


@pytest.fixture
def access_request(lead: User) -> PrivacyRequest:
    return services.register_request(
        partner=customer(last_name="Zander"), kind="access", channel="email", actor=lead
    )


def test_agents_get_403_on_every_page(access_request: PrivacyRequest):
    agent = client_for(roles.AGENT, "agent")
    pk = access_request.pk
    for url in (
        reverse("privacy:request_list"),
        reverse("privacy:request_create"),
        reverse("privacy:request_detail", args=[pk]),
        reverse("privacy:erasure_preview", args=[pk]),
        reverse("privacy:customer_audit", args=[access_request.partner_id]),
    ):
        assert agent.get(url).status_code == 403, url
    assert agent.post(reverse("privacy:export", args=[pk])).status_code == 403


def test_list_shows_open_requests_with_due_dates(lead_client: Client, access_request):
    response = lead_client.get(reverse("privacy:request_list"))
    assert response.status_code == 200
    assert f"{access_request.due_on:%d.%m.%Y}" in response.content.decode()
    assert "Zander" in response.content.decode()


def test_register_refuses_unknown_customer_and_a_second_open_request(lead_client, access_request):
    url = reverse("privacy:request_create")
    data = {"kind": "access", "channel": "email", "received_on": "2026-11-02"}
    response = lead_client.post(url, data | {"partner_number": "00000000"})
    assert response.status_code == 400 and "00000000" in response.content.decode()
    number = access_request.partner_number
    response = lead_client.post(url, data | {"partner_number": number})
    assert response.status_code == 400 and "bereits eine Anfrage" in response.content.decode()
    assert PrivacyRequest.objects.count() == 1
    response = lead_client.post(url, data | {"partner_number": number, "kind": "erasure"})
    assert response.status_code == 302
    created = PrivacyRequest.objects.get(kind="erasure")
    assert f"{created.due_on:%Y-%m-%d}" == "2026-12-02"


def test_export_only_after_identity_check_and_every_download_is_audited(
    lead_client, access_request
):
    export_url = reverse("privacy:export", args=[access_request.pk])
    response = lead_client.post(export_url)
    assert response.status_code == 302  # refused with a message
    assert not AuditLogEntry.objects.filter(
        action="read", object_type="privacy.privacyrequest", changes__has_key="export_bytes"
    ).exists()
    response = lead_client.post(
        reverse("privacy:identity_check", args=[access_request.pk]),
        {"method": "id_document", "note": "Personalausweis", "confirmed": "on"},
    )
    assert response.status_code == 302
    response = lead_client.post(export_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert JSON_NAME in archive.namelist()
    assert "Zander" in archive.read(JSON_NAME).decode()
    assert (
        AuditLogEntry.objects.filter(
            action="read",
            object_id=str(access_request.pk),
            partner_id=access_request.partner_id,
            actor__username="lead",
        ).count()
        >= 1
    )


def test_identity_check_needs_the_checkbox(lead_client, access_request):
    response = lead_client.post(
        reverse("privacy:identity_check", args=[access_request.pk]), {"method": "postal"}
    )
    assert response.status_code == 400
    access_request.refresh_from_db()
    assert not access_request.identity_checked


def test_erasure_preview_lists_blockers_and_confirm_applies(lead_client, lead):
    from kc.privacy.tests.factories import full_customer

    c = full_customer("Echo", "DE89370400440532013000", lead)
    request = services.register_request(
        partner=c.partner, kind="erasure", channel="letter", actor=lead
    )
    services.check_identity(request=request, method="id_document", note="", actor=lead)
    url = reverse("privacy:erasure_preview", args=[request.pk])
    page = lead_client.get(url).content.decode()
    assert "Laufender Vertrag" in page and "gelöscht" in page and "bleibt" in page
    assert lead_client.post(url, {}).status_code == 400  # not confirmed
    assert lead_client.post(url, {"confirmed": "on"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "completed" and request.result["blockers"]
    detail = lead_client.get(reverse("privacy:request_detail", args=[request.pk])).content.decode()
    assert "bleibt (gesperrt)" in detail and "Teilweise abgelehnt" in detail


def test_customer_audit_page_lists_who_saw_what_and_records_the_look(lead_client, access_request):
    partner = access_request.partner
    assert partner is not None
    viewer = make_staff("sachbearbeiter", roles.AGENT)
    from kc.core import audit

    audit.record(actor=viewer, action=audit.Action.READ, obj=partner, partner_id=partner.pk)
    response = lead_client.get(reverse("privacy:customer_audit", args=[partner.pk]))
    assert response.status_code == 200
    assert "sachbearbeiter" in response.content.decode()
    assert AuditLogEntry.objects.filter(
        object_type="core.auditlogentry", partner_id=partner.pk
    ).exists()


def test_restricted_customers_are_not_found_by_search(db):
    kept = customer(last_name="Quentel")
    hidden = customer(last_name="Quentel")
    BusinessPartner.objects.filter(pk=hidden.pk).update(
        processing_restricted_at="2026-11-01T10:00Z"
    )
    ids = {hit.partner_id for hit in search_customers("Quentel").hits}
    assert ids == {kept.pk}
    assert search_customers(hidden.number).hits == ()


def test_navigation_shows_the_privacy_pages_only_to_those_allowed(lead_client: Client):
    url = reverse("privacy:request_list")
    assert url in lead_client.get(reverse("desk:home")).content.decode()
    agent = client_for(roles.AGENT, "agent")
    assert url not in agent.get(reverse("desk:home")).content.decode()
