"""Dated legal periods of data protection (pure: no Django, no I/O).

Two rule sets, each chosen by a date like kc.disconnection.rules:

- the answer period of Art. 12 (3) GDPR: one month from receipt, extendable by two further
  months when the request is complex or there are many; chosen by the day of receipt;
- the retention periods of § 147 AO / § 257 HGB (books 10 years, booking vouchers and
  invoices 8 years since the Bürokratieentlastungsgesetz IV, business letters and e-mails
  6 years), counted from the end of the calendar year in which the document was made
  (§ 147 (4) AO); chosen by the day on which the period is judged.

Months are added by the calendar with the end-of-month rule (§ 188 (2), (3) BGB; Art. 3 (2)
(c) of Regulation 1182/71 says the same): 15 Jan + 1 month = 15 Feb, 31 Jan + 1 month = 28 Feb
(29 Feb in a leap year). The due day is not moved off weekends or holidays: answering by the
calendar date is never late.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Final

GDPR_IN_FORCE: Final = date(2018, 5, 25)
# Bürokratieentlastungsgesetz IV (BGBl. 2024 I Nr. 323): vouchers 8 instead of 10 years for
# every voucher whose period had not ended by 1 Jan 2025.
BEG_IV_IN_FORCE: Final = date(2025, 1, 1)


class NoRuleSet(ValueError):  # noqa: N818 (the name callers know)
    """No rule set covers this date."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when that month is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Answer period (Art. 12 (3) GDPR) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerRules:
    key: str
    title: str
    valid_from: date
    valid_until: date | None  # exclusive
    months: int
    extension_months: int

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


ANSWER_RULES: Final = (
    AnswerRules(
        key="dsgvo-art12-2018",
        title="Art. 12 Abs. 3 DSGVO",
        valid_from=GDPR_IN_FORCE,
        valid_until=None,
        months=1,
        extension_months=2,
    ),
)


def answer_rules(received_on: date) -> AnswerRules:
    for rules in ANSWER_RULES:
        if rules.applies_on(received_on):
            return rules
    raise NoRuleSet(f"no GDPR answer period for a request received on {received_on}")


def answer_due(received_on: date) -> date:
    """The last day to answer a request received on `received_on`."""
    return add_months(received_on, answer_rules(received_on).months)


def extended_due(received_on: date) -> date:
    """The last day after the extension by two further months (the total is three months
    from receipt; the data subject must be told within the first month, with reasons)."""
    rules = answer_rules(received_on)
    return add_months(received_on, rules.months + rules.extension_months)


# --- Retention periods (§ 147 AO, § 257 HGB) --------------------------------------------

BOOK: Final = "book"
VOUCHER: Final = "voucher"
BUSINESS_LETTER: Final = "business_letter"

CATEGORY_LABELS: Final = {
    BOOK: "Bücher und Aufzeichnungen",
    VOUCHER: "Rechnungen und Buchungsbelege",
    BUSINESS_LETTER: "Handels- und Geschäftsbriefe, E-Mails",
}


@dataclass(frozen=True, slots=True)
class RetentionRules:
    key: str
    title: str
    valid_from: date
    valid_until: date | None  # exclusive
    years: dict[str, int]

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day < self.valid_until)


RETENTION_RULES: Final = (
    RetentionRules(
        key="ao-147-until-2024",
        title="§ 147 AO, § 257 HGB (bis 31.12.2024)",
        valid_from=date(1977, 1, 1),
        valid_until=BEG_IV_IN_FORCE,
        years={BOOK: 10, VOUCHER: 10, BUSINESS_LETTER: 6},
    ),
    RetentionRules(
        key="ao-147-beg-iv-2025",
        title="§ 147 AO, § 257 HGB i. d. F. des BEG IV (ab 01.01.2025)",
        valid_from=BEG_IV_IN_FORCE,
        valid_until=None,
        years={BOOK: 10, VOUCHER: 8, BUSINESS_LETTER: 6},
    ),
)


def retention_rules(on: date) -> RetentionRules:
    for rules in RETENTION_RULES:
        if rules.applies_on(on):
            return rules
    raise NoRuleSet(f"no retention rules on {on}")


def retained_until(made_on: date, category: str, *, on: date) -> date:
    """The last day a document made on `made_on` must be kept, judged on `on`: the period
    starts at the end of the year it was made and ends at the end of its last year."""
    years = retention_rules(on).years[category]
    return date(made_on.year + years, 12, 31)


def may_delete(made_on: date, category: str, *, on: date) -> bool:
    return on > retained_until(made_on, category, on=on)
