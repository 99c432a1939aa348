"""Forms of the payment pages: SEPA mandate (grant, bank change, revocation) and the
assignment of an unmatched transfer to a contract account.

The IBAN is checked here with the same rule the mandate service applies (check digits,
length, German account check digit, known bank code), so the message lands on the IBAN field;
the service checks again and has the last word.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.customers.models import ContractAccount
from kc.payments import identifiers, selectors
from kc.payments.models import SepaMandate


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class IbanField(forms.CharField):
    """An IBAN as typed (spaces, lower case allowed), returned compact and checked."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("IBAN"))
        kwargs.setdefault("max_length", 42)  # 34 characters with a space every four
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 34}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        iban, _bic = identifiers.validate_iban(text)
        return iban


class BicField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("BIC"))
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Leer lassen: bei deutschen IBANs wird die BIC aus der IBAN ermittelt.")
        )
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        bic = text.replace(" ", "").upper()
        if bic and (len(bic) not in (8, 11) or not bic.isalnum()):
            raise ValidationError(
                _("Eine BIC hat 8 oder 11 Buchstaben und Ziffern."), code="invalid_bic"
            )
        return bic


class GrantMandateForm(forms.Form):
    legend = _("Mandat erfassen")

    iban = IbanField()
    bic = BicField()
    account_holder = forms.CharField(label=_("Kontoinhaber/in"), max_length=70)
    signed_on = forms.DateField(
        label=_("Unterschrieben bzw. erteilt am"),
        widget=DateInput(),
        help_text=_("Datum der Unterschrift oder der elektronischen Zustimmung"),
    )
    origin = forms.ChoiceField(label=_("Herkunft"), choices=SepaMandate.Origin.choices)
    confirmed = forms.BooleanField(
        label=_(
            "Die Kundin/der Kunde hat dem Mandatstext oben zugestimmt (Unterschrift auf Papier "
            "oder elektronische Bestätigung liegt vor)."
        ),
        error_messages={"required": _("Bitte bestätigen, dass das Mandat erteilt wurde.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("signed_on", timezone.localdate())
        kwargs["initial"].setdefault("origin", SepaMandate.Origin.PAPER)
        super().__init__(*args, **kwargs)

    def clean_account_holder(self) -> str:
        holder: str = self.cleaned_data["account_holder"]
        return holder.strip()


class ChangeBankAccountForm(forms.Form):
    legend = _("Neue Bankverbindung")

    iban = IbanField(label=_("Neue IBAN"))
    bic = BicField()
    account_holder = forms.CharField(
        label=_("Kontoinhaber/in"),
        max_length=70,
        help_text=_(
            "Hier nur die Schreibweise berichtigen. Für ein Konto einer anderen Person erteilt "
            "diese ein neues Mandat."
        ),
    )

    def clean_account_holder(self) -> str:
        holder: str = self.cleaned_data["account_holder"]
        return holder.strip()


class RevokeMandateForm(forms.Form):
    legend = _("Widerruf")

    reason = forms.CharField(
        label=_("Grund des Widerrufs"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was die Kundin/der Kunde sagt, z. B. „zahlt künftig per Überweisung“"),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        return reason.strip()


class AssignTransactionForm(forms.Form):
    """The contract account an unmatched transfer belongs to, by its number."""

    account_number = forms.CharField(
        label=_("Vertragskonto"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_account_number(self) -> str:
        number: str = self.cleaned_data["account_number"]
        return "".join(number.split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("account_number")
        if number:
            account: ContractAccount | None = selectors.account_by_number(number)
            if account is None:
                self.add_error(
                    "account_number",
                    ValidationError(
                        _("Es gibt kein Vertragskonto mit der Nummer %(number)s."),
                        code="unknown_account",
                        params={"number": number},
                    ),
                )
            data["account"] = account
        return data
