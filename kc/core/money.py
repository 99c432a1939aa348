"""Money: Decimal in the domain, integer cents at the edges, German notation in letters."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> Decimal:
    """Commercial rounding to the cent (half up, as German invoices do)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    return int(round_cents(amount) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_decimal_de(amount: Decimal, places: int = 2) -> str:
    """1234.5 -> "1.234,50": thousands with dots, decimal comma."""
    quantum = Decimal(1).scaleb(-places)
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    # A tiny negative amount rounds to zero: print "0,00", never "-0,00".
    text = f"{rounded if rounded else abs(rounded):,.{places}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_eur(amount: Decimal) -> str:
    return f"{format_decimal_de(amount)} €"


_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.234 or 12.345.678


def parse_decimal_de(text: str) -> Decimal:
    """The inverse of format_decimal_de, as people type it: "1.234,56" → 1234.56; "127" →
    127; "1.234" → 1234. A dot that cannot be a thousands separator ("127.50") raises
    ValueError rather than being guessed: read the other way the number is 100 times off.
    Unsigned; anything else raises ValueError too."""
    cleaned = text.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    if "," in cleaned:
        whole, _comma, fraction = cleaned.rpartition(",")
        if whole and "." in whole and not _GROUPED.match(whole):
            raise ValueError(text)
        cleaned = f"{whole.replace('.', '') or '0'}.{fraction}"
    elif "." in cleaned:
        if not _GROUPED.match(cleaned):
            raise ValueError(text)
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
