"""How we address a customer: the letter opening and the lines in the envelope window. Pure."""

from __future__ import annotations

from kc.customers.models import BusinessPartner, PostalAddress

# Where a letter goes: the postal address when there is one, else the billing, else the main.
LETTER_ADDRESS_ORDER = (
    PostalAddress.Kind.CORRESPONDENCE,
    PostalAddress.Kind.BILLING,
    PostalAddress.Kind.MAIN,
)


def salutation_line(salutation: str, last_name: str, full_name: str) -> str:
    """The German letter opening for a partner's salutation."""
    if salutation == "ms" and last_name:
        return f"Sehr geehrte Frau {last_name},"
    if salutation == "mr" and last_name:
        return f"Sehr geehrter Herr {last_name},"
    if salutation == "none" and full_name:
        return f"Guten Tag {full_name},"
    return "Sehr geehrte Damen und Herren,"


def partner_salutation(partner: BusinessPartner) -> str:
    last = " ".join(part for part in (partner.title, partner.last_name) if part)
    return salutation_line(partner.salutation, last, partner.display_name)


def letter_address(addresses: list[PostalAddress]) -> PostalAddress | None:
    by_kind = {address.kind: address for address in addresses}
    return next((by_kind[kind] for kind in LETTER_ADDRESS_ORDER if kind in by_kind), None)


def recipient_lines(partner: BusinessPartner, address: PostalAddress | None) -> tuple[str, ...]:
    """DIN 5008 Anschriftzone: name (with "Frau"/"Herrn"), addition, street, postal code and
    city. Empty when there is no address: the letter must not be printed."""
    if address is None:
        return ()
    if partner.kind == BusinessPartner.Kind.ORGANISATION:
        name = partner.organisation_name
    else:
        prefix = {"ms": "Frau", "mr": "Herrn"}.get(partner.salutation, "")
        name = " ".join(part for part in (prefix, partner.display_name) if part)
    lines = [name, address.address_addition, address.street_line, address.city_line]
    return tuple(line.strip() for line in lines if line and line.strip())
