"""§ 111a EnWG answer period (§§ 187 (1), 188 (2), 193 BGB) and escalation day: pure rules."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc.cases import complaint_rules
from kc.cases.complaint_rules import (
    ENWG_111A_IN_FORCE,
    ComplaintRuleSet,
    NoRuleSet,
    answer_due,
    answered_in_time,
    escalation_day,
    receipt_day,
    rules_for,
)
from kc.core.business_calendar import DEFAULT_CALENDAR

BERLIN = ZoneInfo("Europe/Berlin")
NRW = DEFAULT_CALENDAR.is_holiday


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc,arg-type]


def due(received: datetime) -> date:
    return answer_due(received, NRW)[0]


@pytest.mark.parametrize(
    ("received", "expected", "why"),
    [
        (berlin(2026, 3, 31, 10), date(2026, 4, 28), "plain: Tuesday to Tuesday four weeks on"),
        (berlin(2026, 3, 6, 9), date(2026, 4, 7), "Good Friday, Easter weekend, Easter Monday"),
        (berlin(2026, 11, 27, 12), date(2026, 12, 28), "Christmas Day and Boxing Day, Sunday"),
        (berlin(2026, 12, 4, 12), date(2027, 1, 4), "New Year (Friday), then the weekend"),
        (berlin(2026, 4, 3, 12), date(2026, 5, 4), "1 May on a Friday; received on Good Friday"),
        (berlin(2026, 11, 7, 11), date(2026, 12, 7), "received on a Saturday: ends on a Saturday"),
        (berlin(2026, 5, 7, 8), date(2026, 6, 5), "Corpus Christi: an NRW holiday"),
        (berlin(2026, 1, 31, 18), date(2026, 3, 2), "month end: 31 Jan to 28 Feb (a Saturday)"),
        (berlin(2024, 2, 1, 12), date(2024, 2, 29), "leap year: 1 Feb to 29 Feb"),
        (berlin(2026, 12, 31, 23, 59), date(2027, 1, 28), "year end"),
    ],
)
def test_answer_due(received: datetime, expected: date, why: str) -> None:
    assert due(received) == expected, why


def test_day_of_receipt_is_the_berlin_day() -> None:
    # 23:30 UTC on 31 August is 01:30 on 1 September in Berlin (summer time).
    late = datetime(2026, 8, 31, 23, 30, tzinfo=UTC)
    assert receipt_day(late) == date(2026, 9, 1)
    assert due(late) == date(2026, 9, 29)
    # In winter (UTC+1) 22:59 UTC is still the same day, 23:00 UTC the next one.
    assert receipt_day(datetime(2026, 1, 31, 22, 59, tzinfo=UTC)) == date(2026, 1, 31)
    assert receipt_day(datetime(2026, 1, 31, 23, 0, tzinfo=UTC)) == date(2026, 2, 1)


def test_dst_changes() -> None:
    # Night of the spring change (29 Mar 2026): 23:30 UTC on Saturday is Sunday 00:30 CET;
    # four weeks later is Sunday 26 April, so the period ends on Monday 27 April.
    spring = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert receipt_day(spring) == date(2026, 3, 29)
    assert due(spring) == date(2026, 4, 27)
    # Autumn change (25 Oct 2026): 22:30 UTC on Saturday is Sunday 00:30 CEST.
    autumn = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    assert receipt_day(autumn) == date(2026, 10, 25)
    assert due(autumn) == date(2026, 11, 23)
    # 02:30 local happens twice on the autumn night; both are 25 October.
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert receipt_day(first) == receipt_day(second) == date(2026, 10, 25)


def test_naive_receipt_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due(datetime(2026, 3, 31, 10))


def test_rule_set_by_date() -> None:
    assert rules_for(date(2026, 11, 28)).key == "enwg-111a-2011-08"
    assert rules_for(ENWG_111A_IN_FORCE).answer_weeks == 4
    with pytest.raises(NoRuleSet, match="keine Frist"):
        rules_for(ENWG_111A_IN_FORCE - timedelta(days=1))


def test_a_later_rule_set_applies_from_its_date() -> None:
    shorter = ComplaintRuleSet(
        key="future-3w",
        title="Zukunft",
        valid_from=date(2027, 1, 1),
        valid_until=None,
        answer_weeks=3,
        reasons_and_arbitration_note=True,
    )
    sets = (*complaint_rules.RULE_SETS, shorter)
    assert answer_due(berlin(2026, 12, 31, 12), NRW, sets)[0] == date(2027, 1, 28)
    received_2027 = berlin(2027, 1, 5, 12)
    assert answer_due(received_2027, NRW, sets) == (date(2027, 1, 26), shorter)


def test_rule_set_checks_itself() -> None:
    with pytest.raises(ValueError, match="one week"):
        ComplaintRuleSet("x", "x", date(2020, 1, 1), None, 0, True)
    with pytest.raises(ValueError, match="valid_until"):
        ComplaintRuleSet("x", "x", date(2020, 1, 1), date(2019, 1, 1), 4, True)


# No deadline: the first lookup of a year's holidays builds them (slow on a busy machine).
@settings(deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2012, 1, 1),
        max_value=datetime(2040, 12, 31),
        timezones=st.just(UTC),
    )
)
def test_due_day_properties(received: datetime) -> None:
    day = receipt_day(received)
    result = due(received)
    plain = day + timedelta(weeks=4)
    assert result >= plain
    assert result.weekday() < 5 and not NRW(result)
    # Only non-working days lie between the plain end and the result.
    for offset in range((result - plain).days):
        skipped = plain + timedelta(days=offset)
        assert skipped.weekday() >= 5 or NRW(skipped)


def test_escalation_day_counts_open_days_of_the_business_calendar() -> None:
    def is_open(day: date) -> bool:
        return bool(DEFAULT_CALENDAR.hours_on(day))

    # Due Tuesday 28 Apr 2026: the fifth open day (Mon–Sat) before is Wed 22 (27, 25, 24, 23, 22).
    assert escalation_day(date(2026, 4, 28), 5, is_open) == date(2026, 4, 22)
    assert escalation_day(date(2026, 4, 28), 0, is_open) == date(2026, 4, 28)
    # Over Easter 2026 (3 and 6 April closed, Sunday 5 April closed).
    assert escalation_day(date(2026, 4, 7), 3, is_open) == date(2026, 4, 1)
    with pytest.raises(ValueError, match="negative"):
        escalation_day(date(2026, 4, 28), -1, is_open)
    with pytest.raises(ValueError, match="no open day"):
        escalation_day(date(2026, 4, 28), 1, lambda day: False)


def test_answered_in_time_compares_berlin_days() -> None:
    assert answered_in_time(berlin(2026, 4, 28, 23, 59), date(2026, 4, 28))
    # 22:30 UTC on the due day is 00:30 the next day in Berlin: late.
    assert not answered_in_time(datetime(2026, 4, 28, 22, 30, tzinfo=UTC), date(2026, 4, 28))
