"""Parsing the values of a legacy row: German dates, decimals, yes/no and code words.

Pure (no ORM). Every parser raises RowError naming the column, with a German reason."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _

from kc.core.money import parse_decimal_de


class RowError(ValueError):
    """One row cannot be imported; `column` names the culprit ("" for the whole row)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


_DATE_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YES = {"ja", "j", "x", "1", "true", "wahr", "yes"}
_NO = {"nein", "n", "0", "false", "falsch", "no", ""}


def required(values: dict[str, str], column: str) -> str:
    value = values.get(column, "")
    if not value:
        raise RowError(column, _("Der Wert in Spalte „%(column)s“ fehlt.") % {"column": column})
    return value


def parse_date(values: dict[str, str], column: str) -> datetime.date:
    text = required(values, column)
    match = _DATE_DE.match(text)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    iso = _DATE_ISO.match(text)
    if iso:
        parts = (iso.group(1), iso.group(2), iso.group(3))
    try:
        if parts is None:
            raise ValueError(text)
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as error:
        raise RowError(
            column,
            _("„%(value)s“ ist kein Datum (erwartet TT.MM.JJJJ).") % {"value": text},
        ) from error


def optional_date(values: dict[str, str], column: str) -> datetime.date | None:
    return parse_date(values, column) if values.get(column) else None


def parse_flag(values: dict[str, str], column: str) -> bool:
    text = values.get(column, "").lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise RowError(column, _("„%(value)s“ ist weder ja noch nein.") % {"value": text})


def parse_decimal(values: dict[str, str], column: str, *, places: int) -> Decimal:
    """A German decimal ("1.234,56"), optionally negative, with at most `places` decimals."""
    text = required(values, column)
    negative = text.startswith("-")
    try:
        amount = parse_decimal_de(text[1:] if negative else text)
    except ValueError as error:
        raise RowError(
            column,
            _("„%(value)s“ ist keine Zahl (erwartet z. B. 1.234,56).") % {"value": text},
        ) from error
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise RowError(
            column,
            _("„%(value)s“ hat mehr als %(places)s Nachkommastellen.")
            % {"value": text, "places": places},
        )
    return -amount if negative else amount


def parse_int(values: dict[str, str], column: str) -> int:
    text = required(values, column)
    if not text.isdigit():
        raise RowError(column, _("„%(value)s“ ist keine ganze Zahl.") % {"value": text})
    return int(text)


def _fold(text: str) -> str:
    folded = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("³", "3")):
        folded = folded.replace(umlaut, plain)
    return folded.replace("-", "").replace(" ", "")


def choice(
    values: dict[str, str], column: str, words: Mapping[str, str], *, default: str | None = None
) -> str:
    """The code for a word of the legacy system (case, umlauts, hyphens and spaces aside)."""
    text = values.get(column, "")
    if not text and default is not None:
        return default
    code = words.get(_fold(required(values, column)))
    if code is None:
        raise RowError(
            column,
            _("„%(value)s“ ist kein erlaubter Wert; erlaubt: %(allowed)s.")
            % {"value": text, "allowed": ", ".join(sorted(words))},
        )
    return code
