"""Who is acting, from where: set per request, read by the audit log."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


current_request: ContextVar[RequestContext] = ContextVar(
    "kc_current_request",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass cannot be mutated
)
