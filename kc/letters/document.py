"""What a letter says, independent of the PDF engine: the input of `kc.letters.pdf.render_letter`.

Pure data, no Django: the benchmark renders the same `LetterDocument` in other engines.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "right"]


@dataclass(frozen=True, slots=True)
class Sender:
    """The utility as it appears in the letterhead, return line and footer."""

    name: str
    street_line: str
    city_line: str
    phone: str = ""
    email: str = ""
    web: str = ""
    bank_name: str = ""
    iban: str = ""
    bic: str = ""
    creditor_id: str = ""
    register_line: str = ""
    management_line: str = ""
    vat_id: str = ""

    @property
    def return_line(self) -> str:
        """Rücksendeangabe above the window address (DIN 5008: one line, small)."""
        return " · ".join(part for part in (self.name, self.street_line, self.city_line) if part)


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width_mm: float
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Table:
    """Rows break across pages; the header row repeats on every page."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    # Rows printed in bold after a rule (sums); they stay with the last body row.
    totals: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    bold: bool = False


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class LetterDocument:
    sender: Sender
    recipient: tuple[str, ...]  # Anschriftzone: up to 6 lines, first line the name
    subject: str
    date: datetime.date
    blocks: tuple[Block, ...]
    # Reference block (label, value): Kundennummer, Vertragskonto, Ansprechpartner, …
    references: tuple[tuple[str, str], ...] = ()
    # Zusatz- und Vermerkzone above the address (e.g. "Einschreiben"), up to 2 lines.
    endorsement: tuple[str, ...] = ()
    title: str = ""  # PDF metadata title
    letter_number: str = ""  # printed small on every page, for the archive
    extra_meta: dict[str, str] = field(default_factory=dict)
