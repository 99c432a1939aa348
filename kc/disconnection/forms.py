"""Forms of the disconnection pages: the reasons an agent gives (stop, reconnection without
cover, decision on a proof), the status filter of the list and the window capture."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kc.disconnection import receipts
from kc.disconnection.models import DisconnectionCase


class ReasonField(forms.CharField):
    """A reason in the agent's words, stripped; required unless told otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("error_messages", {"required": _("Bitte den Grund angeben.")})
        super().__init__(**kwargs)


class ActionForm(forms.Form):
    """No input: carries a service's refusal of a one-click action (offer, accept)."""


class StopForm(forms.Form):
    reason = ReasonField(
        label=_("Grund der Einstellung"),
        help_text=_("z. B. Gefahr für Leib und Leben (Sauerstoffgerät), unverhältnismäßig"),
    )


class ReconnectWithoutCoverForm(forms.Form):
    reason = ReasonField(
        label=_("Grund der Entsperrung ohne Deckung"),
        help_text=_("z. B. medizinisches Gerät im Haushalt, Kleinkind, Kälte"),
    )


class AcceptProofForm(forms.Form):
    reason = ReasonField(
        label=_("Begründung"),
        required=False,
        help_text=_(
            "Nur nötig, wenn der Beleg nicht den ganzen Betrag deckt oder Zweifel bestehen."
        ),
    )


class RejectProofForm(forms.Form):
    reason = ReasonField(label=_("Grund der Ablehnung"))


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle offenen"))]
        + [(str(s.value), s.label) for s in DisconnectionCase.OPEN],
    )


class WindowSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Vertragskonto- oder Kundennummer"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "enterkeyhint": "search"}
        ),
    )


class ProofUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Zahlbeleg fotografieren oder Datei wählen"),
        help_text=_("Foto (JPEG, PNG, WebP) oder PDF, höchstens 10 MB"),
        widget=forms.FileInput(
            attrs={
                "accept": "image/*,application/pdf",
                "capture": "environment",
            }
        ),
        error_messages={
            "required": _("Bitte ein Foto des Belegs aufnehmen oder eine Datei wählen.")
        },
    )

    def clean_file(self) -> bytes:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > receipts.DEFAULT_MAX_BYTES:
            # Refused before the whole file is read into memory; the service checks again.
            raise ValidationError(
                _("Datei zu groß: erlaubt sind höchstens %(mb)s MB."),
                code="too_large",
                params={"mb": receipts.DEFAULT_MAX_BYTES // receipts.MiB},
            )
        data: bytes = upload.read()
        return data
