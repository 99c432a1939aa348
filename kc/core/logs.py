"""Structured logs: one JSON object per line in production, readable lines when developing.

Every log record (ours through structlog, Django's and libraries' through the standard
library) goes through the same structlog formatter, so a request id or task id bound for the
current request or task appears on every line written meanwhile.

Personal data stays out: a request is logged with its path (never the query string, which
may carry an e-mail address or a customer number; secret path parts such as the CTI token
are replaced by "…") and the user's id (never a name).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy (nginx $request_id) or the caller is kept if it is plainly an id;
# anything else (too long, odd characters: log injection) is replaced by our own.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_log = structlog.stdlib.get_logger("kc.request")
task_log = structlog.stdlib.get_logger("kc.task")

# Run on every record, ours and foreign, before rendering.
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(fmt: str) -> structlog.stdlib.ProcessorFormatter:
    """The formatter for the log handlers: "json" (production) or "console"."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def logging_settings(fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: everything to stderr through the structlog formatter."""
    if fmt not in ("json", "console"):
        raise ValueError(f"KC_LOG_FORMAT must be json or console, not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": formatter, "fmt": fmt}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own request lines duplicate ours and print the query string.
            "django.server": {"level": "WARNING"},
            # django.tasks logs each task twice (started, finished); ours has the duration.
            "django.tasks": {"level": "WARNING"},
        },
    }


def configure_structlog() -> None:
    """structlog hands its events to the standard library, whose handlers render them."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def request_id_from(request: HttpRequest) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    if _SAFE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives the request its id (bound to every log line written while
    it runs, answered in X-Request-ID) and writes one line when it is done."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.META["KC_REQUEST_ID"] = request_id
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_log.info(
                "request",
                method=request.method,
                path=logged_path(request),  # without the query string or secrets
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                user_id=_user_id(request),
                view=_view_name(request),
            )
            return response
        finally:
            structlog.contextvars.reset_contextvars(**tokens)


# URL parts that are credentials (the PBX's CTI token, the portal's confirmation and reset
# links): whoever reads the logs must not be able to use them.
SECRET_URL_KWARGS = frozenset({"token", "key", "uidb64", "uidb36"})
REDACTED = "…"


def logged_path(request: HttpRequest) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path
    for name, value in match.kwargs.items():
        if name in SECRET_URL_KWARGS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)  # absent when whitenoise answered first
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


def _view_name(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else None


# --- task runs -----------------------------------------------------------------------------


def task_started(sender: object, task_result: Any, **kwargs: Any) -> None:
    """Bind the task to every log line the task writes."""
    structlog.contextvars.bind_contextvars(task_id=str(task_result.id))


def task_finished(sender: object, task_result: Any, **kwargs: Any) -> None:
    """One line per finished task run: name, duration and outcome (never its arguments:
    they hold ids at best and personal data at worst)."""
    started, finished = task_result.started_at, task_result.finished_at
    duration = (finished - started).total_seconds() * 1000 if started and finished else None
    outcome = str(task_result.status).lower()
    task_log.log(
        logging.ERROR if outcome == "failed" else logging.INFO,
        "task",
        task=task_result.task.module_path,
        task_id=str(task_result.id),
        outcome=outcome,
        duration_ms=None if duration is None else round(duration, 1),
        attempt=task_result.attempts,
        error=_error_class(task_result),
    )
    structlog.contextvars.unbind_contextvars("task_id")


def _error_class(task_result: Any) -> str | None:
    errors = getattr(task_result, "errors", None)
    if not errors:
        return None
    return str(errors[-1].exception_class_path)
