"""The SVG chart module: structure, escaping, German ticks, determinism, no float."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from kc.desk.reports.svg import Chart, Kind, Scale, Series, render

NS = {"s": "http://www.w3.org/2000/svg"}


def chart(kind: Kind = Kind.BARS, **overrides: object) -> Chart:
    fields: dict[str, object] = {
        "slug": "c1",
        "kind": kind,
        "title": "Neue Vorgänge",
        "desc": "Säulen je Tag",
        "categories": ("01.11.", "02.11.", "03.11."),
        "series": (Series("E-Mail", (3, 0, 5)), Series("Telefon", (1, 2, 2))),
        "unit": "Vorgänge",
    }
    fields.update(overrides)
    return Chart(**fields)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output)


def test_bar_chart_structure_snapshot() -> None:
    root = parse(render(chart()))
    assert root.get("role") == "img" and root.get("aria-label") == "Neue Vorgänge"
    assert root.find("s:title", NS).text == "Neue Vorgänge"  # type: ignore[union-attr]
    assert root.find("s:desc", NS).text == "Säulen je Tag"  # type: ignore[union-attr]
    assert root.get("aria-describedby") == "c1-desc"
    bars = [r for r in root.findall("s:rect", NS) if r.find("s:title", NS) is not None]
    # zero values draw no bar: 3 + 0 + 5 and 1 + 2 + 2 → five bars
    assert [r.find("s:title", NS).text for r in bars] == [  # type: ignore[union-attr]
        "E-Mail, 01.11.: 3",
        "Telefon, 01.11.: 1",
        "Telefon, 02.11.: 2",
        "E-Mail, 03.11.: 5",
        "Telefon, 03.11.: 2",
    ]
    texts = [t.text for t in root.findall("s:text", NS)]
    assert texts[:2] == ["E-Mail", "Telefon"]  # legend
    assert texts[2:8] == ["0", "1", "2", "3", "4", "5"]  # ticks: whole numbers for counts
    assert "Vorgänge" in texts and "01.11." in texts and "03.11." in texts


def test_bar_heights_follow_the_values() -> None:
    root = parse(render(chart(series=(Series("A", (2, 4, 1)),))))
    heights = [Decimal(r.get("height", "")) for r in root.findall("s:rect", NS)[1:]]
    assert heights[1] == 2 * heights[0] == 4 * heights[2]


def test_stacked_bars_sit_on_each_other() -> None:
    root = parse(render(chart(Kind.STACKED)))
    rects = [r for r in root.findall("s:rect", NS) if r.find("s:title", NS) is not None]
    first, second = rects[0], rects[1]  # 01.11.: E-Mail 3 below, Telefon 1 on top
    assert Decimal(second.get("y", "")) + Decimal(second.get("height", "")) == Decimal(
        first.get("y", "")
    )
    assert first.get("x") == second.get("x")


def test_line_chart_has_a_gap_where_there_is_no_value() -> None:
    series = (Series("Median", (Decimal("1.5"), None, Decimal("2.5"), Decimal("3.0"))),)
    root = parse(
        render(chart(Kind.LINES, categories=("a", "b", "c", "d"), series=series, unit="Stunden"))
    )
    polylines = root.findall("s:polyline", NS)
    assert len(polylines) == 1 and len(polylines[0].get("points", "").split()) == 2
    tips = [c.find("s:title", NS).text for c in root.findall("s:circle", NS)]  # type: ignore[union-attr]
    assert tips == ["Median, a: 1,5", "Median, c: 2,5", "Median, d: 3,0"]


def test_ticks_use_german_decimals_and_thousands() -> None:
    money = (Series("Porto", (Decimal("1234.50"), Decimal("0.95"))),)
    root = parse(render(chart(categories=("a", "b"), series=money, unit="€")))
    texts = [t.text for t in root.findall("s:text", NS)]
    assert "1.500" in texts and "500" in texts
    small = (Series("h", (Decimal("0.37"),)),)
    texts = [
        t.text for t in parse(render(chart(categories=("a",), series=small))).findall("s:text", NS)
    ]
    assert texts[1:6] == ["0,0", "0,1", "0,2", "0,3", "0,4"]  # after the legend


def test_scale_steps() -> None:
    assert Scale.for_max(Decimal(0)) == Scale(Decimal(1), Decimal(1))
    assert Scale.for_max(Decimal(7)) == Scale(Decimal(8), Decimal(2))
    assert Scale.for_max(Decimal(2), whole=True).step == 1
    assert Scale.for_max(Decimal(1234)).top == 1500


def test_empty_chart_renders_an_axis() -> None:
    root = parse(render(chart(series=(Series("A", (0, 0, 0)),))))
    assert [t.text for t in root.findall("s:text", NS)][1:3] == ["0", "1"]


def test_text_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    svg = render(
        chart(
            slug='x" onload="alert(1)',
            title=evil,
            desc=evil,
            categories=(evil, "b", "c"),
            series=(Series(evil, (1, 2, 3)),),
            unit=evil,
        )
    )
    assert "<script>" not in svg and 'onload="' not in svg
    root = parse(svg)  # still well-formed XML
    assert root.find("s:title", NS).text == evil  # type: ignore[union-attr]


def test_output_is_deterministic() -> None:
    assert render(chart(Kind.STACKED)) == render(chart(Kind.STACKED))


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        chart(series=(Series("A", (1.5, 2, 3)),))  # type: ignore[arg-type]


def test_series_must_fit_the_categories() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        chart(series=(Series("A", (1, 2)),))


def test_long_category_labels_are_turned() -> None:
    names = tuple(f"Zahlung und Rücklastschrift {i}" for i in range(12))
    root = parse(render(chart(categories=names, series=(Series("A", tuple(range(12))),))))
    turned = [t for t in root.findall("s:text", NS) if "rotate(-35" in t.get("transform", "")]
    assert len(turned) == 12
    assert int(root.get("height", "0")) > 280  # room below the axis
