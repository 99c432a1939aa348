"""Rating rules one by one, and every error (pure: no database)."""

import calendar
import dataclasses
import datetime
from decimal import Decimal

import pytest

from kc.billing import profiles, rating
from kc.billing.rating import PricePeriod, RatingError, RatingInput, rate
from kc.supply import vat


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def sheet(valid_from: str, base: str = "120.00", working: str = "0.3000", name: str = "Basis"):
    return PricePeriod(d(valid_from), Decimal(base), Decimal(working), name.upper(), name)


def data(division="power", start="2025-01-01", end="2025-12-31", consumption="3500", prices=None):
    return RatingInput(
        division=division,
        unit="m3" if division == "water" else "kWh",
        period_start=d(start),
        period_end=d(end),
        consumption=Decimal(consumption),
        prices=(sheet("2020-01-01"),) if prices is None else prices,
    )


def spans(result, kind="working"):
    return [
        (line.start.isoformat(), line.end.isoformat()) for line in result.lines if line.kind == kind
    ]


def working(result):
    return [line for line in result.lines if line.kind == "working"]


# --- weights --------------------------------------------------------------------------------


def test_a_calendar_year_weighs_one_for_gas_and_power_also_in_a_leap_year():
    for division in ("gas", "power"):
        for year in (2024, 2025):
            w = profiles.weight(division, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
            assert abs(w - 1) < Decimal("1e-25")


def test_gas_months_follow_the_degree_day_table():
    expected = {1: 170, 2: 150, 3: 130, 4: 80, 5: 40, 9: 30, 10: 80, 11: 120, 12: 160}
    for month, promille in expected.items():
        last = calendar.monthrange(2025, month)[1]
        w = profiles.weight("gas", datetime.date(2025, month, 1), datetime.date(2025, month, last))
        assert w == Decimal(promille) / 1000


def test_gas_june_to_august_share_40_promille_by_days():
    summer = profiles.weight("gas", d("2025-06-01"), d("2025-08-31"))
    june = profiles.weight("gas", d("2025-06-01"), d("2025-06-30"))
    one_day = profiles.weight("gas", d("2025-07-15"), d("2025-07-15"))
    assert summer == Decimal("0.040")
    assert abs(june - Decimal("0.040") * 30 / 92) < Decimal("1e-27")
    assert abs(one_day - Decimal("0.040") / 92) < Decimal("1e-27")


def test_a_february_day_weighs_less_in_a_leap_year():
    common = profiles.weight("gas", d("2025-02-10"), d("2025-02-10"))
    leap = profiles.weight("gas", d("2024-02-10"), d("2024-02-10"))
    assert abs(common - Decimal("0.150") / 28) < Decimal("1e-27")
    assert abs(leap - Decimal("0.150") / 29) < Decimal("1e-27")


def test_h0_file_has_twelve_months_adding_up_to_1000_and_winter_above_summer():
    shares = profiles.h0_promille()
    assert sorted(shares) == list(range(1, 13))
    assert sum(shares.values()) == 1000
    assert min(shares[1], shares[12]) > max(shares[6], shares[7], shares[8])


def test_power_weight_of_a_month_is_its_h0_share():
    assert profiles.weight("power", d("2025-01-01"), d("2025-01-31")) == Decimal("0.102071")


def test_water_and_heat_are_linear_by_days():
    for division in ("water", "heat"):
        assert profiles.weight(division, d("2025-01-01"), d("2025-12-31")) == 1
        winter = profiles.weight(division, d("2025-01-01"), d("2025-01-10"))
        summer = profiles.weight(division, d("2025-07-01"), d("2025-07-10"))
        leap_day = profiles.weight(division, d("2024-02-29"), d("2024-02-29"))
        assert winter == summer
        assert leap_day * 10 - winter < Decimal("1e-26")


def test_weight_rejects_unknown_division_and_reversed_range():
    with pytest.raises(profiles.UnknownDivisionError):
        profiles.weight("steam", d("2025-01-01"), d("2025-01-02"))
    with pytest.raises(ValueError, match="ends before"):
        profiles.weight("gas", d("2025-01-02"), d("2025-01-01"))


def test_allocate_gives_missing_thousandths_to_largest_remainders_then_earlier_part():
    assert profiles.allocate(Decimal(1), [Decimal(1)] * 3) == (
        Decimal("0.334"),
        Decimal("0.333"),
        Decimal("0.333"),
    )
    assert profiles.allocate(Decimal("0.002"), [Decimal(1), Decimal(2), Decimal(2)]) == (
        Decimal("0.000"),
        Decimal("0.001"),
        Decimal("0.001"),
    )


def test_allocate_rejects_bad_input():
    with pytest.raises(ValueError, match="multiple"):
        profiles.allocate(Decimal("1.0005"), [Decimal(1)])
    with pytest.raises(ValueError, match="multiple"):
        profiles.allocate(Decimal(-1), [Decimal(1)])
    with pytest.raises(ValueError, match="non-negative"):
        profiles.allocate(Decimal(1), [Decimal(1), Decimal(-1)])
    with pytest.raises(ValueError, match="zero"):
        profiles.allocate(Decimal(1), [Decimal(0)])


# --- splitting the period -------------------------------------------------------------------


def test_no_change_inside_the_period_gives_one_part():
    result = rate(data())
    assert spans(result) == spans(result, "base") == [("2025-01-01", "2025-12-31")]


def test_split_at_every_price_sheet_change_and_prices_outside_the_period_ignored():
    prices = (
        sheet("2024-01-01", working="0.25"),
        sheet("2025-01-01", working="0.30"),
        sheet("2025-04-01", working="0.31"),
        sheet("2025-10-01", working="0.33"),
        sheet("2026-01-01", working="0.40"),
    )
    result = rate(data(prices=prices))
    assert spans(result) == [
        ("2025-01-01", "2025-03-31"),
        ("2025-04-01", "2025-09-30"),
        ("2025-10-01", "2025-12-31"),
    ]
    assert [line.unit_price for line in working(result)] == [
        Decimal("0.30"),
        Decimal("0.31"),
        Decimal("0.33"),
    ]


def test_split_at_vat_changes_of_the_rule_set():
    result = rate(data("gas", "2022-01-01", "2024-12-31", "30000"))
    assert spans(result) == [
        ("2022-01-01", "2022-09-30"),
        ("2022-10-01", "2024-03-31"),
        ("2024-04-01", "2024-12-31"),
    ]
    assert [line.vat_rate for line in working(result)] == [
        Decimal("0.19"),
        Decimal("0.07"),
        Decimal("0.19"),
    ]


def test_the_2020_rates_split_power_and_water():
    power = rate(data("power", "2020-01-01", "2021-06-30"))
    assert [line.vat_rate for line in working(power)] == [
        Decimal("0.19"),
        Decimal("0.16"),
        Decimal("0.19"),
    ]
    water = rate(data("water", "2020-06-01", "2021-01-31"))
    assert spans(water) == [
        ("2020-06-01", "2020-06-30"),
        ("2020-07-01", "2020-12-31"),
        ("2021-01-01", "2021-01-31"),
    ]
    assert [line.vat_rate for line in working(water)] == [
        Decimal("0.07"),
        Decimal("0.05"),
        Decimal("0.07"),
    ]


def test_vat_change_dates_come_from_the_rule_set_not_from_the_code(monkeypatch):
    extra = vat.VatRule(frozenset({"power"}), d("2030-03-01"), d("2030-05-31"), Decimal("0.10"))
    monkeypatch.setattr(vat, "RULES", (*vat.RULES, extra))
    result = rate(data("power", "2030-01-01", "2030-12-31"))
    assert spans(result) == [
        ("2030-01-01", "2030-02-28"),
        ("2030-03-01", "2030-05-31"),
        ("2030-06-01", "2030-12-31"),
    ]


def test_a_rule_that_does_not_change_the_rate_does_not_split(monkeypatch):
    same = vat.VatRule(frozenset({"power"}), d("2030-03-01"), d("2030-05-31"), Decimal("0.19"))
    monkeypatch.setattr(vat, "RULES", (*vat.RULES, same))
    assert len(working(rate(data("power", "2030-01-01", "2030-12-31")))) == 1


def test_price_and_vat_change_on_the_same_day_make_one_cut():
    prices = (sheet("2022-01-01", working="0.10"), sheet("2022-10-01", working="0.20"))
    result = rate(data("gas", "2022-07-01", "2023-06-30", prices=prices))
    assert spans(result) == [("2022-07-01", "2022-09-30"), ("2022-10-01", "2023-06-30")]


def test_a_price_sheet_starting_on_the_first_day_does_not_cut():
    prices = (sheet("2025-01-01"),)
    assert len(working(rate(data(prices=prices)))) == 1


# --- quantities -----------------------------------------------------------------------------


def test_consumption_is_split_by_the_divisions_weights():
    prices = (sheet("2020-01-01"), sheet("2025-09-01"))
    gas = working(rate(data("gas", consumption="10000", prices=prices)))
    assert [line.quantity for line in gas] == [Decimal(6100), Decimal(3900)]
    water = working(rate(data("water", consumption="365", prices=prices)))
    assert [line.quantity for line in water] == [Decimal(243), Decimal(122)]
    power = working(rate(data("power", consumption="1000", prices=prices)))
    assert [line.quantity for line in power] == [Decimal("658.228"), Decimal("341.772")]


def test_quantities_add_up_to_the_consumption_to_the_thousandth():
    prices = tuple(sheet(f"2025-{month:02d}-01") for month in range(1, 13))
    result = rate(data("power", consumption="1234.567", prices=prices))
    assert sum(line.quantity for line in working(result)) == Decimal("1234.567")
    for line in working(result):
        assert line.quantity == line.quantity.quantize(Decimal("0.001"))


# --- money ----------------------------------------------------------------------------------


def test_working_net_is_quantity_times_price_rounded_half_up():
    prices = (sheet("2026-01-01", base="0", working="0.3190"),)
    result = rate(data(start="2026-01-01", end="2026-01-10", consumption="95", prices=prices))
    assert working(result)[0].net == Decimal("30.31")  # 30.305, half up (half even: 30.30)


def test_base_net_is_days_over_days_of_their_calendar_year():
    prices = (sheet("2020-01-01", base="365.00"),)
    common = rate(data(start="2025-03-01", end="2025-03-10", prices=prices))
    leap = rate(data(start="2024-03-01", end="2024-03-10", prices=prices))
    across = rate(data(start="2023-12-27", end="2024-01-05", prices=prices))
    assert [line.net for line in common.lines if line.kind == "base"] == [Decimal("10.00")]
    assert [line.net for line in leap.lines if line.kind == "base"] == [Decimal("9.97")]
    # 5 days of 2023 at 1/365 and 5 days of 2024 at 1/366: 5 + 4.98634 = 9.98634
    assert [line.net for line in across.lines if line.kind == "base"] == [Decimal("9.99")]


def test_a_full_leap_year_costs_exactly_the_base_price():
    prices = (sheet("2020-01-01", base="123.45"),)
    result = rate(data(start="2024-01-01", end="2024-12-31", prices=prices))
    assert [line.net for line in result.lines if line.kind == "base"] == [Decimal("123.45")]


def test_vat_is_computed_on_the_sum_of_a_rates_nets_not_per_line():
    # nets 0.07 + 0.07 at 7 %: per line 0.0049 -> 0.00 each, on the sum 0.0098 -> 0.01
    prices = (sheet("2020-01-01", "0", "0.07"), sheet("2025-01-06", "0", "0.07"))
    result = rate(data("water", "2025-01-01", "2025-01-10", "2", prices=prices))
    assert [line.net for line in working(result)] == [Decimal("0.07"), Decimal("0.07")]
    (total,) = result.vat_totals
    assert (total.rate, total.net, total.vat) == (Decimal("0.07"), Decimal("0.14"), Decimal("0.01"))


def test_vat_totals_per_rate_in_time_order_and_totals_are_sums():
    result = rate(data("gas", "2022-01-01", "2024-12-31", "30000"))
    assert [total.rate for total in result.vat_totals] == [Decimal("0.19"), Decimal("0.07")]
    assert result.net_total == sum(line.net for line in result.lines)
    assert result.vat_total == sum(total.vat for total in result.vat_totals)
    assert result.gross_total == result.net_total + result.vat_total
    for total in result.vat_totals:
        assert total.net == sum(line.net for line in result.lines if line.vat_rate == total.rate)


def test_working_lines_first_then_base_lines_each_in_time_order():
    prices = (sheet("2020-01-01"), sheet("2025-07-01"))
    result = rate(data(prices=prices))
    assert [line.kind for line in result.lines] == ["working", "working", "base", "base"]


def test_results_do_not_depend_on_the_order_of_the_price_sheets():
    prices = (sheet("2020-01-01"), sheet("2025-04-01", working="0.31"), sheet("2025-10-01"))
    assert rate(data(prices=prices)) == rate(data(prices=prices[::-1]))


# --- texts ----------------------------------------------------------------------------------


def test_texts_are_german_and_readable_aloud():
    prices = (sheet("2020-01-01", base="165.00", working="0.319", name="Strom Basis"),)
    result = rate(data(start="2026-01-01", end="2026-06-30", consumption="1234", prices=prices))
    assert [line.text for line in result.lines] == [
        "Arbeitspreis 01.01.2026–30.06.2026 (Strom Basis): 1.234 kWh × 31,90 ct/kWh = 393,65 €",
        "Grundpreis 01.01.2026–30.06.2026 (Strom Basis): 181 Tage × 165,00 €/Jahr = 81,82 €",
    ]


def test_texts_for_water_one_day_and_long_prices():
    prices = (sheet("2020-01-01", base="138.6555", working="2.12345", name="Wasser"),)
    result = rate(data("water", "2025-05-05", "2025-05-05", "0.25", prices=prices))
    assert [line.text for line in result.lines] == [
        "Arbeitspreis 05.05.2025 (Wasser): 0,25 m³ × 2,12345 €/m³ = 0,53 €",
        "Grundpreis 05.05.2025 (Wasser): 1 Tag × 138,6555 €/Jahr = 0,38 €",
    ]
    assert [line.unit for line in result.lines] == ["m3", "Tage"]


def test_texts_show_more_decimals_of_a_working_price_when_it_has_them():
    prices = (sheet("2020-01-01", working="0.319012"),)
    (line, _) = rate(data(start="2025-01-01", end="2025-01-01", prices=prices)).lines
    assert "× 31,9012 ct/kWh" in line.text


# --- errors ---------------------------------------------------------------------------------


def test_rating_error_is_a_value_error():
    assert issubclass(RatingError, ValueError)


def test_error_unknown_division():
    with pytest.raises(RatingError, match="Unbekannte Sparte „steam“"):
        rate(dataclasses.replace(data(), division="steam"))


def test_error_end_before_start():
    message = r"endet am 31\.12\.2024, vor seinem Beginn am 01\.01\.2025"
    with pytest.raises(RatingError, match=message):
        rate(data(start="2025-01-01", end="2024-12-31"))


def test_error_negative_consumption():
    with pytest.raises(RatingError, match=r"Verbrauch ist negativ \(-1 kWh\).*Zählerwechsel"):
        rate(data(consumption="-1"))


def test_error_no_price_sheet_at_all():
    with pytest.raises(RatingError, match=r"Am 01\.01\.2025 gilt kein Preisblatt\.$"):
        rate(data(prices=()))


def test_error_no_price_sheet_on_the_first_days():
    message = r"Am 01\.01\.2025 gilt kein Preisblatt \(das erste gilt ab 01\.02\.2025\)"
    with pytest.raises(RatingError, match=message):
        rate(data(prices=(sheet("2025-02-01"),)))


def test_error_two_price_sheets_from_the_same_day():
    prices = (sheet("2020-01-01"), sheet("2025-07-01"), sheet("2025-07-01", name="B"))
    with pytest.raises(
        RatingError, match=r"Zwei Preisblätter gelten ab demselben Tag \(01\.07\.2025"
    ):
        rate(data(prices=prices))


def test_error_more_than_three_decimals():
    with pytest.raises(RatingError, match="mehr als drei Nachkommastellen"):
        rate(data(consumption="1.0001"))


@pytest.mark.parametrize("value", [1.5, 2, "3", Decimal("NaN"), Decimal("Infinity")])
def test_error_consumption_not_a_finite_decimal(value):
    with pytest.raises(RatingError, match="Der Verbrauch muss eine endliche Dezimalzahl"):
        rate(dataclasses.replace(data(), consumption=value))


def test_error_price_not_a_decimal():
    bad = dataclasses.replace(sheet("2020-01-01"), working_price=0.3)
    with pytest.raises(RatingError, match=r"Der Arbeitspreis ab 01\.01\.2020 muss eine endliche"):
        rate(data(prices=(bad,)))
    bad = dataclasses.replace(sheet("2020-01-01"), base_price_per_year=Decimal("sNaN"))
    with pytest.raises(RatingError, match=r"Der Grundpreis ab 01\.01\.2020 muss eine endliche"):
        rate(data(prices=(bad,)))


def test_error_no_vat_rule_for_the_day():
    with pytest.raises(RatingError, match=r"Für Strom am 31\.12\.2006 ist kein Umsatzsteuersatz"):
        rate(data(start="2006-12-31", end="2007-01-31", prices=(sheet("2000-01-01"),)))


def test_error_amounts_that_cannot_be_computed_exactly():
    prices = (sheet("2020-01-01", working="0." + "1" * 70),)
    with pytest.raises(RatingError, match="nicht exakt rechnen"):
        rate(data(prices=prices))


def test_module_docstring_states_the_rounding_rules_and_the_bound():
    doc = rating.__doc__ or ""
    for phrase in ("half up", "largest remainder", "365 or 366", "So N = 1: at most 1 ct per line"):
        assert phrase in doc
