"""Read positions and text back out of a rendered PDF (pdfplumber), in millimetres."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


def words(pdf: bytes, page: int = 0) -> list[Word]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        found = doc.pages[page].extract_words(keep_blank_chars=True, use_text_flow=True)
    return [
        Word(
            w["text"],
            w["x0"] / PT_PER_MM,
            w["top"] / PT_PER_MM,
            w["x1"] / PT_PER_MM,
            w["bottom"] / PT_PER_MM,
        )
        for w in found
    ]


def page_text(pdf: bytes, page: int = 0) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[page].extract_text() or ""


def page_count(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def horizontal_lines(pdf: bytes, page: int = 0) -> list[tuple[float, float, float]]:
    """(x0, x1, y from top) of the short rules drawn on a page."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lines = doc.pages[page].lines
    return [(ln["x0"] / PT_PER_MM, ln["x1"] / PT_PER_MM, ln["top"] / PT_PER_MM) for ln in lines]


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources else None
        for font in font_dict.get_object().values() if font_dict else []:
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            embedded = bool(
                descriptor
                and any(
                    key in descriptor.get_object()
                    for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
            )
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts
