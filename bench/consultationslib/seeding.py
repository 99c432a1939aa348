"""The consultations bench's data: advisors with bookings, and funding applications.

Advisors, types and customers come from the tests' factories; the 1,000 existing bookings are
bulk-inserted (each on its own consultation case) on slots the slot rules gave as free, so
they are valid bookings; the bookings under test go through the booking service. Funding
applications are submitted through the application service (factories of kc/funding/tests);
the bench stands in for clamd's verdict by marking the uploads clean, and works through the
checklist with the service (`set_checks`).
"""

import datetime
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.core.models import User

BOOKING_BATCH = 500


@dataclass(frozen=True, slots=True)
class Desk:
    advisors: list[Advisor]  # the three whose slots are computed, with the bookings
    kind: AppointmentType
    contended: Advisor  # the advisor the threads book
    alone: Advisor  # the same plan, booked by one thread (the baseline)
    partners: list[int]


def common() -> None:
    from kc.cases.models import Queue
    from kc.core.models import Team
    from kc.letters.models import Letterhead
    from kc.letters.tests.factories import LetterheadFactory

    if not Queue.objects.filter(is_default=True).exists():
        team, _ = Team.objects.get_or_create(name="Beratung", kind=Team.Kind.HOME_OFFICE)
        Queue.objects.create(name="Beratung", team=team, is_default=True)
    if not Letterhead.objects.exists():
        LetterheadFactory()


def desk(partners: int) -> Desk:
    from kc.appointments.tests.factories import advisor, appointment_type
    from kc.customers.tests.factories import BusinessPartnerFactory

    advisors = [advisor(f"bench-berater-{n}", hours=((8, 12), (13, 18))) for n in range(3)]
    contended = advisor("bench-berater-lauf", hours=((8, 12), (13, 18)))
    alone = advisor("bench-berater-allein", hours=((8, 12), (13, 18)))
    kind = appointment_type(name="Beratung Telefon (Bench)")
    people = [BusinessPartnerFactory().pk for _ in range(partners)]
    return Desk(advisors, kind, contended, alone, people)


def existing_bookings(desk: Desk, count: int) -> int:
    """`count` bookings on free slots of the three advisors over the horizon, spread at
    random; returns how many fitted."""
    from kc.appointments.slots import open_slots
    from kc.cases.models import Case, CaseType, Queue
    from kc.core.calendars import default_calendar
    from kc.core.numbers import next_number

    rng = random.Random(7)
    calendar = default_calendar()
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=90)
    free = open_slots(desk.kind, calendar, today, horizon, advisors=desk.advisors)
    duration = datetime.timedelta(minutes=desk.kind.duration_minutes)
    blocked = duration + datetime.timedelta(minutes=desk.kind.buffer_minutes)
    taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    chosen = []
    for slot in rng.sample(free, len(free)):
        spans = taken.setdefault(slot.advisor_id, [])
        span = (slot.starts_at, slot.starts_at + blocked)
        if any(span[0] < end and start < span[1] for start, end in spans):
            continue  # the slot's buffer or a neighbour overlaps one already chosen
        spans.append(span)
        chosen.append(slot)
        if len(chosen) == count:
            break
    queue = Queue.objects.get(is_default=True)
    now = timezone.now()
    for start in range(0, len(chosen), BOOKING_BATCH):
        part = chosen[start : start + BOOKING_BATCH]
        cases = Case.objects.bulk_create(
            Case(
                number=next_number("case"),
                subject="Energieberatung: Heizung",
                case_type=CaseType.CONSULTATION,
                channel="phone",
                queue=queue,
                partner_id=rng.choice(desk.partners),
                received_at=now,
            )
            for _ in part
        )
        bookings = []
        for slot, case in zip(part, cases, strict=True):
            number = next_number("booking")
            bookings.append(
                Booking(
                    number=number,
                    partner_id=case.partner_id or desk.partners[0],
                    advisor_id=slot.advisor_id,
                    appointment_type=desk.kind,
                    starts_at=slot.starts_at,
                    ends_at=slot.starts_at + duration,
                    blocked_until=slot.starts_at + blocked,
                    topic="Heizung",
                    contact_phone="0211 1234567",
                    case=case,
                    ical_uid=f"{number}-{secrets.token_hex(8)}@bench.example",
                    channel=Booking.Channel.AGENT,
                    created_at=now,
                )
            )
        Booking.objects.bulk_create(bookings)
    return len(chosen)


@dataclass(frozen=True, slots=True)
class Funding:
    clerk: User
    contended: list[int]  # application ids of the program whose budget fits `fits`
    alone: list[int]  # the baseline program's applications
    contended_program: int
    alone_program: int


AMOUNT = Decimal("200.00")


def funding(applications: int, fits: int, alone_applications: int, alone_fits: int) -> Funding:
    """Two programs with a fixed 200 EUR category each, budgets for `fits` and `alone_fits`
    approvals; checked applications (clean documents, checklist done) from supplied
    customers: `applications` for the contended program, `alone_applications` for the other.
    """
    from conftest import make_staff
    from kc.core import roles
    from kc.funding import decisions
    from kc.funding.models import (
        ApplicationDocument,
        FundingApplication,
        FundingCategory,
        FundingProgram,
        ProgramBudget,
        ReviewCheck,
    )
    from kc.funding.tests.factories import apply, category, supplied_contract

    clerk = make_staff("bench-foerderung", roles.FUNDING_CLERK)
    year = timezone.localdate().year
    made: list[list[int]] = []
    programs = []
    for name, count, fit in (
        ("Bench Kontention", applications, fits),
        ("Bench Einzeln", alone_applications, alone_fits),
    ):
        program = FundingProgram.objects.create(name=name, description="Bench")
        ProgramBudget.objects.create(program=program, year=year, amount=AMOUNT * fit)
        cat = category(
            key=f"bench_{program.pk}",
            label=f"Bench {program.pk}",
            program=program,
            amount_kind=FundingCategory.AmountKind.FIXED,
            fixed_amount=AMOUNT,
            percent=None,
        )
        ids = [apply(supplied_contract(), cat).pk for _ in range(count)]
        ApplicationDocument.objects.filter(application_id__in=ids).update(
            scan=ApplicationDocument.Scan.CLEAN
        )
        for application in FundingApplication.objects.filter(pk__in=ids):
            decisions.set_checks(application, done=ReviewCheck.Item.values, actor=clerk)
        made.append(ids)
        programs.append(program.pk)
    return Funding(clerk, made[0], made[1], programs[0], programs[1])
