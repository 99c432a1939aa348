"""The PBX's events through POST /api/v1/cti/<token> set the agent's presence."""

import json
import logging

import pytest
from django.test import Client

from kc.api.services import issue_cti_token
from kc.cases import signals
from kc.cases.models import Call
from kc.desk.models import Location, Presence, PresenceEvent, PresenceSource, PresenceState
from kc.desk.presence import set_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx(django_capture_on_commit_callbacks):
    token = issue_cti_token(name="Telefonanlage", actor=None)[1]
    client = Client(enforce_csrf_checks=True)

    def post(event, call_id="c1", **extra):
        data = {"event": event, "callId": call_id, "direction": "in", **extra}
        if event == "newCall":
            data.update({"from": "0211 7654321", "to": "0800 1234567"})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/v1/cti/{token}", json.dumps(data), content_type="application/json"
            )
        assert response.status_code == 200, response.content
        return response

    return post


def test_answer_sets_on_call_and_hangup_sets_available(pbx, agent):
    set_location(agent, Location.HOME_OFFICE)
    pbx("newCall")
    assert Presence.objects.get(user=agent).state == PresenceState.AVAILABLE  # only ringing
    pbx("answer", user="agent")
    presence = Presence.objects.get(user=agent)
    call = Call.objects.get()
    assert (presence.state, presence.source) == (PresenceState.ON_CALL, PresenceSource.CTI)
    assert presence.state_since == call.answered_at
    pbx("hangup", cause="normalClearing")
    presence.refresh_from_db()
    call.refresh_from_db()
    assert (presence.state, presence.state_since) == (PresenceState.AVAILABLE, call.ended_at)
    assert list(PresenceEvent.objects.values_list("state", "source")) == [
        ("available", "manual"),
        ("on_call", "cti"),
        ("available", "cti"),
    ]


def test_answer_by_someone_marked_absent_explains_the_correction(pbx, agent):
    set_location(agent, Location.ABSENT)
    pbx("newCall")
    pbx("answer", user="agent")
    presence = Presence.objects.get(user=agent)
    assert (presence.location, presence.state) == (Location.UNKNOWN, PresenceState.ON_CALL)
    assert "Als abwesend eingetragen" in presence.note


def test_missed_call_and_unknown_user_leave_presence_alone(pbx, agent):
    set_location(agent, Location.CALL_CENTER)
    pbx("newCall", "m1")
    pbx("hangup", "m1", cause="cancel")  # missed: nobody answered
    pbx("newCall", "u1")
    pbx("answer", "u1", user="nobody")
    pbx("hangup", "u1")
    assert Presence.objects.get(user=agent).state == PresenceState.AVAILABLE
    assert PresenceEvent.objects.count() == 1


def test_repeated_hangup_changes_nothing_more(pbx, agent):
    set_location(agent, Location.CALL_CENTER)
    pbx("newCall")
    pbx("answer", user="agent")
    pbx("hangup")
    pbx("hangup")
    assert PresenceEvent.objects.count() == 3


def test_a_failing_receiver_does_not_fail_the_pbx_event(pbx, agent, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("presence store down")

    signals.call_answered.connect(broken, dispatch_uid="test_broken")
    try:
        pbx("newCall")
        with caplog.at_level(logging.ERROR, logger="kc.cti"):
            pbx("answer", user="agent")
    finally:
        signals.call_answered.disconnect(dispatch_uid="test_broken")
    assert Call.objects.get().state == Call.State.ANSWERED
    assert "receiver" in caplog.text and "failed" in caplog.text
    # The presence receiver still ran beside the broken one.
    assert Presence.objects.get(user=agent).state == PresenceState.ON_CALL
