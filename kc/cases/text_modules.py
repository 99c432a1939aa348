"""Text modules: placeholders such as {anrede} filled from the case's customer. Pure."""

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

PLACEHOLDERS = ("anrede", "vorname", "nachname", "name", "kundennummer", "vorgang", "betrag")


def salutation_line(salutation: str, last_name: str, full_name: str) -> str:
    """The German letter opening for a partner's salutation."""
    if salutation == "ms" and last_name:
        return f"Sehr geehrte Frau {last_name},"
    if salutation == "mr" and last_name:
        return f"Sehr geehrter Herr {last_name},"
    if salutation == "none" and full_name:
        return f"Guten Tag {full_name},"
    return "Sehr geehrte Damen und Herren,"


def fill_placeholders(body: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """The text with known placeholders filled, and the names that had no value.

    Unknown placeholders stay in the text as they are, so the agent sees them.
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if values.get(name):
            return values[name]
        missing.append(name)
        return match.group(0)

    return _PLACEHOLDER.sub(replace, body), missing
