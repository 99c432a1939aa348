"""Generic CTI: the PBX's call events (as Zammad, sipgate and Placetel send them) as typed events.

The PBX posts form data or JSON with `event` (newCall, answer, hangup), `callId`, `from`, `to`,
`direction` (in/out), `user` (a name or a list of names, also as `user[]`), `queue`, `cause`
and `answeringNumber`. This module only decodes and checks that shape; what an event means
for the call journal is decided in kc.cases.calls.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs

# A CTI event is a handful of short fields; anything bigger is not one.
MAX_BODY_BYTES = 16 * 1024
MAX_CALL_ID = 100
MAX_NUMBER = 40
MAX_NAME = 80
MAX_CAUSE = 40

# Numbers as PBXs send them: digits with +, spaces, dashes, slashes, brackets; or a word
# such as "anonymous" for a withheld number.
_NUMBER = re.compile(r"[0-9A-Za-z+*#()./ -]*")
_TOKEN = re.compile(r"[0-9A-Za-z_.:@-]+")


class Event(StrEnum):
    NEW_CALL = "newCall"
    ANSWER = "answer"
    HANGUP = "hangup"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class CtiPayloadError(ValueError):
    """The request is not a Generic CTI event; the message says which field is wrong."""


@dataclass(frozen=True, slots=True)
class CtiEvent:
    event: Event
    call_id: str
    direction: Direction
    from_number: str = ""
    to_number: str = ""
    user: str = ""
    queue: str = ""
    cause: str = ""
    answering_number: str = ""


Payload = Mapping[str, object]


def decode_body(content_type: str, body: bytes) -> dict[str, object]:
    """The request body as a flat mapping: JSON object or URL-encoded form."""
    if len(body) > MAX_BODY_BYTES:
        raise CtiPayloadError("body too large")
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CtiPayloadError("body is not UTF-8") from exc
    if media_type == "application/json":
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise CtiPayloadError("body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise CtiPayloadError("JSON body must be an object")
        return data
    if media_type in ("application/x-www-form-urlencoded", ""):
        return {key: values for key, values in parse_qs(text, keep_blank_values=True).items()}
    raise CtiPayloadError("unsupported content type")


def parse_event(data: Payload) -> CtiEvent:
    """Check a decoded payload and return the typed event, or raise CtiPayloadError."""
    try:
        event = Event(_text(data, "event", 20))
    except ValueError as exc:
        raise CtiPayloadError("event must be newCall, answer or hangup") from exc
    call_id = _text(data, "callId", MAX_CALL_ID)
    if not call_id or not _TOKEN.fullmatch(call_id):
        raise CtiPayloadError("callId is missing or malformed")
    raw_direction = _text(data, "direction", 3) or (
        Direction.IN if event is not Event.NEW_CALL else ""
    )
    try:
        direction = Direction(raw_direction)
    except ValueError as exc:
        raise CtiPayloadError("direction must be in or out") from exc
    return CtiEvent(
        event=event,
        call_id=call_id,
        direction=direction,
        from_number=_number(data, "from"),
        to_number=_number(data, "to"),
        user=_text(data, "user", MAX_NAME) or _text(data, "user[]", MAX_NAME),
        queue=_text(data, "queue", MAX_NAME),
        cause=_text(data, "cause", MAX_CAUSE),
        answering_number=_number(data, "answeringNumber"),
    )


def _text(data: Payload, key: str, limit: int) -> str:
    """One field as stripped text. Lists (form fields, `user[]`) give their first value."""
    value = data.get(key, "")
    if isinstance(value, list | tuple):
        value = next((item for item in value if item not in ("", None)), "")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CtiPayloadError(f"{key} must be text")
    text = str(value).strip()
    if len(text) > limit:
        raise CtiPayloadError(f"{key} is too long")
    if any(ord(char) < 32 for char in text):
        raise CtiPayloadError(f"{key} contains control characters")
    return text


def _number(data: Payload, key: str) -> str:
    text = _text(data, key, MAX_NUMBER)
    if not _NUMBER.fullmatch(text):
        raise CtiPayloadError(f"{key} is not a phone number")
    return text
