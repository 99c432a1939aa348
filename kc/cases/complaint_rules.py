"""Dated legal rules of the complaint procedure (pure: no Django, no I/O).

§ 111a EnWG: an energy supplier answers a consumer's complaint within four weeks of its
receipt. The period is computed by the BGB:
- § 187 (1): the day of receipt is not counted;
- § 188 (2): a period in weeks ends with the end of the day of the last week that has the
  weekday of the receipt (received on a Tuesday: ends on the Tuesday four weeks later);
- § 193: when that day is a Saturday, a Sunday or a public holiday at the place of
  performance, the period ends with the next working day (Werktag that is not a Saturday).

The receipt is a moment; its day is the calendar day in Europe/Berlin (a mail at 23:30 UTC on
the 31st came in on the 1st). Public holidays are the caller's: the holidays of the business
calendar (NRW by default), passed as a predicate.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from kc.core.business_calendar import shift_open_days

BERLIN: Final = ZoneInfo("Europe/Berlin")
SATURDAY: Final = 5
SUNDAY: Final = 6

type IsHoliday = Callable[[date], bool]


class NoRuleSet(ValueError):  # noqa: N818 (the name callers know)
    """No rule set covers a complaint received on this day."""


@dataclass(frozen=True, slots=True)
class ComplaintRuleSet:
    """One version of the answer period for consumer complaints."""

    key: str
    # German, for the case page and the report.
    title: str
    valid_from: date
    # Exclusive end; None while in force.
    valid_until: date | None
    answer_weeks: int
    # When not remedied: reasons in text form and the note on the Schlichtungsstelle Energie
    # (address, website, the supplier's duty to take part).
    reasons_and_arbitration_note: bool

    def __post_init__(self) -> None:
        if self.answer_weeks < 1:
            raise ValueError(f"{self.key}: the answer period needs at least one week")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError(f"{self.key}: valid_until must be after valid_from")

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


# § 111a EnWG came with the EnWG amendment of 26.7.2011 (BGBl. I S. 1554), in force 4.8.2011;
# the four weeks and the Schlichtungsstelle note have been unchanged since.
ENWG_111A_IN_FORCE: Final = date(2011, 8, 4)

RULE_SETS: Final[tuple[ComplaintRuleSet, ...]] = (
    ComplaintRuleSet(
        key="enwg-111a-2011-08",
        title="§ 111a EnWG",
        valid_from=ENWG_111A_IN_FORCE,
        valid_until=None,
        answer_weeks=4,  # § 111a S. 2 EnWG: "innerhalb von vier Wochen ab Zugang"
        reasons_and_arbitration_note=True,  # § 111a S. 3, 4 EnWG
    ),
)


def receipt_day(received_at: datetime) -> date:
    """The calendar day in Berlin on which an aware moment falls."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got naive {received_at}")
    return received_at.astimezone(UTC).astimezone(BERLIN).date()


def rules_for(day: date, rule_sets: Iterable[ComplaintRuleSet] = RULE_SETS) -> ComplaintRuleSet:
    """The rule set for a complaint received on `day`: the latest valid_from <= day."""
    matching = [rules for rules in rule_sets if rules.applies_on(day)]
    if not matching:
        raise NoRuleSet(f"Für eine Beschwerde vom {day:%d.%m.%Y} ist keine Frist hinterlegt.")
    return max(matching, key=lambda rules: rules.valid_from)


def is_working_day(day: date, is_holiday: IsHoliday) -> bool:
    """§ 193 BGB: neither Saturday nor Sunday nor a public holiday."""
    return day.weekday() not in (SATURDAY, SUNDAY) and not is_holiday(day)


def next_working_day(day: date, is_holiday: IsHoliday) -> date:
    """`day` itself when it is a working day, else the next one."""
    while not is_working_day(day, is_holiday):
        day += timedelta(days=1)
    return day


def answer_due(
    received_at: datetime,
    is_holiday: IsHoliday,
    rule_sets: Iterable[ComplaintRuleSet] = RULE_SETS,
) -> tuple[date, ComplaintRuleSet]:
    """The last day to answer a complaint received at `received_at`, and the rule set used."""
    received = receipt_day(received_at)
    rules = rules_for(received, rule_sets)
    # §§ 187 (1), 188 (2) BGB: the same weekday `answer_weeks` later.
    plain_end = received + timedelta(weeks=rules.answer_weeks)
    return next_working_day(plain_end, is_holiday), rules


def escalation_day(due: date, business_days: int, is_open_day: Callable[[date], bool]) -> date:
    """The day from which an unanswered complaint goes to the complaint manager: the
    `business_days`-th open day of the business calendar before `due` (`due` itself for 0)."""
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    return shift_open_days(due, -business_days, is_open_day)


def answered_in_time(answered_at: datetime, due: date) -> bool:
    """In time when the answer left on or before the due day (Berlin calendar day)."""
    return receipt_day(answered_at) <= due
