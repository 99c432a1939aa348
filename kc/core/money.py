"""Money: Decimal in the domain, integer cents at the edges, German notation in letters."""

from decimal import ROUND_HALF_UP, Decimal

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
