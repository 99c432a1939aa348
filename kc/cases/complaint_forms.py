"""Forms of the complaint pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Complaint


class RegisterComplaintForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Kategorie der Beschwerde"), choices=Complaint.Category.choices
    )


class AnswerComplaintForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Ergebnis"), choices=Complaint.Outcome.choices)
    reasons = forms.CharField(
        label=_("Antwort und Begründung"),
        required=False,  # required unless fully remedied: the service decides and says why
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Steht im Antwortschreiben. Pflicht, wenn nicht vollständig abgeholfen wird; dann "
            "nennt der Brief auch die Schlichtungsstelle Energie."
        ),
    )
