"""The export package: JSON (machine-readable), a readable PDF and the letters' PDFs in one ZIP.

The PDF uses the letters' engine and font (ReportLab, DejaVu Sans from kc/letters/fonts): a
heading per area and one small field/value table per record, so any field fits an A4 page.
"""

import datetime
import io
import json
import zipfile
from typing import Any
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from kc.customers.models import BusinessPartner
from kc.letters.pdf import BOLD, REGULAR, missing_glyphs, register_fonts
from kc.privacy.export import as_document, collect, own_letters
from kc.privacy.export_rows import Area

JSON_NAME = "daten.json"
PDF_NAME = "auskunft.pdf"
LETTER_FOLDER = "briefe"


def build_package(partner: BusinessPartner, *, created_at: datetime.datetime) -> bytes:
    areas = collect(partner)
    document = as_document(partner, areas, created_at=created_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        letter_files = _add_letters(archive, partner)
        document["files"] = letter_files
        archive.writestr(JSON_NAME, json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr(PDF_NAME, render_pdf(partner, areas, created_at=created_at))
    return buffer.getvalue()


def _add_letters(archive: zipfile.ZipFile, partner: BusinessPartner) -> list[str]:
    names = []
    for letter in own_letters(partner).exclude(pdf=""):
        try:
            with letter.pdf.open("rb") as handle:
                content = handle.read()
        except OSError:
            continue  # a lost archive file: the letter stays listed in the JSON and the PDF
        name = f"{LETTER_FOLDER}/{letter.number}.pdf"
        archive.writestr(name, content)
        names.append(name)
    return names


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=8.5, leading=10.5)
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=19),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=8
        ),
        "label": ParagraphStyle("label", parent=body, fontName=BOLD),
    }


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (dict, list)):
        return printable(json.dumps(value, ensure_ascii=False))
    return printable(str(value))


def printable(text: str) -> str:
    """A character the font lacks would vanish silently from the PDF: it shows as '?' (the
    JSON keeps the original)."""
    missing = missing_glyphs([text])
    return "".join("?" if ch in missing else ch for ch in text) if missing else text


def _record(row: dict[str, Any], labels: dict[str, str]) -> Table:
    st = _styles()
    data = [
        [
            Paragraph(escape(labels.get(key, key)), st["label"]),
            Paragraph(escape(_text(v)), st["body"]),
        ]
        for key, v in row.items()
    ]
    table = Table(data, colWidths=[50 * mm, 120 * mm], hAlign="LEFT")
    table.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, colors.grey),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return table


# Areas with this few fields (the audit log) print as one table with a column per field:
# thousands of rows stay fast and compact.
COLUMNS_UP_TO = 5
TEXT_WIDTH_MM = 170.0


def _columns(area: Area) -> Table:
    """Plain-string cells wrapped here (as kc.letters.pdf does): far faster than a
    Paragraph per cell."""
    keys = list(area.rows[0])
    width = TEXT_WIDTH_MM * mm / len(keys)
    pad = 2.0

    def cells(values: list[str], font: str) -> list[str]:
        return ["\n".join(simpleSplit(v, font, 8.0, width - 2 * pad)) for v in values]

    header = cells([area.labels.get(k, k) for k in keys], BOLD)
    data = [header] + [cells([_text(row[k]) for k in keys], REGULAR) for row in area.rows]
    table = Table(data, colWidths=[width] * len(keys), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, 8.0, 10.0),
            ("FONT", (0, 0), (-1, 0), BOLD, 8.0, 10.0),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ]
    )
    return table


def _area_flowables(area: Area) -> list[Flowable]:
    st = _styles()
    flow: list[Flowable] = [Paragraph(escape(f"{area.title} ({len(area.rows)})"), st["h2"])]
    if not area.rows:
        flow.append(Paragraph("Keine Daten gespeichert.", st["body"]))
    elif len(area.rows[0]) <= COLUMNS_UP_TO:
        flow.append(_columns(area))
    else:
        for row in area.rows:
            flow.append(KeepTogether([_record(row, area.labels), Spacer(0, 2 * mm)]))
    return flow


def render_pdf(
    partner: BusinessPartner, areas: list[Area], *, created_at: datetime.datetime
) -> bytes:
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Datenauskunft {partner.number}",
        lang="de-DE",
    )
    flow: list[Flowable] = [
        Paragraph(
            escape(f"Auskunft über Ihre gespeicherten Daten – {partner.number}"), st["title"]
        ),
        Paragraph(
            escape(
                f"Stand: {created_at:%d.%m.%Y %H:%M} Uhr (UTC). Art. 15 DSGVO; die Datei "
                f"{JSON_NAME} enthält dieselben Daten maschinenlesbar (Art. 20 DSGVO), der "
                f"Ordner {LETTER_FOLDER}/ die Briefe an Sie."
            ),
            st["body"],
        ),
    ]
    for area in areas:
        flow.extend(_area_flowables(area))
    doc.build(flow)
    return buffer.getvalue()
