"""Forms of the letter pages and the print room."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.customers.models import BusinessPartner, ContractAccount


class FreeTextLetterForm(forms.Form):
    legend = _("Freier Brief")

    account = forms.ModelChoiceField(
        label=_("Vertragskonto"),
        queryset=ContractAccount.objects.none(),
        required=False,
        empty_label=_("ohne Vertragskonto"),
    )
    case_number = forms.CharField(
        label=_("Vorgang"),
        max_length=20,
        required=False,
        help_text=_("Nummer des Vorgangs, zu dem der Brief gehört (steht im Brief)"),
    )
    subject = forms.CharField(label=_("Betreff"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Ohne Anrede und Grußformel; die setzt der Brief selbst. "
            "Absätze durch eine Leerzeile trennen."
        ),
    )

    def __init__(self, *args: Any, partner: BusinessPartner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = ContractAccount.objects.filter(partner=partner).order_by("number")
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        if len(accounts) == 1 and not self.is_bound:
            self.initial.setdefault("account", accounts[0].pk)

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def clean_case_number(self) -> str:
        number: str = self.cleaned_data["case_number"]
        return number.strip()


class WithdrawForm(forms.Form):
    """Withdrawing a letter needs a reason; it goes into the letter's history."""

    reason = forms.CharField(label=_("Grund für das Zurückziehen"), max_length=300)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        return reason.strip()
