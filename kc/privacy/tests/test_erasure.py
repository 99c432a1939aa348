"""Erasure deletes what may go, restricts what retention keeps, refuses what a running
contract or open items still need; the periodic purge removes the rest when periods end."""

import datetime
import io

import pytest
from django.core.management import call_command

from kc.appointments.models import Booking
from kc.cases.models import Attachment, Call
from kc.core.models import AuditLogEntry, User
from kc.customers.models import BusinessPartner, Consent, ContractAccount
from kc.disconnection.models import DisconnectionCase
from kc.funding.models import FundingApplication
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine, SepaMandate
from kc.payments.tests.factories import receivable
from kc.portal.models import LoginEvent, PortalAccount
from kc.privacy import erasure, periodic, services
from kc.privacy.models import PrivacyRequest
from kc.privacy.tests.factories import FullCustomer, full_customer
from kc.supply.models import MeterReading

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def alpha(lead: User) -> FullCustomer:
    return full_customer("Alpha", "DE89370400440532013000", lead)


def settle(c: FullCustomer) -> None:
    """End the contract and pay whatever is open, so nothing blocks."""
    c.contract.end_date = datetime.date(2026, 1, 31)
    c.contract.save()
    balance = ledger.balance(c.account)
    if balance:
        document = ledger.post(
            account=c.account,
            kind=LedgerDocument.Kind.PAYMENT,
            source="test-settle",
            text="Ausgleich",
            entries=[ledger.Entry(amount=-balance, text="Ausgleich")],
            offset=LedgerLine.Offset.BANK,
        )
        ledger.settle_account(c.account, document)


def erasure_request(c: FullCustomer, lead: User) -> PrivacyRequest:
    request = services.register_request(
        partner=c.partner, kind="erasure", channel="letter", actor=lead
    )
    return services.check_identity(request=request, method="id_document", note="", actor=lead)


def test_running_contract_and_open_items_block_and_nothing_is_restricted(alpha, lead):
    plan = erasure.plan_erasure(alpha.partner, TODAY)
    codes = {b.code for b in plan.blockers}
    assert "running_contract" in codes
    assert {line.action for line in plan.lines if line.count} >= {erasure.DELETE, erasure.BLOCKED}
    request = services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    assert "Teilweise abgelehnt" in request.outcome and "Laufender Vertrag" in request.outcome
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.processing_restricted_at is None and partner.erasure_requested_at
    # what may go is gone anyway
    assert not PortalAccount.objects.filter(partner=partner).exists()
    assert (
        not LoginEvent.objects.exists()
        or not LoginEvent.objects.filter(account__partner=partner).exists()
    )
    assert not Consent.objects.filter(partner=partner).exists()
    assert partner.email == partner.phone == ""
    assert (
        not MeterReading.objects.filter(pk__in=[r.pk for r in MeterReading.objects.all()])
        .exclude(photo="")
        .filter(register__meter__market_location=alpha.contract.market_location)
        .exists()
    )
    assert not Call.objects.filter(partner=partner).exists()
    user = User.objects.get(pk=alpha.portal_user.pk)
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    booking = Booking.objects.get(partner=partner)
    assert booking.customer_note == booking.advisor_notes == booking.contact_phone == ""
    # what is needed stays
    assert ContractAccount.objects.get(pk=alpha.account.pk).iban
    assert Attachment.objects.filter(message__case=alpha.case).exists()


def test_ended_and_settled_customer_is_restricted_until_the_longest_period(alpha, lead):
    settle(alpha)
    plan = erasure.plan_erasure(alpha.partner, TODAY)
    assert plan.blockers == []
    restricted = {
        line.area: line.until
        for line in plan.lines
        if line.action == erasure.RESTRICT and line.until
    }
    assert restricted  # invoices, letters, postings...
    # postings (books, 10 years from the end of 2026) outlast invoices (8) and letters (6)
    assert max(restricted.values()) == datetime.date(2036, 12, 31)
    assert plan.erasure_due == datetime.date(2037, 1, 1)
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.processing_restricted_at is not None
    assert partner.erasure_due == datetime.date(2037, 1, 1)


def test_purge_waits_for_the_date_then_removes_the_rest_once(alpha, lead):
    settle(alpha)
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    assert periodic.run(datetime.date(2036, 12, 31)).purged == []
    report = periodic.run(datetime.date(2037, 1, 1))
    assert [number for number, _counts in report.purged] == [alpha.partner.number]
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)  # kept: postings name its account
    assert (
        partner.last_name == "gelöscht" and partner.first_name == "" and partner.birth_date is None
    )
    assert not partner.addresses.exists()
    assert ContractAccount.objects.get(pk=alpha.account.pk).iban == ""
    assert SepaMandate.objects.get(account=alpha.account).iban == ""
    assert not partner.letters.exists() and not partner.cases.exists()
    assert LedgerDocument.objects.filter(account=alpha.account).exists()  # append-only books
    assert not Booking.objects.filter(partner=partner).exists()
    assert not FundingApplication.objects.filter(partner=partner).exists()
    purge_rows = AuditLogEntry.objects.filter(partner_id=partner.pk, action="delete", actor=None)
    assert purge_rows.count() == 1
    assert periodic.run(datetime.date(2037, 1, 2)).purged == []  # idempotent
    assert purge_rows.count() == 1


def test_blocked_erasure_is_finished_by_the_periodic_run_when_the_contract_ends(alpha, lead):
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    report = periodic.run(TODAY)
    assert report.still_blocked and report.restricted == []
    settle(alpha)
    report = periodic.run(TODAY)
    assert [number for number, _due in report.restricted] == [alpha.partner.number]
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.processing_restricted_at and partner.erasure_due == datetime.date(2037, 1, 1)
    assert periodic.run(TODAY).restricted == []


def test_dry_run_command_prints_and_changes_nothing(alpha, lead):
    settle(alpha)
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    out = io.StringIO()
    call_command("privacy_purge", "--dry-run", "--date", "2037-01-01", stdout=out)
    assert f"would purge {alpha.partner.number}" in out.getvalue()
    assert BusinessPartner.objects.get(pk=alpha.partner.pk).last_name == "NachnameAlpha"
    assert ContractAccount.objects.get(pk=alpha.account.pk).iban


def test_restriction_request_only_restricts(alpha, lead):
    request = services.register_request(
        partner=alpha.partner, kind="restriction", channel="email", actor=lead
    )
    services.check_identity(request=request, method="callback", note="", actor=lead)
    services.erase(request=request, actor=lead, today=TODAY)
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.processing_restricted_at and partner.erasure_due is None
    assert PortalAccount.objects.filter(partner=partner).exists()


def test_open_items_an_open_disconnection_and_a_dispute_each_block(alpha, lead):
    settle(alpha)
    assert erasure.plan_erasure(alpha.partner, TODAY).blockers == []
    line = receivable(alpha.account, "40.00", due_on=datetime.date(2026, 10, 1))
    found = erasure.plan_erasure(alpha.partner, TODAY).blockers
    assert [b.code for b in found] == ["open_items"] and "40,00" in found[0].reason
    ledger.set_disputed(line, disputed=True, reason="bestritten", actor=None)
    DisconnectionCase.objects.filter(account=alpha.account).update(status="threatened")
    codes = {b.code for b in erasure.plan_erasure(alpha.partner, TODAY).blockers}
    assert codes == {"open_items", "dispute", "open_disconnection"}
    request = services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    assert "Offene Posten" in request.outcome and "Sperrvorgang" in request.outcome
    partner = BusinessPartner.objects.get(pk=alpha.partner.pk)
    assert partner.processing_restricted_at is None and partner.erasure_due is None
    # the invoices and letters the claim rests on are all still there
    assert partner.letters.exists() and alpha.account.ledger_documents.exists()


def test_the_scheduled_task_runs_the_purge(alpha, lead, settings):
    from django.utils.module_loading import import_string

    job = settings.KC_PERIODIC_TASKS["privacy_purge"]
    assert job["every"] == 86_400
    services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    counts = import_string(job["task"]).call()
    assert counts == {"restricted": 0, "still_blocked": 1, "purged": 0}


def test_a_customer_with_nothing_to_keep_is_deleted_entirely_by_the_next_run(lead):
    from kc.portal.tests.factories import customer

    partner = customer(last_name="Ohnevertrag")
    Consent.objects.create(
        partner=partner, topic="survey", granted=True, recorded_at="2026-01-01T00:00Z"
    )
    request = services.register_request(
        partner=partner, kind="erasure", channel="letter", actor=lead
    )
    services.check_identity(request=request, method="id_document", note="", actor=lead)
    plan = erasure.plan_erasure(partner, TODAY)
    # only the request's own case with no e-mail in it: nothing to keep
    assert not [line for line in plan.lines if line.action == erasure.RESTRICT]
    services.erase(request=request, actor=lead, today=TODAY)
    assert periodic.run(TODAY).purged[0][0] == partner.number
    assert not BusinessPartner.objects.filter(pk=partner.pk).exists()
    request.refresh_from_db()
    assert request.partner is None and request.partner_number == partner.number
    assert request.state == "completed"
    assert AuditLogEntry.objects.filter(partner_id=partner.pk, action="delete", actor=None).exists()


def test_files_go_after_commit_and_outbound_calls_lose_the_called_number(
    alpha, lead, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    photo = MeterReading.objects.exclude(photo="").get(
        register__meter__market_location=alpha.contract.market_location
    )
    name = photo.photo.name
    assert name and default_storage.exists(name)
    Call.objects.create(
        call_id="out-1",
        direction="out",
        from_number="0800 1234",
        to_number="0211 777",
        partner=alpha.partner,
        started_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.erase(request=erasure_request(alpha, lead), actor=lead, today=TODAY)
    assert not default_storage.exists(name)
    out = Call.objects.get(call_id="out-1")
    assert out.partner is None and out.to_number == "anonym" and out.from_number == "0800 1234"
    inbound = Call.objects.get(call_id=f"call-{alpha.partner.last_name}")
    assert inbound.from_number == "anonym"
