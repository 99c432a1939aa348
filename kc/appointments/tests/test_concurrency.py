"""No double booking under concurrent requests (PostgreSQL): eight threads book the same slot,
exactly one wins, the others get the refusal; the exclusion constraint refuses an overlapping
row even when the application check is bypassed."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from kc.appointments import booking as service
from kc.appointments.models import Booking
from kc.appointments.slots import Problem
from kc.appointments.tests.factories import advisor, appointment_type, at
from kc.cases.tests.factories import QueueFactory
from kc.core.numbers import ensure_base_ranges
from kc.customers.tests.factories import BusinessPartnerFactory

MONDAY = datetime.date(2027, 3, 8)
NOW = at(datetime.date(2027, 3, 1), 12)


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and the exclusion constraint are PostgreSQL's")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_book_the_same_slot_and_exactly_one_wins() -> None:
    needs_postgres()
    ensure_base_ranges()
    QueueFactory(is_default=True)
    the_advisor, kind = advisor(), appointment_type()
    partners = [BusinessPartnerFactory() for _ in range(8)]
    barrier = threading.Barrier(8)
    won: list[int] = []
    refused: list[Problem] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            barrier.wait()
            booking = service.book(
                partner=partners[index],
                appointment_type=kind,
                advisor=the_advisor,
                starts_at=at(MONDAY, 10, 30 if index % 2 else 0),  # overlapping, not equal
                topic="Heizung",
                channel=Booking.Channel.PORTAL,
                actor=None,
                now=NOW,
            )
            with lock:
                won.append(booking.pk)
        except service.BookingRefusal as refusal:
            with lock:
                refused.append(refusal.problem)
        except BaseException as error:  # noqa: BLE001 (reported below)
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(won) == 1 and refused == [Problem.TAKEN] * 7
    assert Booking.objects.filter(status=Booking.Status.BOOKED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_exclusion_constraint_refuses_an_overlap_the_unique_start_would_miss() -> None:
    needs_postgres()
    QueueFactory(is_default=True)
    booking = service.book(
        partner=BusinessPartnerFactory(),
        appointment_type=appointment_type(),
        advisor=advisor(),
        starts_at=at(MONDAY, 10),
        topic="Heizung",
        channel=Booking.Channel.AGENT,
        actor=None,
        now=NOW,
    )
    clone = Booking.objects.get(pk=booking.pk)
    clone.pk, clone.number, clone.ical_uid = None, "T-X", "x@example.org"
    clone.starts_at = at(MONDAY, 10, 30)  # a different start inside the first one
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    clone.starts_at, clone.ends_at, clone.blocked_until = (
        at(MONDAY, 11, 15),
        at(MONDAY, 12, 15),
        at(MONDAY, 12, 30),
    )
    clone.save()  # right after the first one's buffer: fine
