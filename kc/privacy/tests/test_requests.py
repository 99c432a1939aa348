"""Registering a request opens its case with the one-month due date; identity before export;
one open request of a kind per customer; unknown customers are refused."""

import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import make_staff
from kc.cases.models import Case, CaseType
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.portal.tests.factories import customer
from kc.privacy import services
from kc.privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db
Kind = PrivacyRequest.Kind
BERLIN_31_JAN = datetime.datetime(2026, 1, 31, 9, 0, tzinfo=datetime.UTC)


def test_request_opens_a_case_and_is_due_one_month_after_receipt(lead: User):
    partner = customer()
    request = services.register_request(
        partner=partner, kind=Kind.ACCESS, channel="email", actor=lead, received_at=BERLIN_31_JAN
    )
    assert request.due_on == datetime.date(2026, 2, 28)
    assert request.case is not None
    case = request.case
    assert case.partner == partner and case.case_type == CaseType.GENERAL
    assert "Datenschutz" in case.subject
    assert AuditLogEntry.objects.filter(
        object_type="privacy.privacyrequest", partner_id=partner.pk
    ).exists()


def test_a_second_open_request_of_the_same_kind_is_refused_and_nothing_is_added(lead: User):
    partner = customer()
    first = services.register_request(
        partner=partner, kind=Kind.ACCESS, channel="email", actor=lead
    )
    cases = Case.objects.count()
    assert first.case is not None
    with pytest.raises(Refusal, match=first.case.number):
        services.register_request(partner=partner, kind=Kind.ACCESS, channel="phone", actor=lead)
    assert Case.objects.count() == cases
    assert PrivacyRequest.objects.count() == 1
    services.register_request(partner=partner, kind=Kind.ERASURE, channel="email", actor=lead)


def test_unknown_customer_number_is_refused(db):
    with pytest.raises(ValidationError) as error:
        services.find_partner("99999999")
    assert "99999999" in str(error.value)


def test_export_needs_the_identity_check_first(lead: User):
    request = services.register_request(
        partner=customer(), kind=Kind.ACCESS, channel="email", actor=lead
    )
    with pytest.raises(Refusal, match="Identität"):
        services.release_export(request=request, actor=lead)
    services.check_identity(
        request=request, method="id_document", note="Personalausweis", actor=lead
    )
    request.refresh_from_db()
    assert request.identity_checked_by == lead and request.identity_method == "id_document"
    package = services.release_export(request=request, actor=lead)
    assert package[:2] == b"PK"
    request.refresh_from_db()
    assert request.exported_at is not None
    assert AuditLogEntry.objects.filter(
        action="read", object_type="privacy.privacyrequest", object_id=str(request.pk)
    ).exists()


def test_extension_once_with_reason_within_the_first_month(lead: User):
    request = services.register_request(
        partner=customer(), kind=Kind.ACCESS, channel="email", actor=lead, received_at=BERLIN_31_JAN
    )
    with pytest.raises(ValidationError):
        services.extend(request=request, reason=" ", actor=lead, today=datetime.date(2026, 2, 10))
    with pytest.raises(Refusal):
        services.extend(
            request=request, reason="viele Daten", actor=lead, today=datetime.date(2026, 3, 1)
        )
    services.extend(
        request=request, reason="viele Daten", actor=lead, today=datetime.date(2026, 2, 10)
    )
    request.refresh_from_db()
    assert request.extended_due_on == datetime.date(2026, 4, 30)
    assert request.answer_due == datetime.date(2026, 4, 30)
    with pytest.raises(Refusal):
        services.extend(
            request=request, reason="noch mehr", actor=lead, today=datetime.date(2026, 2, 11)
        )


def test_completing_an_access_request_needs_the_export_and_resolves_the_case(lead: User):
    request = services.register_request(
        partner=customer(), kind=Kind.ACCESS, channel="email", actor=lead
    )
    with pytest.raises(Refusal):
        services.complete(request=request, outcome="", actor=lead)
    services.check_identity(request=request, method="postal", note="", actor=lead)
    services.release_export(request=request, actor=lead)
    services.complete(request=request, outcome="per Brief versandt", actor=lead)
    request.refresh_from_db()
    assert request.state == "completed" and request.completed_at is not None
    assert request.completed_at <= timezone.now()
    assert Case.objects.get(pk=request.case.pk).status == Case.Status.RESOLVED  # type: ignore[union-attr]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_colleagues_registering_the_same_request_at_once_get_one(lead: User):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    partner = customer()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register() -> None:
        barrier.wait()
        try:
            services.register_request(
                partner=partner, kind=Kind.ACCESS, channel="phone", actor=lead
            )
            outcomes.append("created")
        except Refusal:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert PrivacyRequest.objects.filter(partner=partner).count() == 1
    assert Case.objects.filter(partner=partner).count() == 1  # the refused case rolled back


def test_demo_requests_are_seeded_once(lead: User):
    from django.core.management import call_command

    make_staff("teamlead", roles.TEAM_LEAD)
    for _ in range(3):
        customer()
    call_command("seed_demo_privacy", stdout=io.StringIO())
    assert PrivacyRequest.objects.count() == 3
    assert PrivacyRequest.objects.exclude(extended_due_on=None).count() == 1
    assert PrivacyRequest.objects.exclude(identity_checked_at=None).count() == 2
    call_command("seed_demo_privacy", stdout=io.StringIO())
    assert PrivacyRequest.objects.count() == 3
