"""From a template version and values to a `LetterDocument`; values to and from JSON."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from kc.letters.document import Column, LetterDocument, Sender, Table
from kc.letters.kinds import get_kind
from kc.letters.placeholders import Bold, TemplateError, Value, fill_blocks, fill_text


def compose(
    *,
    kind: str,
    subject_template: str,
    body_template: str,
    values: Mapping[str, Value],
    sender: Sender,
    recipient: tuple[str, ...],
    references: tuple[tuple[str, str], ...],
    date: datetime.date,
    letter_number: str = "",
) -> LetterDocument:
    """Raises TemplateError when a value is missing or has the wrong shape."""
    letter_kind = get_kind(kind)
    for name in letter_kind.tables:
        if name in values and not isinstance(values[name], Table):
            raise TemplateError(f"„{{{{ {name} }}}}“ muss eine Tabelle sein.")
    subject = fill_text(subject_template, values).strip()
    return LetterDocument(
        sender=sender,
        recipient=recipient,
        subject=subject,
        date=date,
        blocks=fill_blocks(body_template, values),
        references=references,
        title=f"{letter_kind.title}: {subject}",
        letter_number=letter_number,
    )


def values_to_json(values: Mapping[str, Value]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Table):
            out[name] = {
                "table": [[c.title, c.width_mm, c.align] for c in value.columns],
                "rows": [list(row) for row in value.rows],
                "totals": [list(row) for row in value.totals],
            }
        elif isinstance(value, Bold):
            out[name] = {"bold": value.text}
        else:
            out[name] = value
    return out


def values_from_json(data: Mapping[str, Any]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name, value in data.items():
        if isinstance(value, dict) and "table" in value:
            out[name] = Table(
                columns=tuple(Column(t, float(w), a) for t, w, a in value["table"]),
                rows=tuple(tuple(row) for row in value["rows"]),
                totals=tuple(tuple(row) for row in value["totals"]),
            )
        elif isinstance(value, dict) and "bold" in value:
            out[name] = Bold(str(value["bold"]))
        else:
            out[name] = str(value)
    return out
