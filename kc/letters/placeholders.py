"""Text blocks with placeholders: `{{ name }}` in the text an admin edits.

A paragraph is a run of lines between blank lines. A paragraph that is nothing but a table
placeholder (`{{ positionen }}`) becomes that table. Unknown placeholders are refused when the
template is saved, so a typo never reaches a customer as a blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kc.letters.document import Block, Paragraph, Table

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
BLANK_LINES = re.compile(r"\n\s*\n")


class TemplateError(ValueError):
    """The template text or the letter's data do not fit together; the message says how."""


@dataclass(frozen=True, slots=True)
class Bold:
    """A value the template prints as its own bold paragraph (e.g. an amount due)."""

    text: str


Value = str | Table | Bold


def placeholders_in(text: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def template_problems(text: str, *, allowed: set[str], tables: set[str]) -> list[str]:
    """What is wrong with a template text; empty when it may be saved."""
    problems = []
    for name in sorted(set(placeholders_in(text))):
        if not NAME.match(name):
            problems.append(f"„{{{{ {name} }}}}“ ist kein gültiger Platzhaltername.")
        elif name not in allowed and name not in tables:
            problems.append(f"Unbekannter Platzhalter „{{{{ {name} }}}}“.")
    if text.count("{{") != len(placeholders_in(text)) or text.count("}}") != text.count("{{"):
        problems.append(
            "Eine geschweifte Klammer ist nicht geschlossen: Platzhalter als {{ name }}."
        )
    for paragraph in paragraphs(text):
        if any(name in tables for name in placeholders_in(paragraph)) and not _alone(paragraph):
            problems.append("Eine Tabelle muss allein in ihrem Absatz stehen.")
    return problems


def _alone(paragraph: str) -> bool:
    return PLACEHOLDER.fullmatch(paragraph.strip()) is not None


def paragraphs(text: str) -> list[str]:
    normalized = text.replace("\r\n", "\n").strip()
    return [part.strip() for part in BLANK_LINES.split(normalized) if part.strip()]


def fill_text(text: str, values: Mapping[str, Value]) -> str:
    """Substitute text placeholders in a one-line text (subject)."""

    def replace(match: re.Match[str]) -> str:
        value = _value(values, match.group(1))
        if not isinstance(value, str | Bold):
            raise TemplateError(f"„{{{{ {match.group(1)} }}}}“ ist eine Tabelle, kein Text.")
        return value if isinstance(value, str) else value.text

    return PLACEHOLDER.sub(replace, text)


def fill_blocks(text: str, values: Mapping[str, Value]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for paragraph in paragraphs(text):
        whole = PLACEHOLDER.fullmatch(paragraph)
        if whole:
            value = _value(values, whole.group(1))
            if isinstance(value, Table):
                blocks.append(value)
                continue
            if isinstance(value, Bold):
                blocks.append(Paragraph(value.text, bold=True))
                continue
            # A text value may bring its own paragraphs; an empty one leaves no gap.
            blocks.extend(Paragraph(_join_lines(part)) for part in paragraphs(value))
            continue
        blocks.append(Paragraph(_join_lines(fill_text(paragraph, values))))
    return tuple(blocks)


def _join_lines(text: str) -> str:
    # Single line breaks inside a paragraph are kept: greetings, lists, signatures.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _value(values: Mapping[str, Value], name: str) -> Value:
    try:
        return values[name]
    except KeyError:
        raise TemplateError(f"Für den Platzhalter „{{{{ {name} }}}}“ fehlt der Wert.") from None
