"""Rating one billing period of one contract: lines, VAT per rate, totals. Pure, no ORM.

The period (both ends inclusive) is split at every change of price sheet (`PricePeriod`, each in
force from its `valid_from` until the next one) and at every change of the VAT rate, computed from
the rule set in `kc.supply.vat`. The consumption is split over these parts by the division's
seasonal weights (`kc.billing.profiles`). Every part gives a working-price line and a base-price
line; the working lines come first, then the base lines, each in time order.

Rounding rules (all Decimal, never float):

1. Quantities: a part's quantity is the consumption × its weight / the weights of all parts, in
   thousandths of the unit (0.001 kWh, 0.001 m³): rounded down, and the thousandths still missing
   go one each to the parts with the largest remainders (earlier part first on a tie). The
   quantities add up to the consumption exactly; each is less than 0.001 from its exact share.
   The consumption itself must be a multiple of 0.001.
2. Working net = quantity × working price, exact, then rounded to the cent half up
   (`kc.core.money.round_cents`: 0.005 € → 0.01 €, as German invoices do).
3. Base net = base price per year × Σ over the calendar years the part touches of
   (days of the part in that year / days of that year: 365 or 366), computed as an exact integer
   fraction and rounded to the cent half up. Why per calendar year: a full calendar year costs
   exactly the base price per year, leap years too; and the unrounded amount is additive, so
   cutting a part anywhere changes nothing but the cent rounding (a single 365 or 366 for a
   whole part would charge two halves of a part with 29 February differently from the whole).
4. VAT per rate = rate × sum of the rounded nets of that rate, rounded to the cent half up.
5. Totals are sums: net total = Σ line nets, VAT total = Σ VAT per rate, gross = net + VAT.
   Nothing else is rounded.

Gas metered in m³ (`RatingInput.conversion` given, `unit` "m3"): the consumption is the metered
m³. The working lines are cut further wherever the Zustandszahl or the Brennwert changes; the m³
are split over these segments by the gas weights (rule 1, in 0.001 m³), each segment converted
to whole kWh (`kc.billing.gas`: m³ × z × H_s, rounded half up), and each working line is that
kWh × the working price (rule 2), with the conversion in its text. The base lines stay one per
price/VAT part. The bound below then holds with n_w the number of these segments and the
working-line term ½ kWh + 0.001 m³ × z × H_s (instead of 0.001 unit) times p_max.

Bound: billing a period in two parts vs. whole. Cut the period after any day into A and B,
split the consumption C into C_A + C_B by the same weights (`profiles.allocate`, rule 1), and rate
A, B and the whole. Measured against the exact (unrounded) amounts of the whole:
- every line of the three ratings is off by at most ½ ct (rule 2 or 3), a working line further by
  less than 0.001 unit × its working price (rule 1);
- the exact working amounts of A and B together differ from the whole's only through the rounding
  of C_A: less than 0.001 × p_max on each side; the exact base amounts are equal (rule 3);
- a VAT total is rate × its net plus at most ½ ct (rule 4).
With n_w working lines, n_b base lines and n_v VAT totals counted over the three ratings, p_max
the highest working price and r the highest VAT rate:

    |gross(A) + gross(B) - gross(whole)|
        ≤ (1 + r) × (n_w × (½ ct + 0.001 × p_max) + n_b × ½ ct + 2 × 0.001 × p_max) + n_v × ½ ct

For working prices up to 5 €/unit (so 0.001 × p_max ≤ ½ ct) and r ≤ 19 %, with n_w = n_b = m
(m ≥ 3: one part whole, two split) and n_v ≥ 3, the right side is at most
1.785 m + 1.19 + ½ n_v ≤ 2 m + n_v cents. So N = 1: at most 1 ct per line, counting every line
and every VAT total of the three ratings; for a whole rating with L lines and V VAT totals that is
at most 2 (L + V) + 3 ct. The property test checks the formula and N = 1 on random periods (the
largest difference seen in 5,000 random cuts was 3 ct).

Speed (a billing run rates a million contracts, most over the same few periods): everything that
does not depend on the consumption (the parts, their weights, the base lines, the line texts up to
the quantity) is computed once per (division, period, price sheets) and kept for the next few
thousand such keys (`_period_rates`, emptied when `kc.supply.vat.RULES` is replaced). The results
are the same to the last digit as computing everything afresh: only exact sums are regrouped.
"""

import bisect
import calendar
import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Overflow,
)
from functools import lru_cache

from kc.billing import gas, profiles
from kc.core.money import format_decimal_de, round_cents
from kc.supply import vat

QUANTITY_QUANTUM = Decimal("0.001")

# Products and sums of money are exact: a lost digit raises instead of rounding silently.
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[Inexact, InvalidOperation, Overflow])

UNIT_LABELS = {"m3": "m³"}
DIVISION_NAMES = {"power": "Strom", "gas": "Gas", "water": "Wasser", "heat": "Wärme"}


@dataclass(frozen=True)
class PricePeriod:
    """Net prices of a price sheet, in force from `valid_from` until the next sheet starts."""

    valid_from: datetime.date
    base_price_per_year: Decimal
    working_price: Decimal
    tariff_code: str
    tariff_name: str


@dataclass(frozen=True)
class RatingInput:
    division: str
    unit: str
    period_start: datetime.date  # inclusive
    period_end: datetime.date  # inclusive
    consumption: Decimal
    prices: tuple[PricePeriod, ...]
    # Gas metered in m³ (`unit` "m3"): z and Brennwert over the period (`kc.billing.gas`); the
    # working lines are then in kWh, one per part and factor segment (see the module docstring).
    conversion: tuple[gas.Factors, ...] = ()


@dataclass(frozen=True)
class Line:
    kind: str  # "working" (quantity in `unit`, unit_price per unit) or "base" (days, per year)
    start: datetime.date
    end: datetime.date
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net: Decimal
    vat_rate: Decimal
    text: str


@dataclass(frozen=True)
class VatTotal:
    rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Rating:
    lines: tuple[Line, ...]
    vat_totals: tuple[VatTotal, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal


class RatingError(ValueError):
    """The input cannot be rated; the message (German) tells the person who fixes the data."""


@dataclass(frozen=True)
class _Part:
    start: datetime.date
    end: datetime.date
    price: PricePeriod
    vat_rate: Decimal


def rate(data: RatingInput) -> Rating:
    try:
        _check(data)
        return _rate(data)
    except gas.GasConversionError as exc:
        raise RatingError(str(exc)) from exc
    except DecimalException as exc:
        raise RatingError(
            f"Die Beträge lassen sich nicht exakt rechnen ({type(exc).__name__}): "
            "Preise oder Verbrauch haben zu viele Stellen."
        ) from exc


def _rate(data: RatingInput) -> Rating:
    period = _period_rates(data.division, data.period_start, data.period_end, data.prices)
    if data.conversion:
        working = _converted_working_lines(data, period.parts)
    else:
        counts = period.split.counts(profiles._units(data.consumption, QUANTITY_QUANTUM))
        working = tuple(
            _working_line(data.unit, part, QUANTITY_QUANTUM * count, text)
            for part, count, text in zip(period.parts, counts, period.working_texts, strict=True)
        )
    lines = (*working, *period.base_lines)
    vat_totals = tuple(
        _vat_total(rate_, base_net, working) for rate_, base_net in period.base_net_by_rate
    )
    net_total = _sum(total.net for total in vat_totals)
    vat_total = _sum(total.vat for total in vat_totals)
    return Rating(
        lines=lines,
        vat_totals=vat_totals,
        net_total=net_total,
        vat_total=vat_total,
        gross_total=EXACT.add(net_total, vat_total),
    )


@dataclass(frozen=True)
class _PeriodRates:
    """What rating a period gives whatever the consumption (see `_period_rates`)."""

    parts: tuple["_Part", ...]
    split: profiles.Split  # the parts' seasonal weights
    working_texts: tuple[str, ...]  # "Arbeitspreis <range> (<tariff>): " per part
    base_lines: tuple[Line, ...]
    # The VAT rates in the order they first occur in time, each with the sum of its base nets.
    base_net_by_rate: tuple[tuple[Decimal, Decimal], ...]


_rules_seen: object = None


def _period_rates(
    division: str, start: datetime.date, end: datetime.date, prices: tuple[PricePeriod, ...]
) -> _PeriodRates:
    """The consumption-independent part of rating a period; kept per key (LRU). The prices
    must have passed `_check` (finite Decimals: hashable)."""
    global _rules_seen
    if vat.RULES is not _rules_seen:  # a test (or a reload) swapped the VAT rule set
        _period_rates_cached.cache_clear()
        _rules_seen = vat.RULES
    return _period_rates_cached(division, start, end, prices)


@lru_cache(maxsize=4096)
def _period_rates_cached(
    division: str, start: datetime.date, end: datetime.date, prices: tuple[PricePeriod, ...]
) -> _PeriodRates:
    parts = _parts(division, start, end, _sorted_prices(prices))
    split = profiles.Split.of([profiles.weight(division, part.start, part.end) for part in parts])
    base_lines = tuple(_base_line(part) for part in parts)
    base_net_by_rate = tuple(
        (rate_, _sum(line.net for line in base_lines if line.vat_rate == rate_))
        for rate_ in dict.fromkeys(part.vat_rate for part in parts)  # parts are in time order
    )
    return _PeriodRates(
        parts=tuple(parts),
        split=split,
        working_texts=tuple(
            f"Arbeitspreis {_range(part)} ({part.price.tariff_name}): " for part in parts
        ),
        base_lines=base_lines,
        base_net_by_rate=base_net_by_rate,
    )


# --- checks ---------------------------------------------------------------------------------


def _de(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def _check(data: RatingInput) -> None:
    if data.division not in profiles.PROFILE_OF:
        known = ", ".join(f"{name} ({code})" for code, name in DIVISION_NAMES.items())
        raise RatingError(f"Unbekannte Sparte „{data.division}“; bekannt sind {known}.")
    if data.period_end < data.period_start:
        raise RatingError(
            f"Der Abrechnungszeitraum endet am {_de(data.period_end)}, "
            f"vor seinem Beginn am {_de(data.period_start)}."
        )
    _check_decimal("Der Verbrauch", data.consumption)
    if data.consumption < 0:
        raise RatingError(
            f"Der Verbrauch ist negativ ({data.consumption} {_unit(data.unit)}): "
            "Zählerstände prüfen (Zählerwechsel oder Überlauf?)."
        )
    if EXACT.remainder(data.consumption, QUANTITY_QUANTUM):
        raise RatingError(
            f"Der Verbrauch {data.consumption} hat mehr als drei Nachkommastellen; "
            "Zählerstände werden auf 0,001 genau abgerechnet."
        )
    if data.conversion and (data.division != "gas" or data.unit != "m3"):
        raise RatingError("Nur Gas in m³ wird mit Zustandszahl und Brennwert in kWh umgerechnet.")
    if data.division == "gas" and data.unit == "m3" and not data.conversion:
        raise RatingError(
            "Gas in m³ wird in kWh abgerechnet: Zustandszahl und Brennwert fehlen für die "
            "Umrechnung."
        )
    for price in data.prices:
        _check_decimal("Der Grundpreis ab", price.base_price_per_year, price.valid_from)
        _check_decimal("Der Arbeitspreis ab", price.working_price, price.valid_from)


def _check_decimal(what: str, value: object, day: datetime.date | None = None) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        what = f"{what} {_de(day)}" if day is not None else what
        raise RatingError(f"{what} muss eine endliche Dezimalzahl (Decimal) sein, nicht {value!r}.")


def _sorted_prices(prices: tuple[PricePeriod, ...]) -> tuple[PricePeriod, ...]:
    ordered = tuple(sorted(prices, key=lambda price: price.valid_from))
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            raise RatingError(
                f"Zwei Preisblätter gelten ab demselben Tag ({_de(later.valid_from)}: "
                f"{earlier.tariff_code} und {later.tariff_code}); eines muss weg."
            )
    return ordered


# --- parts ----------------------------------------------------------------------------------


def _vat_rate(division: str, day: datetime.date) -> Decimal:
    try:
        return vat.vat_rate(division, day)
    except LookupError:
        raise RatingError(
            f"Für {DIVISION_NAMES[division]} am {_de(day)} ist kein Umsatzsteuersatz hinterlegt."
        ) from None


def _vat_changes(division: str, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Days in start+1..end on which the VAT rate differs from the day before, from the rules."""
    candidates = set()
    for rule in vat.RULES:
        if division in rule.divisions:
            candidates.add(rule.valid_from)
            if rule.valid_to < datetime.date.max:
                candidates.add(rule.valid_to + datetime.timedelta(days=1))
    one_day = datetime.timedelta(days=1)
    return sorted(
        day
        for day in candidates
        if start < day <= end and _vat_rate(division, day) != _vat_rate(division, day - one_day)
    )


def _price_on(prices: tuple[PricePeriod, ...], day: datetime.date) -> PricePeriod:
    in_force = [price for price in prices if price.valid_from <= day]
    if not in_force:
        first = f" (das erste gilt ab {_de(prices[0].valid_from)})" if prices else ""
        raise RatingError(f"Am {_de(day)} gilt kein Preisblatt{first}.")
    return in_force[-1]


def _parts(
    division: str, start: datetime.date, end: datetime.date, prices: tuple[PricePeriod, ...]
) -> list[_Part]:
    cuts = {price.valid_from for price in prices if start < price.valid_from <= end}
    cuts.update(_vat_changes(division, start, end))
    starts = [start, *sorted(cuts)]
    ends = [day - datetime.timedelta(days=1) for day in starts[1:]] + [end]
    return [
        _Part(
            part_start,
            part_end,
            _price_on(prices, part_start),
            _vat_rate(division, part_start),
        )
        for part_start, part_end in zip(starts, ends, strict=True)
    ]


# --- lines ----------------------------------------------------------------------------------


def _unit(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def _number(value: Decimal, min_places: int, max_places: int | None = None) -> str:
    """German notation with as many decimals as the value needs, at least `min_places`."""
    exponent = value.normalize().as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) else 0)
    if max_places is not None:
        places = min(places, max_places)
    return format_decimal_de(value, places)


def _range(part: _Part) -> str:
    if part.start == part.end:
        return _de(part.start)
    return f"{_de(part.start)}–{_de(part.end)}"


def _working_price_text(unit: str, price: Decimal) -> str:
    if unit == "kWh":
        return f"{_number(EXACT.multiply(price, Decimal(100)), 2)} ct/kWh"
    return f"{_number(price, 2)} €/{_unit(unit)}"


def _working_line(unit: str, part: _Part, quantity: Decimal, text: str) -> Line:
    """`text`: the line's beginning, "Arbeitspreis <range> (<tariff>): "."""
    price = part.price.working_price
    net = round_cents(EXACT.multiply(quantity, price))
    text += f"{_number(quantity, 0, 3)}{_working_price_part(unit, price)}{format_decimal_de(net)} €"
    return Line("working", part.start, part.end, quantity, unit, price, net, part.vat_rate, text)


@lru_cache(maxsize=1024)
def _working_price_part(unit: str, price: Decimal) -> str:
    """ " kWh × 30,00 ct/kWh = ": the same for every price of equal value (normalized)."""
    return f" {_unit(unit)} × {_working_price_text(unit, price)} = "


def _converted_working_lines(data: RatingInput, parts: tuple[_Part, ...]) -> tuple[Line, ...]:
    """Gas in m³: the m³ converted segment by segment (cut at the parts and where z or the
    Brennwert changes, `gas.convert`), one kWh working line per segment at its part's price."""
    conversions = gas.convert(
        data.period_start,
        data.period_end,
        data.consumption,
        data.conversion,
        cuts=[part.start for part in parts[1:]],
    )
    starts = [part.start for part in parts]
    lines = []
    for conversion in conversions:
        part = parts[bisect.bisect_right(starts, conversion.start) - 1]
        price = part.price.working_price
        net = round_cents(EXACT.multiply(conversion.energy, price))
        segment = _Part(conversion.start, conversion.end, part.price, part.vat_rate)
        text = (
            f"Arbeitspreis {_range(segment)} ({part.price.tariff_name}): {conversion.text} × "
            f"{_working_price_text('kWh', price)} = {format_decimal_de(net)} €"
        )
        lines.append(
            Line(
                "working",
                conversion.start,
                conversion.end,
                conversion.energy,
                "kWh",
                price,
                net,
                part.vat_rate,
                text,
            )
        )
    return tuple(lines)


def _year_fraction(start: datetime.date, end: datetime.date) -> tuple[int, int]:
    """Σ over calendar years of days in the range / days of that year, as (numerator, denom)."""
    numerator, denominator = 0, 1
    for year in range(start.year, end.year + 1):
        first = max(start, datetime.date(year, 1, 1))
        last = min(end, datetime.date(year, 12, 31))
        length = 366 if calendar.isleap(year) else 365
        days = (last - first).days + 1
        numerator, denominator = numerator * length + days * denominator, denominator * length
    return numerator, denominator


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (denominator > 0) rounded to an integer, halves away from 0."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def _base_line(part: _Part) -> Line:
    price = part.price.base_price_per_year
    price_num, price_den = price.as_integer_ratio()
    frac_num, frac_den = _year_fraction(part.start, part.end)
    cents = _round_half_up(price_num * frac_num * 100, price_den * frac_den)
    net = Decimal(cents).scaleb(-2)
    days = (part.end - part.start).days + 1
    text = (
        f"Grundpreis {_range(part)} ({part.price.tariff_name}): "
        f"{days} {'Tag' if days == 1 else 'Tage'} × {_number(price, 2)} €/Jahr "
        f"= {format_decimal_de(net)} €"
    )
    return Line(
        "base", part.start, part.end, Decimal(days), "Tage", price, net, part.vat_rate, text
    )


# --- totals ---------------------------------------------------------------------------------


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    total = Decimal("0.00")
    for amount in amounts:
        total = EXACT.add(total, amount)
    return total


def _vat_total(rate_: Decimal, base_net: Decimal, working: tuple[Line, ...]) -> VatTotal:
    """The total of one VAT rate: its base nets (summed beforehand) and its working nets. The
    sum is exact, so its grouping changes nothing."""
    net = base_net
    for line in working:
        if line.vat_rate == rate_:
            net = EXACT.add(net, line.net)
    return VatTotal(rate_, net, round_cents(EXACT.multiply(rate_, net)))
