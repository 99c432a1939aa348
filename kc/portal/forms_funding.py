"""The portal's funding application form: category, contract, purchase, documents.

The files are read by their declared size first and checked by their content (a forged file
is refused on its field); the funding service checks them again before it stores them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kc.core import uploads
from kc.funding.models import FundingApplication, FundingCategory
from kc.portal.forms_requests import MAX_UPLOAD_BYTES, TEXT_MAX, DateInput, OnceForm, file_field
from kc.portal.forms_requests import read_file as read_declared
from kc.portal.forms_services import GermanDecimalField
from kc.supply.models import Contract


class CategoryChoice(forms.ModelChoiceField[FundingCategory]):
    def label_from_instance(self, obj: FundingCategory) -> str:
        return f"{obj.program.name}: {obj.label}"


class ContractChoice(forms.ModelChoiceField[Contract]):
    def label_from_instance(self, obj: Contract) -> str:
        premise = obj.market_location.premise
        return (
            f"{obj.get_division_display()} · {obj.number} · {premise.street} {premise.house_number}"
        )


def checked_file(upload: UploadedFile[Any] | None) -> bytes | None:
    data = read_declared(upload)
    if data is None:
        return None
    try:
        uploads.prepare_upload(data, max_bytes=MAX_UPLOAD_BYTES)
    except uploads.UploadRejected as error:
        raise forms.ValidationError(str(error), code=error.code) from error
    return data


class FundingApplicationForm(OnceForm):
    category = CategoryChoice(
        label=_("Was möchten Sie fördern lassen?"),
        queryset=FundingCategory.objects.none(),
        empty_label=None,
    )
    contract = ContractChoice(
        label=_("Liefervertrag"), queryset=Contract.objects.none(), empty_label=None
    )
    item = forms.CharField(
        label=_("Was haben Sie gekauft?"), max_length=200, help_text=_("Gerät, Hersteller, Modell")
    )
    purchase_price = GermanDecimalField(
        label=_("Kaufpreis in Euro (brutto)"),
        help_text=_("Zum Beispiel 649,90 oder 3.456,78"),
        max_digits=9,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    commissioned_on = forms.DateField(
        label=_("Datum der Inbetriebnahme (bei Altgeräten: der Entsorgung)"), widget=DateInput()
    )
    payout_way = forms.ChoiceField(
        label=_("Wie möchten Sie die Förderung erhalten?"),
        choices=FundingApplication.PayoutWay.choices,
        initial=FundingApplication.PayoutWay.CREDIT,
        widget=forms.RadioSelect,
    )
    invoice = file_field(_("Rechnung"), required=True)
    commissioning = file_field(_("Nachweis der Inbetriebnahme oder Entsorgung"))
    note = forms.CharField(
        label=_("Anmerkungen (freiwillig)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[FundingCategory],
        contracts: QuerySet[Contract],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]

    def clean_commissioned_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["commissioned_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("Die Inbetriebnahme liegt in der Zukunft: bitte danach beantragen.")
            )
        return day

    def clean_invoice(self) -> bytes | None:
        return checked_file(self.cleaned_data.get("invoice"))

    def clean_commissioning(self) -> bytes | None:
        return checked_file(self.cleaned_data.get("commissioning"))
