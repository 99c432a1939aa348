"""Forms of the portal's self-service pages: Abschlag, SEPA mandate, tariff switch.

They check only the shape of the input; every rule (limits, IBAN, switch date, readings)
is the service's, and its refusals land on these forms."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kc.core.money import parse_decimal_de
from kc.supply.models import Register

# A monthly Abschlag above this is a typing error, not a wish (the limits are the service's).
MAX_INSTALMENT = Decimal("99999.99")
MAX_CONSUMPTION = Decimal("9999999")


class GermanDecimalField(forms.DecimalField):
    """A number as Germans type it: comma for decimals, dots only as thousands separators
    ("4.600" is 4600, "1.234,5"). A dot that cannot be one ("127.50") is refused, never
    guessed (kc.core.money.parse_decimal_de); other shapes get Django's own message."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if isinstance(value, str) and value.strip():
            text = re.sub(r"[\s\u00a0€]", "", value)
            try:
                value = str(parse_decimal_de(text))
            except ValueError:
                if "." in text:
                    raise forms.ValidationError(
                        _("Bitte mit Komma schreiben, z. B. 85,50 oder 1.234,5."), code="invalid"
                    ) from None
                value = text.replace(",", ".")
        result: Decimal | None = super().to_python(value)
        return result


class BudgetChangeForm(forms.Form):
    amount = GermanDecimalField(
        label=_("Neuer monatlicher Abschlag in Euro"),
        min_value=Decimal("0.01"),
        max_value=MAX_INSTALMENT,
        max_digits=7,
        decimal_places=2,
        help_text=_("Zum Beispiel 85 oder 85,50"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Grund der Änderung"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Zum Beispiel neue Heizung, eine Person weniger im Haushalt, Solaranlage"),
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        return reason.strip()


class MandateForm(forms.Form):
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_holder = forms.CharField(
        label=_("Kontoinhaberin oder Kontoinhaber"),
        max_length=70,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_("Ich erteile das SEPA-Lastschriftmandat"),
        error_messages={"required": _("Bitte bestätigen Sie das Mandat mit dem Häkchen.")},
    )


class BankChangeForm(forms.Form):
    iban = forms.CharField(
        label=_("Neue IBAN"),
        max_length=42,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_holder = forms.CharField(
        label=_("Kontoinhaberin oder Kontoinhaber"),
        max_length=70,
        required=False,
        help_text=_("Nur angeben, wenn er sich ändert."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_("Das Lastschriftmandat gilt für dieses Konto weiter"),
        error_messages={"required": _("Bitte bestätigen Sie die neue Bankverbindung.")},
    )


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, ich widerrufe das SEPA-Lastschriftmandat"),
        error_messages={"required": _("Bitte bestätigen Sie den Widerruf mit dem Häkchen.")},
    )


class ConsumptionForm(forms.Form):
    """The annual consumption to compare tariffs for (GET; prefilled from the last bill)."""

    consumption = GermanDecimalField(
        label=_("Jahresverbrauch"),
        min_value=Decimal("1"),
        max_value=MAX_CONSUMPTION,
        max_digits=7,
        decimal_places=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class OfferRequestForm(forms.Form):
    """The tariff the customer picks from the comparison (the consumption travels along)."""

    tariff = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    consumption = forms.DecimalField(
        min_value=Decimal("1"),
        max_value=MAX_CONSUMPTION,
        max_digits=7,
        decimal_places=0,
        widget=forms.HiddenInput,
    )


class RegisterChoiceField(forms.ModelChoiceField[Register]):
    def label_from_instance(self, obj: Register) -> str:
        return f"{obj.meter.number} · {obj.obis_code}"


class AcceptOfferForm(forms.Form):
    reading = GermanDecimalField(
        label=_("Zählerstand heute (freiwillig)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=3,
        help_text=_(
            "Mit Ihrem Zählerstand von heute rechnen wir genau ab; ohne ihn teilen wir den "
            "Verbrauch nach dem üblichen Jahresverlauf auf."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    register = RegisterChoiceField(
        label=_("Zählwerk"), queryset=Register.objects.none(), required=False
    )
    confirm = forms.BooleanField(
        label=_("Ja, ich möchte in diesen Tarif wechseln"),
        error_messages={"required": _("Bitte bestätigen Sie den Wechsel mit dem Häkchen.")},
    )

    def __init__(self, *args: Any, registers: list[Register], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pks = [register.pk for register in registers]
        queryset = Register.objects.filter(pk__in=pks).select_related("meter")
        self.fields["register"].queryset = queryset  # type: ignore[attr-defined]
        self.registers = registers
        if len(registers) <= 1:
            del self.fields["register"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "register" not in self.fields:
            data["register"] = self.registers[0] if self.registers else None
        if data.get("reading") is not None and data.get("register") is None:
            self.add_error("register", _("Bitte das Zählwerk wählen."))
        return data
