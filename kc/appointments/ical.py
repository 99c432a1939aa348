"""The iCalendar invitation of a booking (RFC 5545, iTIP methods of RFC 5546).

One VEVENT per booking with a UID that never changes, so the customer's calendar updates the
same entry: SEQUENCE grows with every reschedule and cancellation, a cancellation is sent as
METHOD:CANCEL with STATUS:CANCELLED. Times are written in UTC ("Z" form): every calendar
program shows them in its own zone and no VTIMEZONE is needed. The `icalendar` package does
the escaping of , ; \\ and newlines, the CRLF line ends and the folding at 75 octets.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
from django.conf import settings

PRODID = "-//Kundencenter//Energieberatung//DE"
CONTENT_TYPE_REQUEST = "text/calendar; method=REQUEST"
CONTENT_TYPE_CANCEL = "text/calendar; method=CANCEL"
FILENAME = "termin.ics"


@dataclass(frozen=True, slots=True)
class Invitation:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    cancelled: bool = False


def build(invitation: Invitation, *, stamp: datetime) -> bytes:
    """The invitation (or its cancellation) as an .ics file."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if invitation.cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", invitation.starts_at.astimezone(UTC))
    event.add("dtend", invitation.ends_at.astimezone(UTC))
    event.add("summary", invitation.summary)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.description:
        event.add("description", invitation.description)
    event.add(
        "organizer",
        f"mailto:{invitation.organizer_email}",
        parameters={"CN": invitation.organizer_name},
    )
    if invitation.attendee_email:
        event.add(
            "attendee",
            f"mailto:{invitation.attendee_email}",
            parameters={
                "CN": invitation.attendee_name,
                "ROLE": "REQ-PARTICIPANT",
                "PARTSTAT": "ACCEPTED",
                "RSVP": "FALSE",
            },
        )
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def new_uid(number: str, token: str) -> str:
    """A UID unique in the world (RFC 5545 3.8.4.7): booking number, a random part, our domain."""
    return f"{number}-{token}@{settings.KC_MAIL_DOMAIN}"
