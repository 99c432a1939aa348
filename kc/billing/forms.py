"""Forms of the billing pages: Abschlag change and decision, tariff comparison and offers.

Amounts are typed the German way ("1.234,56"); a lone dot that is no thousands separator
("127.50") is refused rather than guessed, so an amount never comes out a hundred times off.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kc.cases.models import Channel
from kc.core.money import parse_decimal_de
from kc.core.validators import validate_german_postal_code
from kc.supply.models import Division, Register, Tariff


class GermanDecimalField(forms.Field):
    """A decimal in German notation with at most `places` decimal places."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, places: int, max_value: Decimal, **kwargs: Any) -> None:
        self.places, self.max_value = places, max_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            number = parse_decimal_de(str(value))
        except ValueError:
            raise ValidationError(
                _("Bitte eine Zahl wie 1.234,56 eingeben (Komma vor den Nachkommastellen)."),
                code="invalid",
            ) from None
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise ValidationError(
                _("Höchstens %(places)s Nachkommastellen."),
                code="max_decimal_places",
                params={"places": self.places},
            )
        if number <= 0:
            raise ValidationError(_("Bitte einen Wert größer als 0 angeben."), code="min_value")
        if number > self.max_value:
            raise ValidationError(_("Der Wert ist zu groß."), code="max_value")
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:f}".replace(".", ",")
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class BudgetChangeForm(forms.Form):
    legend = _("Abschlag ändern")

    amount = GermanDecimalField(
        label=_("Neuer Abschlag in €"),
        places=2,
        max_value=Decimal("99999999.99"),
        help_text=_("Monatlicher Betrag, z. B. 85 oder 85,50"),
    )
    reason = forms.CharField(
        label=_("Grund der Änderung"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Was der Kunde sagt, z. B. neue Heizung oder ein Haushaltsmitglied weniger"),
    )
    channel = forms.ChoiceField(
        label=_("Wunsch kam per"), choices=Channel.choices, initial=Channel.PHONE
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        return reason.strip()


class DecisionForm(forms.Form):
    """Approve or reject a change request; the note is required either way."""

    APPROVE, REJECT = "approve", "reject"

    note = forms.CharField(label=_("Begründung der Entscheidung"), max_length=300)
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Genehmigen")), (REJECT, _("Ablehnen"))],
        error_messages={"required": _("Bitte Genehmigen oder Ablehnen wählen.")},
    )

    def clean_note(self) -> str:
        note: str = self.cleaned_data["note"]
        return note.strip()


class TariffComparisonForm(forms.Form):
    legend = _("Verbrauch und Ort")

    consumption = GermanDecimalField(
        label=_("Jahresverbrauch (kWh bzw. m³)"), places=0, max_value=Decimal("999999999")
    )
    postal_code = forms.CharField(
        label=_("PLZ der Verbrauchsstelle"),
        max_length=5,
        validators=[validate_german_postal_code],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    division = forms.ChoiceField(label=_("Sparte"), choices=Division.choices)

    def __init__(self, *args: Any, division_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if division_fixed:  # a contract's tariff changes only within its division
            self.fields["division"].disabled = True


class MakeOfferForm(forms.Form):
    """The hidden row of the comparison the agent offers."""

    tariff = forms.ModelChoiceField(
        queryset=Tariff.objects.filter(active=True), widget=forms.HiddenInput
    )
    consumption = GermanDecimalField(
        places=0, max_value=Decimal("999999999"), widget=forms.HiddenInput
    )
    postal_code = forms.CharField(
        max_length=5, validators=[validate_german_postal_code], widget=forms.HiddenInput
    )


class RegisterChoiceField(forms.ModelChoiceField[Register]):
    def label_from_instance(self, obj: Register) -> str:
        return f"{obj.meter.number} · {obj.obis_code}"


class AcceptOfferForm(forms.Form):
    legend = _("Angebot annehmen")

    switch_date = forms.DateField(
        label=_("Wechsel zum"),
        widget=DateInput(),
        help_text=_("Ab diesem Tag gilt der neue Tarif."),
    )
    reading = GermanDecimalField(
        label=_("Zählerstand am Wechseltag"),
        places=3,
        max_value=Decimal("999999999.999"),
        required=False,
        help_text=_(
            "Wenn der Kunde ihn schon nennen kann (Wechseltag heute oder früher); "
            "sonst teilt die Abrechnung den Verbrauch am Wechseltag auf."
        ),
    )
    register = RegisterChoiceField(
        label=_("Zählwerk"), queryset=Register.objects.none(), required=False
    )

    def __init__(self, *args: Any, registers: list[Register], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pks = [register.pk for register in registers]
        queryset = Register.objects.filter(pk__in=pks).select_related("meter")
        self.fields["register"].queryset = queryset  # type: ignore[attr-defined]
        self.registers = registers
        if len(registers) <= 1:
            del self.fields["register"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reading") is not None:
            if not self.registers:
                self.add_error("reading", _("Am Vertrag ist kein Zähler eingebaut."))
            elif len(self.registers) == 1:
                data["register"] = self.registers[0]
            elif data.get("register") is None:
                self.add_error("register", _("Bitte das Zählwerk zum Zählerstand wählen."))
        else:
            data["register"] = None
        return data
