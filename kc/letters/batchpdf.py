"""One PDF per print batch: a cover sheet, then every letter, each sheet with a control mark.

The control mark (QR code plus one text line in the left margin) carries batch, letter and
sheet ("KC|D00000012|B00000345|2/3"), so a person or an inserting machine can check that no
sheet is missing or mixed into the wrong envelope.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kc.core.money import format_eur
from kc.letters import layout as geo
from kc.letters.pdf import BOLD, REGULAR, register_fonts


@dataclass(frozen=True)
class BatchLetter:
    number: str
    pdf: BinaryIO | bytes


@dataclass(frozen=True)
class BatchCover:
    batch_number: str
    envelope: str
    postage_name: str
    postage_total: Decimal
    letter_count: int
    sheet_count: int
    created: str
    duplex: bool


def control_code(batch: str, letter: str, sheet: int, sheets: int) -> str:
    return f"KC|{batch}|{letter}|{sheet}/{sheets}"


def build_batch_pdf(
    cover: BatchCover, letters: Sequence[BatchLetter], out: BinaryIO, *, marks: bool = True
) -> int:
    """Write the batch PDF to `out`; returns its page count."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_cover_pdf(cover))))
    mark_font = writer._add_object(  # pypdf has no public name for this
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number, letter in enumerate(letters):
        source = letter.pdf if not isinstance(letter.pdf, bytes) else io.BytesIO(letter.pdf)
        reader = PdfReader(source)
        tag = _subset_tag(number + 1)  # the cover keeps AAAAAA
        pages = len(reader.pages)
        sheets = (pages + 1) // 2 if cover.duplex else pages
        for index, page in enumerate(reader.pages):
            added = writer.add_page(page)
            _rename_font_subsets(added, tag)
            if marks and (not cover.duplex or index % 2 == 0):
                sheet = index // 2 + 1 if cover.duplex else index + 1
                code = control_code(cover.batch_number, letter.number, sheet, sheets)
                _stamp(writer, added, _mark_operators(code), mark_font)
        if cover.duplex and pages % 2:
            writer.add_blank_page()  # the next letter starts on a new sheet
    writer.write(out)
    return len(writer.pages)


def _subset_tag(number: int) -> str:
    """Six capital letters, different for every letter of the batch."""
    tag = ""
    for _ in range(6):
        number, digit = divmod(number, 26)
        tag = chr(ord("A") + digit) + tag
    return tag


def _rename_font_subsets(page: PageObject, tag: str) -> None:
    """Every letter names its font subset AAAAAA+DejaVuSans; in one print file a printer that
    caches fonts by name could print one letter with another's glyphs. Each letter's subsets
    get their own tag."""
    fonts = _page_fonts(page)
    if fonts is None:
        return
    for ref in fonts.values():
        font = ref.get_object()
        name = str(font.get("/BaseFont", ""))
        if len(name) > 8 and name[7] == "+" and not name.startswith(f"/{tag}+"):
            renamed = NameObject(f"/{tag}{name[7:]}")
            font[NameObject("/BaseFont")] = renamed
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None:
                descriptor.get_object()[NameObject("/FontName")] = renamed


def _page_fonts(page: PageObject) -> DictionaryObject | None:
    resources = page["/Resources"].get_object()
    fonts = resources.get("/Font") if isinstance(resources, DictionaryObject) else None
    fonts = fonts.get_object() if fonts is not None else None
    return fonts if isinstance(fonts, DictionaryObject) else None


def _stamp(writer: PdfWriter, page: PageObject, operators: bytes, font: IndirectObject) -> None:
    """Draw `operators` over the page without parsing its content (pypdf's merge_page parses
    every letter's content stream: 40 times slower)."""
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(b"Q\nq\n" + operators + b"Q\n")
    contents = page.raw_get("/Contents")  # the reference: a stream must stay indirect
    streams = contents.get_object()
    old = list(streams) if isinstance(streams, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *old, writer._add_object(after)]
    )
    fonts = _page_fonts(page)
    if fonts is None:
        raise ValueError("a letter page without fonts is not one of ours")
    fonts[NameObject("/KcMark")] = font


def _mark_operators(code: str) -> bytes:
    """PDF operators for the control mark: the code as text at the top left, and as a QR code
    in the left margin (dark modules as filled rectangles, one per horizontal run)."""
    text_y = (geo.PAGE_HEIGHT - geo.CONTROL_TEXT_TOP) * mm
    parts = [f"BT /KcMark 5 Tf {geo.CONTROL_CODE_LEFT * mm:.2f} {text_y:.2f} Td ({code}) Tj ET"]
    matrix = _qr_matrix(code)
    size = len(matrix)
    module = geo.CONTROL_CODE_SIZE * mm / size
    left, bottom = geo.CONTROL_CODE_LEFT * mm, geo.CONTROL_CODE_BOTTOM * mm
    for row, cells in enumerate(matrix):
        y = bottom + (size - 1 - row) * module
        col = 0
        while col < size:
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < size and cells[col]:
                col += 1
            x = left + start * module
            parts.append(f"{x:.2f} {y:.2f} {(col - start) * module:.2f} {module:.2f} re")
    parts.append("f")
    return ("\n".join(parts) + "\n").encode("ascii")


def _qr_matrix(text: str) -> list[list[bool]]:
    # One fixed mask pattern instead of trying all eight: decoders read the mask from the
    # code, and it is eight times faster (thousands of sheets per batch).
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.version = qr.calculate_version()
    qr.makeImpl(False, 0)
    count = qr.getModuleCount()
    return [[bool(qr.isDark(r, c)) for c in range(count)] for r in range(count)]


def _draw_qr(canvas: Canvas, text: str, left_mm: float, bottom_mm: float, size_mm: float) -> None:
    widget = QrCodeWidget(text, barLevel="M", barBorder=0)
    x0, y0, x1, y1 = widget.getBounds()
    scale = size_mm * mm / max(x1 - x0, y1 - y0)
    drawing = Drawing(size_mm * mm, size_mm * mm, transform=[scale, 0, 0, scale, 0, 0])
    drawing.add(widget)
    drawing.drawOn(canvas, left_mm * mm, bottom_mm * mm)


def _cover_pdf(cover: BatchCover) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(geo.PAGE_WIDTH * mm, geo.PAGE_HEIGHT * mm),
        invariant=1,
        initialFontName=REGULAR,
    )
    left = geo.TEXT_LEFT * mm
    canvas.setFont(BOLD, 28)
    canvas.drawString(left, (geo.PAGE_HEIGHT - 40) * mm, f"Druckstapel {cover.batch_number}")
    rows = [
        ("Briefe", str(cover.letter_count)),
        ("Blätter", str(cover.sheet_count) + (" (beidseitig)" if cover.duplex else "")),
        ("Umschlag", cover.envelope),
        ("Sendungsart", cover.postage_name),
        ("Porto gesamt", format_eur(cover.postage_total)),
        ("Gebildet", cover.created),
    ]
    for index, (label, value) in enumerate(rows):
        y = (geo.PAGE_HEIGHT - 60 - index * 10) * mm
        canvas.setFont(REGULAR, 14)
        canvas.drawString(left, y, label)
        canvas.setFont(BOLD, 14)
        canvas.drawString(left + 50 * mm, y, value)
    canvas.setFont(REGULAR, 11)
    canvas.drawString(
        left,
        (geo.PAGE_HEIGHT - 135) * mm,
        "Nach dem Kuvertieren im Druckraum „kuvertiert“, nach der Übergabe „zur Post“ melden.",
    )
    _draw_qr(canvas, f"KC|{cover.batch_number}|COVER", geo.TEXT_LEFT, 120, 35)
    canvas.showPage()
    if cover.duplex:
        canvas.showPage()  # the first letter starts on its own sheet
    canvas.save()
    return buffer.getvalue()
