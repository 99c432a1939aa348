"""Generic CTI payloads (Zammad, sipgate, Placetel) into typed events; no database."""

import json

import pytest

from kc.channels.phone.generic_cti import (
    MAX_BODY_BYTES,
    CtiPayloadError,
    Direction,
    Event,
    decode_body,
    parse_event,
)


def test_new_call_from_json():
    body = json.dumps(
        {
            "event": "newCall",
            "from": "+49 211 7654321",
            "to": "0800 1234567",
            "direction": "in",
            "callId": "2b8f-11",
            "user": ["Anna", "Ben"],
            "queue": "Hotline",
        }
    ).encode()
    event = parse_event(decode_body("application/json; charset=utf-8", body))
    assert event.event is Event.NEW_CALL
    assert event.direction is Direction.IN
    assert (event.call_id, event.from_number, event.to_number) == (
        "2b8f-11",
        "+49 211 7654321",
        "0800 1234567",
    )
    assert (event.user, event.queue) == ("Anna", "Hotline")


def test_answer_and_hangup_from_form_data():
    answer = decode_body(
        "application/x-www-form-urlencoded",
        b"event=answer&callId=abc&user=agent&answeringNumber=%2B49201&direction=in",
    )
    event = parse_event(answer)
    assert (event.event, event.user, event.answering_number) == ("answer", "agent", "+49201")
    hangup = parse_event(decode_body("", b"event=hangup&callId=abc&cause=noAnswer"))
    assert (hangup.event, hangup.cause, hangup.direction) == ("hangup", "noAnswer", "in")


def test_user_list_as_zammad_sends_it():
    data = decode_body("application/x-www-form-urlencoded", b"user%5B%5D=&user%5B%5D=Anna")
    event = parse_event({**data, "event": "answer", "callId": "x"})
    assert event.user == "Anna"


def test_withheld_number_is_kept_as_text():
    event = parse_event({"event": "newCall", "callId": "x", "direction": "in", "from": "anonymous"})
    assert event.from_number == "anonymous"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"callId": "x"}, "event must be"),
        ({"event": "newcall", "callId": "x", "direction": "in"}, "event must be"),
        ({"event": "answer"}, "callId"),
        ({"event": "answer", "callId": "a b"}, "callId"),
        ({"event": "answer", "callId": "x" * 101}, "callId"),
        ({"event": "newCall", "callId": "x"}, "direction"),
        ({"event": "newCall", "callId": "x", "direction": "sideways"}, "direction"),
        ({"event": "newCall", "callId": "x", "direction": "in", "from": "<script>"}, "from"),
        ({"event": "newCall", "callId": "x", "direction": "in", "to": "1" * 41}, "too long"),
        ({"event": "answer", "callId": "x", "user": {"name": "a"}}, "must be text"),
        ({"event": "answer", "callId": "x", "user": True}, "must be text"),
        ({"event": "answer", "callId": "x", "queue": "a\nb"}, "control characters"),
    ],
)
def test_bad_payloads_say_which_field(data, message):
    with pytest.raises(CtiPayloadError, match=message):
        parse_event(data)


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b"{", "not valid JSON"),
        ("application/json", b"[]", "must be an object"),
        ("application/json", b"\xff", "UTF-8"),
        ("text/plain", b"event=newCall", "unsupported"),
        ("application/json", b" " * (MAX_BODY_BYTES + 1), "too large"),
    ],
)
def test_bad_bodies(content_type, body, message):
    with pytest.raises(CtiPayloadError, match=message):
        decode_body(content_type, body)


def test_empty_json_body_is_an_empty_payload():
    assert decode_body("application/json", b"") == {}
