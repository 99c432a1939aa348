"""The dated periods: answer within a month (end-of-month rule), extension, retention."""

import datetime

import pytest

from kc.privacy import rules

D = datetime.date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 1, 15), D(2026, 2, 15)),
        (D(2026, 1, 31), D(2026, 2, 28)),
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year
        (D(2026, 3, 31), D(2026, 4, 30)),
        (D(2026, 12, 31), D(2027, 1, 31)),
        (D(2026, 2, 28), D(2026, 3, 28)),
    ],
)
def test_answer_is_due_one_calendar_month_after_receipt(received, due):
    assert rules.answer_due(received) == due


def test_extension_gives_three_months_from_receipt_with_the_end_of_month_rule():
    assert rules.extended_due(D(2026, 11, 30)) == D(2027, 2, 28)
    assert rules.extended_due(D(2026, 1, 10)) == D(2026, 4, 10)


def test_no_gdpr_period_before_the_gdpr_applied():
    with pytest.raises(rules.NoRuleSet):
        rules.answer_due(D(2018, 5, 24))
    assert rules.answer_due(D(2018, 5, 25)) == D(2018, 6, 25)


def test_retention_counts_from_the_end_of_the_year_the_document_was_made():
    on = D(2026, 11, 28)
    assert rules.retained_until(D(2026, 1, 2), rules.VOUCHER, on=on) == D(2034, 12, 31)
    assert rules.retained_until(D(2026, 12, 31), rules.BUSINESS_LETTER, on=on) == D(2032, 12, 31)
    assert rules.retained_until(D(2026, 6, 1), rules.BOOK, on=on) == D(2036, 12, 31)
    assert not rules.may_delete(D(2018, 3, 1), rules.VOUCHER, on=D(2026, 12, 31))
    assert rules.may_delete(D(2018, 3, 1), rules.VOUCHER, on=D(2027, 1, 1))


def test_vouchers_were_kept_ten_years_until_the_beg_iv_and_eight_since():
    made = D(2015, 5, 1)
    assert rules.retained_until(made, rules.VOUCHER, on=D(2024, 12, 31)) == D(2025, 12, 31)
    assert rules.retained_until(made, rules.VOUCHER, on=D(2025, 1, 1)) == D(2023, 12, 31)
    assert rules.retention_rules(D(2025, 1, 1)).key == "ao-147-beg-iv-2025"
