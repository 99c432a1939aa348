"""The invitation file against RFC 5545: CRLF, lines folded at 75 octets, escaped text, UTC
times, METHOD and SEQUENCE; read back with the icalendar parser."""

import datetime
from datetime import UTC

import icalendar

from kc.appointments import ical

START = datetime.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (CET)
TRICKY = "Wärmepumpe, Speicher; Förderung\\Zuschuss\nzweite Zeile " + "ä" * 60


def invitation(**changes: object) -> ical.Invitation:
    values: dict[str, object] = {
        "uid": "T00000001-abc@stadtwerke.example",
        "sequence": 0,
        "starts_at": START,
        "ends_at": START + datetime.timedelta(hours=1),
        "summary": TRICKY,
        "location": "Kunden-Center, Markt 1; 42651 Musterstadt",
        "description": "Termin T00000001",
        "organizer_email": "kundenservice@stadtwerke.example",
        "organizer_name": "Stadtwerke Musterstadt",
        "attendee_email": "erika@example.org",
        "attendee_name": "Erika Müßig",
    }
    values.update(changes)
    return ical.Invitation(**values)  # type: ignore[arg-type]


STAMP = datetime.datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def test_lines_end_in_crlf_and_fold_at_75_octets() -> None:
    data = ical.build(invitation(), stamp=STAMP)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert any(line.startswith(b" ") for line in lines)  # the long summary was folded
    unfolded = data.replace(b"\r\n ", b"").decode()
    assert "SUMMARY:Wärmepumpe\\, Speicher\\; Förderung\\\\Zuschuss\\nzweite Zeile" in unfolded
    assert "DTSTART:20261026T080000Z" in unfolded and "DTEND:20261026T090000Z" in unfolded
    assert "DTSTAMP:20261001T120000Z" in unfolded


def test_the_parser_reads_back_what_we_wrote() -> None:
    calendar = icalendar.Calendar.from_ical(ical.build(invitation(sequence=3), stamp=STAMP))
    assert str(calendar["PRODID"]) == ical.PRODID and str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == TRICKY
    assert str(event["LOCATION"]) == "Kunden-Center, Markt 1; 42651 Musterstadt"
    assert event.decoded("DTSTART") == START
    assert event["SEQUENCE"] == 3 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:kundenservice@stadtwerke.example"
    assert event["ORGANIZER"].params["CN"] == "Stadtwerke Musterstadt"
    assert event["ATTENDEE"].params["CN"] == "Erika Müßig"


def test_a_cancellation_is_method_cancel_with_the_same_uid() -> None:
    calendar = icalendar.Calendar.from_ical(
        ical.build(invitation(cancelled=True, sequence=2), stamp=STAMP)
    )
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 2
    assert str(event["UID"]) == "T00000001-abc@stadtwerke.example"
