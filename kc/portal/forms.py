"""Forms of the portal's login pages."""

from decimal import Decimal

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from kc.core.money import round_cents


class SignupForm(forms.Form):
    customer_number = forms.CharField(label=_("Kundennummer"), max_length=20)
    account_number = forms.CharField(
        label=_("Vertragskontonummer"),
        max_length=20,
        required=False,
        help_text=_("Steht oben rechts auf Ihrer Rechnung."),
    )
    invoice_amount = forms.DecimalField(
        label=_("Betrag Ihrer letzten Rechnung in Euro"),
        required=False,
        max_digits=10,
        decimal_places=2,
        localize=True,
        help_text=_("Der Rechnungsbetrag oder die Nachzahlung bzw. das Guthaben."),
    )
    code = forms.CharField(
        label=_("Oder: Freischaltcode aus unserem Brief"),
        max_length=20,
        required=False,
        help_text=_("Noch keine Rechnung? Den Code können Sie unten per Brief anfordern."),
    )
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    password = forms.CharField(
        label=_("Passwort"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Passwort wiederholen"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("Die Passwörter stimmen nicht überein."))
        has_invoice = bool(data.get("account_number")) and data.get("invoice_amount") is not None
        if not has_invoice and not data.get("code"):
            raise forms.ValidationError(
                _(
                    "Bitte geben Sie Vertragskonto und Rechnungsbetrag an, oder den "
                    "Freischaltcode aus unserem Brief."
                )
            )
        amount = data.get("invoice_amount")
        if isinstance(amount, Decimal):
            data["invoice_amount"] = round_cents(abs(amount))
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Bestätigungscode aus Ihrer Authenticator-App"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"))


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Neues Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Neues Passwort wiederholen"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("Die Passwörter stimmen nicht überein."))
        return data


class DisableTotpForm(CodeForm):
    password = forms.CharField(
        label=_("Ihr Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeLetterForm(forms.Form):
    customer_number = forms.CharField(label=_("Kundennummer"), max_length=20)
    postal_code = forms.CharField(label=_("Postleitzahl Ihrer Anschrift"), max_length=5)
