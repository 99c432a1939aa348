"""One error shape for every answer that is not a success:

    {"error": {"code": "token_expired", "message": "…", "details": {...} | [...] | null}}

Messages are German (the utility's staff and partners read them); codes are stable English
identifiers for programs. Installed on the API by `install(api)`.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kc.core.validation import Refusal

logger = logging.getLogger("kc.api")
UNAVAILABLE_RETRY_SECONDS = 5


class ApiError(HttpError):
    """An answer with a status, a code and a German message (and optional details)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, *, retry_after: int = 0
    ) -> None:
        super().__init__(status, message)
        self.code, self.message, self.details, self.retry_after = (
            code,
            message,
            details,
            retry_after,
        )


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    """The error shape, declared on every operation's non-success responses."""

    error: ErrorBody


# What the auth layer, the body limit and validation can answer on any token operation.
REFUSALS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def default_code_and_message(status: int) -> tuple[str, str]:
    defaults = {
        400: (
            "bad_request",
            _("Die Anfrage ist fehlerhaft: kein gültiges JSON oder unzulässige Zeichen."),
        ),
        401: ("unauthorized", _("Anmeldung fehlt oder ist ungültig.")),
        403: ("forbidden", _("Dafür fehlt die Berechtigung.")),
        404: ("not_found", _("Nicht gefunden.")),
        405: ("method_not_allowed", _("Diese Methode ist hier nicht erlaubt.")),
        409: ("conflict", _("Das widerspricht dem aktuellen Stand.")),
        413: ("payload_too_large", _("Die Anfrage ist zu groß.")),
        422: ("validation_failed", _("Die Eingaben sind ungültig.")),
        429: ("rate_limited", _("Zu viele Anfragen. Bitte später erneut versuchen.")),
        503: ("unavailable", _("Der Dienst ist kurz nicht erreichbar.")),
    }
    return defaults.get(status, ("server_error", _("Interner Fehler. Bitte später erneut.")))


def error_response(
    status: int, code: str = "", message: str = "", details: Any = None
) -> JsonResponse:
    default_code, default_message = default_code_and_message(status)
    body = {
        "error": {
            "code": code or default_code,
            "message": message or default_message,
            "details": details,
        }
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(exc.status_code, exc.code, exc.message, exc.details)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own texts (e.g. "Cannot parse request body") are English: the code says it.
    return error_response(exc.status_code)


def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"loc": list(err.get("loc", [])), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors
    ]
    return error_response(422, details=details)


def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service refused the input (field errors keep their codes)."""
    if hasattr(exc, "error_dict"):
        details: Any = {
            field: [{"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errs]
            for field, errs in exc.error_dict.items()
        }
    else:
        details = {
            "__all__": [
                {"code": e.code or "invalid", "message": " ".join(e.messages)}
                for e in exc.error_list
            ]
        }
    messages = [m for m in exc.messages]
    return error_response(422, "refused", " ".join(messages)[:500], details)


def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """The database refused a value the schema let through (a NUL character, which
    PostgreSQL text cannot hold; a number beyond a column's range): the input's fault."""
    logger.info("API input refused by the database on %s: %s", request.path, exc)
    return error_response(
        422,
        "invalid_data",
        _("Die Eingaben enthalten unzulässige Zeichen oder zu große Werte."),
    )


def _integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """Two writes collided (e.g. the same reading sent twice at once): the later one lost."""
    logger.info("API write conflict on %s: %s", request.path, exc)
    return error_response(
        409, "conflict", _("Gleichzeitig wurde dasselbe geändert. Bitte den Stand neu abrufen.")
    )


def _database_unavailable(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """The database is restarting or unreachable: nothing was done, try again shortly."""
    logger.warning("API request %s without a database: %s", request.path, exc)
    response = error_response(
        503,
        "unavailable",
        _("Der Dienst ist kurz nicht erreichbar. Bitte in einigen Sekunden erneut versuchen."),
    )
    response["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    return response


def _refusal(request: HttpRequest, exc: Refusal) -> HttpResponse:
    return error_response(409, "refused", str(exc))


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404)


def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403)


def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413)


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500)


HANDLERS: dict[type[Exception], Callable[..., HttpResponse]] = {
    Exception: _unexpected,
    HttpError: _http_error,
    AuthenticationError: _auth_error,
    ApiError: _api_error,
    ValidationError: _validation_error,
    DjangoValidationError: _django_validation_error,
    Refusal: _refusal,
    DataError: _data_error,
    IntegrityError: _integrity_error,
    OperationalError: _database_unavailable,
    InterfaceError: _database_unavailable,
    Http404: _not_found,
    PermissionDenied: _forbidden,
    RequestDataTooBig: _too_big,
}


def install(api: NinjaAPI) -> None:
    """ninja picks the handler of the nearest class in the exception's MRO."""
    for exception, handler in HANDLERS.items():
        api.add_exception_handler(exception, handler)
