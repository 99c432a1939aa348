"""Properties of rating (hypothesis): split vs. whole within the documented bound, sums, exact
allocation, no float anywhere, independent of the order of the price sheets."""

import dataclasses
import datetime
import itertools
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kc.billing import profiles
from kc.billing.rating import PricePeriod, Rating, RatingInput, rate

CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")
THOUSANDTH = Decimal("0.001")
MAX_VAT = Decimal("0.19")
MAX_WORKING_PRICE = Decimal(5)  # €/unit; the "1 ct per line" corollary assumes this

FIRST_DAY = datetime.date(2019, 1, 1)
LAST_DAY = datetime.date(2027, 12, 31)

prices_money = st.integers(min_value=0, max_value=50_000).map(lambda n: Decimal(n).scaleb(-2))
working_prices = st.integers(min_value=1, max_value=50_000).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def rating_inputs(draw: st.DrawFn) -> RatingInput:
    division = draw(st.sampled_from(["power", "gas", "water", "heat"]))
    start = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY - datetime.timedelta(400)))
    end = start + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=400)))
    first_from = start - datetime.timedelta(days=draw(st.integers(min_value=0, max_value=60)))
    later_from = draw(st.lists(st.dates(min_value=start, max_value=end), max_size=4, unique=True))
    valid_froms = sorted({first_from, *later_from})
    prices = tuple(
        PricePeriod(
            valid_from=day,
            base_price_per_year=draw(prices_money),
            working_price=draw(working_prices),
            tariff_code=f"T{index}",
            tariff_name=f"Tarif {index}",
        )
        for index, day in enumerate(valid_froms)
    )
    thousandths = draw(st.integers(min_value=0, max_value=100_000_000))
    return RatingInput(
        division=division,
        unit="m3" if division == "water" else "kWh",
        period_start=start,
        period_end=end,
        consumption=Decimal(thousandths).scaleb(-3),
        prices=prices,
    )


def bound(ratings: list[Rating], p_max: Decimal) -> Decimal:
    """The bound of rating.py's docstring, counted over the given ratings."""
    n_w = sum(1 for r in ratings for line in r.lines if line.kind == "working")
    n_b = sum(1 for r in ratings for line in r.lines if line.kind == "base")
    n_v = sum(len(r.vat_totals) for r in ratings)
    u_p = THOUSANDTH * p_max
    return (1 + MAX_VAT) * (n_w * (HALF_CENT + u_p) + n_b * HALF_CENT + 2 * u_p) + n_v * HALF_CENT


def split_input(data: RatingInput, last_of_a: datetime.date) -> tuple[RatingInput, RatingInput]:
    first_of_b = last_of_a + datetime.timedelta(days=1)
    weights = [
        profiles.weight(data.division, data.period_start, last_of_a),
        profiles.weight(data.division, first_of_b, data.period_end),
    ]
    c_a, c_b = profiles.allocate(data.consumption, weights)
    a = dataclasses.replace(data, period_end=last_of_a, consumption=c_a)
    b = dataclasses.replace(data, period_start=first_of_b, consumption=c_b)
    return a, b


@settings(max_examples=300, deadline=None)
@given(data=rating_inputs(), cut=st.integers(min_value=0, max_value=10_000))
def test_split_vs_whole_within_the_documented_bound(data: RatingInput, cut: int) -> None:
    days = (data.period_end - data.period_start).days
    if days == 0:
        return
    last_of_a = data.period_start + datetime.timedelta(days=cut % days)
    part_a, part_b = split_input(data, last_of_a)
    whole, a, b = rate(data), rate(part_a), rate(part_b)
    difference = abs(a.gross_total + b.gross_total - whole.gross_total)
    p_max = max(price.working_price for price in data.prices)
    assert difference <= bound([whole, a, b], p_max)
    lines = sum(len(r.lines) + len(r.vat_totals) for r in (whole, a, b))
    assert difference <= lines * CENT  # N = 1 ct per line (working prices ≤ 5 €/unit)
    whole_lines = len(whole.lines) + len(whole.vat_totals)
    assert difference <= (2 * whole_lines + 3) * CENT


@settings(max_examples=300, deadline=None)
@given(data=rating_inputs())
def test_sums_of_lines_equal_totals(data: RatingInput) -> None:
    result = rate(data)
    assert result.net_total == sum((line.net for line in result.lines), Decimal(0))
    assert result.vat_total == sum((total.vat for total in result.vat_totals), Decimal(0))
    assert result.gross_total == result.net_total + result.vat_total
    assert sorted(total.rate for total in result.vat_totals) == sorted(
        {line.vat_rate for line in result.lines}
    )
    for total in result.vat_totals:
        nets = [line.net for line in result.lines if line.vat_rate == total.rate]
        assert total.net == sum(nets, Decimal(0))
        assert total.vat == (total.rate * total.net).quantize(CENT, rounding=ROUND_HALF_UP)
    for line in result.lines:
        assert line.net == line.net.quantize(CENT)


@settings(max_examples=300, deadline=None)
@given(data=rating_inputs())
def test_allocated_quantities_add_up_to_the_consumption(data: RatingInput) -> None:
    result = rate(data)
    working = [line for line in result.lines if line.kind == "working"]
    base = [line for line in result.lines if line.kind == "base"]
    assert sum((line.quantity for line in working), Decimal(0)) == data.consumption
    assert all(line.quantity >= 0 for line in working)
    assert sum(line.quantity for line in base) == (data.period_end - data.period_start).days + 1
    # the parts tile the period without gap or overlap
    assert working[0].start == data.period_start and working[-1].end == data.period_end
    for earlier, later in itertools.pairwise(working):
        assert later.start == earlier.end + datetime.timedelta(days=1)


def floats_in(value: object) -> list[str]:
    if isinstance(value, float):
        return [repr(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for field in dataclasses.fields(value)
            for found in floats_in(getattr(value, field.name))
        ]
    if isinstance(value, tuple | list):
        return [found for item in value for found in floats_in(item)]
    return []


@settings(max_examples=200, deadline=None)
@given(data=rating_inputs())
def test_no_float_in_any_field(data: RatingInput) -> None:
    result = rate(data)
    assert floats_in(result) == []
    for line in result.lines:
        assert all(
            isinstance(value, Decimal)
            for value in (line.quantity, line.unit_price, line.net, line.vat_rate)
        )
    for total in result.vat_totals:
        assert all(isinstance(value, Decimal) for value in (total.rate, total.net, total.vat))
    assert all(
        isinstance(value, Decimal)
        for value in (result.net_total, result.vat_total, result.gross_total)
    )


def test_the_float_walker_finds_a_float() -> None:
    assert floats_in((1, [Decimal(1), (2.5,)])) == ["2.5"]


@settings(max_examples=200, deadline=None)
@given(data=rating_inputs(), seed=st.randoms(use_true_random=False))
def test_order_of_price_sheets_does_not_matter(data: RatingInput, seed) -> None:
    shuffled = list(data.prices)
    seed.shuffle(shuffled)
    assert rate(dataclasses.replace(data, prices=tuple(shuffled))) == rate(data)


@settings(max_examples=300, deadline=None)
@given(data=rating_inputs(), cut=st.integers(min_value=0, max_value=10_000))
def test_weights_are_additive(data: RatingInput, cut: int) -> None:
    days = (data.period_end - data.period_start).days
    if days == 0:
        return
    last_of_a = data.period_start + datetime.timedelta(days=cut % days)
    a = profiles.weight(data.division, data.period_start, last_of_a)
    b = profiles.weight(data.division, last_of_a + datetime.timedelta(days=1), data.period_end)
    whole = profiles.weight(data.division, data.period_start, data.period_end)
    assert abs(a + b - whole) <= Decimal("1e-26")
