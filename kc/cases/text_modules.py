"""Text modules: placeholders such as {anrede} filled from the case's customer. Pure."""

import re
from collections.abc import Mapping

from kc.customers.addressing import salutation_line

__all__ = ["PLACEHOLDERS", "fill_placeholders", "salutation_line"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

PLACEHOLDERS = ("anrede", "vorname", "nachname", "name", "kundennummer", "vorgang", "betrag")


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
