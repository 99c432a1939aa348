"""The letters Kundencenter writes: their placeholders, tables and first text version.

The texts here are only version 1 of each template; admins edit them in the admin, which
saves a new version. Placeholders every letter has are filled by the letter service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kc.letters import default_texts as texts

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Filled for every letter from the customer, the account and the agent.
COMMON_PLACEHOLDERS = (
    "anrede",
    "name",
    "kundennummer",
    "vertragskonto",
    "datum",
    "ansprechpartner",
    "versorger",
    "hotline",
)


@dataclass(frozen=True)
class LetterKind:
    key: str
    title: StrOrPromise
    subject: str
    body: str
    placeholders: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    # Legally required on paper: goes by post even when the customer chose e-mail or portal.
    post_required: bool = False

    @property
    def allowed(self) -> set[str]:
        return {*COMMON_PLACEHOLDERS, *self.placeholders}


_kind = LetterKind


KINDS: dict[str, LetterKind] = {
    kind.key: kind
    for kind in (
        _kind(
            "invoice",
            _("Rechnung"),
            texts.INVOICE_SUBJECT,
            texts.INVOICE_BODY,
            placeholders=texts.INVOICE_FIELDS,
            tables=("positionen", "zaehlerstaende"),
        ),
        _kind(
            "final_invoice",
            _("Schlussrechnung"),
            texts.FINAL_INVOICE_SUBJECT,
            texts.FINAL_INVOICE_BODY,
            placeholders=texts.INVOICE_FIELDS,
            tables=("positionen", "zaehlerstaende"),
        ),
        _kind(
            "credit_note",
            _("Gutschrift (Rechnungskorrektur)"),
            texts.CREDIT_NOTE_SUBJECT,
            texts.CREDIT_NOTE_BODY,
            placeholders=texts.CREDIT_NOTE_FIELDS,
        ),
        _kind(
            "budget_plan",
            _("Abschlagsplan"),
            texts.BUDGET_PLAN_SUBJECT,
            texts.BUDGET_PLAN_BODY,
            placeholders=texts.BUDGET_FIELDS,
            tables=("faelligkeiten",),
        ),
        _kind(
            "budget_change",
            _("Bestätigung Abschlagsänderung"),
            texts.BUDGET_CHANGE_SUBJECT,
            texts.BUDGET_CHANGE_BODY,
            placeholders=(*texts.BUDGET_FIELDS, "alter_abschlag"),
            tables=("faelligkeiten",),
        ),
        _kind(
            "sepa_mandate",
            _("Bestätigung SEPA-Lastschriftmandat"),
            texts.SEPA_MANDATE_SUBJECT,
            texts.SEPA_MANDATE_BODY,
            placeholders=("mandatsreferenz", "glaeubiger_id", "iban", "kontoinhaber", "erteilt_am"),
        ),
        _kind(
            "portal_code",
            _("Freischaltcode Kundenportal"),
            texts.PORTAL_CODE_SUBJECT,
            texts.PORTAL_CODE_BODY,
            placeholders=("freischaltcode", "gueltig_bis"),
            # By post to the address on file: that is what proves the customer's identity.
            post_required=True,
        ),
        _kind(
            "tariff_offer",
            _("Tarifangebot"),
            texts.TARIFF_OFFER_SUBJECT,
            texts.TARIFF_OFFER_BODY,
            placeholders=("tarif", "sparte", "jahreskosten", "gueltig_bis", "verbrauch"),
            tables=("preise",),
        ),
        _kind(
            "payment_reminder",
            _("Zahlungserinnerung"),
            texts.REMINDER_SUBJECT,
            texts.REMINDER_BODY,
            placeholders=("offener_betrag", "zahlbar_bis", "mahngebuehr"),
            tables=("posten",),
        ),
        _kind(
            "disconnection_threat",
            _("Androhung der Versorgungsunterbrechung"),
            texts.THREAT_SUBJECT,
            texts.THREAT_BODY,
            placeholders=("rueckstand", "zahlbar_bis", "sperre_ab", "sparte", "zaehlernummer"),
            tables=("posten",),
            post_required=True,
        ),
        _kind(
            "disconnection_announcement",
            _("Ankündigung der Versorgungsunterbrechung"),
            texts.ANNOUNCEMENT_SUBJECT,
            texts.ANNOUNCEMENT_BODY,
            placeholders=("rueckstand", "sperrtermin", "sparte", "zaehlernummer", "sperrkosten"),
            post_required=True,
        ),
        _kind(
            "installment_offer",
            _("Angebot Abwendungsvereinbarung"),
            texts.INSTALLMENT_SUBJECT,
            texts.INSTALLMENT_BODY,
            placeholders=("rueckstand", "ratenzahl", "rate", "antwort_bis"),
            tables=("raten",),
        ),
        _kind(
            "reconnection_confirmation",
            _("Bestätigung der Wiederherstellung"),
            texts.RECONNECTION_SUBJECT,
            texts.RECONNECTION_BODY,
            placeholders=("wiederhergestellt_am", "sparte", "zaehlernummer", "kosten"),
        ),
        _kind(
            "complaint_acknowledgement",
            _("Eingangsbestätigung Beschwerde"),
            texts.COMPLAINT_ACK_SUBJECT,
            texts.COMPLAINT_ACK_BODY,
            placeholders=("vorgangsnummer", "eingang_am", "antwort_bis"),
        ),
        _kind(
            "complaint_answer",
            _("Antwort auf Beschwerde"),
            texts.COMPLAINT_ANSWER_SUBJECT,
            texts.COMPLAINT_ANSWER_BODY,
            placeholders=("vorgangsnummer", "eingang_am", "antwort", "schlichtung_hinweis"),
        ),
        _kind(
            "funding_approval",
            _("Förderbewilligung"),
            texts.FUNDING_APPROVAL_SUBJECT,
            texts.FUNDING_APPROVAL_BODY,
            placeholders=(
                "programm",
                "kategorie",
                "geraet",
                "antragsnummer",
                "betrag",
                "begruendung",
                "auszahlung",
                "bindung_bis",
                "rueckforderung",
            ),
        ),
        _kind(
            "funding_rejection",
            _("Förderablehnung"),
            texts.FUNDING_REJECTION_SUBJECT,
            texts.FUNDING_REJECTION_BODY,
            placeholders=("programm", "kategorie", "geraet", "antragsnummer", "begruendung"),
        ),
        _kind(
            "funding_clawback",
            _("Rückforderung Förderung"),
            texts.FUNDING_CLAWBACK_SUBJECT,
            texts.FUNDING_CLAWBACK_BODY,
            placeholders=(
                "programm",
                "antragsnummer",
                "gefoerdert",
                "bindung_bis",
                "vertragsende",
                "betrag",
                "berechnung",
                "zahlbar_bis",
            ),
        ),
        _kind(
            "appointment_confirmation",
            _("Terminbestätigung"),
            texts.APPOINTMENT_SUBJECT,
            texts.APPOINTMENT_BODY,
            placeholders=("termin", "terminart", "berater", "ort", "absage_hinweis"),
        ),
        _kind(
            "free_text",
            _("Freier Brief"),
            texts.FREE_TEXT_SUBJECT,
            texts.FREE_TEXT_BODY,
            placeholders=("betreff", "text"),
        ),
    )
}


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    return [(kind.key, kind.title) for kind in KINDS.values()]


def get_kind(key: str) -> LetterKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"unknown letter kind {key!r}") from None
