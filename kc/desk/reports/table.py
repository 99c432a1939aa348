"""A report's figures as a table: shown beside each chart (the accessible alternative) and
exported as CSV. Cells keep their type (text, whole number, Decimal) until they are written,
so the page and the CSV each format them their own way; money and durations never pass
through float."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kc.core.money import format_decimal_de

type Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Column:
    header: str
    places: int = 0  # decimals of Decimal cells
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV's name: /berichte/<slug>.csv
    caption: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} does not fit {len(self.columns)} columns")

    def formatted_rows(self) -> list[list[tuple[str, bool]]]:
        """Rows for the page: (text, numeric) per cell, German number format."""
        return [
            [
                (display(cell, column.places), column.numeric)
                for cell, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def display(cell: Cell, places: int = 0) -> str:
    """German notation for the page: 1.234 / 1.234,5 / – for no value."""
    if cell is None:
        return "–"
    if isinstance(cell, bool):
        raise TypeError("a report cell is never a bool")
    if isinstance(cell, int):
        return format_decimal_de(Decimal(cell), 0)
    if isinstance(cell, Decimal):
        return format_decimal_de(cell, places)
    return cell
