"""How the customer pays what a letter asks for: the SEPA pre-notification for direct-debit
customers (amount, date, mandate reference, creditor ID), or where to transfer it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from kc.core.money import format_eur
from kc.customers.models import ContractAccount
from kc.payments.mandates import active_mandate
from kc.payments.models import Creditor, SepaMandate


def _creditor() -> Creditor | None:
    return Creditor.objects.first()


def _transfer(account: ContractAccount, reference: str) -> str:
    creditor = _creditor()
    to = f" auf unser Konto {creditor.iban}" if creditor else ""
    return (
        f"Bitte überweisen Sie{to} unter Angabe von {reference}, damit wir Ihre Zahlung "
        "sofort zuordnen können."
    )


def _debit(mandate: SepaMandate) -> str:
    return (
        f"mit der SEPA-Lastschrift zum Mandat {mandate.reference} (Gläubiger-ID "
        f"{mandate.creditor.creditor_id}) von Ihrem Konto {mandate.masked_iban}"
    )


def invoice_terms(
    account: ContractAccount, result: Decimal, due: datetime.date, number: str
) -> str:
    """Letter text (German: letters go to German customers) for an invoice's result."""
    if result <= 0:
        if result == 0:
            return "Es ist nichts zu zahlen."
        return (
            "Das Guthaben verrechnen wir mit Ihren nächsten Abschlägen oder überweisen es auf "
            "Ihren Wunsch auf Ihr Konto."
        )
    mandate = active_mandate(account)
    if mandate is not None:
        return (
            f"Vorabankündigung: Wir ziehen {format_eur(result)} am {due:%d.%m.%Y} "
            f"{_debit(mandate)} ein."
        )
    return _transfer(account, f"der Rechnungsnummer {number}")


def instalment_terms(account: ContractAccount) -> str:
    """The plan letter's payment paragraph (the pre-notification for every due date)."""
    mandate = active_mandate(account)
    if mandate is not None:
        return (
            "Vorabankündigung: Wir ziehen die Beträge zu den genannten Terminen "
            f"{_debit(mandate)} ein. Fällt ein Termin auf einen Bankfeiertag, erfolgt die "
            "Belastung am nächsten Bankarbeitstag."
        )
    return "Bitte zahlen Sie die Beträge jeweils zum Fälligkeitstag. " + _transfer(
        account, f"Ihrer Vertragskontonummer {account.number}"
    )
