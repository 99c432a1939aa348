"""Business partners (customers), their addresses, consents and contract accounts."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.core.contact import normalize_email, normalize_phone
from kc.core.text import search_key, street_key
from kc.core.validators import validate_german_postal_code
from kc.customers.phonetics import cologne_phonetic


class AddressFields(models.Model):
    """A German postal address; street and city keys make it searchable."""

    street = models.CharField(_("Straße"), max_length=100)
    house_number = models.CharField(_("Hausnummer"), max_length=10)
    address_addition = models.CharField(_("Adresszusatz"), max_length=100, blank=True)
    postal_code = models.CharField(_("PLZ"), max_length=5, validators=[validate_german_postal_code])
    city = models.CharField(_("Ort"), max_length=100)
    street_key = models.CharField(max_length=100, editable=False)
    city_key = models.CharField(max_length=100, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        super().save(*args, **kwargs)

    def refresh_search_keys(self) -> None:
        self.street_key = street_key(self.street)
        self.city_key = search_key(self.city)
        self.house_number = self.house_number.strip().lower().replace(" ", "")

    @property
    def street_line(self) -> str:
        return f"{self.street} {self.house_number}"

    @property
    def city_line(self) -> str:
        return f"{self.postal_code} {self.city}"


class BusinessPartner(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class Salutation(models.TextChoices):
        MR = "mr", _("Herr")
        MS = "ms", _("Frau")
        NONE = "none", _("ohne Anrede")
        COMPANY = "company", _("Firma")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Kundenportal")
        EMAIL = "email", _("E-Mail")
        POST = "post", _("Post")

    number = models.CharField(_("Kundennummer"), max_length=20, unique=True)
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    salutation = models.CharField(
        _("Anrede"), max_length=10, choices=Salutation.choices, default=Salutation.NONE
    )
    title = models.CharField(_("Titel"), max_length=30, blank=True)
    first_name = models.CharField(_("Vorname"), max_length=80, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=80, blank=True)
    organisation_name = models.CharField(_("Firmenname"), max_length=160, blank=True)
    birth_date = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    mobile = models.CharField(_("Mobil"), max_length=40, blank=True)
    preferred_channel = models.CharField(
        _("Bevorzugter Versandweg"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.POST,
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Geändert"), auto_now=True)
    # GDPR (kc.privacy): erasure asked for but refused while a contract runs or items are
    # open; once restricted (Art. 18, § 35 BDSG) only storage until `erasure_due`, when the
    # longest retention period ends and the periodic purge removes what is left.
    erasure_requested_at = models.DateTimeField(_("Löschung verlangt am"), null=True, blank=True)
    processing_restricted_at = models.DateTimeField(
        _("Verarbeitung eingeschränkt seit"), null=True, blank=True, db_index=True
    )
    erasure_due = models.DateField(_("Endgültige Löschung am"), null=True, blank=True)

    # Search keys, derived on save (see refresh_search_keys).
    name_key = models.CharField(max_length=160, editable=False)
    first_name_key = models.CharField(max_length=80, editable=False, blank=True)
    phonetic_key = models.CharField(max_length=80, editable=False, blank=True)
    email_key = models.CharField(max_length=254, editable=False, blank=True)
    phone_key = models.CharField(max_length=20, editable=False, blank=True)
    mobile_key = models.CharField(max_length=20, editable=False, blank=True)

    class Meta:
        verbose_name = _("Geschäftspartner")
        verbose_name_plural = _("Geschäftspartner")
        indexes = [
            # Name search reads both in name order and stops at the limit.
            models.Index(fields=["name_key", "first_name_key", "number"], name="bp_name_order"),
            models.Index(
                fields=["name_key"], name="bp_name_prefix", opclasses=["text_pattern_ops"]
            ),
            models.Index(
                fields=["phonetic_key", "name_key", "first_name_key", "number"],
                name="bp_phonetic_order",
            ),
            models.Index(fields=["email_key"], name="bp_email"),
            models.Index(fields=["phone_key"], name="bp_phone"),
            models.Index(fields=["mobile_key"], name="bp_mobile"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name_key=""), name="bp_has_name"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.ORGANISATION:
            return self.organisation_name
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)

    @property
    def is_restricted(self) -> bool:
        return self.processing_restricted_at is not None

    @property
    def family_name(self) -> str:
        return self.organisation_name if self.kind == self.Kind.ORGANISATION else self.last_name

    def refresh_search_keys(self) -> None:
        self.name_key = search_key(self.family_name)
        self.first_name_key = search_key(self.first_name)
        self.phonetic_key = cologne_phonetic(self.family_name)
        self.email_key = normalize_email(self.email)
        self.phone_key = normalize_phone(self.phone) if self.phone else ""
        self.mobile_key = normalize_phone(self.mobile) if self.mobile else ""


class PostalAddress(AddressFields):
    class Kind(models.TextChoices):
        MAIN = "main", _("Hauptanschrift")
        BILLING = "billing", _("Rechnungsanschrift")
        CORRESPONDENCE = "correspondence", _("Postanschrift")

    partner = models.ForeignKey(BusinessPartner, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("Art"), max_length=16, choices=Kind.choices, default=Kind.MAIN)

    class Meta:
        verbose_name = _("Anschrift")
        verbose_name_plural = _("Anschriften")
        indexes = [
            models.Index(fields=["street_key", "house_number"], name="addr_street"),
            models.Index(fields=["postal_code"], name="addr_postal_code"),
            models.Index(fields=["city_key"], name="addr_city"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind"], name="addr_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.street_line}, {self.city_line}"


class Consent(models.Model):
    class Topic(models.TextChoices):
        MARKETING_EMAIL = "marketing_email", _("Werbung per E-Mail")
        MARKETING_PHONE = "marketing_phone", _("Werbung per Telefon")
        MARKETING_POST = "marketing_post", _("Werbung per Post")
        SURVEY = "survey", _("Kundenbefragungen")

    partner = models.ForeignKey(BusinessPartner, on_delete=models.CASCADE, related_name="consents")
    topic = models.CharField(_("Thema"), max_length=20, choices=Topic.choices)
    granted = models.BooleanField(_("Erteilt"))
    recorded_at = models.DateTimeField(_("Erfasst am"))
    source = models.CharField(_("Quelle"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("Einwilligung")
        verbose_name_plural = _("Einwilligungen")
        constraints = [
            models.UniqueConstraint(fields=["partner", "topic"], name="consent_one_per_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.granted}"


class ContractAccount(models.Model):
    class PaymentMethod(models.TextChoices):
        DIRECT_DEBIT = "direct_debit", _("Lastschrift")
        TRANSFER = "transfer", _("Überweisung")

    number = models.CharField(_("Vertragskonto"), max_length=20, unique=True)
    partner = models.ForeignKey(BusinessPartner, on_delete=models.PROTECT, related_name="accounts")
    payment_method = models.CharField(
        _("Zahlweise"),
        max_length=12,
        choices=PaymentMethod.choices,
        default=PaymentMethod.TRANSFER,
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, db_index=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(_("Kontoinhaber/in"), max_length=140, blank=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Vertragskonto")
        verbose_name_plural = _("Vertragskonten")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(payment_method="direct_debit") | ~models.Q(iban=""),
                name="ca_direct_debit_needs_iban",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Search compares IBANs in compact upper-case form, whoever writes them.
        self.iban = self.iban.replace(" ", "").upper()
        super().save(*args, **kwargs)

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} **** {self.iban[-4:]}" if self.iban else ""
