"""Render a `LetterDocument` to a PDF with ReportLab (the engine chosen in docs/letters.md).

Fonts are DejaVu Sans, shipped in kc/letters/fonts and embedded as subsets: it covers German
and the Latin, Greek and Cyrillic names customers have. A character the font lacks would print
as a gap, so rendering refuses it (`UnprintableTextError`) instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape  # nosec B406

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from kc.letters import layout as geo
from kc.letters.document import LetterDocument, Paragraph, Table

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = "KcSans"
BOLD = "KcSans-Bold"
BODY_SIZE = 10.0
BODY_LEADING = 13.5
ADDRESS_SIZE = 10.0
ADDRESS_LEADING = 4.2 * mm  # six lines fit the 27.3 mm Anschriftzone
SMALL_SIZE = 6.5
CELL_SIZE = 9.0
CELL_LEADING = 11.0


class LetterLayoutError(ValueError):
    """The letter cannot be printed as it stands (address, characters); a person must fix it."""


class UnprintableTextError(LetterLayoutError):
    pass


@cache
def register_fonts() -> TTFont:
    regular = TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR)
    return regular


def missing_glyphs(texts: Iterable[str]) -> set[str]:
    cmap = register_fonts().face.charToGlyph
    return {ch for text in texts for ch in text if ch not in "\n\t" and ord(ch) not in cmap}


def address_problems(lines: tuple[str, ...]) -> list[str]:
    """Why these lines do not fit the window; empty when they do."""
    register_fonts()
    if not any(line.strip() for line in lines):
        return ["Die Anschrift fehlt."]
    problems = []
    if len(lines) > geo.ADDRESS_MAX_LINES:
        problems.append(
            f"Die Anschrift hat {len(lines)} Zeilen; ins Fenster passen {geo.ADDRESS_MAX_LINES}."
        )
    for line in lines:
        width = pdfmetrics.stringWidth(line, REGULAR, ADDRESS_SIZE) / mm
        if width > geo.ADDRESS_TEXT_WIDTH:
            problems.append(
                f"Die Zeile „{line}“ ist {width:.0f} mm breit; ins Fenster passen "
                f"{geo.ADDRESS_TEXT_WIDTH:.0f} mm."
            )
    return problems


def document_texts(doc: LetterDocument) -> Iterator[str]:
    yield from doc.recipient
    yield from doc.endorsement
    yield doc.subject
    for label, value in doc.references:
        yield label
        yield value
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from (column.title for column in block.columns)
            for row in (*block.rows, *block.totals):
                yield from row
    sender = doc.sender
    yield from (sender.name, sender.street_line, sender.city_line, sender.phone, sender.email)
    yield from (sender.web, sender.bank_name, sender.iban, sender.bic, sender.creditor_id)
    yield from (sender.register_line, sender.management_line, sender.vat_id)


def check_printable(doc: LetterDocument) -> None:
    problems = address_problems(doc.recipient)
    if problems:
        raise LetterLayoutError(" ".join(problems))
    missing = missing_glyphs(document_texts(doc))
    if missing:
        shown = ", ".join(f"„{ch}“ (U+{ord(ch):04X})" for ch in sorted(missing))
        raise UnprintableTextError(f"Diese Zeichen kann die Briefschrift nicht drucken: {shown}.")


def render_letter(doc: LetterDocument) -> bytes:
    """The letter as PDF bytes. Raises LetterLayoutError when it cannot be printed right."""
    return render_letter_with_pages(doc)[0]


def render_letter_with_pages(doc: LetterDocument) -> tuple[bytes, int]:
    """The PDF and its page count (counted while rendering, not by reading the PDF again)."""
    check_printable(doc)
    buffer = io.BytesIO()
    template = _LetterTemplate(buffer, doc)
    template.build(list(_flowables(doc)), canvasmaker=_counting_canvas(doc))
    return buffer.getvalue(), int(template.page)


# --- page furniture ---------------------------------------------------------------------


def _y(top_mm: float) -> float:
    """Canvas y (points from the bottom) of a distance from the top edge."""
    return float((geo.PAGE_HEIGHT - top_mm) * mm)


class _LetterTemplate(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, doc: LetterDocument) -> None:
        register_fonts()
        super().__init__(
            buffer,
            pagesize=(geo.PAGE_WIDTH * mm, geo.PAGE_HEIGHT * mm),
            title=doc.title or doc.subject,
            author=doc.sender.name,
            subject=doc.subject,
            creator="Kundencenter",
            initialFontName=REGULAR,  # else every page names Helvetica, never embedded
            initialFontSize=BODY_SIZE,
            invariant=1,  # same input, same bytes: the archive copy can be checked by hash
        )
        first = _frame("first", geo.FIRST_PAGE_TEXT_TOP)
        later = _frame("later", geo.LATER_PAGE_TEXT_TOP)
        self.letter = doc
        self.addPageTemplates(
            [
                PageTemplate("first", [first], onPage=self._first_page, autoNextPageTemplate=1),
                PageTemplate("later", [later], onPage=self._later_page),
            ]
        )

    def _first_page(self, canvas: Canvas, _doc: Any) -> None:
        doc = self.letter
        _draw_marks(canvas)
        _draw_letterhead(canvas, doc)
        _draw_address(canvas, doc)
        _draw_references(canvas, doc)
        _draw_footer(canvas, doc)

    def _later_page(self, canvas: Canvas, _doc: Any) -> None:
        doc = self.letter
        _draw_marks(canvas)
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.black)
        canvas.drawString(geo.TEXT_LEFT * mm, _y(17), doc.sender.name)
        canvas.drawRightString((geo.PAGE_WIDTH - geo.TEXT_RIGHT) * mm, _y(17), doc.subject[:80])
        _draw_footer(canvas, doc)


def _frame(name: str, top_mm: float) -> Frame:
    height = geo.PAGE_HEIGHT - top_mm - geo.TEXT_BOTTOM
    return Frame(
        geo.TEXT_LEFT * mm,
        geo.TEXT_BOTTOM * mm,
        geo.TEXT_WIDTH * mm,
        height * mm,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=name,
    )


def _draw_marks(canvas: Canvas) -> None:
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.3)
    for top in geo.FOLD_MARKS:
        canvas.line(
            geo.MARK_LEFT * mm, _y(top), (geo.MARK_LEFT + geo.FOLD_MARK_LENGTH) * mm, _y(top)
        )
    hole = _y(geo.HOLE_MARK)
    canvas.line(geo.MARK_LEFT * mm, hole, (geo.MARK_LEFT + geo.HOLE_MARK_LENGTH) * mm, hole)


def _draw_letterhead(canvas: Canvas, doc: LetterDocument) -> None:
    right = (geo.PAGE_WIDTH - geo.TEXT_RIGHT) * mm
    canvas.setFillColor(colors.black)
    canvas.setFont(BOLD, 16)
    canvas.drawRightString(right, _y(22), doc.sender.name)
    canvas.setFont(REGULAR, 8)
    contact = [doc.sender.street_line, doc.sender.city_line]
    for index, line in enumerate(part for part in contact if part):
        canvas.drawRightString(right, _y(28 + index * 3.6), line)


def _draw_address(canvas: Canvas, doc: LetterDocument) -> None:
    left = geo.ADDRESS_TEXT_LEFT * mm
    zone_bottom = geo.ADDRESS_TOP + geo.ENDORSEMENT_HEIGHT
    canvas.setFont(REGULAR, SMALL_SIZE)
    canvas.drawString(left, _y(zone_bottom - 1.5), doc.sender.return_line)
    canvas.setLineWidth(0.2)
    width = pdfmetrics.stringWidth(doc.sender.return_line, REGULAR, SMALL_SIZE)
    canvas.line(left, _y(zone_bottom - 1.0), left + width, _y(zone_bottom - 1.0))
    canvas.setFont(REGULAR, 8)
    for index, line in enumerate(doc.endorsement[:2]):
        canvas.drawString(left, _y(zone_bottom - 9.5 + index * 3.5), line)
    canvas.setFont(REGULAR, ADDRESS_SIZE)
    baseline = _y(zone_bottom) - ADDRESS_SIZE
    for index, line in enumerate(doc.recipient[: geo.ADDRESS_MAX_LINES]):
        canvas.drawString(left, baseline - index * ADDRESS_LEADING, line)


def _draw_references(canvas: Canvas, doc: LetterDocument) -> None:
    left = geo.INFO_LEFT * mm
    value_left = left + 30 * mm
    top = _y(geo.INFO_TOP) - 8
    rows = [*doc.references, ("Datum", doc.date.strftime("%d.%m.%Y"))]
    for index, (label, value) in enumerate(rows):
        y = top - index * 11
        canvas.setFont(REGULAR, 7.5)
        canvas.drawString(left, y, label)
        canvas.setFont(REGULAR, 8.5)
        canvas.drawString(value_left, y, value)


def _draw_footer(canvas: Canvas, doc: LetterDocument) -> None:
    sender = doc.sender
    columns = [
        [sender.name, sender.street_line, sender.city_line],
        [
            f"Telefon {sender.phone}" if sender.phone else "",
            sender.email,
            sender.web,
        ],
        [
            sender.bank_name,
            f"IBAN {sender.iban}" if sender.iban else "",
            f"BIC {sender.bic}" if sender.bic else "",
            f"Gläubiger-ID {sender.creditor_id}" if sender.creditor_id else "",
        ],
        [
            sender.register_line,
            sender.management_line,
            f"USt-IdNr. {sender.vat_id}" if sender.vat_id else "",
        ],
    ]
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.3)
    top = _y(geo.FOOTER_TOP)
    canvas.line(geo.TEXT_LEFT * mm, top, (geo.PAGE_WIDTH - geo.TEXT_RIGHT) * mm, top)
    width = geo.TEXT_WIDTH / len(columns)
    for col, lines in enumerate(columns):
        x = (geo.TEXT_LEFT + col * width) * mm
        for row, line in enumerate(part for part in lines if part):
            # Long e-mail addresses shrink to their column instead of running into the next.
            natural = pdfmetrics.stringWidth(line, REGULAR, SMALL_SIZE)
            size = SMALL_SIZE * min(1.0, (width - 2) * mm / natural)
            canvas.setFont(REGULAR, size)
            canvas.drawString(x, top - (3.2 + row * 2.9) * mm, line)


def _counting_canvas(doc: LetterDocument) -> type[Canvas]:
    """A canvas that holds pages back until the end, to print "Seite n von m" on each."""

    class CountingCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                self._page_number(number, total)
                super().showPage()
            super().save()

        def _page_number(self, number: int, total: int) -> None:
            self.setFont(REGULAR, 8)
            self.setFillColor(colors.black)
            y = geo.PAGE_NUMBER_BOTTOM * mm
            self.drawRightString(
                (geo.PAGE_WIDTH - geo.TEXT_RIGHT) * mm, y, f"Seite {number} von {total}"
            )
            if doc.letter_number:
                self.drawString(geo.TEXT_LEFT * mm, y, doc.letter_number)

    return CountingCanvas


# --- body -------------------------------------------------------------------------------


@cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=BODY_SIZE, leading=BODY_LEADING)
    return {
        "body": body,
        "subject": ParagraphStyle("subject", parent=body, fontName=BOLD, spaceAfter=BODY_LEADING),
        "bold": ParagraphStyle("bold", parent=body, fontName=BOLD),
    }


def _markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def _flowables(doc: LetterDocument) -> Iterator[Flowable]:
    yield RLParagraph(_markup(doc.subject), _styles()["subject"])
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            style = _styles()["bold" if block.bold else "body"]
            yield RLParagraph(_markup(block.text), style)
        else:
            yield _table(block)
        yield Spacer(0, BODY_LEADING * 0.6)


def _table(table: Table) -> RLTable:
    """Plain-string cells (wrapped here) instead of a Paragraph per cell: five times faster."""
    widths = [column.width_mm * mm for column in table.columns]
    padding = 2.0

    def cells(row: tuple[str, ...], font: str) -> list[str]:
        return [
            "\n".join(simpleSplit(value, font, CELL_SIZE, width - 2 * padding)) or ""
            for value, width in zip(row, widths, strict=True)
        ]

    header = cells(tuple(column.title for column in table.columns), BOLD)
    data = [header, *(cells(row, REGULAR) for row in table.rows)]
    data += [cells(row, BOLD) for row in table.totals]
    first_total = 1 + len(table.rows)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, CELL_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (-1, 0), BOLD, CELL_SIZE, CELL_LEADING),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]
    for index, column in enumerate(table.columns):
        if column.align == "right":
            commands.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    if table.totals:
        commands.append(("FONT", (0, first_total), (-1, -1), BOLD, CELL_SIZE, CELL_LEADING))
        commands.append(("LINEABOVE", (0, first_total), (-1, first_total), 0.6, colors.black))
        # Sums never stand alone at the top of a page.
        commands.append(("NOSPLIT", (0, first_total - 1), (-1, -1)))
    return RLTable(data, colWidths=widths, repeatRows=1, style=commands, hAlign="LEFT")
