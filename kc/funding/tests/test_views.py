"""The funding clerk's pages: queue, program with live budget, application with checklist,
decision, payout and the audited document download; permissions."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.funding.models import FundingApplication, ReviewCheck
from kc.funding.tests.factories import apply, category, supplied_contract
from kc.letters.models import Letter
from kc.payments.models import LedgerDocument

pytestmark = pytest.mark.django_db
Status = FundingApplication.Status


@pytest.fixture
def clerk_client(clerk: User) -> Client:
    client = Client()
    client.force_login(clerk)
    return client


@pytest.fixture
def application() -> FundingApplication:
    return apply(supplied_contract(), category(), price="3000.00")


def test_the_queue_lists_open_applications_and_the_budget(
    clerk_client: Client, application: FundingApplication
) -> None:
    page = clerk_client.get(reverse("funding:queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert application.number in html and "Klingen Plus" in html
    assert "10.000,00 €" in html  # budget, nothing used yet
    assert 'href="/foerderung/"' in html  # the nav entry
    program = clerk_client.get(reverse("funding:program", args=[application.category.program_id]))
    assert program.status_code == 200 and "Wärmepumpe" in program.content.decode()


def test_the_application_page_is_audited_and_shows_the_rules(
    clerk_client: Client, application: FundingApplication
) -> None:
    url = reverse("funding:application", args=[application.pk])
    html = clerk_client.get(url).content.decode()
    assert "Alle Regeln sind erfüllt" in html
    assert "Prüfliste ist nicht vollständig" in html
    assert AuditLogEntry.objects.filter(
        action="read", object_id=str(application.pk), object_type="funding.fundingapplication"
    ).exists()


def test_approval_without_checklist_is_refused_then_checked_approved_and_paid(
    clerk_client: Client, application: FundingApplication
) -> None:
    approve = reverse("funding:approve", args=[application.pk])
    refused = clerk_client.post(approve, {"approve-reason": ""})
    assert refused.status_code == 400
    assert "Prüfliste ist nicht vollständig" in refused.content.decode()
    assert FundingApplication.objects.get(pk=application.pk).status == Status.SUBMITTED

    checks = reverse("funding:checks", args=[application.pk])
    assert clerk_client.post(checks, {"done": ReviewCheck.Item.values}).status_code == 302
    done = clerk_client.post(approve, {"approve-reason": ""})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert Letter.objects.filter(kind="funding_approval").count() == 1

    pay = reverse("funding:pay", args=[application.pk])
    assert clerk_client.post(pay).status_code == 302
    assert clerk_client.post(pay).status_code == 302  # a second click pays nothing more
    assert LedgerDocument.objects.filter(source=f"funding-{application.number}").count() == 1


def test_rejection_needs_a_reason(clerk_client: Client, application: FundingApplication) -> None:
    url = reverse("funding:reject", args=[application.pk])
    assert clerk_client.post(url, {"reject-reason": ""}).status_code == 400
    assert clerk_client.post(url, {"reject-reason": "Kein Neugerät."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def test_a_document_opens_only_when_clean_and_each_opening_is_audited(
    clerk_client: Client, application: FundingApplication
) -> None:
    document = application.documents.get(kind="invoice")
    url = reverse("funding:document", args=[document.pk])
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditLogEntry.objects.filter(
        action="read", object_type="funding.applicationdocument", object_id=str(document.pk)
    ).exists()
    type(document).objects.filter(pk=document.pk).update(scan="pending")
    assert clerk_client.get(url).status_code == 409
    type(document).objects.filter(pk=document.pk).update(scan="infected")
    assert clerk_client.get(url).status_code == 403


def test_an_agent_sees_no_funding_pages(application: FundingApplication) -> None:
    client = Client()
    client.force_login(make_staff("berater", roles.AGENT))
    assert client.get(reverse("funding:queue")).status_code == 403
    url = reverse("funding:approve", args=[application.pk])
    assert client.post(url).status_code == 403
    html = client.get(reverse("desk:customer_search")).content.decode()
    assert not re.search(r'href="/foerderung/"', html)
