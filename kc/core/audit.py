"""The audit log: one row per read of a customer page and per change of personal data."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from kc.core.context import current_request
from kc.core.models import AuditLogEntry, User

Action = AuditLogEntry.Action


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    partner_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditLogEntry:
    """Append an audit row. Request facts (IP, browser, path) come from the context."""
    ctx = current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        partner_id=partner_id,
        changes=dict(changes or {}),
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent[:300],
        request_path=ctx.path[:300],
    )


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[str]]:
    """Changed fields as {field: [old, new]} in text form, for the audit row."""
    return {
        name: [_text(before.get(name)), _text(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)
