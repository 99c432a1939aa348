"""Request type for views behind login (`user` is a staff User, `htmx` is set by middleware),
the body length a request declares, and the response for an archived PDF."""

from django.http import FileResponse, HttpRequest
from django_htmx.middleware import HtmxDetails

from kc.core.models import User


class StaffRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def declared_length(request: HttpRequest) -> int:
    """The body length the client declares (Content-Length), 0 when absent or not a number:
    the body limits refuse by it before a byte of the body is read."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def pdf_response(document: object, filename: str, *, download: bool = False) -> FileResponse:
    """An archived PDF, shown in the browser or (`download`) saved; never sniffed as HTML."""
    response = FileResponse(
        document, as_attachment=download, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
