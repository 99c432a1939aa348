"""Dated disconnection rule sets: selection by date, arrears test, periods, installments."""

import ast
import inspect
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc.core.business_calendar import public_holidays
from kc.disconnection import rules
from kc.disconnection.rules import (
    ENWG_2025_IN_FORCE,
    GAS,
    HEAT,
    POWER,
    RULE_SETS,
    WATER,
    NoRuleSet,
    RuleSet,
    add_working_days,
    announcement_due_by,
    arrears_test,
    assumed_delivery,
    earliest_disconnection,
    format_eur,
    installment_bounds,
    installment_schedule,
    is_working_day,
    minimum_arrears,
    offer_deadline,
    rules_for,
    working_days_between,
)
from kc.supply.models import Division

D = Decimal


def nrw(*years: int) -> frozenset[date]:
    return frozenset().union(*(public_holidays("DE", "NW", year) for year in years))


NRW = nrw(2025, 2026, 2027)
ENWG = rules_for(POWER, date(2026, 3, 1))


# --- selection by date ------------------------------------------------------------------------


def test_division_values_match_the_supply_model():
    assert set(Division.values) == rules.ALL_DIVISIONS


@pytest.mark.parametrize(
    ("division", "on", "basic", "key"),
    [
        (POWER, date(2021, 12, 1), True, "stromgvv-2021-12"),
        (GAS, date(2021, 12, 1), True, "gasgvv-2021-12"),
        (POWER, date(2022, 12, 23), True, "stromgvv-2021-12"),
        (POWER, date(2022, 12, 24), True, "stromgvv-2022-12"),
        (GAS, date(2022, 12, 24), True, "gasgvv-2022-12"),
        (POWER, ENWG_2025_IN_FORCE - timedelta(days=1), True, "stromgvv-2022-12"),
        (POWER, ENWG_2025_IN_FORCE, True, "enwg-41f-2025-12"),
        (GAS, ENWG_2025_IN_FORCE, True, "enwg-41f-2025-12"),
        (POWER, ENWG_2025_IN_FORCE, False, "enwg-41f-2025-12"),
        (GAS, date(2030, 1, 1), False, "enwg-41f-2025-12"),
        (POWER, date(2022, 12, 24), False, "enwg-118b-2022-12"),
        (GAS, date(2025, 4, 30), False, "enwg-118b-2022-12"),
        (WATER, date(2026, 5, 4), False, "avbwasserv-33"),
        (WATER, date(2026, 5, 4), True, "avbwasserv-33"),
        (HEAT, date(2026, 5, 4), False, "avbfernwaermev-33"),
    ],
)
def test_rule_set_by_date(division, on, basic, key):
    assert rules_for(division, on, basic_supply=basic).key == key


@pytest.mark.parametrize(
    ("division", "on", "basic"),
    [
        (POWER, date(2021, 11, 30), True),  # before the 2021 GVV version
        (GAS, date(2022, 12, 23), False),  # before § 118b EnWG
        (POWER, date(2025, 5, 1), False),  # § 118b expired, § 41f not yet in force
        (GAS, ENWG_2025_IN_FORCE - timedelta(days=1), False),
    ],
)
def test_no_rule_set(division, on, basic):
    with pytest.raises(NoRuleSet) as raised:
        rules_for(division, on, basic_supply=basic)
    assert isinstance(raised.value, ValueError)
    assert on.strftime("%d.%m.%Y") in str(raised.value)


def test_expired_temporary_rule_names_its_end():
    with pytest.raises(NoRuleSet, match=r"30\.04\.2025 ausgelaufen"):
        rules_for(POWER, date(2025, 6, 1))


def test_unknown_division():
    with pytest.raises(NoRuleSet, match="Unbekannte Sparte"):
        rules_for("telephone", date(2026, 1, 1))


def test_2021_version_has_no_request_deadline_and_no_large_plan():
    gvv_2021 = rules_for(POWER, date(2022, 6, 1), basic_supply=True)
    assert offer_deadline(gvv_2021, date(2022, 6, 1)) is None
    assert installment_bounds(gvv_2021, D("5000")) == (6, 18)
    assert gvv_2021.title.startswith("§ 19 StromGVV")


def test_energy_values_of_the_2025_law():
    assert ENWG.threat_lead_days == 28
    assert ENWG.announcement_working_days == 8
    assert ENWG.announcement_by_letter
    assert ENWG.needs_help_information
    assert ENWG.installment_offer_required
    assert ENWG.min_arrears_annual_fraction == Fraction(1, 6)


def test_water_has_no_announcement_minimum_or_installments():
    water = rules_for(WATER, date(2026, 1, 1))
    assert water.threat_lead_days == 14
    assert announcement_due_by(water, date(2026, 3, 2), NRW) is None
    assert offer_deadline(water, date(2026, 3, 2)) is None
    with pytest.raises(ValueError, match="keine Abwendungsvereinbarung"):
        installment_bounds(water, D("500"))


def test_every_rule_set_is_consistent():
    keys = [rs.key for rs in RULE_SETS]
    assert len(keys) == len(set(keys))
    for rs in RULE_SETS:
        if rs.has_arrears_minimum:
            assert rs.min_arrears_absolute == D("100.00")


def test_rule_set_refuses_inconsistent_values():
    with pytest.raises(ValueError, match="go together"):
        RuleSet(
            key="broken",
            title="x",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            divisions=frozenset({POWER}),
            basic_supply=None,
            threat_lead_days=28,
            threat_with_dunning=True,
            needs_help_information=True,
            announcement_working_days=8,
            announcement_by_letter=True,
            min_arrears_monthly_multiple=None,
            min_arrears_annual_fraction=None,
            min_arrears_absolute=None,
            installment_offer_required=False,
            installment_offer_within_days=None,
            installments_small=None,
            installments_large=(12, 24),
            large_threshold=None,
        )


# --- minimum arrears --------------------------------------------------------------------------


def test_threshold_with_instalments_is_twice_the_monthly_amount():
    assert minimum_arrears(ENWG, monthly_instalment=D("85.00"), expected_annual_gross=None) == D(
        "170.00"
    )


def test_threshold_with_small_instalments_is_at_least_100():
    assert minimum_arrears(ENWG, monthly_instalment=D("30.00"), expected_annual_gross=None) == D(
        "100.00"
    )


def test_threshold_without_instalments_is_a_sixth_of_the_annual_bill_rounded_up():
    # 1000 / 6 = 166.666...: 166.67 is the first cent amount that reaches it.
    assert minimum_arrears(ENWG, monthly_instalment=None, expected_annual_gross=D("1000")) == D(
        "166.67"
    )
    assert minimum_arrears(ENWG, monthly_instalment=D("0"), expected_annual_gross=D("300")) == D(
        "100.00"
    )


def test_threshold_needs_an_input():
    with pytest.raises(ValueError, match="Monatsabschlag"):
        minimum_arrears(ENWG, monthly_instalment=None, expected_annual_gross=None)


def test_arrears_exactly_100_pass_and_99_99_fail():
    passed = arrears_test(
        ENWG,
        arrears=D("100.00"),
        disputed=D("0"),
        monthly_instalment=D("40"),
        expected_annual_gross=None,
    )
    failed = arrears_test(
        ENWG,
        arrears=D("99.99"),
        disputed=D("0"),
        monthly_instalment=D("40"),
        expected_annual_gross=None,
    )
    assert passed.ok and passed.threshold == D("100.00")
    assert not failed.ok
    assert "99,99 €" in failed.reason and "unterschreitet" in failed.reason


def test_disputed_amounts_are_excluded():
    result = arrears_test(
        ENWG,
        arrears=D("300.00"),
        disputed=D("140.00"),
        monthly_instalment=D("85.00"),
        expected_annual_gross=None,
    )
    assert result.relevant == D("160.00")
    assert result.threshold == D("170.00")
    assert not result.ok
    assert "abzüglich" in result.reason and "140,00 €" in result.reason
    assert "§§ 41f, 41g EnWG" in result.reason


def test_disputed_above_arrears_gives_zero():
    result = arrears_test(
        ENWG,
        arrears=D("50"),
        disputed=D("80"),
        monthly_instalment=None,
        expected_annual_gross=D("1200"),
    )
    assert result.relevant == D("0.00")
    assert not result.ok


def test_arrears_at_the_sixth_pass():
    result = arrears_test(
        ENWG,
        arrears=D("166.67"),
        disputed=D("0"),
        monthly_instalment=None,
        expected_annual_gross=D("1000"),
    )
    assert result.ok
    assert "1/6 der voraussichtlichen Jahresrechnung" in result.reason


def test_water_has_no_minimum():
    water = rules_for(WATER, date(2026, 1, 1))
    result = arrears_test(
        water,
        arrears=D("12.00"),
        disputed=D("0"),
        monthly_instalment=None,
        expected_annual_gross=None,
    )
    assert result.ok
    assert "keine gesetzliche Mindesthöhe" in result.reason


def test_negative_input_is_refused():
    with pytest.raises(ValueError, match="negativ"):
        arrears_test(
            ENWG,
            arrears=D("-1"),
            disputed=D("0"),
            monthly_instalment=D("50"),
            expected_annual_gross=None,
        )


# --- working days and periods -----------------------------------------------------------------


def test_saturday_is_a_werktag_sunday_and_holidays_are_not():
    assert is_working_day(date(2026, 3, 7), NRW)  # Saturday
    assert not is_working_day(date(2026, 3, 8), NRW)  # Sunday
    assert not is_working_day(date(2026, 4, 6), NRW)  # Easter Monday
    assert not is_working_day(date(2026, 6, 4), NRW)  # Corpus Christi (NRW)


def test_eight_werktage_across_a_sunday():
    # Monday 16.3.2026: Werktage before are 14, 13, 12, 11, 10, 9, 7, 6 March.
    receipt = announcement_due_by(ENWG, date(2026, 3, 16), NRW, delivery_working_days=0)
    assert receipt == date(2026, 3, 5)
    assert working_days_between(receipt, date(2026, 3, 16), NRW) == 8
    assert working_days_between(receipt + timedelta(days=1), date(2026, 3, 16), NRW) == 7


def test_eight_werktage_before_1_may():
    # Tuesday 5.5.2026: 4, (3 Sunday), 2, (1 May holiday), 30, 29, 28, 27, 25, 24 April.
    receipt = announcement_due_by(ENWG, date(2026, 5, 5), NRW, delivery_working_days=0)
    assert receipt == date(2026, 4, 23)


def test_eight_werktage_around_easter_2026():
    # Wednesday 8.4.2026: 7, (6 Easter Monday, 5 Easter Sunday), 4, (3 Good Friday), 2, 1,
    # 31, 30, (29 Sunday), 28, 27 March.
    receipt = announcement_due_by(ENWG, date(2026, 4, 8), NRW, delivery_working_days=0)
    assert receipt == date(2026, 3, 26)
    assert working_days_between(receipt, date(2026, 4, 8), NRW) == 8


def test_eight_werktage_around_christmas_and_new_year():
    # Monday 4.1.2027: 2, (1 holiday), 31, 30, 29, 28, (27 Sunday, 26, 25 holidays), 24, 23,
    # 22 December; 24 and 31 December are Werktage.
    receipt = announcement_due_by(ENWG, date(2027, 1, 4), NRW, delivery_working_days=0)
    assert receipt == date(2026, 12, 21)


def test_posting_day_allows_for_delivery():
    disconnection = date(2026, 3, 16)
    posted = announcement_due_by(ENWG, disconnection, NRW)
    assert posted is not None
    assert is_working_day(posted, NRW)
    received = assumed_delivery(posted, NRW)
    assert received == add_working_days(posted, 4, NRW)
    assert working_days_between(received, disconnection, NRW) >= 8
    # Thursday 5.3. is the last day of receipt; four Werktage earlier is Saturday 28.2.
    assert posted == date(2026, 2, 28)


def test_last_receipt_on_a_sunday_posts_from_the_saturday_before():
    # Monday 9.3.2026 is the 8th Werktag before Wednesday 18.3., so receipt may be Sunday 8.3.
    assert announcement_due_by(ENWG, date(2026, 3, 18), NRW, delivery_working_days=0) == date(
        2026, 3, 8
    )
    # Posting then counts back from Saturday 7.3.: 6, 5, 4, 3 March.
    assert announcement_due_by(ENWG, date(2026, 3, 18), NRW) == date(2026, 3, 3)


def test_earliest_disconnection_four_weeks_after_receipt():
    # Received Monday 2.3.2026: four weeks end with Monday 30.3., so Tuesday 31.3. is first.
    assert earliest_disconnection(ENWG, date(2026, 3, 2), NRW, delivery_working_days=0) == date(
        2026, 3, 31
    )
    # Posted Wednesday 25.2.: received Monday 2.3. (26, 27, 28 February, 2 March).
    assert earliest_disconnection(ENWG, date(2026, 2, 25), NRW) == date(2026, 3, 31)


def test_earliest_water_disconnection_two_weeks_after_receipt():
    water = rules_for(WATER, date(2026, 3, 2))
    assert earliest_disconnection(water, date(2026, 3, 2), NRW, delivery_working_days=0) == date(
        2026, 3, 17
    )


def test_offer_within_one_week_of_the_request():
    assert offer_deadline(ENWG, date(2026, 3, 4)) == date(2026, 3, 11)


def test_working_day_helpers_refuse_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 5), -1, NRW)


# --- installments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrears", "bounds"),
    [
        (D("120.00"), (6, 18)),
        (D("300.00"), (6, 18)),
        (D("300.01"), (12, 24)),
        (D("2000"), (12, 24)),
    ],
)
def test_installment_bounds_above_300(arrears, bounds):
    assert installment_bounds(ENWG, arrears) == bounds


def test_schedule_last_part_takes_the_remainder():
    schedule = installment_schedule(D("100.00"), 7, date(2026, 1, 31))
    assert [amount for _, amount in schedule] == [D("14.28")] * 6 + [D("14.32")]
    assert [due for due, _ in schedule][:3] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert schedule[-1][0] == date(2026, 7, 31)


def test_schedule_crosses_the_year():
    schedule = installment_schedule(D("240.00"), 3, date(2026, 11, 15))
    assert [due for due, _ in schedule] == [
        date(2026, 11, 15),
        date(2026, 12, 15),
        date(2027, 1, 15),
    ]


@pytest.mark.parametrize(
    ("amount", "months"), [(D("0"), 3), (D("10.005"), 2), (D("0.05"), 6), (D("10"), 0)]
)
def test_schedule_refuses_impossible_input(amount, months):
    with pytest.raises(ValueError):
        installment_schedule(amount, months, date(2026, 1, 1))


@given(
    cents=st.integers(min_value=1, max_value=10_000_000),
    months=st.integers(min_value=1, max_value=24),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)),
)
def test_schedule_properties(cents, months, first):
    amount = D(cents) / 100
    if cents < months:
        with pytest.raises(ValueError):
            installment_schedule(amount, months, first)
        return
    schedule = installment_schedule(amount, months, first)
    parts = [value for _, value in schedule]
    dues = [due for due, _ in schedule]
    assert len(parts) == months
    assert sum(parts) == amount
    assert all(part > 0 and part == part.quantize(D("0.01")) for part in parts)
    assert max(parts[:-1], default=parts[-1]) - min(parts[:-1], default=parts[-1]) <= D("0.01")
    assert parts[-1] >= parts[0]
    assert dues == sorted(dues) and len(set(dues)) == months
    assert dues[0] == first


# --- module hygiene ---------------------------------------------------------------------------


def test_format_eur():
    assert format_eur(D("1234.5")) == "1.234,50 €"
    assert format_eur(D("-0.5")) == "-0,50 €"


def test_module_has_no_floats_and_no_django():
    source = inspect.getsource(rules)
    assert "float(" not in source
    tree = ast.parse(source)
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not any(name.startswith(("django", "kc")) for name in imported)
    floats = [
        n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)
    ]
    assert floats == []
