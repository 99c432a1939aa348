"""Presence services: location per Berlin day, states, and the contradicting updates
(docs/coordination.md, "Presence")."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_staff
from kc.cases import calls
from kc.core import roles
from kc.core.validation import Refusal
from kc.desk.models import Location, Presence, PresenceEvent, PresenceSource, PresenceState
from kc.desk.presence import location_today, set_location, set_presence, set_state
from kc.desk.shifts import save_shift

pytestmark = pytest.mark.django_db

ON_CALL, AVAILABLE, BREAK, AWAY = (
    PresenceState.ON_CALL,
    PresenceState.AVAILABLE,
    PresenceState.BREAK,
    PresenceState.AWAY,
)


@pytest.fixture
def user():
    return make_staff("heike", roles.AGENT)


@pytest.fixture
def cti(django_capture_on_commit_callbacks):
    """The PBX through the call journal's services; on-commit signals run."""

    def event(kind, call_id, username="heike"):
        with django_capture_on_commit_callbacks(execute=True):
            if kind == "answer":
                calls.record_new_call(
                    call_id=call_id, direction="in", from_number="0211 7654321", to_number="0800"
                )
                calls.record_answer(call_id=call_id, username=username)
            else:
                calls.record_hangup(call_id=call_id, cause="normalClearing")

    return event


def presence_of(user):
    return Presence.objects.get(user=user)


def plan_today(user, location=Location.CALL_CENTER):
    save_shift(
        user=user,
        day=timezone.localdate(),
        start=datetime.time(0, 0),
        end=datetime.time(23, 59),
        location=location,
    )


def test_location_starts_the_day_available_and_is_recorded(user):
    outcome = set_location(user, Location.HOME_OFFICE)
    presence = presence_of(user)
    assert outcome.changed and not outcome.message
    assert (presence.day, presence.location, presence.state, presence.source) == (
        timezone.localdate(),
        Location.HOME_OFFICE,
        AVAILABLE,
        PresenceSource.MANUAL,
    )
    event = PresenceEvent.objects.get()
    assert (event.user, event.location, event.state) == (user, Location.HOME_OFFICE, AVAILABLE)


def test_yesterdays_location_does_not_count_today(user):
    set_location(user, Location.CALL_CENTER)
    Presence.objects.update(day=timezone.localdate() - datetime.timedelta(days=1))
    assert location_today(presence_of(user), timezone.localdate()) is None
    # A state without a location today takes the shift plan's location and says so.
    plan_today(user, Location.HOME_OFFICE)
    outcome = set_state(user, BREAK)
    presence = presence_of(user)
    assert (presence.location, presence.state, presence.day) == (
        Location.HOME_OFFICE,
        BREAK,
        timezone.localdate(),
    )
    assert "Schichtplan" in outcome.message
    assert "kein Ort" in presence.note


def test_state_without_location_or_shift_gives_unknown_with_reason(user):
    outcome = set_state(user, AVAILABLE)
    assert presence_of(user).location == Location.UNKNOWN
    assert "Ort unbekannt" in outcome.message


def test_absent_means_away_and_refuses_available(user):
    set_location(user, Location.HOME_OFFICE)
    outcome = set_location(user, Location.ABSENT)
    assert presence_of(user).state == AWAY
    assert "nicht am Platz" in outcome.message
    with pytest.raises(Refusal, match="abwesend"):
        set_state(user, AVAILABLE)
    assert presence_of(user).state == AWAY
    # Back from absence: available again.
    set_location(user, Location.CALL_CENTER)
    assert (presence_of(user).location, presence_of(user).state) == (
        Location.CALL_CENTER,
        AVAILABLE,
    )


def test_changing_place_keeps_the_state(user):
    set_presence(user, location=Location.CALL_CENTER, state=BREAK)
    set_location(user, Location.HOME_OFFICE)
    assert presence_of(user).state == BREAK


def test_cti_answer_while_absent_takes_the_shift_location(user, cti):
    set_location(user, Location.ABSENT)
    plan_today(user, Location.CALL_CENTER)
    cti("answer", "c1")
    presence = presence_of(user)
    assert (presence.location, presence.state, presence.source) == (
        Location.CALL_CENTER,
        ON_CALL,
        PresenceSource.CTI,
    )
    assert "abwesend" in presence.note and "Schichtplan" in presence.note
    assert PresenceEvent.objects.latest("pk").note == presence.note


def test_cti_answer_while_absent_without_shift_gives_unknown(user, cti):
    set_location(user, Location.ABSENT)
    cti("answer", "c1")
    presence = presence_of(user)
    assert (presence.location, presence.state) == (Location.UNKNOWN, ON_CALL)
    assert "Ort unbekannt" in presence.note


def test_manual_available_during_a_cti_call_waits_for_the_hangup(user, cti):
    set_location(user, Location.HOME_OFFICE)
    cti("answer", "c1")
    outcome = set_state(user, AVAILABLE)
    assert not outcome.changed
    assert "laufendes Gespräch" in outcome.message
    assert presence_of(user).state == ON_CALL
    cti("hangup", "c1")
    assert (presence_of(user).state, presence_of(user).source) == (AVAILABLE, PresenceSource.CTI)


def test_break_chosen_during_a_call_applies_at_the_hangup(user, cti):
    set_location(user, Location.HOME_OFFICE)
    cti("answer", "c1")
    outcome = set_state(user, BREAK)
    assert "„Pause“" in outcome.message
    assert presence_of(user).state == ON_CALL
    cti("hangup", "c1")
    assert presence_of(user).state == BREAK
    assert presence_of(user).after_call == ""


def test_absent_during_a_call_is_refused(user, cti):
    set_location(user, Location.HOME_OFFICE)
    cti("answer", "c1")
    with pytest.raises(Refusal, match="Auflegen"):
        set_location(user, Location.ABSENT)
    assert presence_of(user).location == Location.HOME_OFFICE


def test_hangup_of_one_call_while_another_runs_stays_on_call(user, cti):
    set_location(user, Location.HOME_OFFICE)
    cti("answer", "c1")
    cti("answer", "c2")
    cti("hangup", "c1")
    assert presence_of(user).state == ON_CALL
    cti("hangup", "c2")
    assert presence_of(user).state == AVAILABLE


def test_lost_hangup_does_not_block_manual_states(user, cti):
    set_location(user, Location.HOME_OFFICE)
    cti("answer", "c1")
    # The journal has no running call any more (e.g. closed by hand), the presence still
    # says "on a call": the manual state wins.
    from kc.cases.models import Call

    Call.objects.update(state=Call.State.ENDED, ended_at=timezone.now())
    assert set_state(user, BREAK).changed
    assert presence_of(user).state == BREAK


def test_stale_event_is_ignored_with_reason(user):
    set_location(user, Location.HOME_OFFICE)
    since = presence_of(user).state_since
    events = PresenceEvent.objects.count()
    outcome = set_state(
        user, ON_CALL, source=PresenceSource.CTI, at=since - datetime.timedelta(minutes=2)
    )
    assert not outcome.changed
    assert "Veraltete Meldung" in outcome.message
    assert presence_of(user).state == AVAILABLE
    assert PresenceEvent.objects.count() == events


def test_hangup_without_a_call_is_ignored(user):
    set_presence(user, location=Location.HOME_OFFICE, state=BREAK)
    outcome = set_state(user, AVAILABLE, source=PresenceSource.CTI, at=timezone.now())
    assert not outcome.changed and "kein Gespräch" in outcome.message
    assert presence_of(user).state == BREAK


def test_same_state_again_records_nothing(user):
    set_presence(user, location=Location.HOME_OFFICE, state=AVAILABLE)
    events = PresenceEvent.objects.count()
    assert not set_presence(user, location=Location.HOME_OFFICE, state=AVAILABLE).changed
    assert PresenceEvent.objects.count() == events


def test_unknown_values_are_refused_by_validation(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        set_location(user, Location.UNKNOWN)  # the system's word, not a choice
    with pytest.raises(ValidationError):
        set_state(user, "sleeping")


def test_a_new_day_starts_its_state_anew(user):
    # "verfügbar seit 16:30" on the overview at 8 in the morning meant yesterday's 16:30.
    today = timezone.localdate()
    yesterday_evening = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(16, 30))
    )
    this_morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8)))
    set_location(user, Location.HOME_OFFICE, at=yesterday_evening)
    set_location(user, Location.HOME_OFFICE, at=this_morning)
    presence = presence_of(user)
    assert (presence.day, presence.state) == (today, AVAILABLE)
    assert presence.state_since == this_morning
