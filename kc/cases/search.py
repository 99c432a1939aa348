"""Full-text search over cases and their messages, served by FTS5 or PostgreSQL GIN indexes."""

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from kc.cases.models import Case, Message

_CASE_NUMBER = re.compile(r"V\d{8}", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def fts5_query(text: str) -> str:
    """Every word must occur, as a prefix: 'Zähler stand' → '"Zähler"* AND "stand"*'."""
    words = _WORD.findall(text)[:MAX_WORDS]
    return " AND ".join(f'"{word}"*' for word in words)


def _matching_ids(table: str, expression: str, text: str) -> RawSQL | None:
    if connection.vendor == "sqlite":
        query = fts5_query(text)
        if not query:
            return None
        fts = f"{table}_fts"
        return RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (query,))  # noqa: S611, S608  # nosec B611 B608
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return None
    # Word characters only, so nothing in the query is tsquery syntax but our own.
    query = " & ".join(f"{word}:*" for word in words)
    return RawSQL(  # noqa: S611 (table and expression are module constants)  # nosec B611
        f"SELECT id FROM {table} WHERE to_tsvector('german', {expression}) "  # noqa: S608  # nosec B608
        "@@ to_tsquery('german', %s)",
        (query,),
    )


def search_cases(text: str) -> QuerySet[Case]:
    """Cases whose number is the text, or whose subject or any message contains its words."""
    text = text.strip()[:200]
    cases = Case.objects.select_related("queue", "assignee", "partner")
    if _CASE_NUMBER.fullmatch(text):
        return cases.filter(number=text.upper())
    subjects = _matching_ids("cases_case", "subject", text)
    messages = _matching_ids("cases_message", "subject || ' ' || body_text", text)
    if subjects is None or messages is None:
        return cases.none()
    return cases.filter(
        Q(pk__in=subjects) | Q(pk__in=Message.objects.filter(pk__in=messages).values("case_id"))
    ).order_by("-received_at", "-pk")
