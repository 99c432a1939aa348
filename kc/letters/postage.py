"""Envelope, weight and postage class of a letter (Deutsche Post products), by dated rule set.

Weights: A4 paper of 80 g/m² weighs 5 g a sheet; a DL envelope 5 g, a C4 envelope 20 g.
Folded letters go in DL window envelopes up to the Kompaktbrief limit; thicker ones flat in C4.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

SHEET_GRAMS = 5
ENVELOPE_GRAMS = {"DL": 5, "C4": 20}
# Sheets a folding machine or a person folds into one DL envelope (Kompaktbrief, 10 mm).
DL_MAX_SHEETS = 9


@dataclass(frozen=True)
class PostageClass:
    key: str
    name: str
    max_grams: int
    envelopes: tuple[str, ...]
    price: Decimal


@dataclass(frozen=True)
class PostageRules:
    valid_from: datetime.date
    classes: tuple[PostageClass, ...]


# Prices of Deutsche Post for letters within Germany, in force from the date given.
RULE_SETS = (
    PostageRules(
        datetime.date(2025, 1, 1),
        (
            PostageClass("standard", "Standardbrief", 20, ("DL",), Decimal("0.95")),
            PostageClass("kompakt", "Kompaktbrief", 50, ("DL",), Decimal("1.10")),
            PostageClass("gross", "Großbrief", 500, ("C4",), Decimal("1.80")),
            PostageClass("maxi", "Maxibrief", 1000, ("C4",), Decimal("2.90")),
        ),
    ),
)


class TooHeavyForLetterError(ValueError):
    pass


@dataclass(frozen=True)
class Shipment:
    sheets: int
    envelope: str
    weight_g: int
    postage_class: str
    postage_name: str
    postage: Decimal


def sheets_for(pages: int, *, duplex: bool) -> int:
    return (pages + 1) // 2 if duplex else pages


def rules_on(day: datetime.date) -> PostageRules:
    applicable = [rules for rules in RULE_SETS if rules.valid_from <= day]
    if not applicable:
        raise ValueError(f"no postage rules for {day}")
    return max(applicable, key=lambda rules: rules.valid_from)


def shipment_for(sheets: int, *, day: datetime.date) -> Shipment:
    envelope = "DL" if sheets <= DL_MAX_SHEETS else "C4"
    weight = sheets * SHEET_GRAMS + ENVELOPE_GRAMS[envelope]
    for postage_class in rules_on(day).classes:
        if envelope in postage_class.envelopes and weight <= postage_class.max_grams:
            return Shipment(
                sheets=sheets,
                envelope=envelope,
                weight_g=weight,
                postage_class=postage_class.key,
                postage_name=postage_class.name,
                postage=postage_class.price,
            )
    raise TooHeavyForLetterError(f"{sheets} Blätter ({weight} g) sind kein Brief mehr.")


def postage_name(key: str, *, day: datetime.date) -> str:
    for postage_class in rules_on(day).classes:
        if postage_class.key == key:
            return postage_class.name
    return key
