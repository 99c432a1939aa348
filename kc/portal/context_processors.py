"""The unread answers in the portal's navigation (one count query, portal pages only)."""

from typing import Any

from django.http import HttpRequest

from kc.cases.selectors import unread_portal_answers
from kc.portal.views.common import portal_account


def portal(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/portal/"):
        return {}
    account = portal_account(request.user) if request.user.is_authenticated else None
    if account is None or account.email_verified_at is None:
        return {}
    return {"portal_unread": unread_portal_answers(account.partner)}
