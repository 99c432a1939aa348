"""The amount rules: fixed or percent with a cap, never above the price, rounded to the cent;
the clawback in full or pro rata."""

import datetime
from decimal import Decimal

from kc.funding.amounts import Terms, add_years, clawback_amount, grant_amount

D = Decimal


def test_a_fixed_amount_is_granted_but_never_more_than_the_price() -> None:
    terms = Terms(kind="fixed", fixed_amount=D("100.00"))
    assert grant_amount(terms, D("649.90")) == D("100.00")
    assert grant_amount(terms, D("80.00")) == D("80.00")
    assert grant_amount(terms, D("0")) == D("0.00")


def test_a_percentage_is_rounded_half_up_to_the_cent_and_capped() -> None:
    terms = Terms(kind="percent", percent=D("12.5"), cap=D("500.00"))
    assert grant_amount(terms, D("99.99")) == D("12.50")  # 12.49875
    assert grant_amount(terms, D("1000.00")) == D("125.00")
    assert grant_amount(terms, D("9000.00")) == D("500.00")


def test_add_years_keeps_the_day_and_moves_29_february() -> None:
    assert add_years(datetime.date(2026, 3, 1), 2) == datetime.date(2028, 3, 1)
    assert add_years(datetime.date(2028, 2, 29), 1) == datetime.date(2029, 2, 28)


def test_clawback_full_pro_rata_and_nothing_when_the_contract_lasted() -> None:
    start, until = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)  # 730 days
    ended = datetime.date(2027, 1, 1)  # 365 days missing
    full = clawback_amount(
        granted=D("500.00"), bound_from=start, bound_until=until, ended_on=ended, pro_rata=False
    )
    assert full.amount == D("500.00")
    part = clawback_amount(
        granted=D("500.00"), bound_from=start, bound_until=until, ended_on=ended, pro_rata=True
    )
    assert (part.missing_days, part.total_days) == (365, 730)
    assert part.amount == D("250.00")
    lasted = clawback_amount(
        granted=D("500.00"), bound_from=start, bound_until=until, ended_on=until, pro_rata=True
    )
    assert lasted.amount == D("0.00")
