"""POST /api/v1/cti/<token>: the PBX's Generic CTI events (newCall, answer, hangup).

Authenticated by the secret token in the URL (no session, so no CSRF check). The request is
decoded by kc.channels.phone.generic_cti and handed to the call journal in kc.cases.calls.

Answers: newCall `{}` or `{"action": "reject", "reason": "busy"}` for a blocked number
(as Zammad answers); answer and hangup `{}`; 400/401/404 with `{"detail": ...}`.
"""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import Router, Schema

from kc.api.services import check_cti_token
from kc.cases import calls
from kc.channels.phone.generic_cti import CtiEvent, CtiPayloadError, Event, decode_body, parse_event
from kc.core.context import current_request

logger = logging.getLogger("kc.cti")

router = Router()

# The token is a secret: it must not reach the audit log's request path.
REDACTED_PATH = "/api/v1/cti/…"


class Detail(Schema):
    detail: str


@router.post(
    "/{token}",
    response={200: dict[str, str], 400: Detail, 401: Detail, 404: Detail},
    summary="Generic CTI event",
)
@csrf_exempt
def cti_event(request: HttpRequest, token: str) -> JsonResponse:
    if check_cti_token(token) is None:
        logger.warning("CTI request with an invalid token from %s", request.META.get("REMOTE_ADDR"))
        return _answer(401, {"detail": "Unauthorized"})
    with _redacted_path():
        try:
            event = parse_event(_payload(request))
        except CtiPayloadError as exc:
            logger.warning("CTI request refused: %s", exc)
            return _answer(400, {"detail": str(exc)})
        try:
            return _answer(200, _dispatch(event))
        except calls.CallNotFoundError:
            return _answer(404, {"detail": "unknown callId"})
        except ValidationError as exc:
            logger.warning("CTI %s for call %s refused: %s", event.event, event.call_id, exc)
            return _answer(400, {"detail": "invalid event"})


def _answer(status: int, body: dict[str, str]) -> JsonResponse:
    response = JsonResponse(body, status=status)
    # We logged the refusal ourselves; django.request would log the path with the token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _payload(request: HttpRequest) -> Mapping[str, object]:
    if request.content_type == "multipart/form-data":
        return dict(request.POST.lists())
    return decode_body(request.META.get("CONTENT_TYPE", ""), request.body)


def _dispatch(event: CtiEvent) -> dict[str, str]:
    if event.event is Event.NEW_CALL:
        result = calls.record_new_call(
            call_id=event.call_id,
            direction=event.direction,
            from_number=event.from_number,
            to_number=event.to_number,
            pbx_queue=event.queue,
        )
        return {"action": "reject", "reason": "busy"} if result.rejected else {}
    if event.event is Event.ANSWER:
        calls.record_answer(
            call_id=event.call_id, username=event.user, answering_number=event.answering_number
        )
    else:
        calls.record_hangup(call_id=event.call_id, cause=event.cause)
    return {}


@contextmanager
def _redacted_path() -> Iterator[None]:
    context = current_request.get()
    token = current_request.set(
        type(context)(
            ip_address=context.ip_address, user_agent=context.user_agent, path=REDACTED_PATH
        )
    )
    try:
        yield
    finally:
        current_request.reset(token)
