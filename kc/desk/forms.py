from django import forms
from django.utils.translation import gettext_lazy as _

from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.supply.models import MeterReading


class DateInput(forms.DateInput):
    input_type = "date"


class PartnerForm(forms.ModelForm[BusinessPartner]):
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

    class Meta:
        model = PostalAddress
        fields = ["street", "house_number", "address_addition", "postal_code", "city"]


class AccountForm(forms.ModelForm[ContractAccount]):
    prefix = "account"

    class Meta:
        model = ContractAccount
        fields = ["payment_method", "iban", "account_holder"]


class MeterReadingForm(forms.ModelForm[MeterReading]):
    class Meta:
        model = MeterReading
        fields = ["read_on", "value", "reason", "source", "estimation_reason"]
        widgets = {"read_on": DateInput()}
