"""The coordination bench's data: a municipal utility's desk on an ordinary weekday.

Bulk inserts where the services would take hours (cases, calls, letter copies), the services
or the tests' factories where the rows carry rules (staff with roles and TOTP, one real letter
per state, disconnection cases on real contracts). Times are relative to now, so the dashboard
sees live ages.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kc.core.models import User

BATCH = 5_000
QUEUES = 6
STAFF = 25
PARTNERS = 2_000


@dataclass(frozen=True, slots=True)
class Volume:
    cases: int = 100_000
    open_cases: int = 2_000
    calls: int = 200_000
    call_weeks: int = 8
    letters: int = 5_000
    reconnections: int = 50
    complaints: int = 300

    @classmethod
    def quick(cls) -> "Volume":
        return cls(cases=10_000, open_cases=500, calls=20_000, letters=500, reconnections=10)


def _berlin(day: datetime.date, seconds: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(0)) + datetime.timedelta(seconds=seconds)
    return timezone.make_aware(moment)


def staff() -> list[User]:
    """25 staff: 3 team leads, 22 agents, all with TOTP (the test suite's make_staff)."""
    from conftest import make_staff
    from kc.core import roles

    return [
        make_staff(f"bench-s{i:02d}", roles.TEAM_LEAD if i < 3 else roles.AGENT)
        for i in range(STAFF)
    ]


def presence_and_shifts(users: list[User], now: datetime.datetime) -> None:
    """Today's presence of everyone, and the shift week (Mon-Sat) around today."""
    from kc.desk.models import Location, Presence, PresenceSource, PresenceState, Shift

    rng = random.Random(3)
    today = timezone.localdate(now)
    states = [PresenceState.AVAILABLE, PresenceState.ON_CALL, PresenceState.BREAK]
    states.append(PresenceState.AWAY)
    places = [Location.HOME_OFFICE, Location.CALL_CENTER, Location.CUSTOMER_CENTER]
    Presence.objects.bulk_create(
        Presence(
            user=user,
            day=today,
            location=Location.ABSENT if i % 12 == 11 else places[i % 3],
            state=rng.choice(states),
            state_since=now - datetime.timedelta(minutes=rng.randrange(1, 90)),
            source=PresenceSource.MANUAL,
        )
        for i, user in enumerate(users)
    )
    monday = today - datetime.timedelta(days=today.weekday())
    shifts = []
    for i, user in enumerate(users):
        early = i % 2 == 0
        for offset in range(6):
            shifts.append(
                Shift(
                    user=user,
                    day=monday + datetime.timedelta(days=offset),
                    start=datetime.time(8 if early else 12),
                    end=datetime.time(16 if early else 20),
                    location=places[i % 2],
                )
            )
    Shift.objects.bulk_create(shifts)


def queues_and_cases(volume: Volume, users: list[User], now: datetime.datetime) -> list[int]:
    """Six queues; `cases` cases over a year, `open_cases` of them open with SLA due dates
    (a tenth at risk, a twentieth breached). Returns the open cases' ids (newest last)."""
    from kc.cases.models import Case, Queue
    from kc.core.models import Team
    from kc.customers.models import BusinessPartner

    rng = random.Random(1)
    team, _ = Team.objects.get_or_create(name="Kundenservice", kind=Team.Kind.HOME_OFFICE)
    names = ["Abrechnung", "Eingang", "Umzug", "Zähler", "Sperre", "Beschwerden"][:QUEUES]
    queues = [
        Queue.objects.create(name=name, team=team, is_default=(i == 0))
        for i, name in enumerate(names)
    ]
    with transaction.atomic():  # save() fills the partners' search keys
        partners = [
            BusinessPartner.objects.create(
                number=f"{1_700_000 + i}",
                kind=BusinessPartner.Kind.PERSON,
                salutation=BusinessPartner.Salutation.MR,
                first_name="Bench",
                last_name=f"Kunde {i}",
                email=f"kunde{i}@bench.example.net",
            )
            for i in range(PARTNERS)
        ]
    open_statuses = [Case.Status.NEW, Case.Status.OPEN, Case.Status.WAITING_INTERNAL]
    open_statuses.append(Case.Status.WAITING_CUSTOMER)
    year = 365 * 24 * 60

    def one(i: int) -> Case:
        is_open = i >= volume.cases - volume.open_cases
        minutes = rng.randrange(5, 3 * 24 * 60) if is_open else rng.randrange(3 * 24 * 60, year)
        received = now - datetime.timedelta(minutes=minutes)
        partner = rng.choice(partners) if rng.random() < 0.4 else None
        answered = received + datetime.timedelta(hours=rng.randrange(1, 30))
        status = (
            rng.choice(open_statuses)
            if is_open
            else rng.choice([Case.Status.RESOLVED, Case.Status.CLOSED])
        )
        first_response = None if is_open and rng.random() < 0.5 else min(answered, now)
        risk = rng.random()
        return Case(
            number=f"V7{i:07d}",
            subject=f"Anliegen {i}",
            channel=rng.choice(("email", "phone", "letter", "portal")),
            status=status,
            priority=rng.choices([p for p, _ in Case.Priority.choices], (10, 70, 15, 5))[0],
            queue=queues[i % QUEUES],
            assignee=rng.choice(users) if rng.random() < 0.6 else None,
            partner=partner,
            contact_email="" if partner else f"absender{i}@mail.example.com",
            received_at=received,
            first_response_at=first_response,
            resolved_at=None if is_open else answered + datetime.timedelta(hours=4),
            first_response_due=received + datetime.timedelta(hours=24),
            resolution_due=(
                now - datetime.timedelta(hours=2)
                if is_open and risk < 0.05
                else received + datetime.timedelta(days=10)
            ),
            sla_alert="at_risk" if is_open and risk > 0.9 else "",
        )

    for start in range(0, volume.cases, BATCH):
        Case.objects.bulk_create([one(i) for i in range(start, min(volume.cases, start + BATCH))])
    return list(
        Case.objects.filter(status__in=open_statuses).order_by("pk").values_list("pk", flat=True)
    )


def complaints(volume: Volume, open_case_ids: list[int], now: datetime.datetime) -> None:
    """Open complaints on open cases, answer days from a week ago to four weeks ahead."""
    from kc.cases.models import Case, Complaint

    rng = random.Random(4)
    today = timezone.localdate(now)
    chosen = open_case_ids[: volume.complaints]
    Case.objects.filter(pk__in=chosen).update(case_type="complaint")
    rows = []
    for case_id in chosen:
        received = now - datetime.timedelta(days=rng.randrange(1, 30))
        rows.append(
            Complaint(
                case_id=case_id,
                category=rng.choice([c for c, _ in Complaint.Category.choices]),
                received_at=received,
                answer_due=today + datetime.timedelta(days=rng.randrange(-7, 28)),
                rule_set="enwg-111a-2011",
                registered_at=received,
            )
        )
    Complaint.objects.bulk_create(rows)


def calls(volume: Volume, users: list[User], now: datetime.datetime) -> None:
    """The call journal: `calls` calls over `call_weeks` weeks before today and today so far,
    inside opening hours (Mon-Sat 8-20), more in the morning; 88 % answered, 12 % missed,
    a few outgoing; three ringing now."""
    from kc.cases.models import Call

    rng = random.Random(2)
    today = timezone.localdate(now)
    first = today - datetime.timedelta(days=today.weekday() + 7 * volume.call_weeks)
    days = [
        first + datetime.timedelta(days=n)
        for n in range((today - first).days + 1)
        if (first + datetime.timedelta(days=n)).weekday() < 6
    ]
    hour_weights = [9, 10, 9, 8, 6, 6, 7, 6, 5, 4, 3, 2]  # 8-20 h
    rows: list[Call] = []

    def flush() -> None:
        Call.objects.bulk_create(rows)
        rows.clear()

    made = 0
    while made < volume.calls:
        day = rng.choice(days)
        hour = 8 + rng.choices(range(12), hour_weights)[0]
        started = _berlin(day, hour * 3600 + rng.randrange(3600))
        if started >= now:
            continue
        direction = Call.Direction.OUT if rng.random() < 0.08 else Call.Direction.IN
        missed = direction == Call.Direction.IN and rng.random() < 0.12
        answered = None if missed else started + datetime.timedelta(seconds=rng.randrange(3, 120))
        ended = (answered or started) + datetime.timedelta(seconds=rng.randrange(30, 600))
        rows.append(
            Call(
                call_id=f"bench-{made}",
                direction=direction,
                from_number=f"0211{rng.randrange(10**6, 10**7)}",
                to_number="08001234567",
                pbx_queue="hotline",
                agent=None if missed else rng.choice(users),
                state=Call.State.MISSED if missed else Call.State.ENDED,
                started_at=started,
                answered_at=answered,
                ended_at=min(ended, now),
            )
        )
        made += 1
        if len(rows) >= BATCH:
            flush()
    for n in range(3):
        rows.append(
            Call(
                call_id=f"bench-ringing-{n}",
                direction=Call.Direction.IN,
                from_number=f"021155500{n}",
                to_number="08001234567",
                pbx_queue="hotline",
                state=Call.State.RINGING,
                started_at=now - datetime.timedelta(seconds=10 + 15 * n),
            )
        )
    flush()


def print_room(volume: Volume, now: datetime.datetime) -> None:
    """`letters` post letters where the print room has them: one rendered through the letter
    service, the rest copies of it (own numbers, same PDF): 60 % waiting for a batch, 20 % in
    unprinted batches, 20 % printed or enveloped, created up to three days ago."""
    from decimal import Decimal

    from kc.letters import services
    from kc.letters.models import Delivery, Letter, PrintBatch
    from kc.letters.samples import SAMPLES
    from kc.letters.tests.factories import LetterheadFactory, customer_with_address

    rng = random.Random(5)
    LetterheadFactory()
    model = services.create_letter(
        kind="free_text", partner=customer_with_address(), values=SAMPLES["free_text"], actor=None
    )
    batches = {
        state: [
            PrintBatch.objects.create(
                number=f"BENCH-{state}-{n}",
                state=state,
                envelope="DL",
                postage_class="standard",
                postage_total=Decimal("0.00"),
            )
            for n in range(5)
        ]
        for state in (PrintBatch.State.READY, PrintBatch.State.PRINTED)
    }
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Letter._meta.concrete_fields
        if f.attname not in ("id", "number")
    }
    for start in range(1, volume.letters, BATCH):
        stop = min(volume.letters, start + BATCH)
        letters = Letter.objects.bulk_create(
            Letter(number=f"BENCH{i:07d}", **fields) for i in range(start, stop)
        )
        deliveries = []
        for letter in letters:
            share = rng.random()
            state, batch = Delivery.State.QUEUED, None
            if share > 0.6:
                printed = share > 0.8
                state = Delivery.State.PRINTED if printed else Delivery.State.BATCHED
                kind = PrintBatch.State.PRINTED if printed else PrintBatch.State.READY
                batch = rng.choice(batches[kind])
            deliveries.append(
                Delivery(letter=letter, channel=Delivery.Channel.POST, state=state, batch=batch)
            )
        Delivery.objects.bulk_create(deliveries)
    copies = Letter.objects.filter(number__startswith="BENCH")
    for hours in range(1, 73, 6):  # spread the ages (created_at is auto_now_add)
        step = copies.filter(number__gte=f"BENCH{(hours - 1) * volume.letters // 72:07d}")
        step.update(created_at=now - datetime.timedelta(hours=hours))


def reconnections(volume: Volume, now: datetime.datetime) -> None:
    """`reconnections` open reconnections (proof received, or order sent to the field service)
    on real contracts, as the dashboard tests build them."""
    from decimal import Decimal

    from kc.customers.tests.factories import ContractAccountFactory
    from kc.disconnection.models import DisconnectionCase
    from kc.supply.tests.factories import ContractFactory

    status = DisconnectionCase.Status
    for n in range(volume.reconnections):
        contract = ContractFactory(account=ContractAccountFactory())
        DisconnectionCase.objects.create(
            number=f"S{9_000_000 + n:07d}",
            account=contract.account,
            contract=contract,
            status=status.RECONNECTION_ORDERED if n % 2 else status.DISCONNECTED,
            rule_set="bench",
            arrears=Decimal("300.00"),
            threshold=Decimal("100.00"),
            threat_sent_on=timezone.localdate(now) - datetime.timedelta(days=40),
            earliest_on=timezone.localdate(now) - datetime.timedelta(days=12),
            proof_received_at=now - datetime.timedelta(minutes=5 + 3 * n),
        )


def build(volume: Volume) -> None:
    now = timezone.now()
    users = staff()
    presence_and_shifts(users, now)
    open_ids = queues_and_cases(volume, users, now)
    complaints(volume, open_ids, now)
    calls(volume, users, now)
    print_room(volume, now)
    reconnections(volume, now)
