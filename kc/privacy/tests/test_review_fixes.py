"""Defects found in review of the GDPR part, each pinned by a test."""

import datetime
import zoneinfo

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from kc.appointments.models import Booking
from kc.cases.models import Attachment, Case, Message
from kc.cases.tests.factories import CaseFactory
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import BusinessPartnerFactory
from kc.privacy import periodic, retention, services
from kc.privacy.models import PrivacyRequest
from kc.privacy.tests.factories import full_customer
from kc.privacy.tests.test_erasure import TODAY, erasure_request, settle

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_a_record_of_new_years_night_counts_in_berlins_new_year():
    """00:30 on 1 Jan 2027 in Berlin is 23:30 UTC on 31 Dec 2026: the letter period
    (6 years) runs to the end of 2033, not 2032."""
    partner = BusinessPartnerFactory()
    case = CaseFactory(partner=partner)
    Message.objects.create(
        case=case,
        kind=Message.Kind.EMAIL_OUT,
        created_at=datetime.datetime(2027, 1, 1, 0, 30, tzinfo=BERLIN),
        subject="Antwort",
    )
    kept = {item.area: item for item in retention.retained(partner, datetime.date(2027, 1, 2))}
    messages = kept["E-Mails und Nachrichten der Vorgänge"]
    assert messages.last_made_on == datetime.date(2027, 1, 1)
    assert messages.until == datetime.date(2033, 12, 31)


def test_a_record_made_after_the_restriction_postpones_the_purge(lead):
    """A letter-period record of 2031 is kept until the end of 2037, although the customer
    was restricted in 2026 with a purge date of 1 Jan 2037 (the books of 2026)."""
    alpha = full_customer("Alpha", "DE89370400440532013000", lead)
    settle(alpha)
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    assert BusinessPartner.objects.get(pk=alpha.partner.pk).erasure_due == datetime.date(2037, 1, 1)
    late = Message.objects.create(
        case=alpha.case,
        kind=Message.Kind.EMAIL_OUT,
        created_at=datetime.datetime(2031, 5, 4, 10, 0, tzinfo=BERLIN),
        subject="Nachtrag",
    )
    assert periodic.run(datetime.date(2037, 1, 1)).purged == []
    assert Message.objects.filter(pk=late.pk).exists()
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.erasure_due == datetime.date(2038, 1, 1)
    assert periodic.run(datetime.date(2038, 1, 1)).purged
    assert not Message.objects.filter(pk=late.pk).exists()


def test_a_receipt_before_the_gdpr_is_a_form_error_not_a_500(lead_client):
    partner = BusinessPartnerFactory()
    data = {"kind": "access", "channel": "email", "partner_number": partner.number}
    url = reverse("privacy:request_create")
    response = lead_client.post(url, data | {"received_on": "2017-05-01"})
    assert response.status_code == 400 and "25.05.2018" in response.content.decode()
    assert not PrivacyRequest.objects.exists() and not Case.objects.exists()


def test_a_case_the_purge_cannot_delete_keeps_its_attachment_files(
    lead, django_capture_on_commit_callbacks
):
    """Another customer's consultation booking names Alpha's case: the case stays, and so
    must the files its attachment rows point at."""
    alpha = full_customer("Alpha", "DE89370400440532013000", lead)
    beta = full_customer("Beta", "DE02120300000000202051", lead)
    Booking.objects.filter(partner=alpha.partner).update(partner=beta.partner, account=beta.account)
    attachment = Attachment.objects.filter(message__case=alpha.case).first()
    assert attachment is not None
    name = attachment.file.name or ""
    assert name and default_storage.exists(name)
    settle(alpha)
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        periodic.run(datetime.date(2037, 1, 1))
    assert Case.objects.filter(pk=alpha.case.pk).exists()
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(name)
