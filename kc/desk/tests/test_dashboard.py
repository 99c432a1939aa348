"""The dashboard's selectors: what counts as waiting, ages and medians, SLA, calls of the
Berlin day, the print room, reconnections, and a query count independent of the data."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_staff
from kc.cases.models import Call, Case, Complaint
from kc.cases.tests.factories import CaseFactory, QueueFactory, TeamFactory
from kc.core import roles
from kc.core.models import User
from kc.customers.tests.factories import ContractAccountFactory
from kc.desk import dashboard
from kc.desk.dashboard import Level
from kc.desk.models import Location, Presence, PresenceSource, PresenceState
from kc.disconnection.models import DisconnectionCase
from kc.letters import printroom, services
from kc.letters.models import Delivery, PrintBatch
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.supply.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

BERLIN = timezone.get_fixed_timezone(60)  # CET: the winter offset of Europe/Berlin
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)  # a Friday, 13:00 Berlin


def case_at(minutes_ago: int, **fields: object) -> Case:
    case: Case = CaseFactory(received_at=NOW - datetime.timedelta(minutes=minutes_ago), **fields)
    return case


# --- levels ---------------------------------------------------------------------------------


def test_level_turns_amber_and_red_at_the_thresholds() -> None:
    assert dashboard.level_for(None, 10, 20) is Level.OK
    assert dashboard.level_for(9, 10, 20) is Level.OK
    assert dashboard.level_for(10, 10, 20) is Level.WARN
    assert dashboard.level_for(20, 10, 20) is Level.CRITICAL
    assert str(Level.CRITICAL.label) == "kritisch"


# --- cases per queue ----------------------------------------------------------------------


def test_waiting_counts_unassigned_or_unanswered_open_cases_per_queue() -> None:
    agent = make_staff("agent", roles.AGENT)
    inbox = QueueFactory(name="Eingang")
    answered = NOW - datetime.timedelta(minutes=5)
    case_at(30, queue=inbox)  # new, nobody has it: waits
    case_at(20, queue=inbox, assignee=agent)  # taken but not answered: waits
    case_at(10, queue=inbox, status=Case.Status.OPEN, first_response_at=answered)  # unassigned
    # Taken and answered: someone works it, it does not wait.
    case_at(40, queue=inbox, assignee=agent, status=Case.Status.OPEN, first_response_at=answered)
    # The customer's turn, and finished ones, do not wait.
    case_at(50, queue=inbox, status=Case.Status.WAITING_CUSTOMER)
    case_at(60, queue=inbox, status=Case.Status.RESOLVED)
    case_at(70, queue=inbox, status=Case.Status.CLOSED)

    (load,) = dashboard.queue_loads(NOW)
    assert (load.name, load.waiting, load.open) == ("Eingang", 3, 5)
    assert load.oldest_minutes == 30
    assert load.median_minutes == 20


def test_median_of_an_even_number_is_between_the_middle_two() -> None:
    queue = QueueFactory(name="Abrechnung", is_default=False)
    for minutes in (10, 20, 40, 1000):
        case_at(minutes, queue=queue)
    (load,) = dashboard.queue_loads(NOW)
    assert (load.waiting, load.oldest_minutes, load.median_minutes) == (4, 1000, 30)


def test_medians_stay_per_queue() -> None:
    first = QueueFactory(name="A")
    second = QueueFactory(name="B", is_default=False, team=TeamFactory(name="Call Center"))
    for minutes in (10, 20, 30):
        case_at(minutes, queue=first)
    case_at(500, queue=second)
    loads = {load.name: load for load in dashboard.queue_loads(NOW)}
    assert loads["A"].median_minutes == 20 and loads["B"].median_minutes == 500


def test_queue_level_follows_the_oldest_waiting_case(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_CASE_AMBER_MINUTES = 60
    settings.KC_DASHBOARD_CASE_RED_MINUTES = 120
    queue = QueueFactory()
    case_at(59, queue=queue)
    assert dashboard.queue_loads(NOW)[0].level is Level.OK
    case_at(61, queue=queue)
    assert dashboard.queue_loads(NOW)[0].level is Level.WARN
    case_at(121, queue=queue)
    assert dashboard.queue_loads(NOW)[0].level is Level.CRITICAL


def test_an_empty_queue_shows_zeros_and_no_ages() -> None:
    QueueFactory(name="Leer")
    (load,) = dashboard.queue_loads(NOW)
    assert (load.waiting, load.open, load.oldest_minutes, load.median_minutes) == (0, 0, None, None)
    assert load.level is Level.OK


# --- SLA ------------------------------------------------------------------------------------


def test_sla_counts_breached_by_due_dates_and_at_risk_by_the_check() -> None:
    past, future = NOW - datetime.timedelta(minutes=1), NOW + datetime.timedelta(hours=3)
    first = case_at(600, first_response_due=past)  # unanswered after its due date
    late = case_at(
        600,
        status=Case.Status.OPEN,
        first_response_at=NOW - datetime.timedelta(hours=9),
        first_response_due=past,  # answered in time does not matter: resolution is late
        resolution_due=past - datetime.timedelta(hours=1),
    )
    case_at(600, status=Case.Status.OPEN, first_response_at=past, first_response_due=past)
    risky = case_at(60, first_response_due=future, sla_alert="at_risk")
    case_at(60, first_response_due=future)  # running, not at risk
    case_at(600, first_response_due=past, status=Case.Status.RESOLVED)  # finished
    case_at(600, status=Case.Status.WAITING_CUSTOMER, resolution_due=None)  # paused

    summary = dashboard.sla_summary(NOW)
    assert (summary.breached, summary.at_risk) == (2, 1)
    assert summary.level is Level.CRITICAL
    assert [c.number for c in summary.most_urgent] == [late.number, first.number, risky.number]


def test_a_case_without_due_dates_is_neither_breached_nor_at_risk() -> None:
    case_at(10_000, first_response_due=None, resolution_due=None)
    summary = dashboard.sla_summary(NOW)
    assert (summary.breached, summary.at_risk, summary.most_urgent) == (0, 0, [])
    assert summary.level is Level.OK


# --- calls ----------------------------------------------------------------------------------


def call(
    call_id: str,
    started: datetime.datetime,
    state: str,
    direction: str = Call.Direction.IN,
    **fields: object,
) -> Call:
    return Call.objects.create(
        call_id=call_id,
        direction=direction,
        from_number="02111234567",
        to_number="08001234567",
        state=state,
        started_at=started,
        **fields,
    )


def test_calls_today_count_by_the_berlin_day() -> None:
    # 23:30 UTC on the 26th is 00:30 on the 27th in Berlin: today.
    early = datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC)
    # 22:59 UTC on the 26th is 23:59 on the 26th in Berlin: yesterday.
    yesterday = datetime.datetime(2026, 11, 26, 22, 59, tzinfo=datetime.UTC)
    call("a", early, Call.State.MISSED)
    call("b", yesterday, Call.State.MISSED)
    call("c", early, Call.State.ENDED, answered_at=early + datetime.timedelta(seconds=5))
    call("d", yesterday, Call.State.ENDED, answered_at=yesterday)
    call("e", early, Call.State.ENDED, direction=Call.Direction.OUT, answered_at=early)
    call("f", early, Call.State.ENDED, cause="blocked")  # rejected: neither answered nor missed

    summary = dashboard.call_summary(NOW)
    assert (summary.answered_today, summary.missed_today) == (1, 1)
    assert (summary.waiting, summary.longest_wait_seconds) == (0, None)


def test_berlin_day_boundaries_follow_daylight_saving() -> None:
    summer = datetime.datetime(2026, 7, 1, 21, 59, tzinfo=datetime.UTC)  # 23:59 CEST
    start, end = dashboard.berlin_day(summer)
    assert start == datetime.datetime(2026, 6, 30, 22, 0, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 7, 1, 22, 0, tzinfo=datetime.UTC)
    start, _end = dashboard.berlin_day(NOW)
    assert start == datetime.datetime(2026, 11, 27, 0, 0, tzinfo=BERLIN)


def test_ringing_calls_wait_now_and_the_longest_wait_sets_the_level(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_DASHBOARD_CALL_AMBER_SECONDS = 20
    settings.KC_DASHBOARD_CALL_RED_SECONDS = 60
    call("r1", NOW - datetime.timedelta(seconds=25), Call.State.RINGING)
    call("r2", NOW - datetime.timedelta(seconds=5), Call.State.RINGING)
    call("out", NOW, Call.State.RINGING, direction=Call.Direction.OUT)
    # Lost its hangup at the PBX hours ago: not waiting any more.
    call("stale", NOW - datetime.timedelta(hours=2), Call.State.RINGING)
    summary = dashboard.call_summary(NOW)
    assert (summary.waiting, summary.longest_wait_seconds) == (2, 25)
    assert summary.level is Level.WARN
    call("r3", NOW - datetime.timedelta(seconds=61), Call.State.RINGING)
    assert dashboard.call_summary(NOW).level is Level.CRITICAL


# --- print room -----------------------------------------------------------------------------


def test_print_room_counts_letters_by_where_they_wait(agent) -> None:  # type: ignore[no-untyped-def]
    LetterheadFactory()

    def post_letter() -> None:
        services.create_letter(
            kind="free_text",
            partner=customer_with_address(),
            values=SAMPLES["free_text"],
            actor=None,
        )

    for _ in range(3):
        post_letter()
    (batch,) = printroom.assemble_batches(max_letters=3)
    post_letter()  # not in a batch yet
    now = timezone.now()
    summary = dashboard.print_room_summary(now)
    assert (summary.to_batch, summary.to_print, summary.to_post, summary.total) == (1, 3, 0, 4)
    assert summary.oldest_minutes == 0 and summary.level is Level.OK

    first = batch.deliveries.order_by("position")[0]
    Delivery.objects.filter(pk=first.pk).update(state=Delivery.State.PRINTED)
    assert dashboard.print_room_summary(now).to_post == 1
    PrintBatch.objects.filter(pk=batch.pk).update(state=PrintBatch.State.PRINTED)
    batch.deliveries.update(state=Delivery.State.PRINTED)
    printroom.mark_enveloped(batch=batch, actor=agent)
    printroom.mark_posted(batch=batch, actor=agent)
    later = now + datetime.timedelta(hours=49)
    summary = dashboard.print_room_summary(later)
    assert (summary.to_batch, summary.to_print, summary.to_post) == (1, 0, 0)
    assert summary.level is Level.CRITICAL  # the unbatched letter waits 49 hours


# --- reconnections --------------------------------------------------------------------------


def disconnection_case(status: str, **fields: object) -> DisconnectionCase:
    contract = ContractFactory(account=ContractAccountFactory())
    case: DisconnectionCase = DisconnectionCase.objects.create(
        number=f"S{DisconnectionCase.objects.count() + 1:07d}",
        account=contract.account,
        contract=contract,
        status=status,
        rule_set="test",
        arrears=Decimal("300.00"),
        threshold=Decimal("100.00"),
        threat_sent_on=datetime.date(2026, 10, 1),
        earliest_on=datetime.date(2026, 10, 29),
        **fields,
    )
    return case


def test_reconnections_open_until_the_field_service_confirms(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_RECONNECTION_TARGET_MINUTES = 120
    settings.KC_DASHBOARD_RECONNECTION_AMBER_MINUTES = 60
    status = DisconnectionCase.Status
    disconnection_case(status.DISCONNECTED)  # no proof yet: nothing to do
    disconnection_case(status.RECONNECTED, proof_received_at=NOW)  # done
    disconnection_case(status.DISCONNECTED, proof_received_at=NOW - datetime.timedelta(minutes=70))
    summary = dashboard.reconnection_summary(NOW)
    assert (summary.open, summary.over_target, summary.oldest_minutes) == (1, 0, 70)
    assert summary.level is Level.WARN
    disconnection_case(
        status.RECONNECTION_ORDERED, proof_received_at=NOW - datetime.timedelta(minutes=121)
    )
    summary = dashboard.reconnection_summary(NOW)
    assert (summary.open, summary.over_target, summary.oldest_minutes) == (2, 1, 121)
    assert summary.level is Level.CRITICAL


# --- everything at once ---------------------------------------------------------------------


def test_empty_database_gives_zeros_and_dashes() -> None:
    snap = dashboard.snapshot(NOW)
    assert snap.queues == [] and snap.waiting_cases == 0
    assert (snap.sla.breached, snap.calls.waiting, snap.print_room.total) == (0, 0, 0)
    assert snap.reconnections.oldest_minutes is None


def test_query_count_does_not_grow_with_the_data(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    def fill(n: int) -> None:
        queue = QueueFactory(name=f"Q{n}", is_default=False)
        for minutes in range(n):
            case_at(minutes, queue=queue, first_response_due=NOW, sla_alert="at_risk")
            call(f"{n}-{minutes}", NOW - datetime.timedelta(seconds=minutes), Call.State.RINGING)
            complaint(timezone.localdate(NOW) + datetime.timedelta(days=minutes % 3 - 1))

    fill(2)
    with django_assert_max_num_queries(dashboard.QUERY_BUDGET) as small:
        dashboard.snapshot(NOW)
    fill(30)
    with django_assert_max_num_queries(dashboard.QUERY_BUDGET) as large:
        snap = dashboard.snapshot(NOW)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(snap.queues) == 3 and snap.complaints.due_soon + snap.complaints.overdue == 32


# --- complaints -----------------------------------------------------------------------------


def complaint(answer_due: datetime.date, *, answered: bool = False) -> Complaint:
    received = NOW - datetime.timedelta(days=20)
    return Complaint.objects.create(
        case=case_at(20 * 24 * 60, case_type="complaint"),
        category=Complaint.Category.BILLING,
        received_at=received,
        answer_due=answer_due,
        rule_set="enwg-111a-2011",
        registered_at=received,
        answered_at=NOW if answered else None,
        outcome=Complaint.Outcome.REMEDIED if answered else "",
    )


def test_complaints_near_the_answer_day_count_open_days_and_overdue(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_COMPLAINT_ESCALATION_DAYS = 5
    friday = timezone.localdate(NOW)
    assert friday == datetime.date(2026, 11, 27)
    # Saturday, Monday, Tuesday, Wednesday, Thursday: the Sunday is no open day.
    horizon = datetime.date(2026, 12, 3)
    complaint(friday)  # due today: still in time, near
    complaint(horizon)  # the fifth open day: near
    complaint(horizon + datetime.timedelta(days=1))  # later: not yet
    complaint(friday - datetime.timedelta(days=1))  # overdue
    complaint(friday - datetime.timedelta(days=3), answered=True)  # answered: done
    summary = dashboard.complaint_summary(NOW)
    assert (summary.due_soon, summary.overdue, summary.horizon) == (2, 1, horizon)
    assert summary.level is Level.CRITICAL


def test_complaints_near_only_are_amber_and_none_are_ok() -> None:
    assert dashboard.complaint_summary(NOW).level is Level.OK
    complaint(timezone.localdate(NOW) + datetime.timedelta(days=1))
    assert dashboard.complaint_summary(NOW).level is Level.WARN


def test_open_days_skip_sundays_and_public_holidays() -> None:
    new_years_eve = datetime.date(2026, 12, 31)  # Thursday; 1 January is a holiday
    assert dashboard.open_days_ahead(new_years_eve, 1) == datetime.date(2027, 1, 2)
    assert dashboard.open_days_ahead(new_years_eve, 2) == datetime.date(2027, 1, 4)


# --- presence -------------------------------------------------------------------------------


def test_presence_counts_who_works_today_by_state() -> None:
    today = timezone.localdate(NOW)

    def present(
        name: str,
        state: str,
        location: str = Location.HOME_OFFICE,
        day: datetime.date = today,
        active: bool = True,
    ) -> None:
        user = make_staff(name, roles.AGENT, with_mfa=False)
        User.objects.filter(pk=user.pk).update(is_active=active)
        Presence.objects.create(
            user=user,
            day=day,
            location=location,
            state=state,
            state_since=NOW,
            source=PresenceSource.MANUAL,
        )

    present("a", PresenceState.AVAILABLE)
    present("b", PresenceState.AVAILABLE, location=Location.CALL_CENTER)
    present("c", PresenceState.ON_CALL)
    present("d", PresenceState.BREAK, location=Location.CUSTOMER_CENTER)
    present("e", PresenceState.AWAY)
    present("f", PresenceState.AVAILABLE, location=Location.ABSENT)  # not at work today
    present("g", PresenceState.AVAILABLE, day=today - datetime.timedelta(days=1))  # yesterday's
    present("h", PresenceState.AVAILABLE, active=False)  # left the company
    summary = dashboard.presence_summary(NOW)
    assert (summary.available, summary.on_call, summary.on_break, summary.away) == (2, 1, 1, 1)
