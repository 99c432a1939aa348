"""Gas metered in m³, billed in kWh (DVGW worksheet G 685). Pure, no ORM.

A gas meter counts operating cubic metres (Betriebskubikmeter, V_b). The energy billed is

    E [kWh] = V_b [m³] × z × H_s [kWh/m³]

- z, the Zustandszahl of the meter location (altitude, gas pressure, temperature; about
  0.9–0.98), dated: valid from a day until the next one (`ZNumber`);
- H_s, the Abrechnungsbrennwert the grid operator publishes per network area (Brennwertbezirk)
  and span of days, usually one value a month (`CalorificValue`, both ends inclusive).

G 685 asks for the period's Brennwert as the volume-weighted mean of the monthly values. Here
the period is cut wherever z or H_s changes (and wherever the caller cuts it anyway: price and
VAT changes), the metered m³ are split over the segments by the gas degree-day profile the
rating uses (`kc.billing.profiles`, to 0.001 m³, largest remainder: the segments add up to the
metered m³ exactly), and each segment is converted with its own z and H_s. Summing the segments
is that volume-weighted mean, written out so that every figure is on the bill.

Rounding rule: each segment's energy is the exact product V × z × H_s (Decimal, no digit lost)
rounded once, half up, to whole kWh (`energy`): German gas bills print whole kWh, and the
customer can recompute every line with a pocket calculator. Nothing else is rounded; z and H_s
are used as published (4 decimals at most here).

Bound: with S segments, the energy differs from the exact E of the unrounded split by at most
S × (½ kWh + 0.001 m³ × z × H_s) (rounding plus the 0.001 m³ of the split). Cutting a period in
two and converting both parts therefore differs from converting it whole by at most
(S_A + S_B + S_whole) × (½ + 0.001 × z_max × H_s,max) kWh, where S_A + S_B = S_whole + 1
when the cut falls inside a segment (tested with random cuts in test_gas.py).
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation

from django.utils.translation import gettext as _

from kc.billing import profiles
from kc.core.money import format_decimal_de

VOLUME_QUANTUM = Decimal("0.001")
ENERGY_QUANTUM = Decimal(1)  # whole kWh
# The product V × z × H_s is exact; a lost digit raises.
EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[Inexact, InvalidOperation])
ONE_DAY = datetime.timedelta(days=1)


class GasConversionError(ValueError):
    """m³ cannot be converted as the data stands; the message (German) says what is missing."""


@dataclass(frozen=True)
class CalorificValue:
    """Abrechnungsbrennwert of a network area for valid_from..valid_to (inclusive)."""

    valid_from: datetime.date
    valid_to: datetime.date
    kwh_per_m3: Decimal


@dataclass(frozen=True)
class ZNumber:
    """Zustandszahl of a meter location from valid_from until the next one."""

    valid_from: datetime.date
    z_number: Decimal


@dataclass(frozen=True)
class Factors:
    """One z and one H_s for the days start..end (inclusive)."""

    start: datetime.date
    end: datetime.date
    z_number: Decimal
    kwh_per_m3: Decimal


@dataclass(frozen=True)
class Conversion:
    """The m³ of one segment of a period converted to kWh."""

    start: datetime.date
    end: datetime.date
    volume: Decimal  # m³, multiple of 0.001
    z_number: Decimal
    kwh_per_m3: Decimal
    energy: Decimal  # kWh, whole

    @property
    def text(self) -> str:
        """ "123,456 m³ × 0,9531 × 11,245 kWh/m³ = 1.323 kWh" (as the agent reads it out)."""
        return (
            f"{_number(self.volume)} m³ × {_number(self.z_number)} × "
            f"{_number(self.kwh_per_m3)} kWh/m³ = {format_decimal_de(self.energy, 0)} kWh"
        )


# The pieces of `Conversion.text`, as they stand in a billing line's text (kc.billing.invoices
# shows them in the readings table of the invoice letter).
TEXT_PATTERN = re.compile(
    r"(?P<volume>[\d.]+(?:,\d+)?) m³ × (?P<z>\d+(?:,\d+)?) × (?P<hs>\d+(?:,\d+)?) kWh/m³ "
    r"= (?P<energy>[\d.]+) kWh"
)


def _number(value: Decimal) -> str:
    """German notation with the decimals the value has (trailing zeros dropped)."""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_decimal_de(value, places)


def _de(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def _days(start: datetime.date, end: datetime.date) -> str:
    return _de(start) if start == end else f"{_de(start)}–{_de(end)}"


def energy(volume: Decimal, z_number: Decimal, kwh_per_m3: Decimal) -> Decimal:
    """kWh = m³ × z × H_s, exact, then rounded half up to whole kWh (the rounding rule)."""
    product = EXACT.multiply(EXACT.multiply(volume, z_number), kwh_per_m3)
    return product.quantize(ENERGY_QUANTUM, rounding=ROUND_HALF_UP)


def factors(
    start: datetime.date,
    end: datetime.date,
    calorific_values: Iterable[CalorificValue],
    z_numbers: Iterable[ZNumber],
    *,
    network_area: str,
) -> tuple[Factors, ...]:
    """The days start..end cut wherever z or H_s changes, each segment with its factors.

    Raises GasConversionError naming the days without a Brennwert of `network_area` or without
    a Zustandszahl, or two Brennwerte for one day."""
    if not network_area:
        raise GasConversionError(
            _(
                "Der Gaszähler zählt m³, aber an der Marktlokation ist kein Netzgebiet "
                "(Brennwertbezirk) hinterlegt: ohne Brennwert keine Umrechnung in kWh."
            )
        )
    values = sorted(
        (v for v in calorific_values if v.valid_from <= end and v.valid_to >= start),
        key=lambda v: v.valid_from,
    )
    # Brennwert segments, gaps and overlaps found on the way.
    hs_segments: list[tuple[datetime.date, Decimal]] = []
    day = start
    previous_to: datetime.date | None = None
    for value in values:
        if previous_to is not None and value.valid_from <= previous_to:
            raise GasConversionError(
                _(
                    "Für das Netzgebiet %(area)s gelten am %(day)s zwei Brennwerte; bitte "
                    "einen davon berichtigen."
                )
                % {"area": network_area, "day": _de(max(value.valid_from, start))}
            )
        previous_to = value.valid_to
        if value.valid_from > day:
            break
        hs_segments.append((day, value.kwh_per_m3))
        day = min(value.valid_to, end) + ONE_DAY
    if day <= end:
        later = [v.valid_from for v in values if v.valid_from > day]
        raise GasConversionError(
            _(
                "Für die Umrechnung m³ → kWh fehlt der Brennwert des Netzgebiets %(area)s "
                "für %(days)s."
            )
            % {"area": network_area, "days": _days(day, min(later) - ONE_DAY if later else end)}
        )
    z_list = sorted(z_numbers, key=lambda z: z.valid_from)
    first_z = [z for z in z_list if z.valid_from <= start]
    if not first_z:
        first_day = min((z.valid_from for z in z_list if z.valid_from <= end), default=None)
        missing_to = first_day - ONE_DAY if first_day is not None else end
        raise GasConversionError(
            _("Für die Umrechnung m³ → kWh fehlt die Zustandszahl der Marktlokation für %(days)s.")
            % {"days": _days(start, missing_to)}
        )
    z_segments: list[tuple[datetime.date, Decimal]] = [(start, first_z[-1].z_number)]
    z_segments.extend((z.valid_from, z.z_number) for z in z_list if start < z.valid_from <= end)
    cuts = sorted({s for s, _v in hs_segments} | {s for s, _z in z_segments})
    z_starts = [s for s, _z in z_segments]
    hs_starts = [s for s, _v in hs_segments]
    result = []
    for index, cut in enumerate(cuts):
        segment_end = cuts[index + 1] - ONE_DAY if index + 1 < len(cuts) else end
        z_value = z_segments[bisect.bisect_right(z_starts, cut) - 1][1]
        hs_value = hs_segments[bisect.bisect_right(hs_starts, cut) - 1][1]
        result.append(Factors(cut, segment_end, z_value, hs_value))
    return tuple(result)


def convert(
    start: datetime.date,
    end: datetime.date,
    volume: Decimal,
    factor_segments: Sequence[Factors],
    cuts: Iterable[datetime.date] = (),
) -> tuple[Conversion, ...]:
    """The m³ metered on start..end in kWh, segment by segment: cut where the factors change
    and on the days in `cuts` (the rating's price and VAT changes); the m³ split by the gas
    degree-day weights of the segments. `factor_segments` must cover start..end without a gap
    (as `factors` gives them)."""
    if end < start:
        raise GasConversionError(f"Der Zeitraum endet am {_de(end)}, vor {_de(start)}.")
    if not volume.is_finite() or volume < 0 or EXACT.remainder(volume, VOLUME_QUANTUM):
        raise GasConversionError(
            f"Die Menge {volume} m³ muss ein nicht negatives Vielfaches von 0,001 m³ sein."
        )
    ordered = sorted(factor_segments, key=lambda f: f.start)
    _check_cover(start, end, ordered)
    days = sorted(
        {start}
        | {f.start for f in ordered if start < f.start <= end}
        | {day for day in cuts if start < day <= end}
    )
    starts = [f.start for f in ordered]
    segments = []
    for index, segment_start in enumerate(days):
        segment_end = days[index + 1] - ONE_DAY if index + 1 < len(days) else end
        factor = ordered[bisect.bisect_right(starts, segment_start) - 1]
        segments.append((segment_start, segment_end, factor))
    weights = [profiles.weight(profiles.GAS, s, e) for s, e, _f in segments]
    volumes = profiles.allocate(volume, weights, VOLUME_QUANTUM)
    return tuple(
        Conversion(s, e, v, f.z_number, f.kwh_per_m3, energy(v, f.z_number, f.kwh_per_m3))
        for (s, e, f), v in zip(segments, volumes, strict=True)
    )


def _check_cover(start: datetime.date, end: datetime.date, ordered: Sequence[Factors]) -> None:
    day = start
    for factor in ordered:
        for value in (factor.z_number, factor.kwh_per_m3):
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise GasConversionError(
                    f"Zustandszahl und Brennwert müssen positive Dezimalzahlen sein, "
                    f"nicht {value!r}."
                )
        if factor.end < day:
            continue
        if factor.start > day:
            break
        day = factor.end + ONE_DAY
    if day <= end:
        raise GasConversionError(
            f"Für {_days(day, end)} fehlen Zustandszahl oder Brennwert für die Umrechnung."
        )
