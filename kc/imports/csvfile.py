"""Reading one CSV file of a legacy export: encoding, delimiter, header, rows.

Pure (no ORM). Encoding: UTF-8 with or without BOM; anything that is not valid UTF-8 is read
as Windows-1252 (what Excel and older systems write in Germany). Delimiter: ";" or ",", the
one the header line uses more often. A file is refused as a whole (FileRefused) when it is
empty, in neither encoding, or its header lacks required columns; single rows are the
importer's business.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kc.imports.formats import FileFormat

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class FileRefused(ValueError):  # noqa: N818 (a refusal with a reason for people)
    """The whole file cannot be read; the message (German) says why."""


@dataclass(frozen=True)
class Row:
    line: int  # line number in the file, the header is line 1
    values: dict[str, str]


@dataclass
class ParsedFile:
    fmt: FileFormat
    encoding: str
    delimiter: str
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of the file's bytes."""
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as error:
            raise FileRefused(
                _("Die Datei beginnt wie UTF-8, enthält aber ungültige Bytes (ab Byte %(pos)s).")
                % {"pos": error.start + len(UTF8_BOM)}
            ) from error
    if data.startswith(UTF16_BOMS):
        raise FileRefused(_("Die Datei ist UTF-16-kodiert; bitte als UTF-8 speichern."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise FileRefused(
            _(
                "Die Zeichenkodierung ist weder UTF-8 noch Windows-1252 (unbekanntes Byte "
                "%(byte)s an Stelle %(pos)s)."
            )
            % {"byte": f"0x{data[error.start]:02X}", "pos": error.start}
        ) from error


def sniff_delimiter(header_line: str) -> str:
    return "," if header_line.count(",") > header_line.count(";") else ";"


def _column_name(raw: str) -> str:
    return raw.strip().strip('"').strip().lower()


def parse(data: bytes, fmt: FileFormat) -> ParsedFile:
    if not data.strip():
        raise FileRefused(_("Die Datei ist leer."))
    if b"\x00" in data and not data.startswith(UTF16_BOMS):
        raise FileRefused(_("Die Datei enthält Null-Bytes; sie ist keine Textdatei (CSV)."))
    text, encoding = decode(data)
    header_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header = [_column_name(name) for name in next(reader)]
    missing = [column for column in fmt.required if column not in header]
    if missing:
        raise FileRefused(
            _("In der Kopfzeile fehlen Spalten: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    if doubled:
        raise FileRefused(
            _("Spalten doppelt in der Kopfzeile: %(columns)s.") % {"columns": ", ".join(doubled)}
        )
    known = [name if name in fmt.columns else "" for name in header]
    rows: list[Row] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (often at the end) are no rows
        values = {column: "" for column in fmt.columns}
        for name, cell in zip(known, cells, strict=False):
            if name:
                values[name] = cell.strip()
        rows.append(Row(line=reader.line_num, values=values))
    ignored = [name for name in header if name and name not in fmt.columns]
    return ParsedFile(fmt, encoding, delimiter, rows, ignored)
