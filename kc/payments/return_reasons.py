"""SEPA reject and return reason codes (ISO 20022 ExternalStatusReason / ReturnReason).

The texts are what an agent reads to the customer; ``customer_action`` is what the agent does
next. ``blocks_mandate`` is True where the mandate cannot be used for the next collection as it
is: the account, the debtor or the mandate data behind it is gone or wrong, or the debtor
stopped collections. A reason that only affects this one collection (money, our own file, the
banks' technics) leaves the mandate usable. Decisions follow the EPC guidance on reason codes
for SDD R-transactions (EPC173-14) and the ISO external code list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True, slots=True)
class ReturnReason:
    code: str
    text: StrOrPromise
    blocks_mandate: bool
    customer_action: StrOrPromise


_NEW_BANK_DETAILS = _("Neue Bankverbindung und neues Lastschriftmandat erfragen.")
_RETRY = _("Kunden informieren; der Betrag wird erneut eingezogen oder ist zu überweisen.")
_INTERNAL = _("Kein Kundenkontakt nötig: interner Fehler, an die Buchhaltung geben.")

REASONS: dict[str, ReturnReason] = {
    r.code: r
    for r in (
        # The IBAN on the mandate does not exist: every further collection fails the same way.
        ReturnReason("AC01", _("IBAN fehlerhaft"), True, _NEW_BANK_DETAILS),
        # The account is closed: the mandate has nothing left to debit.
        ReturnReason("AC04", _("Konto erloschen"), True, _NEW_BANK_DETAILS),
        # Blocked (often for direct debits only): collecting again only repeats the fee.
        ReturnReason(
            "AC06",
            _("Konto gesperrt"),
            True,
            _("Kunden fragen, ob die Sperre aufgehoben wird; sonst neue Bankverbindung erfragen."),
        ),
        # The account type does not take this kind of direct debit (e.g. savings account).
        ReturnReason(
            "AC13", _("Kontoart für Lastschriften nicht zulässig"), True, _NEW_BANK_DETAILS
        ),
        # Direct debits are forbidden on this account: same outcome as AC13.
        ReturnReason(
            "AG01", _("Lastschrift auf diesem Konto nicht zulässig"), True, _NEW_BANK_DETAILS
        ),
        # Wrong operation code or format in our file: the mandate is fine.
        ReturnReason("AG02", _("Ungültiger Buchungsschlüssel oder Dateiformat"), False, _INTERNAL),
        # Money missing this time only; the scheme allows collecting again.
        ReturnReason("AM04", _("Konto nicht gedeckt"), False, _RETRY),
        # We sent the same collection twice: the mandate is fine.
        ReturnReason("AM05", _("Doppelte Einreichung"), False, _INTERNAL),
        # Our creditor identifier was wrong: we fix our data, the customer's mandate stays valid.
        ReturnReason("BE05", _("Gläubiger-Identifikationsnummer fehlerhaft"), False, _INTERNAL),
        # Our bank is not reachable in the clearing: a bank-side problem.
        ReturnReason("CNOR", _("Bank des Zahlungsempfängers nicht erreichbar"), False, _INTERNAL),
        # The debtor's bank takes no SEPA direct debits: this account cannot be collected from.
        ReturnReason(
            "DNOR", _("Bank des Zahlungspflichtigen nicht erreichbar"), True, _NEW_BANK_DETAILS
        ),
        # Our file was broken: the mandate is fine.
        ReturnReason("FF01", _("Ungültiges Dateiformat"), False, _INTERNAL),
        # The debtor's bank knows no mandate (or it was revoked): collections need a new one.
        ReturnReason(
            "MD01",
            _("Kein gültiges Mandat"),
            True,
            _("Mandat prüfen; neues Lastschriftmandat einholen oder Zahlung per Überweisung."),
        ),
        # The mandate data do not match the bank's: they must be corrected before reuse.
        ReturnReason(
            "MD02",
            _("Mandatsdaten fehlen oder sind fehlerhaft"),
            True,
            _("Mandatsdaten mit dem Kunden abgleichen und ein korrigiertes Mandat einholen."),
        ),
        # A refund within 8 weeks is the debtor's unconditional right; the mandate stays valid.
        ReturnReason(
            "MD06",
            _("Rückgabe auf Verlangen des Zahlungspflichtigen (Erstattung innerhalb 8 Wochen)"),
            False,
            _("Grund beim Kunden erfragen (Einwand gegen die Forderung?); Betrag erneut fällig."),
        ),
        # The debtor died: the mandate ends with them.
        ReturnReason(
            "MD07",
            _("Kontoinhaber verstorben"),
            True,
            _("Sterbefall vermerken, Erben bzw. Nachlass ermitteln; nicht erneut einziehen."),
        ),
        # The debtor actively refused: do not collect again until the customer confirms the mandate.
        ReturnReason(
            "MS02",
            _("Widerspruch des Zahlungspflichtigen"),
            True,
            _("Kunden nach dem Grund fragen; erst nach Bestätigung des Mandats erneut einziehen."),
        ),
        # Bank gives no reason (some countries forbid naming AM04): treat as a one-time failure.
        ReturnReason("MS03", _("Rückgabe durch die Bank ohne Angabe von Gründen"), False, _RETRY),
        # The BIC does not fit the IBAN: bank details must be confirmed before the next collection.
        ReturnReason(
            "RC01",
            _("BIC fehlerhaft"),
            True,
            _("Bankverbindung (IBAN und BIC) mit dem Kunden abgleichen."),
        ),
        # Regulatory data about the debtor missing: the mandate lacks what the law requires.
        ReturnReason(
            "RR01",
            _("Kontodaten des Zahlungspflichtigen fehlen (regulatorischer Grund)"),
            True,
            _NEW_BANK_DETAILS,
        ),
        ReturnReason(
            "RR02",
            _("Name oder Anschrift des Zahlungspflichtigen fehlen (regulatorischer Grund)"),
            True,
            _("Name und Anschrift des Kontoinhabers erfragen und Mandat ergänzen."),
        ),
        # Missing data is ours (creditor side): the customer's mandate is fine.
        ReturnReason(
            "RR03",
            _("Name oder Anschrift des Zahlungsempfängers fehlen (regulatorischer Grund)"),
            False,
            _INTERNAL,
        ),
        # Sanctions or money-laundering checks: no further collection until clarified.
        ReturnReason(
            "RR04",
            _("Regulatorischer Grund"),
            True,
            _("Nicht erneut einziehen; Fall an die Buchhaltung bzw. Compliance geben."),
        ),
        # Debtor set a block, whitelist or limit at their bank: it refuses us until they change it.
        ReturnReason(
            "SL01",
            _("Lastschriftsperre oder -begrenzung bei der Bank des Zahlungspflichtigen"),
            True,
            _("Kunden bitten, uns bei seiner Bank freizugeben, oder Zahlung per Überweisung."),
        ),
        # We asked for the recall ourselves: the mandate is fine.
        ReturnReason("FOCR", _("Rückgabe nach Rückrufanforderung"), False, _INTERNAL),
        # Paid twice: the mandate is fine.
        ReturnReason("DUPL", _("Doppelte Zahlung"), False, _INTERNAL),
        # Bank-side technical failure: collect again.
        ReturnReason("TECH", _("Technische Gründe"), False, _INTERNAL),
        # Reported as fraudulent/unauthorised: never collect again on this mandate.
        ReturnReason(
            "FRAD",
            _("Betrugsverdacht"),
            True,
            _("Nicht erneut einziehen; Mandat und Kundenidentität prüfen, Fall eskalieren."),
        ),
    )
}


def reason_for(code: str) -> ReturnReason:
    """The reason for ``code``; a generic one (mandate not blocked) for codes we do not know."""
    code = code.strip().upper()
    if known := REASONS.get(code):
        return known
    if not code:
        return ReturnReason("", _("Kein Rückgabegrund angegeben"), False, _RETRY)
    return ReturnReason(
        code,
        format_lazy(_("Unbekannter Rückgabegrund {code}"), code=code),
        False,
        _("Rückgabegrund bei der Bank erfragen."),
    )
