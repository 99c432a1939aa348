"""Defects found in review of the GDPR part, each pinned by a test."""

import datetime
import zoneinfo

import pytest

from kc.cases.models import Message
from kc.cases.tests.factories import CaseFactory
from kc.customers.tests.factories import BusinessPartnerFactory
from kc.privacy import retention

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
