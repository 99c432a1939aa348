"""Presence: where each member of staff works today and what they are doing.

The only place that changes Presence; every applied change also appends a PresenceEvent.
Contradicting updates are resolved here, each with an explanation (docs/coordination.md,
"Presence"):

- An event older than the current state (`at` before `state_since`) is ignored.
- A CTI answer for someone marked absent, or with no location today, shows they work: the
  location comes from their shift plan, else "unknown", and the presence says why.
- While the PBX reports a running call, a manual state waits for the hangup (CTI wins until
  then); the hangup returns to "available" or to the state chosen meanwhile.
- "Absent" means "away"; a manual "available" while absent is refused.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kc.cases.models import Call
from kc.core.models import User
from kc.core.validation import Refusal
from kc.desk.models import (
    CHOSEN_LOCATIONS,
    Location,
    Presence,
    PresenceEvent,
    PresenceSource,
    PresenceState,
    Shift,
)

logger = logging.getLogger("kc.desk.presence")

# A call the PBX never reported a hangup for stops blocking manual states after this long.
MAX_CALL_DURATION = datetime.timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class PresenceOutcome:
    presence: Presence | None
    changed: bool
    message: str = ""  # why an update was corrected, deferred or ignored; blank when plain


def _clock(at: datetime.datetime) -> str:
    return formats.time_format(timezone.localtime(at), "H:i:s")


def location_today(presence: Presence | None, day: datetime.date) -> str | None:
    """The location given for `day`, or None when none was given that day."""
    if presence is None or presence.day != day:
        return None
    return presence.location


def call_running(user: User, at: datetime.datetime | None = None) -> bool:
    """The call journal has an answered call of `user` without a hangup (not too old)."""
    at = at or timezone.now()
    return Call.objects.filter(
        agent=user,
        state=Call.State.ANSWERED,
        ended_at__isnull=True,
        answered_at__gt=at - MAX_CALL_DURATION,
    ).exists()


def planned_shift(user: User, at: datetime.datetime) -> Shift | None:
    """The user's shift at `at` (Berlin wall clock), else their next or last one that day."""
    local = timezone.localtime(at)
    shifts = list(Shift.objects.filter(user=user, day=local.date()).order_by("start"))
    now = local.time()
    for shift in shifts:
        if shift.start <= now < shift.end:
            return shift
    later = [s for s in shifts if s.start > now]
    return later[0] if later else (shifts[-1] if shifts else None)


def _lock(user: User) -> Presence | None:
    # The user's row serialises the first update too, when no presence row exists yet.
    User.objects.select_for_update().filter(pk=user.pk).first()
    return Presence.objects.select_for_update().filter(user=user).first()


def _write(
    user: User,
    presence: Presence | None,
    *,
    at: datetime.datetime,
    location: str,
    state: str,
    source: str,
    note: str = "",
    after_call: str = "",
) -> Presence:
    day = timezone.localdate(at)
    if presence is None:
        presence = Presence(user=user)
    # A new Berlin day starts the state anew: "since" never shows yesterday's time.
    state_changed = presence.pk is None or presence.state != state or presence.day != day
    presence.day, presence.location, presence.state = day, location, state
    if state_changed:
        presence.state_since = at
    presence.source, presence.note, presence.after_call = source, note[:300], after_call
    presence.full_clean(exclude=["user"])
    presence.save()
    PresenceEvent.objects.create(
        user=user, at=at, location=location, state=state, source=source, note=note[:300]
    )
    return presence


def _stale(presence: Presence | None, at: datetime.datetime | None) -> str:
    """Why an update that carries its own time (a CTI event) is out of date; updates made
    now (the staff form) are never stale."""
    if at is None or presence is None or at >= presence.state_since:
        return ""
    return _("Veraltete Meldung von %(at)s ignoriert: der Status gilt schon seit %(since)s.") % {
        "at": _clock(at),
        "since": _clock(presence.state_since),
    }


def _ignored(user: User, presence: Presence | None, reason: str) -> PresenceOutcome:
    logger.info("presence update for user %s ignored: %s", user.pk, reason)
    return PresenceOutcome(presence, changed=False, message=reason)


def _location_for_work(
    user: User, presence: Presence | None, at: datetime.datetime
) -> tuple[str, str]:
    """Where someone works who is evidently working, and why we think so (blank when they
    said it themselves today)."""
    given = location_today(presence, timezone.localdate(at))
    if given not in (None, Location.ABSENT, Location.UNKNOWN):
        return str(given), ""
    before = (
        _("Als abwesend eingetragen")
        if given == Location.ABSENT
        else _("Heute noch kein Ort angegeben")
    )
    shift = planned_shift(user, at)
    if shift is not None:
        return shift.location, _(
            "%(before)s, aber um %(at)s aktiv: Ort %(loc)s laut Schichtplan."
        ) % {
            "before": before,
            "at": _clock(at),
            "loc": shift.get_location_display(),
        }
    return Location.UNKNOWN, _("%(before)s, aber um %(at)s aktiv: Ort unbekannt.") % {
        "before": before,
        "at": _clock(at),
    }


@transaction.atomic
def set_location(
    user: User, location: str, *, at: datetime.datetime | None = None
) -> PresenceOutcome:
    """Where `user` works today (the Berlin day of `at`)."""
    if location not in CHOSEN_LOCATIONS:
        raise ValidationError({"location": _("Bitte einen Ort wählen.")}, code="invalid")
    presence = _lock(user)
    if stale := _stale(presence, at):
        return _ignored(user, presence, stale)
    at = at or timezone.now()
    on_cti_call = _on_cti_call(user, presence, at)
    if location == Location.ABSENT and on_cti_call:
        raise Refusal(
            _("Die Telefonanlage meldet ein laufendes Gespräch: abwesend erst nach dem Auflegen.")
        )
    given = location_today(presence, timezone.localdate(at))
    state: str
    if location == Location.ABSENT:
        state = PresenceState.AWAY
    elif on_cti_call:
        state = PresenceState.ON_CALL
    elif presence is None or given in (None, Location.ABSENT):
        state = PresenceState.AVAILABLE  # a new day, or back from absence
    else:
        state = presence.state
    if presence is not None and (given, presence.state) == (location, state):
        return PresenceOutcome(presence, changed=False)
    source = (
        presence.source
        if presence is not None and state == presence.state
        else PresenceSource.MANUAL
    )
    message = (
        _("Abwesend heißt „nicht am Platz“; der Status wurde angepasst.")
        if location == Location.ABSENT and presence is not None and presence.state != state
        else ""
    )
    after_call = presence.after_call if on_cti_call and presence is not None else ""
    presence = _write(
        user,
        presence,
        at=at,
        location=location,
        state=state,
        source=source,
        after_call=after_call,
    )
    return PresenceOutcome(presence, changed=True, message=message)


def _on_cti_call(user: User, presence: Presence | None, at: datetime.datetime) -> bool:
    return (
        presence is not None
        and presence.state == PresenceState.ON_CALL
        and presence.source == PresenceSource.CTI
        and call_running(user, at)
    )


@transaction.atomic
def set_state(
    user: User,
    state: str,
    *,
    source: str = PresenceSource.MANUAL,
    at: datetime.datetime | None = None,
) -> PresenceOutcome:
    """What `user` is doing; CTI sends "on a call" at the answer, "available" at the hangup."""
    if state not in PresenceState.values:
        raise ValidationError({"state": _("Bitte einen Status wählen.")}, code="invalid")
    presence = _lock(user)
    if stale := _stale(presence, at):
        return _ignored(user, presence, stale)
    at = at or timezone.now()
    if source == PresenceSource.CTI:
        return _cti_state(user, presence, state, at)
    return _manual_state(user, presence, state, at)


def _cti_state(
    user: User, presence: Presence | None, state: str, at: datetime.datetime
) -> PresenceOutcome:
    if state == PresenceState.ON_CALL:
        location, note = _location_for_work(user, presence, at)
        # A second call while on one (a consultation) keeps the state chosen for afterwards.
        on_call = presence is not None and presence.state == PresenceState.ON_CALL
        after_call = presence.after_call if on_call and presence is not None else ""
        presence = _write(
            user,
            presence,
            at=at,
            location=location,
            state=state,
            source=PresenceSource.CTI,
            note=note,
            after_call=after_call,
        )
        return PresenceOutcome(presence, changed=True, message=note)
    if state == PresenceState.AVAILABLE:  # the hangup
        if presence is None or presence.state != PresenceState.ON_CALL:
            return _ignored(user, presence, _("Auflegen gemeldet, aber kein Gespräch im Status."))
        if call_running(user, at):
            return _ignored(user, presence, _("Auflegen gemeldet, aber ein Gespräch läuft noch."))
        state = presence.after_call or PresenceState.AVAILABLE
    location = location_today(presence, timezone.localdate(at)) or Location.UNKNOWN
    presence = _write(
        user, presence, at=at, location=location, state=state, source=PresenceSource.CTI
    )
    return PresenceOutcome(presence, changed=True)


def _manual_state(
    user: User, presence: Presence | None, state: str, at: datetime.datetime
) -> PresenceOutcome:
    if presence is not None and _on_cti_call(user, presence, at):
        presence.after_call = "" if state == PresenceState.ON_CALL else state
        presence.save(update_fields=["after_call", "updated_at"])
        message = _(
            "Die Telefonanlage meldet ein laufendes Gespräch: Sie bleiben „im Gespräch“ bis "
            "zum Auflegen, danach „%(state)s“."
        ) % {"state": PresenceState(presence.after_call or PresenceState.AVAILABLE).label}
        return PresenceOutcome(presence, changed=False, message=message)
    given = location_today(presence, timezone.localdate(at))
    if given == Location.ABSENT and state != PresenceState.AWAY:
        raise Refusal(
            _("Sie sind heute als abwesend eingetragen. Wählen Sie zuerst, wo Sie arbeiten.")
        )
    note = ""
    if given is None or given == Location.UNKNOWN:
        location, note = _location_for_work(user, presence, at)
    else:
        location = given
    unchanged = (state, location, timezone.localdate(at))
    if presence is not None and (presence.state, presence.location, presence.day) == unchanged:
        return PresenceOutcome(presence, changed=False)
    presence = _write(
        user,
        presence,
        at=at,
        location=location,
        state=state,
        source=PresenceSource.MANUAL,
        note=note,
    )
    return PresenceOutcome(presence, changed=True, message=note)


def set_presence(user: User, *, location: str, state: str) -> PresenceOutcome:
    """The staff form: location and state in one go (absent makes the state "away")."""
    with transaction.atomic():
        first = set_location(user, location)
        if location == Location.ABSENT:
            return first
        second = set_state(user, state)
    message = " ".join(m for m in (first.message, second.message) if m)
    return PresenceOutcome(second.presence, first.changed or second.changed, message)


def on_call_answered(sender: object, *, user_id: int, at: datetime.datetime, **_: object) -> None:
    """Receiver of kc.cases.signals.call_answered (connected in DeskConfig.ready)."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        set_state(user, PresenceState.ON_CALL, source=PresenceSource.CTI, at=at)


def on_call_ended(sender: object, *, user_id: int, at: datetime.datetime, **_: object) -> None:
    """Receiver of kc.cases.signals.call_ended."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        set_state(user, PresenceState.AVAILABLE, source=PresenceSource.CTI, at=at)
