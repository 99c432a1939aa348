"""What the customer gets about a booking: an e-mail with the iCalendar invitation, sent
through the case outbox (retried, on the case's timeline). Without an e-mail address the case
gets a note that the confirmation must go by phone or letter."""

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kc.appointments import ical
from kc.appointments.models import Booking, Mode
from kc.cases import services as case_services
from kc.cases.models import Message
from kc.core.models import User
from kc.letters import services as letter_services
from kc.letters.models import Letter

CONFIRMATION = "confirmation"
UPDATE = "update"
CANCELLATION = "cancellation"
REMINDER = "reminder"


def when(booking: Booking) -> str:
    start = timezone.localtime(booking.starts_at)
    end = timezone.localtime(booking.ends_at)
    day = date_format(start, "l, j. F Y")
    return _("%(day)s, %(start)s bis %(end)s Uhr") % {
        "day": day,
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
    }


def where(booking: Booking) -> str:
    """The LOCATION: the number we call, the video room or the customer center's address."""
    mode = booking.appointment_type.mode
    if mode == Mode.PHONE:
        return _("Telefon: Wir rufen Sie an unter %(phone)s") % {"phone": booking.contact_phone}
    if mode == Mode.VIDEO:
        return booking.advisor.video_url or _("Den Link zum Videoraum senden wir Ihnen vorab.")
    return booking.appointment_type.location or settings.KC_UTILITY_NAME


def invitation(booking: Booking) -> ical.Invitation:
    partner = booking.partner
    return ical.Invitation(
        uid=booking.ical_uid,
        sequence=booking.ical_sequence,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=_("Energieberatung: %(topic)s") % {"topic": booking.topic},
        location=where(booking),
        description=_("Termin %(number)s mit %(advisor)s (%(mode)s).")
        % {
            "number": booking.number,
            "advisor": booking.advisor.name,
            "mode": booking.appointment_type.get_mode_display(),
        },
        organizer_email=settings.KC_MAIL_FROM,
        organizer_name=settings.KC_UTILITY_NAME,
        attendee_email=booking.contact_email,
        attendee_name=partner.display_name,
        cancelled=booking.status == Booking.Status.CANCELLED,
    )


SUBJECTS = {
    CONFIRMATION: gettext_lazy("Ihr Termin zur Energieberatung am %(day)s"),
    UPDATE: gettext_lazy("Ihr Termin zur Energieberatung ist verlegt auf den %(day)s"),
    CANCELLATION: gettext_lazy("Ihr Termin zur Energieberatung am %(day)s ist abgesagt"),
    REMINDER: gettext_lazy("Erinnerung: Ihre Energieberatung am %(day)s"),
}

OPENINGS = {
    CONFIRMATION: gettext_lazy("gern bestätigen wir Ihren Termin zur Energieberatung:"),
    UPDATE: gettext_lazy("Ihr Termin zur Energieberatung ist verlegt. Der neue Termin:"),
    CANCELLATION: gettext_lazy("Ihr Termin zur Energieberatung ist abgesagt:"),
    REMINDER: gettext_lazy("wir erinnern Sie an Ihren Termin zur Energieberatung:"),
}


def mail_text(booking: Booking, kind: str) -> str:
    lines = [
        _("Guten Tag %(name)s,") % {"name": booking.partner.display_name},
        "",
        str(OPENINGS[kind]),
        "",
        _("Termin: %(when)s") % {"when": when(booking)},
        _("Thema: %(topic)s") % {"topic": booking.topic},
        _("Form: %(mode)s") % {"mode": booking.appointment_type.get_mode_display()},
        _("Ort: %(where)s") % {"where": where(booking)},
        _("Terminnummer: %(number)s") % {"number": booking.number},
        "",
    ]
    if kind == CANCELLATION:
        if booking.cancel_reason:
            lines += [_("Grund: %(reason)s") % {"reason": booking.cancel_reason}, ""]
        lines.append(_("Einen neuen Termin buchen Sie im Kundenportal oder telefonisch."))
    else:
        lines.append(
            _(
                "Den Termin für Ihren Kalender finden Sie im Anhang. Verlegen oder absagen "
                "können Sie ihn im Kundenportal oder telefonisch unter %(hotline)s "
                "(Montag bis Samstag, 8 bis 20 Uhr)."
            )
            % {"hotline": settings.KC_HOTLINE}
        )
    lines += ["", _("Mit freundlichen Grüßen"), settings.KC_UTILITY_NAME]
    return "\n".join(lines)


def send(booking: Booking, kind: str, *, actor: User | None) -> Message:
    """Queue the mail on the booking's case; without an e-mail address a confirmation (or the
    new time) goes as a letter and the case says so, other news is for a phone call."""
    day = date_format(timezone.localtime(booking.starts_at), "j. F Y, H:i")
    if not booking.contact_email:
        what = str(SUBJECTS[kind]) % {"day": day}
        if kind in (CONFIRMATION, UPDATE):
            letter = _letter(booking, actor)
            text = _("%(what)s: Bestätigung per Brief %(letter)s (keine E-Mail-Adresse).") % {
                "what": what,
                "letter": letter.number,
            }
        else:
            text = _(
                "Keine E-Mail-Adresse: %(what)s zu Termin %(number)s bitte telefonisch mitteilen."
            ) % {"what": what, "number": booking.number}
        return case_services.add_message(booking.case, Message.Kind.NOTE, actor, body_text=text)
    content_type = ical.CONTENT_TYPE_CANCEL if kind == CANCELLATION else ical.CONTENT_TYPE_REQUEST
    ics = ical.build(invitation(booking), stamp=timezone.now())
    return case_services.queue_email_to(
        case=booking.case,
        recipient=booking.contact_email,
        subject=str(SUBJECTS[kind]) % {"day": day},
        text=mail_text(booking, kind),
        actor=actor,
        generated_files=[(ical.FILENAME, ics, f"{content_type}; charset=utf-8")],
    )


def _letter(booking: Booking, actor: User | None) -> Letter:
    """The appointment confirmation letter (kc.letters: delivered by the customer's preferred
    way, by post for a customer without e-mail)."""
    start = timezone.localtime(booking.starts_at)
    return letter_services.create_letter(
        kind="appointment_confirmation",
        partner=booking.partner,
        values={
            "termin": f"{start:%d.%m.%Y, %H:%M} Uhr",
            "terminart": booking.appointment_type.name,
            "berater": booking.advisor.name,
            "ort": where(booking),
            "absage_hinweis": _(
                "Verlegen oder absagen können Sie den Termin %(number)s im Kundenportal oder "
                "telefonisch unter %(hotline)s."
            )
            % {"number": booking.number, "hotline": settings.KC_HOTLINE},
        },
        # A customer booking in the portal is not the letter's contact person.
        actor=None if actor is None or actor.is_customer else actor,
        account=booking.account,
        case_number=booking.case.number,
    )
