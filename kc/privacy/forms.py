"""Forms of the GDPR pages: input only; the rules are in kc.privacy.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Channel
from kc.privacy.models import PrivacyRequest


class RequestForm(forms.Form):
    partner_number = forms.CharField(label=_("Kundennummer"), max_length=20)
    kind = forms.ChoiceField(label=_("Art der Anfrage"), choices=PrivacyRequest.Kind.choices)
    channel = forms.ChoiceField(label=_("Eingegangen über"), choices=Channel.choices)
    received_on = forms.DateField(
        label=_("Eingegangen am"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Die Monatsfrist (Art. 12 Abs. 3 DSGVO) beginnt mit dem Eingang."),
    )

    def clean_received_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Der Eingang kann nicht in der Zukunft liegen."))
        return day


class IdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Wie wurde die Identität geprüft?"),
        choices=PrivacyRequest.IdentityMethod.choices,
    )
    note = forms.CharField(
        label=_("Notiz (z. B. Ausweisart, ohne Ausweisnummer)"), max_length=300, required=False
    )
    confirmed = forms.BooleanField(
        label=_("Ich habe die Identität der anfragenden Person geprüft."), required=True
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Verlängerung (Komplexität, Anzahl der Anfragen)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("Ergebnis (wie die Auskunft übergeben wurde)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmErasureForm(forms.Form):
    confirmed = forms.BooleanField(
        label=_("Ich habe die Vorschau geprüft: so löschen und einschränken."), required=True
    )


class LiftRestrictionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Aufhebung (steht im Brief an den Kunden)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirmed = forms.BooleanField(
        label=_(
            "Der Kunde wird mit einem Brief über die Aufhebung unterrichtet (Art. 18 Abs. 3 DSGVO)."
        ),
        required=True,
    )
