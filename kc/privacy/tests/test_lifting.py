"""Lifting a restriction asked for under Art. 18 GDPR: letter first (Art. 18 (3)), then the
customer is found again; a restriction held by retention after an erasure is never lifted."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_staff
from kc.api.services import issue_api_token
from kc.cases.models import Message
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import BusinessPartnerFactory
from kc.desk.search import search_customers
from kc.letters.models import Letter
from kc.letters.tests.factories import LetterheadFactory
from kc.portal.tests.factories import customer, portal_login
from kc.privacy import lifting, services
from kc.privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db
TOKENS = itertools.count(1)
REASON = "Die Richtigkeit der Zählerstände ist geprüft und bestätigt."


@pytest.fixture(autouse=True)
def letterhead(db: None) -> None:
    LetterheadFactory()


def restricted(lead: User, last_name: str = "Quist") -> PrivacyRequest:
    """A customer restricted on their own request (Art. 18), the request completed."""
    request = services.register_request(
        partner=customer(last_name=last_name), kind="restriction", channel="email", actor=lead
    )
    services.check_identity(request=request, method="callback", note="", actor=lead)
    return services.erase(request=request, actor=lead, today=timezone.localdate())


def partner_of(request: PrivacyRequest) -> BusinessPartner:
    assert request.partner_id is not None
    return BusinessPartner.objects.get(pk=request.partner_id)


def api_numbers(q: str) -> list[str]:
    _token, raw = issue_api_token(name=f"Suche {next(TOKENS)}", scopes=["customers"], actor=None)
    found = Client().get("/api/v1/kunden/", {"q": q}, headers={"Authorization": f"Bearer {raw}"})
    assert found.status_code == 200
    return [c["number"] for c in found.json()["items"]]


def test_lifting_writes_the_letter_notes_the_case_audits_and_makes_the_customer_findable(lead):
    request = restricted(lead)
    partner = partner_of(request)
    assert search_customers("Quist").hits == () and api_numbers("quist") == []

    lifted = lifting.lift_restriction(request=request, reason=f"  {REASON} ", actor=lead)

    partner.refresh_from_db()
    assert partner.processing_restricted_at is None
    assert lifted.restriction_lifted_at and lifted.restriction_lifted_by == lead
    assert lifted.lift_reason == REASON
    letter = Letter.objects.get(partner=partner)
    assert lifted.lift_letter == letter and letter.status != Letter.Status.HELD
    assert request.case is not None
    assert letter.kind == "free_text" and letter.case_number == request.case.number
    assert letter.subject == lifting.LETTER_SUBJECT and letter.pdf
    assert REASON in letter.values["text"] and "Art. 18 Abs. 3" in letter.values["text"]
    note = Message.objects.filter(case=request.case, kind=Message.Kind.NOTE).last()
    assert note is not None and letter.number in note.body_text and REASON in note.body_text
    row = AuditLogEntry.objects.get(
        object_type="customers.businesspartner", partner_id=partner.pk, changes__has_key="letter"
    )
    assert row.actor == lead and row.changes["processing_restricted_at"][1] is None
    assert row.changes["lift_reason"] == REASON
    assert AuditLogEntry.objects.filter(
        object_type="privacy.privacyrequest",
        object_id=str(request.pk),
        changes__has_key=("restriction_lifted"),
    ).exists()
    assert [hit.partner_id for hit in search_customers("Quist").hits] == [partner.pk]
    assert api_numbers("quist") == [partner.number]


def test_a_second_lifting_is_refused(lead):
    request = restricted(lead)
    lifting.lift_restriction(request=request, reason=REASON, actor=lead)
    with pytest.raises(Refusal, match="bereits am"):
        lifting.lift_restriction(request=request, reason=REASON, actor=lead)
    assert Letter.objects.count() == 1


def test_an_empty_reason_is_refused_and_nothing_changes(lead):
    request = restricted(lead)
    with pytest.raises(ValidationError) as error:
        lifting.lift_restriction(request=request, reason="   ", actor=lead)
    assert "reason" in error.value.message_dict
    assert partner_of(request).processing_restricted_at is not None
    assert not Letter.objects.exists()


def test_a_restriction_held_by_retention_after_an_erasure_is_never_lifted(lead):
    request = restricted(lead)
    partner = partner_of(request)
    # Later the customer asked for erasure: what is left is kept only for retention.
    erasure_request = services.register_request(
        partner=partner, kind="erasure", channel="letter", actor=lead
    )
    services.check_identity(request=erasure_request, method="postal", note="", actor=lead)
    services.erase(request=erasure_request, actor=lead, today=timezone.localdate())
    partner.refresh_from_db()
    assert partner.erasure_requested_at and partner.erasure_due
    for attempt in (request, erasure_request):
        with pytest.raises(Refusal) as refused:
            lifting.lift_restriction(request=attempt, reason=REASON, actor=lead)
        assert "Einschränkung" in str(refused.value)
    request = PrivacyRequest.objects.select_related("partner").get(pk=request.pk)
    assert "Aufbewahrungspflichten" in lifting.refusal(request)
    assert f"{partner.erasure_due:%d.%m.%Y}" in lifting.refusal(request)
    assert "keine Einschränkungsanfrage" in lifting.refusal(erasure_request)
    partner.refresh_from_db()
    assert partner.processing_restricted_at is not None
    assert not Letter.objects.filter(partner=partner).exists()


def test_a_blocked_erasure_wish_also_keeps_the_restriction(lead):
    request = restricted(lead)
    BusinessPartner.objects.filter(pk=partner_of(request).pk).update(
        erasure_requested_at=timezone.now()
    )
    with pytest.raises(Refusal, match="sobald die Gründe"):
        lifting.lift_restriction(request=request, reason=REASON, actor=lead)
    assert partner_of(request).processing_restricted_at is not None


def test_an_open_request_has_nothing_to_lift(lead):
    request = services.register_request(
        partner=customer(last_name="Offen"), kind="restriction", channel="email", actor=lead
    )
    with pytest.raises(Refusal, match="nicht erledigt"):
        lifting.lift_restriction(request=request, reason=REASON, actor=lead)


def test_without_a_letter_that_can_go_out_the_restriction_stays(lead):
    """No address: the letter would be held, the customer not told; nothing is kept."""
    partner = BusinessPartnerFactory(last_name="Ohneadresse")
    request = services.register_request(
        partner=partner, kind="restriction", channel="phone", actor=lead
    )
    services.check_identity(request=request, method="callback", note="", actor=lead)
    request = services.erase(request=request, actor=lead, today=timezone.localdate())
    with pytest.raises(Refusal, match="angehalten"):
        lifting.lift_restriction(request=request, reason=REASON, actor=lead)
    assert partner_of(request).processing_restricted_at is not None
    assert not Letter.objects.exists()
    request.refresh_from_db()
    assert request.restriction_lifted_at is None


# --- the page ---------------------------------------------------------------------------


def url(request: PrivacyRequest) -> str:
    return reverse("privacy:lift_restriction", args=[request.pk])


def detail(client: Client, request: PrivacyRequest) -> str:
    response = client.get(reverse("privacy:request_detail", args=[request.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_agents_and_portal_customers_cannot_lift(lead):
    request = restricted(lead)
    agent = Client()
    agent.force_login(make_staff("agent", roles.AGENT))
    assert agent.post(url(request), {"reason": REASON, "confirmed": "on"}).status_code == 403
    own = Client()
    own.force_login(portal_login(partner_of(request)))
    response = own.post(url(request), {"reason": REASON, "confirmed": "on"})
    assert response.status_code in (302, 403) and not response.get("Location", "").endswith(
        reverse("privacy:request_detail", args=[request.pk])
    )
    assert partner_of(request).processing_restricted_at is not None
    assert not Letter.objects.exists()


def test_the_post_needs_the_csrf_token_and_a_get_changes_nothing(lead):
    request = restricted(lead)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    assert client.post(url(request), {"reason": REASON, "confirmed": "on"}).status_code == 403
    assert client.get(url(request)).status_code == 405
    assert partner_of(request).processing_restricted_at is not None


def test_the_lead_lifts_on_the_request_page_only_for_that_customer(lead, lead_client):
    request = restricted(lead)
    other = restricted(lead, last_name="Andere")
    page = detail(lead_client, request)
    assert url(request) in page and 'name="reason"' in page and "<label" in page
    response = lead_client.post(url(request), {"reason": REASON})  # not confirmed
    assert response.status_code == 400
    assert partner_of(request).processing_restricted_at is not None
    response = lead_client.post(url(request), {"reason": REASON, "confirmed": "on"})
    assert response.status_code == 302
    assert partner_of(request).processing_restricted_at is None
    assert partner_of(other).processing_restricted_at is not None
    assert not Letter.objects.filter(partner_id=other.partner_id).exists()
    page = detail(lead_client, request)
    assert "Einschränkung aufgehoben" in page and REASON in page
    assert url(request) not in page  # nothing left to lift


def test_the_page_explains_why_a_retention_restriction_stays(lead, lead_client):
    request = restricted(lead)
    BusinessPartner.objects.filter(pk=partner_of(request).pk).update(
        erasure_requested_at=timezone.now(), erasure_due=datetime.date(2037, 1, 1)
    )
    page = detail(lead_client, request)
    assert "01.01.2037" in page and 'name="reason"' not in page
    response = lead_client.post(url(request), {"reason": REASON, "confirmed": "on"})
    assert response.status_code == 400 and "Aufbewahrungspflichten" in response.content.decode()
    assert partner_of(request).processing_restricted_at is not None
