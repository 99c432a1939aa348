"""Complaint services: registration and refusal, acknowledgement per channel, escalation and
overdue flag, the answer letter with reasons and the Schlichtungsstelle note."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from conftest import make_staff
from kc.cases import complaints, selectors
from kc.cases.models import Case, CaseType, Complaint, Message, Queue
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.letters.models import Delivery, Letter
from kc.letters.tests import pdfcheck
from kc.letters.tests.factories import LetterheadFactory, customer_with_address

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def letterhead() -> None:
    LetterheadFactory()
    QueueFactory()


@pytest.fixture
def manager(db: None) -> User:
    return make_staff("beschwerde", roles.COMPLAINT_MANAGER)


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)  # type: ignore[misc,arg-type]


def complaint_case(
    channel: str = "phone", partner: BusinessPartner | None = None, **kw: object
) -> Case:
    partner = partner or customer_with_address()
    return CaseFactory(
        channel=channel,
        partner=partner,
        received_at=kw.pop("received_at", at(2026, 11, 3, 10)),
        **kw,
    )


# --- registration ------------------------------------------------------------------------------


def test_registering_a_phone_complaint_sets_the_deadline_and_acknowledges_by_letter(
    agent: User,
) -> None:
    case = complaint_case("phone", case_type=CaseType.BILLING_QUESTION)
    complaint = complaints.register_complaint(case=case, category="billing", actor=agent)
    assert complaint.answer_due == datetime.date(2026, 12, 1)
    assert complaint.received_at == case.received_at
    assert complaint.rule_set == "enwg-111a-2011-08"
    case.refresh_from_db()
    assert case.case_type == CaseType.COMPLAINT  # a case of another type became a complaint
    letter = complaint.acknowledgement_letter
    assert letter is not None and letter.kind == "complaint_acknowledgement"
    assert letter.status == Letter.Status.READY and letter.case_number == case.number
    text = pdfcheck.page_text(letter.pdf.read())
    assert "01.12.2026" in text and "03.11.2026" in text and case.number in text
    assert letter.deliveries.filter(channel=Delivery.Channel.POST).exists()
    assert complaint.acknowledged_at is not None and complaint.acknowledgement_message is None
    notes = list(case.messages.values_list("body_text", flat=True))
    assert any("spätestens am 01.12.2026" in note for note in notes)
    assert any(letter.number in note for note in notes)
    assert AuditLogEntry.objects.filter(
        object_type="cases.complaint", action="create", partner_id=case.partner_id
    ).exists()


def test_a_complaint_without_customer_is_refused_and_nothing_is_registered(agent: User) -> None:
    case = CaseFactory(channel="email", contact_email="unbekannt@example.org")
    with pytest.raises(Refusal, match=r"keinem Kunden zugeordnet.*verknüpfen"):
        complaints.register_complaint(case=case, category="service", actor=agent)
    assert not Complaint.objects.exists()
    assert not Letter.objects.exists()
    assert not case.messages.exists()
    case.refresh_from_db()
    assert case.case_type == CaseType.GENERAL


def test_registering_twice_is_refused_and_acknowledges_once(agent: User) -> None:
    case = complaint_case("letter")
    complaints.register_complaint(case=case, category="meter", actor=agent)
    with pytest.raises(Refusal, match="bereits als Beschwerde erfasst"):
        complaints.register_complaint(case=case, category="meter", actor=agent)
    assert Complaint.objects.count() == 1
    assert Letter.objects.filter(kind="complaint_acknowledgement").count() == 1


def test_an_unknown_category_is_a_field_error(agent: User) -> None:
    with pytest.raises(ValidationError) as error:
        complaints.register_complaint(case=complaint_case(), category="weather", actor=agent)
    assert "category" in error.value.error_dict
    assert not Complaint.objects.exists()


def test_acknowledge_again_changes_nothing(agent: User) -> None:
    complaint = complaints.register_complaint(case=complaint_case(), category="other", actor=agent)
    first = complaint.acknowledged_at
    again = complaints.acknowledge(complaint=complaint, actor=agent)
    assert again.acknowledged_at == first
    assert Letter.objects.count() == 1


def test_an_email_complaint_is_acknowledged_by_mail_in_the_thread(agent: User) -> None:
    case = complaint_case("email")
    Message.objects.create(
        case=case,
        kind=Message.Kind.EMAIL_IN,
        created_at=case.received_at,
        body_text="Ich beschwere mich.",
        sender=case.partner.email,  # type: ignore[union-attr]
        message_id="<kunde-1@example.org>",
    )
    complaint = complaints.register_complaint(case=case, category="prices", actor=agent)
    message = complaint.acknowledgement_message
    assert message is not None and message.kind == Message.Kind.EMAIL_OUT
    assert message.delivery == Message.Delivery.QUEUED
    assert message.recipients == case.partner.email.lower()  # type: ignore[union-attr]
    assert message.in_reply_to == "<kunde-1@example.org>"
    assert "spätestens bis zum 01.12.2026" in message.body_text
    assert not Letter.objects.exists()
    case.refresh_from_db()
    assert case.first_response_at is not None


def test_a_mail_complaint_without_address_is_acknowledged_by_letter(agent: User) -> None:
    partner = customer_with_address(email="")
    complaint = complaints.register_complaint(
        case=complaint_case("email", partner=partner), category="service", actor=agent
    )
    assert complaint.acknowledgement_letter is not None
    assert complaint.acknowledgement_message is None


def test_a_portal_complaint_is_acknowledged_in_the_portal(agent: User) -> None:
    partner = customer_with_address()
    customer = User.objects.create_user(username="kundin", is_customer=True)
    complaint = complaints.complaint_from_portal(
        partner=partner, actor=customer, category="disconnection", text="Sperre angedroht."
    )
    case = complaint.case
    assert case.channel == "portal" and case.subject == "Beschwerde: Sperrung"
    message = complaint.acknowledgement_message
    assert message is not None and message.kind == Message.Kind.PORTAL_OUT
    assert message.author is None  # automatic, not written by the customer
    assert complaint.answer_due.strftime("%d.%m.%Y") in message.body_text
    thread = list(selectors.portal_thread(case).values_list("kind", flat=True))
    assert thread == [Message.Kind.PORTAL_IN, Message.Kind.PORTAL_OUT]
    assert not Letter.objects.exists()


# --- escalation --------------------------------------------------------------------------------


def test_escalation_hands_the_case_to_complaint_management_once(
    agent: User, settings: object
) -> None:
    case = complaint_case("phone", assignee=agent)
    complaint = complaints.register_complaint(case=case, category="billing", actor=agent)
    # Due Tuesday 1 Dec 2026; five open days (Mon–Sat) before: from Wednesday 25 Nov.
    assert complaints.escalate_due_complaints(at(2026, 11, 24, 12)) == (0, 0)
    assert complaints.escalate_due_complaints(at(2026, 11, 25, 9)) == (1, 0)
    assert complaints.escalate_due_complaints(at(2026, 11, 25, 10)) == (0, 0)
    complaint.refresh_from_db()
    case.refresh_from_db()
    assert complaint.escalated_at == at(2026, 11, 25, 9)
    assert case.queue.name == "Beschwerdemanagement" and case.assignee is None
    assert case.priority == Case.Priority.HIGH
    notes = case.messages.filter(kind=Message.Kind.NOTE, body_text__contains="eskaliert")
    assert notes.count() == 1
    assert "01.12.2026 (noch 6 Tage)" in notes.get().body_text
    assert Queue.objects.filter(name="Beschwerdemanagement").count() == 1


def test_escalation_days_are_configurable(agent: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_COMPLAINT_ESCALATION_DAYS = 1
    complaints.register_complaint(case=complaint_case(), category="billing", actor=agent)
    assert complaints.escalate_due_complaints(at(2026, 11, 28, 12)) == (0, 0)
    assert complaints.escalate_due_complaints(at(2026, 11, 30, 8)) == (1, 0)


def test_escalation_counts_open_days_on_the_queues_calendar(agent: User) -> None:
    from kc.cases.tests.factories import QueueFactory
    from kc.core.models import CalendarSetting

    weekdays_only = CalendarSetting.objects.create(
        name="Mo-Fr",
        config={
            "weekly_hours": {
                day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
            }
        },
    )
    queue = QueueFactory(name="Mo-Fr-Team", is_default=False, calendar=weekdays_only)
    complaints.register_complaint(case=complaint_case(queue=queue), category="billing", actor=agent)
    # Due Tuesday 1 Dec; five open days Monday to Friday before it start on Tuesday 24 Nov
    # (on the default Mon–Sat calendar only on Wednesday 25 Nov).
    assert complaints.escalate_due_complaints(at(2026, 11, 24, 12)) == (1, 0)


def test_overdue_complaints_are_flagged_once_and_answered_ones_left_alone(agent: User) -> None:
    overdue = complaints.register_complaint(case=complaint_case(), category="billing", actor=agent)
    answered = complaints.register_complaint(case=complaint_case(), category="prices", actor=agent)
    complaints.answer(complaint=answered, outcome="remedied", reasons="", actor=agent)
    assert complaints.escalate_due_complaints(at(2026, 12, 2, 9)) == (1, 1)
    assert complaints.escalate_due_complaints(at(2026, 12, 3, 9)) == (0, 0)
    overdue.refresh_from_db()
    assert overdue.escalated_at is not None and overdue.overdue_flagged_at is not None
    assert overdue.answered_in_time is None
    case = overdue.case
    case.refresh_from_db()
    assert case.priority == Case.Priority.URGENT
    assert case.messages.filter(body_text__contains="Frist nach § 111a EnWG überschritten").exists()
    answered.refresh_from_db()
    assert answered.escalated_at is None and answered.overdue_flagged_at is None


def test_the_periodic_task_is_scheduled(settings) -> None:  # type: ignore[no-untyped-def]
    from django.utils.module_loading import import_string

    job = settings.KC_PERIODIC_TASKS["complaint_escalation"]
    assert import_string(job["task"]).name == "escalate_complaints"


# --- answer ------------------------------------------------------------------------------------


def test_answer_not_remedied_needs_reasons(manager: User) -> None:
    complaint = complaints.register_complaint(
        case=complaint_case(), category="billing", actor=manager
    )
    for outcome in ("not_remedied", "partly"):
        with pytest.raises(ValidationError) as error:
            complaints.answer(complaint=complaint, outcome=outcome, reasons="  ", actor=manager)
        assert "reasons" in error.value.error_dict
    complaint.refresh_from_db()
    assert complaint.answered_at is None
    assert not Letter.objects.filter(kind="complaint_answer").exists()


def test_answer_not_remedied_gives_reasons_and_names_the_schlichtungsstelle(
    manager: User,
) -> None:
    case = complaint_case()
    complaint = complaints.register_complaint(case=case, category="billing", actor=manager)
    answered = complaints.answer(
        complaint=complaint,
        outcome="not_remedied",
        reasons="Der Zählerstand wurde korrekt abgelesen.",
        actor=manager,
    )
    letter = answered.answer_letter
    assert letter is not None and letter.kind == "complaint_answer"
    text = " ".join(pdfcheck.page_text(letter.pdf.read()).split())
    assert "nicht abhelfen" in text and "Der Zählerstand wurde korrekt abgelesen." in text
    assert "Schlichtungsstelle Energie" in text and "Friedrichstraße 133" in text
    assert "www.schlichtungsstelle-energie.de" in text and "verpflichtet" in text
    assert answered.answered_at is not None and answered.answered_by == manager
    assert answered.answered_in_time is True
    assert answered.outcome == "not_remedied"
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert case.messages.filter(body_text__contains=letter.number).exists()


def test_answer_remedied_has_no_schlichtung_note(manager: User) -> None:
    complaint = complaints.register_complaint(
        case=complaint_case(), category="meter", actor=manager
    )
    answered = complaints.answer(complaint=complaint, outcome="remedied", reasons="", actor=manager)
    text = pdfcheck.page_text(answered.answer_letter.pdf.read())  # type: ignore[union-attr]
    assert "abgeholfen" in text and "Schlichtungsstelle" not in text


def test_answering_twice_is_refused(manager: User) -> None:
    complaint = complaints.register_complaint(
        case=complaint_case(), category="meter", actor=manager
    )
    complaints.answer(complaint=complaint, outcome="remedied", reasons="", actor=manager)
    with pytest.raises(Refusal, match=r"bereits am .* beantwortet"):
        complaints.answer(complaint=complaint, outcome="remedied", reasons="", actor=manager)
    assert Letter.objects.filter(kind="complaint_answer").count() == 1


def test_a_held_answer_letter_answers_nothing(manager: User) -> None:
    partner = customer_with_address()
    complaint = complaints.register_complaint(
        case=complaint_case(partner=partner), category="meter", actor=manager
    )
    partner.addresses.all().delete()  # no address: the letter cannot be printed
    with pytest.raises(Refusal, match="kann nicht erstellt werden"):
        complaints.answer(complaint=complaint, outcome="remedied", reasons="", actor=manager)
    complaint.refresh_from_db()
    assert complaint.answered_at is None
    assert complaint.case.status != Case.Status.RESOLVED


def test_a_portal_complaint_shows_its_answer_in_the_portal_thread(manager: User) -> None:
    partner = customer_with_address()
    customer = User.objects.create_user(username="kunde", is_customer=True)
    complaint = complaints.complaint_from_portal(
        partner=partner, actor=customer, category="billing", text="Zu hoch."
    )
    complaints.answer(
        complaint=complaint, outcome="partly", reasons="Wir schreiben 20 € gut.", actor=manager
    )
    thread = selectors.portal_thread(complaint.case)
    letter_entry = thread.get(kind=Message.Kind.LETTER)
    assert "Wir schreiben 20 € gut." in letter_entry.body_text
    assert "Schlichtungsstelle Energie" in letter_entry.body_text


def test_a_complaint_goes_with_its_case(agent: User) -> None:
    complaint = complaints.register_complaint(case=complaint_case(), category="other", actor=agent)
    letter = complaint.acknowledgement_letter
    assert letter is not None
    letter.deliveries.all().delete()
    letter.events.all().delete()
    # A purged letter leaves the complaint without its link; a purged case takes it along.
    Letter.objects.filter(pk=letter.pk).delete()
    complaint.refresh_from_db()
    assert complaint.acknowledgement_letter is None
    Message.objects.filter(case=complaint.case).delete()
    complaint.case.delete()
    assert not Complaint.objects.exists()
