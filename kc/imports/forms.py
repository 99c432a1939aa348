from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    system = forms.CharField(
        label=_("Name des Altsystems"),
        max_length=40,
        initial="altsystem",
        help_text=_(
            "Schlüssel gelten je Altsystem; eine neue Lieferung desselben Systems "
            "ändert, was sich geändert hat."
        ),
    )
    upload = forms.FileField(
        label=_("ZIP-Datei mit den CSV-Dateien"),
        help_text=_(
            "kunden.csv, vertragskonten.csv, vertraege.csv, zaehler.csv, "
            "zaehlerstaende.csv, offene_posten.csv (Format: siehe Dokumentation)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
