"""The API's body limit, answered in the API's error shape.

Placed before kc.core RequestSizeLimitMiddleware (config/settings.py): an API request whose
declared length exceeds KC_API_MAX_REQUEST_BYTES gets a JSON 413 before a byte is read. A
body without Content-Length (chunked) is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE, which the
API's error handler also answers with 413.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kc.api.errors import error_response
from kc.core.http import declared_length

API_PREFIX = "/api/"


class ApiBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit: int = settings.KC_API_MAX_REQUEST_BYTES
            if declared_length(request) > limit:
                return error_response(
                    413,
                    "payload_too_large",
                    _("Die Anfrage ist zu groß: höchstens %(kb)s KB.") % {"kb": limit // 1024},
                    {"limit_bytes": limit},
                )
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Unknown API paths (Django's 404 page) and wrong methods (ninja's plain 405) answered
    in the API's error shape, so a client never has to parse HTML."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            shaped = error_response(response.status_code)
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
