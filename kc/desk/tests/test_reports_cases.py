"""Report selectors on cases and calls, with data built here: Berlin day boundaries, business
time, SLA outcomes, service level; an empty period gives zeros."""

import datetime
from decimal import Decimal

import pytest

from kc.cases.models import Call, Case, Complaint
from kc.cases.tests.factories import CaseFactory
from kc.desk.reports import calls, complaints, contacts, response_times, sla_compliance
from kc.desk.reports.catalogue import TABLES, all_sections
from kc.desk.reports.period import BERLIN, Period

pytestmark = pytest.mark.django_db

NOV = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
UTC = datetime.UTC


def berlin(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN)  # type: ignore[misc, arg-type]


def case(received: datetime.datetime, **fields: object) -> Case:
    return CaseFactory(received_at=received, **fields)


def rows(figure_table: object) -> dict[str, tuple[object, ...]]:
    return {row[0]: row[1:] for row in figure_table.rows}  # type: ignore[attr-defined]


def test_contacts_count_by_berlin_day_channel_and_type() -> None:
    # 31 Oct 23:30 UTC is 1 Nov 00:30 in Berlin: November. 30 Nov 23:30 UTC is 1 Dec: not.
    case(datetime.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), channel="email")
    case(berlin(2026, 11, 1, 10), channel="phone", case_type="move")
    case(datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC), channel="email")
    case(datetime.datetime(2026, 10, 31, 22, 59, tzinfo=UTC), channel="email")  # 31 Oct 23:59
    Call.objects.create(
        call_id="c1",
        direction="in",
        from_number="1",
        to_number="2",
        started_at=berlin(2026, 11, 1, 9),
        state="ended",
        answered_at=berlin(2026, 11, 1, 9),
    )
    Call.objects.create(
        call_id="c2",
        direction="out",
        from_number="2",
        to_number="1",
        started_at=berlin(2026, 11, 1, 9),
    )
    figure = contacts.by_channel(NOV)
    first = rows(figure.table)["01.11."]
    # E-Mail, Telefon, Portal, Brief, Kunden-Center, total, inbound calls
    assert first == (1, 1, 0, 0, 0, 2, 1)
    assert rows(figure.table)["Summe"] == (1, 1, 0, 0, 0, 2, 1)
    assert rows(figure.table)["30.11."] == (0, 0, 0, 0, 0, 0, 0)
    by_type = rows(contacts.by_case_type(NOV).table)
    assert by_type["Umzug"] == (0, 1, 0, 0, 0, 1)
    assert by_type["Allgemeine Anfrage"] == (1, 0, 0, 0, 0, 1)


def test_response_times_in_business_time() -> None:
    # Saturday 19:55 → Monday 08:05: ten business minutes, not 36 hours.
    case(berlin(2026, 11, 7, 19, 55), first_response_at=berlin(2026, 11, 9, 8, 5))
    # Monday 9:00 → 11:00 answered; resolved Tuesday 9:00: 11 business hours + 1 h = 12 h.
    case(
        berlin(2026, 11, 9, 9),
        first_response_at=berlin(2026, 11, 9, 11),
        resolved_at=berlin(2026, 11, 10, 9),
    )
    # Resolved without a recorded first response: the resolution is the response.
    case(berlin(2026, 11, 9, 10), resolved_at=berlin(2026, 11, 9, 10, 30))
    case(berlin(2026, 11, 9, 12))  # still waiting
    first, resolution = response_times.durations(NOV)
    assert first.done[datetime.date(2026, 11, 7)] == [600]
    assert sorted(first.done[datetime.date(2026, 11, 9)]) == [1800, 7200]
    assert first.waiting[datetime.date(2026, 11, 9)] == 1
    assert sorted(resolution.done[datetime.date(2026, 11, 9)]) == [1800, 12 * 3600]
    section = response_times.response_times(NOV)
    total = rows(section.figures[0].table)["Gesamt"]
    # count, waiting, median, p90, mean (hours): values 600, 1800, 7200 s
    assert total == (3, 1, Decimal("0.5"), Decimal("2.0"), Decimal("0.9"))


def test_sla_outcomes() -> None:
    now = berlin(2026, 11, 20, 12)
    due = berlin(2026, 11, 10, 12)
    day = berlin(2026, 11, 10, 8)
    case(day, first_response_due=due, first_response_at=due)  # met, on the minute
    case(day, first_response_due=due, first_response_at=due + datetime.timedelta(minutes=1))
    case(day, first_response_due=due)  # unanswered, due passed: late already
    case(day, first_response_due=berlin(2026, 11, 30, 12))  # running
    case(day)  # no target
    case(day, first_response_due=due, resolved_at=due - datetime.timedelta(hours=1))  # met
    section = sla_compliance.sla_compliance(NOV, now=now)
    assert rows(section.figures[0].table)["10.11."] == (2, 2, 1, 1, Decimal("50.0"))
    assert rows(section.figures[0].table)["Gesamt"] == (2, 2, 1, 1, Decimal("50.0"))
    assert rows(section.figures[0].table)["11.11."] == (0, 0, 0, 0, None)
    resolution = rows(section.figures[1].table)["10.11."]
    assert resolution == (0, 0, 0, 6, None)


def test_calls_answered_missed_and_service_level() -> None:
    start = berlin(2026, 11, 2, 8, 15)

    def call(n: int, wait: int | None, state: str = "ended", at: datetime.datetime = start) -> None:
        Call.objects.create(
            call_id=f"c{n}",
            direction="in",
            from_number="1",
            to_number="2",
            started_at=at,
            state=state,
            answered_at=at + datetime.timedelta(seconds=wait) if wait is not None else None,
        )

    call(1, 20)  # in time, on the second
    call(2, 21)  # answered late
    call(3, None, "missed")
    call(4, None, "ended")  # hung up: missed
    call(5, None, "ringing")  # still open: not counted
    call(6, 5, at=berlin(2026, 11, 2, 20, 30))  # after hours: its own hour row
    call(7, None, "ended")  # refused: the number is blocked, so not missed
    Call.objects.filter(call_id="c7").update(cause="blocked")
    section = calls.calls(NOV)
    by_day = rows(section.figures[0].table)
    assert by_day["02.11."] == (3, 2, 2, Decimal("40.0"))
    by_hour = rows(section.figures[1].table)
    assert by_hour["08–09"] == (2, 2, 1, Decimal("25.0"))
    assert by_hour["20–21"] == (1, 0, 1, Decimal("100.0"))
    assert by_hour["12–13"] == (0, 0, 0, None)


def test_empty_period_gives_zeros_everywhere() -> None:
    sections = all_sections(NOV)
    assert {f.table.slug for s in sections for f in s.figures} == set(TABLES)
    for section in sections:
        for figure in section.figures:
            for row in figure.table.rows:
                assert all(cell in (0, None, Decimal(0)) for cell in row[1:]), (
                    figure.table.slug,
                    row,
                )


def complaint(
    received: datetime.datetime, due: datetime.date, answered: datetime.datetime | None
) -> None:
    Complaint.objects.create(
        case=case(received, case_type="complaint"),
        category=Complaint.Category.BILLING,
        received_at=received,
        answer_due=due,
        rule_set="test",
        registered_at=received,
        answered_at=answered,
        outcome=Complaint.Outcome.REMEDIED if answered else "",
    )


def test_complaints_in_time_by_month_of_receipt() -> None:
    due = datetime.date(2026, 11, 30)
    received = berlin(2026, 11, 2, 9)
    complaint(received, due, berlin(2026, 11, 30, 23, 59))  # on the answer day, Berlin: in time
    complaint(received, due, berlin(2026, 12, 1, 0, 30))  # a day late
    complaint(received, datetime.date(2026, 11, 20), None)  # open past its day
    complaint(received, datetime.date(2026, 12, 28), None)  # open in time
    # received 1 Dec 00:30 Berlin: December
    complaint(
        datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC), datetime.date(2026, 12, 29), None
    )
    period = Period(datetime.date(2026, 11, 15), datetime.date(2026, 12, 5))
    section = complaints.complaints(period, today=datetime.date(2026, 12, 5))
    by_month = rows(section.figures[0].table)
    # whole months: complaints of 2 Nov count though the period starts on 15 Nov
    assert by_month["Nov 2026"] == (4, 1, 1, 1, 1, Decimal("33.3"))
    assert by_month["Dez 2026"] == (1, 0, 0, 0, 1, None)
    assert by_month["Gesamt"] == (5, 1, 1, 1, 2, Decimal("33.3"))
