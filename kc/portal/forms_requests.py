"""Forms of the portal's request pages: readings, messages, complaint, funding,
proof of payment, move.

Uploads are refused by their declared size before a byte is read (Django has already
streamed a large file to a temporary file; the web server limits the request body in front,
issue 11). Files for a case are made safe here (type by content, no metadata); files that a
service checks itself (reading photo, proof of payment) are only read here.

Forms that create something carry a one-time token (`OnceForm`): the view claims it before
calling the service, so a double click or a browser resubmission creates nothing twice.
"""

import datetime
import secrets
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kc.cases.models import CaseType, Complaint
from kc.core import uploads
from kc.customers.models import ContractAccount

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

MAX_UPLOAD_BYTES = uploads.DEFAULT_MAX_BYTES
TEXT_MAX = 5000
FILE_TYPES = "image/jpeg,image/png,image/webp,application/pdf"
# A case file: (file name, checked bytes, content type), as kc.cases.portal_messages takes it.
CaseFile = tuple[str, bytes, str]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def file_field(
    label: "StrOrPromise", *, required: bool = False, photo_only: bool = False
) -> forms.FileField:
    accept = "image/jpeg,image/png,image/webp" if photo_only else FILE_TYPES
    limit = MAX_UPLOAD_BYTES // uploads.MiB
    kinds = _("Foto (JPEG, PNG, WebP)") if photo_only else _("Foto (JPEG, PNG, WebP) oder PDF")
    return forms.FileField(
        label=label,
        required=required,
        widget=forms.FileInput(attrs={"accept": accept}),
        help_text=format_lazy(_("{kinds}, höchstens {limit} MB."), kinds=kinds, limit=limit),
    )


def read_file(upload: UploadedFile[Any] | None) -> bytes | None:
    """The bytes of an upload, refused by its declared size before reading."""
    if upload is None:
        return None
    try:
        return uploads.read_upload(upload, max_bytes=MAX_UPLOAD_BYTES)
    except uploads.UploadRejected as error:
        raise forms.ValidationError(str(error), code=error.code) from error


def case_file(upload: UploadedFile[Any] | None, *, stem: str = "anhang") -> CaseFile | None:
    """An attachment for a case: size first, then type by content, images without metadata."""
    data = read_file(upload)
    if data is None or upload is None:
        return None
    try:
        prepared = uploads.prepare_upload(data, max_bytes=MAX_UPLOAD_BYTES)
    except uploads.UploadRejected as error:
        raise forms.ValidationError(str(error), code=error.code) from error
    return f"{stem}.{prepared.extension}", prepared.data, prepared.content_type


class OnceForm(forms.Form):
    """A form whose submission must take effect once (see kc.portal.views.messages)."""

    form_token = forms.CharField(widget=forms.HiddenInput, min_length=16, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = secrets.token_urlsafe(24)


# --- meter reading ---------------------------------------------------------------------------


class ReadingForm(forms.Form):
    read_on = forms.DateField(label=_("Ablesedatum"), widget=DateInput())
    value = forms.DecimalField(
        label=_("Zählerstand"),
        localize=True,
        max_digits=12,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Alle Ziffern vor dem Komma, Nachkommastellen mit Komma (z. B. 12345,6)."),
    )
    photo = file_field(_("Foto des Zählers (freiwillig)"), photo_only=True)

    def clean_photo(self) -> bytes | None:
        return read_file(self.cleaned_data.get("photo"))


# --- mailbox ----------------------------------------------------------------------------------

TOPICS = {
    "invoice": (_("Rechnung"), CaseType.BILLING_QUESTION),
    "instalment": (_("Abschlag"), CaseType.BUDGET_BILLING_CHANGE),
    "reading": (_("Zählerstand"), CaseType.METER_READING),
    "contract": (_("Vertrag"), CaseType.GENERAL),
    "other": (_("Sonstiges"), CaseType.GENERAL),
}


class ReplyForm(OnceForm):
    text = forms.CharField(
        label=_("Ihre Nachricht"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachment = file_field(_("Anhang (freiwillig)"))

    def clean_attachment(self) -> CaseFile | None:
        return case_file(self.cleaned_data.get("attachment"))


class MessageForm(ReplyForm):
    topic = forms.ChoiceField(
        label=_("Thema"), choices=[(key, label) for key, (label, _type) in TOPICS.items()]
    )
    subject = forms.CharField(label=_("Betreff"), max_length=150)
    field_order = ["topic", "subject", "text", "attachment"]


# --- complaint, funding ----------------------------------------------------------------------


class ComplaintForm(OnceForm):
    # The complaint record's categories (kc.cases: the monthly report counts by them).
    category = forms.ChoiceField(label=_("Worum geht es?"), choices=Complaint.Category.choices)
    text = forms.CharField(
        label=_("Ihre Beschwerde"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Was ist passiert, und was erwarten Sie von uns?"),
    )
    attachment = file_field(_("Anhang (freiwillig)"))

    def clean_attachment(self) -> CaseFile | None:
        return case_file(self.cleaned_data.get("attachment"), stem="beschwerde")


# --- proof of payment ---------------------------------------------------------------------------


class ProofForm(OnceForm):
    account = forms.ModelChoiceField(
        label=_("Vertragskonto"), queryset=ContractAccount.objects.none(), empty_label=None
    )
    # Named "file": kc.disconnection.proofs.receive reports its refusals on "file".
    file = file_field(_("Zahlbeleg (Foto oder PDF)"), required=True)

    def __init__(self, *args: Any, accounts: QuerySet[ContractAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]

    def clean_file(self) -> bytes | None:
        return read_file(self.cleaned_data.get("file"))


# --- move ----------------------------------------------------------------------------------------

MOVE_HORIZON = datetime.timedelta(days=365)


class AddressFields(forms.Form):
    street = forms.CharField(label=_("Straße"), max_length=100)
    house_number = forms.CharField(label=_("Hausnummer"), max_length=10)
    postal_code = forms.RegexField(
        label=_("Postleitzahl"),
        regex=r"^\d{5}$",
        error_messages={"invalid": _("Bitte fünf Ziffern.")},
    )
    city = forms.CharField(label=_("Ort"), max_length=100)

    def address(self) -> str:
        data = self.cleaned_data
        return f"{data['street']} {data['house_number']}, {data['postal_code']} {data['city']}"


def _near(day: datetime.date, what: str) -> datetime.date:
    """A move date at most a year before or after today."""
    today = timezone.localdate()
    if day > today + MOVE_HORIZON:
        raise forms.ValidationError(
            _("%(what)s liegt mehr als ein Jahr in der Zukunft.") % {"what": what}
        )
    if day < today - MOVE_HORIZON:
        raise forms.ValidationError(
            _("%(what)s liegt mehr als ein Jahr zurück. Bitte rufen Sie uns an.") % {"what": what}
        )
    return day


def reading_field(label: "StrOrPromise", *, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        localize=True,
        max_digits=12,
        decimal_places=3,
        min_value=0,
        error_messages={"min_value": _("Ein Zählerstand kann nicht negativ sein.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class MoveOutForm(OnceForm, AddressFields):
    """Move-out of one meter (register) of a current contract; the address is for the final
    invoice."""

    register = forms.TypedChoiceField(label=_("Zähler an der alten Adresse"), coerce=int)
    move_out_on = forms.DateField(label=_("Auszugsdatum"), widget=DateInput())
    reading = reading_field(_("Zählerstand am Auszugstag (wenn schon abgelesen)"), required=False)
    field_order = ["register", "move_out_on", "reading", "street", "house_number"]

    def __init__(self, *args: Any, registers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["register"].choices = registers  # type: ignore[attr-defined]
        self.fields["street"].label = _("Neue Anschrift für die Schlussrechnung: Straße")

    def clean_move_out_on(self) -> datetime.date:
        return _near(self.cleaned_data["move_out_on"], str(_("Das Auszugsdatum")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("move_out_on")
        if day is not None and day <= timezone.localdate() and data.get("reading") is None:
            self.add_error("reading", _("Bitte geben Sie den Zählerstand vom Auszugstag an."))
        return data


class MoveInForm(OnceForm, AddressFields):
    """Move-in at an address we may not supply yet: the agent takes it from here."""

    move_in_on = forms.DateField(label=_("Einzugsdatum"), widget=DateInput())
    meter_number = forms.CharField(label=_("Zählernummer"), max_length=40)
    reading = reading_field(_("Zählerstand am Einzugstag"), required=True)
    field_order = ["street", "house_number", "postal_code", "city", "move_in_on"]

    def clean_move_in_on(self) -> datetime.date:
        return _near(self.cleaned_data["move_in_on"], str(_("Das Einzugsdatum")))
