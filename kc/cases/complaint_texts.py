"""The words of a complaint's acknowledgement and answer (German: they go to the customer)."""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from kc.cases import complaint_rules, services
from kc.cases.models import Complaint
from kc.letters.default_texts import COMPLAINT_ARBITRATION_NOTE

Outcome = Complaint.Outcome


def berlin_day(moment: datetime.datetime) -> str:
    """An aware moment as its Berlin calendar day, dd.mm.yyyy."""
    return f"{complaint_rules.receipt_day(moment):%d.%m.%Y}"


def acknowledgement_text(complaint: Complaint) -> str:
    """Portal message or e-mail confirming the receipt; names the answer day."""
    values = services.text_module_values(complaint.case)
    return _(
        "%(salutation)s\n\n"
        "Ihre Beschwerde vom %(received)s ist bei uns eingegangen. Wir prüfen sie und "
        "antworten Ihnen spätestens bis zum %(due)s.\n\n"
        "Bitte geben Sie bei Rückfragen die Vorgangsnummer %(number)s an.\n\n"
        "Mit freundlichen Grüßen\n%(utility)s"
    ) % {
        "salutation": values["anrede"],
        "received": berlin_day(complaint.received_at),
        "due": f"{complaint.answer_due:%d.%m.%Y}",
        "number": complaint.case.number,
        "utility": settings.KC_UTILITY_NAME,
    }


def answer_values(complaint: Complaint, outcome: str, reasons: str) -> dict[str, str]:
    """The placeholders of the answer letter: the outcome in words, the reasons and, when not
    fully remedied, the note on the Schlichtungsstelle Energie."""
    lead = {
        Outcome.REMEDIED: _("Wir haben Ihrer Beschwerde abgeholfen."),
        Outcome.PARTLY: _("Wir konnten Ihrer Beschwerde teilweise abhelfen."),
        Outcome.NOT_REMEDIED: _("Wir konnten Ihrer Beschwerde leider nicht abhelfen."),
    }[Outcome(outcome)]
    if outcome != Outcome.REMEDIED:
        lead += " " + _("Die Gründe:")
    return {
        "vorgangsnummer": complaint.case.number,
        "eingang_am": berlin_day(complaint.received_at),
        "antwort": f"{lead}\n\n{reasons}".strip(),
        "schlichtung_hinweis": "" if outcome == Outcome.REMEDIED else COMPLAINT_ARBITRATION_NOTE,
    }
