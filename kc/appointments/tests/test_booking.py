"""Booking, rescheduling, cancelling and the outcome: refusals with reasons, nothing saved by
accident, a consultation case on the customer's timeline, the invitation mail, the database
guard against double booking."""

import datetime
from typing import Any

import icalendar
import pytest
from django.db import IntegrityError, transaction

from kc.appointments import booking as service
from kc.appointments.models import Absence, Booking, Mode
from kc.appointments.slots import Problem
from kc.appointments.tests.factories import advisor, appointment_type, at
from kc.cases.models import Case, CaseTask, CaseType, Message
from kc.cases.tests.factories import QueueFactory
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import BusinessPartnerFactory
from kc.letters.models import Letter

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2027, 3, 8)
NOW = at(datetime.date(2027, 3, 1), 12)


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


@pytest.fixture
def agent() -> User:
    return User.objects.create_user(username="agentin")


def book(partner: BusinessPartner | None = None, when: datetime.datetime | None = None, **kw):  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "partner": partner or BusinessPartnerFactory(),
        "appointment_type": kw.pop("appointment_type", None) or appointment_type(),
        "advisor": kw.pop("advisor", None) or advisor(),
        "starts_at": when or at(MONDAY, 10),
        "topic": "Heizung",
        "channel": Booking.Channel.AGENT,
        "actor": None,
        "now": NOW,
    }
    values.update(kw)
    return service.book(**values)


def invitation(message: Message) -> icalendar.Calendar:
    (attachment,) = message.attachments.all()
    assert attachment.content_type.startswith("text/calendar")
    with attachment.file.open("rb") as handle:
        return icalendar.Calendar.from_ical(handle.read())


def mails(booking: Booking) -> list[Message]:
    return list(booking.case.messages.filter(kind=Message.Kind.EMAIL_OUT).order_by("pk"))


def test_a_booking_opens_a_consultation_case_and_queues_the_invitation(agent: User) -> None:
    partner = BusinessPartnerFactory(last_name="Müßig")
    booking = book(partner, actor=agent)
    assert booking.number.startswith("T") and booking.status == Booking.Status.BOOKED
    assert booking.ends_at - booking.starts_at == datetime.timedelta(hours=1)
    assert booking.blocked_until - booking.ends_at == datetime.timedelta(minutes=15)
    case = booking.case
    assert case.case_type == CaseType.CONSULTATION and case.partner == partner
    assert case.messages.filter(kind=Message.Kind.NOTE, body_text__contains=booking.number)
    (mail,) = mails(booking)
    assert mail.recipients == partner.email and mail.delivery == Message.Delivery.QUEUED
    assert "Termin: Montag, 8. März 2027, 10:00 bis 11:00 Uhr" in mail.body_text
    event = invitation(mail).walk("VEVENT")[0]
    assert str(event["UID"]) == booking.ical_uid
    assert event.decoded("DTSTART") == at(MONDAY, 10)
    assert AuditLogEntry.objects.filter(partner_id=partner.pk, action="create").exists()


def test_a_booking_can_attach_to_an_existing_case() -> None:
    partner = BusinessPartnerFactory()
    first = book(partner)
    second = book(partner, at(MONDAY, 14), case=first.case, advisor=first.advisor)
    assert second.case == first.case


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        (at(datetime.date(2027, 2, 26), 10), Problem.PAST),
        (at(datetime.date(2027, 3, 1), 13), Problem.TOO_SOON),
        (at(datetime.date(2027, 3, 7), 10), Problem.CLOSED_DAY),  # Sunday
        (at(datetime.date(2027, 3, 29), 10), Problem.CLOSED_DAY),  # Easter Monday
        (at(MONDAY, 7), Problem.OUTSIDE_HOURS),
        (at(MONDAY, 12), Problem.OUTSIDE_HOURS),
    ],
)
def test_a_bad_slot_is_refused_with_its_reason_and_nothing_is_saved(
    when: datetime.datetime, problem: Problem
) -> None:
    with pytest.raises(service.BookingRefusal) as refused:
        book(when=when)
    assert refused.value.problem == problem and str(refused.value)
    assert not Booking.objects.exists() and not Case.objects.exists()


def test_an_absent_advisor_and_a_taken_slot_are_refused() -> None:
    taken = book()
    Absence.objects.create(
        advisor=taken.advisor, starts_at=at(MONDAY, 14), ends_at=at(MONDAY, 18), reason="Schulung"
    )
    for when, problem in ((at(MONDAY, 15), Problem.ABSENT), (at(MONDAY, 10, 30), Problem.TAKEN)):
        with pytest.raises(service.BookingRefusal) as refused:
            book(when=when, advisor=taken.advisor)
        assert refused.value.problem == problem
    with pytest.raises(service.BookingRefusal):  # 09:00 + 60 min + 15 min buffer reaches 10:00
        book(when=at(MONDAY, 9), advisor=taken.advisor)
    assert Booking.objects.count() == 1 and Case.objects.count() == 1


def test_a_mode_the_advisor_does_not_offer_and_a_phone_appointment_without_number() -> None:
    video_type = appointment_type(Mode.VIDEO)
    with pytest.raises(Refusal):
        book(appointment_type=video_type, advisor=advisor(offers_video=False))
    with pytest.raises(Exception, match="Telefonnummer"):
        book(BusinessPartnerFactory(phone="", mobile=""), advisor=advisor("zwei"))
    assert not Booking.objects.exists()


def test_the_database_refuses_a_second_active_booking_of_the_same_start() -> None:
    booking = book()
    clone = Booking.objects.get(pk=booking.pk)
    clone.pk, clone.number, clone.ical_uid = None, "T-X", "x@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    booking.status = Booking.Status.CANCELLED
    booking.save()
    clone.save()  # the cancelled one no longer blocks


def test_reschedule_moves_it_grows_the_sequence_and_sends_an_update(agent: User) -> None:
    booking = book()
    moved = service.reschedule(booking=booking, starts_at=at(MONDAY, 14), actor=agent, now=NOW)
    assert moved.starts_at == at(MONDAY, 14) and moved.ical_sequence == 1
    assert moved.ends_at == at(MONDAY, 15) and moved.blocked_until == at(MONDAY, 15, 15)
    update = mails(moved)[-1]
    event = invitation(update).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1 and str(event["UID"]) == booking.ical_uid
    assert str(invitation(update)["METHOD"]) == "REQUEST"
    # its own old time does not block it: a small shift inside its own range is fine
    service.reschedule(booking=moved, starts_at=at(MONDAY, 14, 30), actor=agent, now=NOW)


def test_reschedule_into_a_taken_slot_is_refused_and_keeps_the_old_time() -> None:
    first = book()
    second = book(when=at(MONDAY, 14), advisor=first.advisor)
    with pytest.raises(service.BookingRefusal):
        service.reschedule(booking=second, starts_at=at(MONDAY, 10, 30), actor=None, now=NOW)
    second.refresh_from_db()
    assert second.starts_at == at(MONDAY, 14) and second.ical_sequence == 0


def test_customers_change_only_their_own_bookings_and_not_after_the_start() -> None:
    mine, other = BusinessPartnerFactory(), BusinessPartnerFactory()
    booking = book(mine)
    with pytest.raises(Refusal, match="nicht zu Ihnen"):
        service.cancel(booking=booking, reason="", actor=None, by_partner=other, now=NOW)
    with pytest.raises(Refusal, match="nicht zu Ihnen"):
        service.reschedule(
            booking=booking, starts_at=at(MONDAY, 14), actor=None, by_partner=other, now=NOW
        )
    started = at(MONDAY, 10, 5)
    with pytest.raises(Refusal, match="begonnen"):
        service.cancel(booking=booking, reason="", actor=None, by_partner=mine, now=started)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    service.cancel(booking=booking, reason="", actor=None, by_partner=mine, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_cancel_sends_method_cancel_and_frees_the_slot(agent: User) -> None:
    booking = book()
    with pytest.raises(Exception, match="Grund"):
        service.cancel(booking=booking, reason=" ", actor=agent, now=NOW)
    cancelled = service.cancel(booking=booking, reason="Berater krank", actor=agent, now=NOW)
    assert cancelled.ical_sequence == 1 and cancelled.cancel_reason == "Berater krank"
    calendar = invitation(mails(cancelled)[-1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    with pytest.raises(Refusal):
        service.cancel(booking=cancelled, reason="nochmal", actor=agent, now=NOW)
    again = book(when=at(MONDAY, 10), advisor=booking.advisor)
    assert again.status == Booking.Status.BOOKED


def test_the_outcome_waits_for_the_start_and_a_follow_up_becomes_a_task(agent: User) -> None:
    booking = book()
    with pytest.raises(Refusal, match="noch nicht begonnen"):
        service.record_outcome(
            booking=booking, outcome="done", notes="", actor=agent, now=at(MONDAY, 9)
        )
    task = service.record_outcome(
        booking=booking,
        outcome="done",
        notes="Wärmepumpe passt; Förderantrag besprochen.",
        follow_up="Förderantrag zuschicken",
        actor=agent,
        now=at(MONDAY, 11),
    )
    assert isinstance(task, CaseTask) and task.case == booking.case
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DONE and "Wärmepumpe" in booking.advisor_notes
    assert booking.case.messages.filter(body_text__contains="Wärmepumpe").exists()
    with pytest.raises(Refusal):
        service.record_outcome(
            booking=booking, outcome="no_show", notes="", actor=agent, now=at(MONDAY, 11)
        )


def test_a_no_show_without_follow_up_resolves_the_case(agent: User) -> None:
    booking = book()
    assert (
        service.record_outcome(
            booking=booking, outcome="no_show", notes="", actor=agent, now=at(MONDAY, 11)
        )
        is None
    )
    booking.case.refresh_from_db()
    assert booking.case.status == Case.Status.RESOLVED


def test_a_customer_without_email_gets_a_letter_and_the_case_says_so(agent: User) -> None:
    booking = book(BusinessPartnerFactory(email=""))
    assert mails(booking) == []
    (letter,) = Letter.objects.filter(partner=booking.partner)
    assert letter.kind == "appointment_confirmation"
    assert letter.case_number == booking.case.number
    assert letter.values["termin"] == "08.03.2027, 10:00 Uhr"
    assert booking.number in str(letter.values["absage_hinweis"])
    assert booking.case.messages.filter(body_text__contains=letter.number).exists()
    service.cancel(booking=booking, reason="krank", actor=agent, now=NOW)
    assert Letter.objects.filter(partner=booking.partner).count() == 1
    assert booking.case.messages.filter(body_text__contains="bitte telefonisch").exists()


def test_a_slot_posted_by_hand_beyond_the_booking_horizon_is_refused(
    settings: Any,
) -> None:
    """The pages offer slots up to the horizon only; the service holds a hand-made slot value
    (the portal form posted by a script) to the same limit, for booking and rescheduling."""
    settings.KC_APPOINTMENT_HORIZON_DAYS = 90  # from 1 March 2027: up to Sunday 30 May
    erika, kind = advisor(), appointment_type()
    for when, problem in (
        (at(datetime.date(2027, 5, 31), 10), Problem.TOO_FAR),
        (at(datetime.date(2029, 3, 5), 10), Problem.TOO_FAR),
    ):
        with pytest.raises(service.BookingRefusal) as refused:
            book(when=when, advisor=erika, appointment_type=kind)
        assert refused.value.problem == problem and str(refused.value)
    assert not Booking.objects.exists() and not Case.objects.exists()
    last_saturday = at(datetime.date(2027, 5, 29), 15, 30)
    last = book(when=last_saturday, advisor=erika, appointment_type=kind)
    with pytest.raises(service.BookingRefusal) as refused:
        service.reschedule(
            booking=last, starts_at=at(datetime.date(2027, 6, 1), 10), actor=None, now=NOW
        )
    assert refused.value.problem == Problem.TOO_FAR
    last.refresh_from_db()
    assert last.starts_at == at(datetime.date(2027, 5, 29), 15, 30) and last.ical_sequence == 0


def test_an_advisor_whose_login_is_switched_off_is_not_booked_or_moved_to() -> None:
    """The free slots leave out an advisor whose staff account is deactivated; a slot value
    naming them (an old page, a hand-made post) is refused too, booking and rescheduling."""
    leaver, staying = advisor("weg"), advisor("da")
    booked = book(advisor=staying)
    User.objects.filter(pk=leaver.user_id).update(is_active=False)
    leaver.refresh_from_db()
    with pytest.raises(Refusal):
        book(advisor=leaver, when=at(MONDAY, 14))
    with pytest.raises(Refusal):
        service.reschedule(
            booking=booked, starts_at=at(MONDAY, 14), advisor=leaver, actor=None, now=NOW
        )
    booked.refresh_from_db()
    assert booked.advisor_id == staying.pk and booked.starts_at == at(MONDAY, 10)
    assert Booking.objects.count() == 1


def test_a_portal_customer_holds_a_few_coming_appointments_at_most(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_APPOINTMENT_MAX_OPEN_PER_CUSTOMER = 2
    partner = BusinessPartnerFactory()
    kind, person = appointment_type(), advisor()
    portal = {"channel": Booking.Channel.PORTAL, "appointment_type": kind, "advisor": person}
    book(partner, at(MONDAY, 9), **portal)
    book(partner, at(MONDAY, 13), **portal)
    with pytest.raises(Refusal, match="2 kommende Termine"):
        book(partner, at(MONDAY, 15), **portal)
    assert Booking.objects.filter(partner=partner).count() == 2
    # an agent on the phone may book more, and a cancelled one frees a place in the portal
    book(partner, at(MONDAY, 15), appointment_type=kind, advisor=person)
    first = Booking.objects.filter(partner=partner).order_by("starts_at").first()
    assert first is not None
    service.cancel(booking=first, actor=None, reason="", by_partner=partner, now=NOW)
    Booking.objects.filter(partner=partner, channel=Booking.Channel.AGENT).update(
        status=Booking.Status.CANCELLED
    )
    book(partner, at(MONDAY, 9), **portal)
