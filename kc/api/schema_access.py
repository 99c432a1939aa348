"""Who may read the API's description: the OpenAPI JSON is for API clients (any valid,
unexpired token, whatever its scopes) and for staff; the interactive docs page only for
staff (it runs scripts from our pages in a staff browser session)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse

from kc.api.errors import error_response
from kc.api.services import TokenRefused, authenticate_api_token

View = Callable[..., HttpResponse]


def schema_access(view: View) -> View:
    staff_view = staff_member_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.path.endswith(".json"):
            return staff_view(request, *args, **kwargs)
        if request.user.is_authenticated and request.user.is_staff:
            return view(request, *args, **kwargs)
        scheme, _, raw = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return error_response(401)
        try:
            authenticate_api_token(raw.strip(), "")
        except TokenRefused as refused:
            return error_response(401, refused.code)
        return view(request, *args, **kwargs)

    return wrapper
