"""Funding programs: categories, yearly budgets, applications, decisions, payouts and clawbacks.

A category's terms are dated: a change of amount, window or conditions is a new category row
with the same key and a later `valid_from`; an application keeps the row that was in force on
its application date, so a later change never alters what was applied for.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.supply.models import Division


class FundingProgram(models.Model):
    name = models.CharField(_("Name"), max_length=100, unique=True)
    active = models.BooleanField(_("aktiv"), default=True)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Rechnung")
    COMMISSIONING = "commissioning", _("Nachweis der Inbetriebnahme oder Entsorgung")
    OTHER = "other", _("Sonstiger Nachweis")


class FundingCategory(models.Model):
    """One funding category with the terms in force from `valid_from`."""

    class AmountKind(models.TextChoices):
        FIXED = "fixed", _("Festbetrag")
        PERCENT = "percent", _("Prozent vom Kaufpreis mit Höchstbetrag")

    class Clawback(models.TextChoices):
        FULL = "full", _("voller Betrag")
        PRO_RATA = "pro_rata", _("anteilig für die fehlende Zeit")

    program = models.ForeignKey(FundingProgram, on_delete=models.PROTECT, related_name="categories")
    key = models.SlugField(_("Schlüssel"), max_length=40)
    label = models.CharField(_("Bezeichnung"), max_length=120)
    description = models.TextField(_("Beschreibung"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    valid_from = models.DateField(_("gilt ab"))
    amount_kind = models.CharField(_("Art des Betrags"), max_length=8, choices=AmountKind.choices)
    fixed_amount = models.DecimalField(
        _("Festbetrag"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        max_digits=12,
        decimal_places=2,
    )
    percent = models.DecimalField(
        _("Prozent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    cap = models.DecimalField(
        _("Höchstbetrag"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        max_digits=12,
        decimal_places=2,
    )
    division = models.CharField(
        _("Sparte des Liefervertrags"), max_length=8, choices=Division.choices
    )
    window_weeks = models.PositiveSmallIntegerField(
        _("Antragsfrist (Wochen nach Inbetriebnahme)"), default=12
    )
    repeat_years = models.PositiveSmallIntegerField(
        _("einmal je Kunde in (Jahren)"), default=5, validators=[MinValueValidator(1)]
    )
    retention_years = models.PositiveSmallIntegerField(
        _("Mindestvertragsbindung (Jahre)"), default=2
    )
    clawback = models.CharField(
        _("Rückforderung bei vorzeitigem Vertragsende"),
        max_length=8,
        choices=Clawback.choices,
        default=Clawback.PRO_RATA,
    )
    required_documents = models.JSONField(
        _("Erforderliche Nachweise"),
        default=list,
        blank=True,
        help_text=_('Liste der Arten, z. B. ["invoice", "commissioning"].'),
    )

    class Meta:
        verbose_name = _("Förderkategorie")
        verbose_name_plural = _("Förderkategorien")
        ordering = ["program", "label", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "key", "valid_from"], name="funding_category_terms_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name}: {self.label}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount_kind == self.AmountKind.FIXED and self.fixed_amount is None:
            errors["fixed_amount"] = str(_("Bitte den Festbetrag angeben."))
        if self.amount_kind == self.AmountKind.PERCENT:
            if self.percent is None or not Decimal(0) < self.percent <= Decimal(100):
                errors["percent"] = str(_("Bitte einen Prozentsatz über 0 bis 100 angeben."))
            if self.cap is None:
                errors["cap"] = str(_("Ein Prozentsatz braucht einen Höchstbetrag."))
        documents = self.required_documents
        if not isinstance(documents, list) or not set(documents) <= set(DocumentKind.values):
            errors["required_documents"] = str(
                _("Erlaubt sind: {kinds}.").format(kinds=", ".join(DocumentKind.values))
            )
        if errors:
            raise ValidationError(errors)


class ProgramBudget(models.Model):
    program = models.ForeignKey(FundingProgram, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("Jahr"))
    amount = models.DecimalField(
        _("Budget"), validators=[MinValueValidator(0)], max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = _("Jahresbudget")
        verbose_name_plural = _("Jahresbudgets")
        ordering = ["program", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="funding_budget_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} {self.year}"


class FundingApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("eingegangen")
        IN_REVIEW = "in_review", _("in Prüfung")
        APPROVED = "approved", _("bewilligt")
        REJECTED = "rejected", _("abgelehnt")
        PAID = "paid", _("ausgezahlt")
        CLAWED_BACK = "clawed_back", _("zurückgefordert")
        WITHDRAWN = "withdrawn", _("zurückgezogen")

    class PayoutWay(models.TextChoices):
        CREDIT = "credit", _("Gutschrift auf dem Vertragskonto")
        TRANSFER = "transfer", _("Überweisung")

    OPEN = (Status.SUBMITTED, Status.IN_REVIEW)
    # States that count against the once-per-period rule (a refusal or withdrawal does not).
    COUNTING = (
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.PAID,
        Status.CLAWED_BACK,
    )

    number = models.CharField(_("Antragsnummer"), max_length=20, unique=True)
    partner = models.ForeignKey(
        "customers.BusinessPartner", on_delete=models.PROTECT, related_name="funding_applications"
    )
    account = models.ForeignKey(
        "customers.ContractAccount", on_delete=models.PROTECT, related_name="funding_applications"
    )
    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, related_name="funding_applications"
    )
    category = models.ForeignKey(
        FundingCategory, on_delete=models.PROTECT, related_name="applications"
    )
    item = models.CharField(_("Gerät"), max_length=200)
    purchase_price = models.DecimalField(
        _("Kaufpreis (brutto)"), validators=[MinValueValidator(0)], max_digits=12, decimal_places=2
    )
    commissioned_on = models.DateField(_("Inbetriebnahme am"))
    applied_at = models.DateTimeField(_("Antrag gestellt"))
    budget_year = models.PositiveSmallIntegerField(_("Budgetjahr"))
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    requested_amount = models.DecimalField(_("Beantragter Betrag"), max_digits=12, decimal_places=2)
    approved_amount = models.DecimalField(
        _("Bewilligter Betrag"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    decision_reason = models.TextField(_("Begründung"), blank=True)
    decided_at = models.DateTimeField(_("Entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payout_way = models.CharField(
        _("Auszahlung als"), max_length=8, choices=PayoutWay.choices, default=PayoutWay.CREDIT
    )
    paid_at = models.DateTimeField(_("Ausgezahlt am"), null=True, blank=True)
    payout_reference = models.CharField(_("Buchung/Überweisung"), max_length=60, blank=True)
    clawback_amount = models.DecimalField(
        _("Zurückgefordert"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    clawed_back_at = models.DateTimeField(_("Zurückgefordert am"), null=True, blank=True)
    note = models.TextField(_("Anmerkungen"), blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Förderantrag")
        verbose_name_plural = _("Förderanträge")
        ordering = ["-applied_at", "-id"]
        indexes = [models.Index(fields=["status", "applied_at"], name="funding_app_queue")]

    def __str__(self) -> str:
        return self.number


class ApplicationDocument(models.Model):
    """A document of an application; staff open it only once clamd has passed it."""

    class Scan(models.TextChoices):
        PENDING = "pending", _("wird geprüft")
        CLEAN = "clean", _("geprüft")
        INFECTED = "infected", _("Schadsoftware gefunden")
        FAILED = "failed", _("Prüfung fehlgeschlagen")

    application = models.ForeignKey(
        FundingApplication, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("Art"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(upload_to="funding/%Y/%m/")
    filename = models.CharField(_("Dateiname"), max_length=120)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    scan = models.CharField(
        _("Virenprüfung"), max_length=10, choices=Scan.choices, default=Scan.PENDING
    )
    scan_detail = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Antragsunterlage")
        verbose_name_plural = _("Antragsunterlagen")
        ordering = ["application", "kind", "id"]

    def __str__(self) -> str:
        return self.filename


class ReviewCheck(models.Model):
    """One item of the clerk's checklist; an application is approved only when all are done."""

    class Item(models.TextChoices):
        INVOICE_NAMES_APPLICANT = (
            "invoice_names_applicant",
            _("Rechnung lautet auf die Antragsteller"),
        )
        DEVICE_MATCHES = "device_matches", _("Gerät passt zur Förderkategorie")
        COMMISSIONING_PROVEN = "commissioning_proven", _("Inbetriebnahmedatum ist belegt")
        PRICE_MATCHES = "price_matches", _("Kaufpreis stimmt mit der Rechnung überein")

    application = models.ForeignKey(
        FundingApplication, on_delete=models.CASCADE, related_name="checks"
    )
    item = models.CharField(_("Prüfpunkt"), max_length=32, choices=Item.choices)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Prüfpunkt")
        verbose_name_plural = _("Prüfpunkte")
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="funding_check_once"),
        ]

    def __str__(self) -> str:
        return self.get_item_display()
