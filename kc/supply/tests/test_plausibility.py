"""Plausibility of a customer's reading: pure, no database."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kc.supply.plausibility import (
    DEFAULT_ANNUAL,
    PastReading,
    check_reading,
    format_quantity,
    linear_share,
)

D = datetime.date
YEAR_AGO = PastReading(D(2025, 1, 1), Decimal("10000"))
LAST = PastReading(D(2026, 1, 1), Decimal("12000"))  # 2,000 kWh a year
JULY = D(2026, 7, 2)


def _check(value: str, *, read_on: datetime.date = JULY, **kwargs: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {"history": [YEAR_AGO, LAST], "division": "power", "unit": "kWh"}
    options.update(kwargs)
    return check_reading(read_on=read_on, value=Decimal(value), **options)  # type: ignore[arg-type]


def test_the_consumption_of_the_last_two_readings_is_expected() -> None:
    result = _check("13000")  # 182 days later: about 997 kWh expected
    assert result.verdict == "ok" and result.plausible and not result.far_off
    assert result.basis == "history"
    assert result.consumption == Decimal("1000")
    assert result.expected_consumption == Decimal("997.260")
    assert result.expected_value == Decimal("12997.260")
    assert result.message == (
        "Ihr Stand ergibt einen Verbrauch von 1.000 kWh seit dem 01.01.2026; das passt zu dem, "
        "was wir erwartet haben."
    )


def test_far_above_is_high_with_an_explanation_a_customer_understands() -> None:
    result = _check("16210")
    assert result.verdict == "high" and result.far_off
    assert result.message.startswith(
        "Ihr Stand ergibt einen Verbrauch von 4.210 kWh seit dem 01.01.2026; erwartet hatten "
        "wir etwa 1.000 kWh. Bitte prüfen Sie den Stand"
    )


def test_the_band_is_0_3_to_3_times_the_expected_consumption() -> None:
    result = _check("13000")
    assert result.lowest == Decimal("12299.178")  # 0.3 × 997.26 above the last reading
    assert result.highest == Decimal("14991.781")  # 3 × 997.26
    assert _check("14991.781").verdict == "ok"
    assert _check("14991.782").verdict == "high"
    assert _check("12299.178").verdict == "ok"
    assert _check("12299.177").verdict == "low"


def test_a_few_days_after_the_last_reading_the_minimum_margin_applies() -> None:
    # Five days: about 27 kWh expected; 3× would be 82, but a month's use (164 kWh) is allowed.
    result = _check("12150", read_on=D(2026, 1, 6))
    assert result.verdict == "ok"
    assert result.highest == Decimal("12191.781")
    assert _check("12200", read_on=D(2026, 1, 6)).verdict == "high"
    assert _check("12000", read_on=D(2026, 1, 1)).verdict == "ok"  # same day, no use


def test_below_the_last_reading_is_a_meter_change_or_roll_over() -> None:
    result = _check("11999.999")
    assert result.verdict == "below_last" and not result.plausible and not result.far_off
    assert "kleiner als der letzte Stand vom 01.01.2026 (12.000 kWh)" in result.message
    assert "getauscht" in result.message


def test_without_any_reading_there_is_nothing_to_compare() -> None:
    result = _check("5", history=[])
    assert (result.verdict, result.basis, result.expected_value) == ("no_history", "none", None)
    assert result.plausible


def test_a_reading_after_the_new_date_is_not_the_last_one() -> None:
    later = PastReading(D(2026, 9, 1), Decimal("20000"))
    assert _check("13000", history=[later, LAST, YEAR_AGO]).verdict == "ok"


def test_a_known_annual_consumption_comes_first() -> None:
    result = _check("12800", annual_consumption=Decimal("6000"))
    assert result.basis == "annual"
    assert result.verdict == "low"  # about 3,000 kWh expected in half a year, 0.3× is 898
    assert "erwartet hatten wir etwa 3.000 kWh" in result.message


def test_estimates_and_close_pairs_are_no_history_then_the_household_default_is() -> None:
    estimated = PastReading(D(2025, 1, 1), Decimal("10000"), estimated=True)
    close = PastReading(D(2025, 12, 1), Decimal("11900"))
    for history in ([estimated, LAST], [close, LAST], [LAST]):
        result = _check("13000", history=history)
        assert result.basis == "default"
        assert result.expected_consumption == Decimal("1246.575")  # 2,500 kWh × 182/365
    high = _check("20000", history=[LAST])
    assert "für einen durchschnittlichen Haushalt wären etwa 1.200 kWh üblich" in high.message


def test_water_in_cubic_metres() -> None:
    result = _check(
        "103.5",
        history=[PastReading(D(2026, 1, 1), Decimal("100"))],
        read_on=D(2026, 1, 21),
        division="water",
        unit="m3",
    )
    assert result.verdict == "ok"
    assert "Verbrauch von 3,5 m³" in result.message
    assert format_quantity(Decimal("1234.4"), "m3") == "1.234 m³"


def test_unknown_division_and_unit_has_no_expectation() -> None:
    result = _check("13000", history=[LAST], division="heat", unit="m3")
    assert result.verdict == "no_history"


def test_seasonal_weights_move_the_expectation() -> None:
    def winter_heavy(start: datetime.date, end: datetime.date) -> Decimal:
        return linear_share(start, end) * (2 if start.month in (1, 2, 12) else 1)

    linear = _check("12200", read_on=D(2026, 2, 1), annual_consumption=Decimal("2000"))
    seasonal = _check(
        "12200", read_on=D(2026, 2, 1), annual_consumption=Decimal("2000"), share=winter_heavy
    )
    assert seasonal.expected_consumption == 2 * linear.expected_consumption  # type: ignore[operator]


# --- properties ----------------------------------------------------------------------------

values = st.decimals(min_value=0, max_value=999_999, places=3, allow_nan=False)
days = st.integers(min_value=0, max_value=800)
annuals = st.one_of(st.none(), st.decimals(min_value="0.001", max_value=1_000_000, places=3))
divisions = st.sampled_from(sorted(DEFAULT_ANNUAL))


@given(last=values, rate_days=days, annual=annuals, division_unit=divisions, extra=values)
def test_the_expected_value_itself_is_always_ok(
    last: Decimal,
    rate_days: int,
    annual: Decimal | None,
    division_unit: tuple[str, str],
    extra: Decimal,
) -> None:
    division, unit = division_unit
    history = [PastReading(D(2024, 6, 1), last), PastReading(D(2025, 1, 1), last + extra)]
    read_on = D(2025, 1, 1) + datetime.timedelta(days=rate_days)
    first = check_reading(
        history=history,
        read_on=read_on,
        value=last + extra,
        division=division,
        unit=unit,
        annual_consumption=annual,
    )
    assert first.expected_value is not None
    result = check_reading(
        history=history,
        read_on=read_on,
        value=first.expected_value,
        division=division,
        unit=unit,
        annual_consumption=annual,
    )
    assert result.verdict == "ok"
    assert result.lowest is not None and result.highest is not None
    assert result.lowest <= result.expected_value <= result.highest  # type: ignore[operator]


@given(
    last=st.decimals(min_value="0.001", max_value=999_999, places=3),
    below=st.decimals(min_value="0.001", max_value=999_999, places=3),
    rate_days=days,
    annual=annuals,
)
def test_anything_below_the_last_reading_is_below_last(
    last: Decimal, below: Decimal, rate_days: int, annual: Decimal | None
) -> None:
    value = max(Decimal(0), last - below)
    result = check_reading(
        history=[PastReading(D(2024, 1, 1), Decimal(0)), PastReading(D(2025, 1, 1), last)],
        read_on=D(2025, 1, 1) + datetime.timedelta(days=rate_days),
        value=value,
        division="power",
        unit="kWh",
        annual_consumption=annual,
    )
    assert result.verdict == "below_last"
    assert not result.plausible and not result.far_off
