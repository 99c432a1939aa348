from django import forms
from django.utils.translation import gettext_lazy as _

from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress
from kc.supply.models import MeterReading


class DateInput(forms.DateInput):
    input_type = "date"


class PartnerForm(forms.ModelForm[BusinessPartner]):
    legend = _("Person oder Firma")

    class Meta:
        model = BusinessPartner
        fields = [
            "kind",
            "salutation",
            "title",
            "first_name",
            "last_name",
            "organisation_name",
            "birth_date",
            "email",
            "phone",
            "mobile",
            "preferred_channel",
        ]
        widgets = {"birth_date": DateInput()}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == BusinessPartner.Kind.ORGANISATION:
            if not data.get("organisation_name"):
                self.add_error("organisation_name", _("Bitte den Firmennamen angeben."))
        elif not data.get("last_name"):
            self.add_error("last_name", _("Bitte den Nachnamen angeben."))
        return data


class AddressForm(forms.ModelForm[PostalAddress]):
    prefix = "address"
    legend = _("Anschrift")

    class Meta:
        model = PostalAddress
        fields = ["street", "house_number", "address_addition", "postal_code", "city"]


class AccountForm(forms.ModelForm[ContractAccount]):
    prefix = "account"
    legend = _("Vertragskonto und Bankverbindung")

    class Meta:
        model = ContractAccount
        fields = ["payment_method", "iban", "account_holder"]


class BankDataForm(forms.ModelForm[ContractAccount]):
    legend = _("Bankverbindung")

    class Meta:
        model = ContractAccount
        fields = ["payment_method", "iban", "bic", "account_holder"]
        help_texts = {"bic": _("Leer lassen: die BIC wird aus der IBAN ermittelt.")}


class ConsentForm(forms.Form):
    """One yes/no per consent topic, prefilled with the partner's current answers."""

    prefix = "consent"
    legend = _("Einwilligungen")

    def __init__(self, *args: object, partner: BusinessPartner, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        current = dict(partner.consents.values_list("topic", "granted"))
        for topic, label in Consent.Topic.choices:
            self.fields[topic] = forms.BooleanField(
                label=label, required=False, initial=current.get(topic, False)
            )


class MeterReadingForm(forms.ModelForm[MeterReading]):
    class Meta:
        model = MeterReading
        fields = ["read_on", "value", "reason", "source", "estimation_reason"]
        widgets = {"read_on": DateInput()}
