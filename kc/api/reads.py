"""Audit rows for the API's reads of personal data, with the token's name as the actor."""

from django.db import models
from django.http import HttpRequest

from kc.api.auth import token_of
from kc.api.services import technical_user
from kc.core.context import current_request
from kc.core.models import AuditLogEntry

Action = AuditLogEntry.Action


def actor_name(request: HttpRequest) -> str:
    return f"API-Token {token_of(request).name}"[:150]


def record(
    request: HttpRequest,
    obj: models.Model,
    *,
    partner_id: int | None,
    action: str = Action.READ,
    changes: dict[str, str] | None = None,
) -> None:
    ctx = current_request.get()
    AuditLogEntry.objects.create(
        actor=technical_user(token_of(request)),
        actor_name=actor_name(request),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        partner_id=partner_id,
        changes=dict(changes or {}),
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent[:300],
        request_path=ctx.path[:300],
    )


def record_many(request: HttpRequest, objs: list[tuple[models.Model, int | None]]) -> None:
    """One row per object shown in a list (who saw what, not only that a list was seen)."""
    ctx = current_request.get()
    user, name = technical_user(token_of(request)), actor_name(request)
    AuditLogEntry.objects.bulk_create(
        AuditLogEntry(
            actor=user,
            actor_name=name,
            action=Action.READ,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            partner_id=partner_id,
            ip_address=ctx.ip_address,
            user_agent=ctx.user_agent[:300],
            request_path=ctx.path[:300],
        )
        for obj, partner_id in objs
    )
