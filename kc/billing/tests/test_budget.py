import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc.billing import budget

D = datetime.date


def test_a_full_power_year_gives_the_monthly_share_in_whole_euros() -> None:
    proposal = budget.propose(
        division="power",
        consumption=Decimal("3500"),
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        base_price_per_year=Decimal("120.00"),
        working_price=Decimal("0.30000"),
        plan_start=D(2026, 2, 15),
    )
    # (3,500 × 0.30 + 120) × 1.19 = 1,392.30 €; / 11 = 126.57 → 127 €.
    assert proposal.annual_consumption == Decimal("3500")
    assert proposal.annual_gross == Decimal("1392.30")
    assert proposal.instalment == Decimal("127")


def test_a_winter_half_year_of_gas_is_not_doubled() -> None:
    winter = budget.annual_consumption("gas", Decimal("10000"), D(2025, 10, 1), D(2026, 3, 31))
    linear = budget.annual_consumption("water", Decimal("10000"), D(2025, 10, 1), D(2026, 3, 31))
    # Oct–Mar carry 81 % of the gas year: the year is 10,000 / 0.81, not 10,000 × 2.
    assert winter == Decimal("12346")
    assert linear == Decimal("20055")


def test_change_limits() -> None:
    inside = budget.judge_change(Decimal("110"), Decimal("127"))
    outside = budget.judge_change(Decimal("80"), Decimal("127"))
    assert inside.allowed_without_approval and not outside.allowed_without_approval
    assert (outside.lowest, outside.highest) == (Decimal("101.60"), Decimal("152.40"))


def test_due_dates_keep_the_day_and_move_to_month_end() -> None:
    assert budget.due_dates(D(2026, 1, 31), 3) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31)]
    dates = budget.due_dates(D(2026, 11, 15), 12)
    assert dates[0] == D(2026, 11, 15) and dates[-1] == D(2027, 10, 15)


def test_eleven_or_twelve_instalments_only() -> None:
    with pytest.raises(ValueError, match="11 or 12"):
        budget.propose(
            division="power",
            consumption=Decimal("1"),
            period_start=D(2025, 1, 1),
            period_end=D(2025, 12, 31),
            base_price_per_year=Decimal("0"),
            working_price=Decimal("0.3"),
            plan_start=D(2026, 1, 1),
            instalments=10,
        )


@given(
    consumption=st.integers(min_value=0, max_value=200_000),
    price=st.decimals(min_value="0.01", max_value="2", places=5),
    base=st.decimals(min_value="0", max_value="500", places=2),
)
def test_instalments_cover_the_year_within_half_a_step_each(
    consumption: int, price: Decimal, base: Decimal
) -> None:
    proposal = budget.propose(
        division="power",
        consumption=Decimal(consumption),
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        base_price_per_year=base,
        working_price=price,
        plan_start=D(2026, 1, 1),
        instalments=12,
    )
    assert isinstance(proposal.instalment, Decimal)
    assert abs(proposal.instalment * 12 - proposal.annual_gross) <= Decimal("6.00")
