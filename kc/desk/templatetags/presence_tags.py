"""{% presence_widget %}: the staff member's own presence form, e.g. on the start page."""

from typing import Any

from django import template

from kc.core.models import User
from kc.desk.presence_views import VIEW_PRESENCE, widget_context

register = template.Library()


@register.inclusion_tag("desk/presence_widget.html", takes_context=True)
def presence_widget(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.has_perm(VIEW_PRESENCE):
        return {"hidden": True}
    return {
        **widget_context(user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }
