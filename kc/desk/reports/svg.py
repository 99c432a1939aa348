"""Charts drawn on the server as SVG: grouped or stacked bars and lines, with axes, German tick
labels, a legend, <title>/<desc> and role="img". No JavaScript, no float: values are int or
Decimal and coordinates are Decimal rounded to 0.1 px, so the same data gives the same bytes.

Every text goes through `escape` (names of queues or types come from users). The chart is
decoration for sighted readers; the table printed beside it carries the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kc.core.money import format_decimal_de

type Value = int | Decimal

WIDTH = 720
PLOT_HEIGHT = 220
LEFT = 72
RIGHT = 16
LEGEND_ROW = 20
CHAR_PX = Decimal("6.5")  # average width of a 12 px sans-serif character
LABEL_GAP = 48  # px an upright x label needs
TICKS = 5
TEXT = "#222"
AXIS = "#555"
GRID = "#d0d0d0"
# Darker tones: each has at least 3:1 contrast against white (WCAG 1.4.11).
PALETTE = ("#1f5fa8", "#b34700", "#2e7d32", "#6a1b9a", "#8a6d00", "#c2185b", "#455a64", "#00796b")


class Kind(StrEnum):
    BARS = "bars"  # grouped
    STACKED = "stacked"
    LINES = "lines"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Value | None, ...]  # None: no value (a line has a gap there)


@dataclass(frozen=True)
class Chart:
    slug: str  # unique on the page: the ids of <title> and <desc>
    kind: Kind
    title: str
    desc: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str  # the y axis: "Vorgänge", "Stunden", "€"

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"series {series.name!r} does not fit the categories")
            if any(isinstance(v, float) for v in series.values):
                raise TypeError("chart values are int or Decimal, never float")


def _num(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')):f}"


@dataclass(frozen=True)
class Scale:
    top: Decimal
    step: Decimal

    @classmethod
    def for_max(cls, highest: Decimal, *, whole: bool = False) -> Scale:
        """A 1-2-5 step giving about five ticks (`whole`: counts, no step below 1); an
        all-zero chart gets the axis 0 to 1."""
        if highest <= 0:
            return cls(Decimal(1), Decimal(1))
        raw = highest / TICKS
        magnitude = Decimal(1).scaleb(raw.adjusted())
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        if whole:
            step = max(step, Decimal(1))
        top = (highest / step).to_integral_value(ROUND_CEILING) * step
        return cls(top, step)

    @property
    def places(self) -> int:
        exponent = self.step.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0

    def ticks(self) -> list[Decimal]:
        count = int(self.top / self.step)
        return [self.step * i for i in range(count + 1)]


def _highest(chart: Chart) -> Decimal:
    if chart.kind is Kind.STACKED:
        sums = [
            sum((Decimal(s.values[i] or 0) for s in chart.series), Decimal(0))
            for i in range(len(chart.categories))
        ]
        return max(sums, default=Decimal(0))
    values = [Decimal(v) for s in chart.series for v in s.values if v is not None]
    return max(values, default=Decimal(0))


@dataclass(frozen=True)
class Frame:
    """Pixel geometry of the plot area."""

    top: int
    bottom: int
    band: Decimal  # px per category
    label_every: int
    rotate: bool
    height: int

    def x(self, index: int) -> Decimal:
        return LEFT + self.band * index

    def y(self, value: Decimal, scale: Scale) -> Decimal:
        return self.bottom - value / scale.top * PLOT_HEIGHT


def _legend_rows(chart: Chart) -> list[list[tuple[int, Series, int]]]:
    rows: list[list[tuple[int, Series, int]]] = [[]]
    x = LEFT
    for index, series in enumerate(chart.series):
        width = int(24 + CHAR_PX * len(series.name) + 16)
        if x + width > WIDTH - RIGHT and rows[-1]:
            rows.append([])
            x = LEFT
        rows[-1].append((index, series, x))
        x += width
    return rows


def _frame(chart: Chart, legend_rows: int) -> Frame:
    count = max(len(chart.categories), 1)
    band = Decimal(WIDTH - LEFT - RIGHT) / count
    every = max(1, -(-LABEL_GAP * count // (WIDTH - LEFT - RIGHT)))
    longest = max((len(c) for c in chart.categories), default=0)
    rotate = CHAR_PX * longest > band * every
    top = 12 + LEGEND_ROW * legend_rows
    bottom = top + PLOT_HEIGHT
    below = int(min(Decimal(150), 16 + CHAR_PX * longest * Decimal("0.8"))) if rotate else 28
    return Frame(top, bottom, band, every, rotate, bottom + below + 8)


def _axes(chart: Chart, frame: Frame, scale: Scale) -> list[str]:
    parts = []
    for tick in scale.ticks():
        y = _num(frame.y(tick, scale))
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(format_decimal_de(tick, scale.places))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{frame.bottom}" x2="{WIDTH - RIGHT}" y2="{frame.bottom}" '
        f'stroke="{AXIS}"/><line x1="{LEFT}" y1="{frame.top}" x2="{LEFT}" y2="{frame.bottom}" '
        f'stroke="{AXIS}"/>'
    )
    mid = frame.top + PLOT_HEIGHT // 2
    parts.append(
        f'<text x="14" y="{mid}" text-anchor="middle" transform="rotate(-90 14 {mid})">'
        f"{escape(chart.unit)}</text>"
    )
    for index, label in enumerate(chart.categories):
        if index % frame.label_every:
            continue
        x = _num(frame.x(index) + frame.band / 2)
        below = frame.bottom + 16
        if frame.rotate:
            parts.append(
                f'<text x="{x}" y="{below}" text-anchor="end" '
                f'transform="rotate(-35 {x} {below})">{escape(label)}</text>'
            )
        else:
            parts.append(f'<text x="{x}" y="{below}" text-anchor="middle">{escape(label)}</text>')
    return parts


def _tip(series: Series, category: str, value: Value | None) -> str:
    shown = "–" if value is None else format_decimal_de(Decimal(value), _places(value))
    return f"<title>{escape(series.name)}, {escape(category)}: {escape(shown)}</title>"


def _places(value: Value) -> int:
    if isinstance(value, int):
        return 0
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _rect(x: Decimal, y: Decimal, width: Decimal, height: Decimal, color: str, tip: str) -> str:
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" '
        f'fill="{color}">{tip}</rect>'
    )


def _bars(chart: Chart, frame: Frame, scale: Scale) -> list[str]:
    parts = []
    count = max(len(chart.series), 1)
    group = frame.band * Decimal("0.8")
    width = group / count
    for index, category in enumerate(chart.categories):
        base = frame.x(index) + frame.band * Decimal("0.1")
        stacked = Decimal(0)
        for number, series in enumerate(chart.series):
            value = series.values[index]
            amount = Decimal(value or 0)
            color = PALETTE[number % len(PALETTE)]
            tip = _tip(series, category, value)
            if chart.kind is Kind.STACKED:
                y_top = frame.y(stacked + amount, scale)
                height = frame.y(stacked, scale) - y_top
                stacked += amount
                if amount:
                    parts.append(_rect(base, y_top, group, height, color, tip))
            elif amount:
                y_top = frame.y(amount, scale)
                x = base + width * number
                parts.append(_rect(x, y_top, width, frame.bottom - y_top, color, tip))
    return parts


def _lines(chart: Chart, frame: Frame, scale: Scale) -> list[str]:
    parts = []
    for number, series in enumerate(chart.series):
        color = PALETTE[number % len(PALETTE)]
        segments: list[list[str]] = [[]]
        points = []
        for index, value in enumerate(series.values):
            if value is None:
                segments.append([])
                continue
            x, y = _num(frame.x(index) + frame.band / 2), _num(frame.y(Decimal(value), scale))
            segments[-1].append(f"{x},{y}")
            tip = _tip(series, chart.categories[index], value)
            points.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{color}">{tip}</circle>')
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{color}" '
                    f'stroke-width="2"/>'
                )
        parts.extend(points)
    return parts


def _legend(rows: Sequence[Sequence[tuple[int, Series, int]]]) -> list[str]:
    parts = []
    for row_number, row in enumerate(rows):
        y = 4 + LEGEND_ROW * row_number
        for index, series, x in row:
            color = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>'
                f'<text x="{x + 18}" y="{y + 10}">{escape(series.name)}</text>'
            )
    return parts


def render(chart: Chart) -> SafeString:
    """The chart as an inline <svg> element."""
    legend_rows = _legend_rows(chart) if chart.series else []
    frame = _frame(chart, len(legend_rows))
    whole = all(isinstance(v, int) for s in chart.series for v in s.values if v is not None)
    scale = Scale.for_max(_highest(chart), whole=whole)
    body = _lines(chart, frame, scale) if chart.kind is Kind.LINES else _bars(chart, frame, scale)
    slug = escape(chart.slug)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(chart.title)}" aria-describedby="{slug}-desc" '
        f'viewBox="0 0 {WIDTH} {frame.height}" width="{WIDTH}" height="{frame.height}" '
        f'font-family="sans-serif" font-size="12" '  # size: CSS svg.chart (CSP)
        f'fill="{TEXT}">'
        f'<title id="{slug}-title">{escape(chart.title)}</title>'
        f'<desc id="{slug}-desc">{escape(chart.desc)}</desc>'
    )
    parts = [head, *_legend(legend_rows), *_axes(chart, frame, scale), *body, "</svg>"]
    return mark_safe("".join(parts))  # noqa: S308 (every text above went through escape)  # nosec B308 B703
