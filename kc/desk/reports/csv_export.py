"""CSV for Excel in German: semicolon-separated, UTF-8 with a byte-order mark (so Excel reads
umlauts), CRLF line ends, decimal comma without thousands dots ("1234,5"); an empty cell
means no value. Quoting follows RFC 4180 apart from the separator.

CSV injection: a text cell starting with = + - @ (or tab / carriage return) would be run as a
formula by a spreadsheet; it gets a leading apostrophe. Numbers are written by us and are
never text, so they need no guard.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from kc.desk.reports.table import Cell, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def defuse(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_cell(cell: Cell, places: int = 0) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        raise TypeError("a report cell is never a bool")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Decimal):
        return f"{cell.quantize(Decimal(1).scaleb(-places)):f}".replace(".", ",")
    return defuse(cell)


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([defuse(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [csv_cell(cell, column.places) for cell, column in zip(row, table.columns, strict=True)]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")
