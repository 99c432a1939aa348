"""Letters: templates (versioned), the letters sent with their exact PDF, deliveries, print room."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.letters.document import Sender
from kc.letters.kinds import get_kind, kind_choices
from kc.letters.placeholders import template_problems


class Letterhead(models.Model):
    """The utility's letterhead, return line and footer; the newest row is used."""

    name = models.CharField(_("Name"), max_length=120)
    street_line = models.CharField(_("Straße und Hausnummer"), max_length=120)
    city_line = models.CharField(_("PLZ und Ort"), max_length=120)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    web = models.CharField(_("Website"), max_length=120, blank=True)
    bank_name = models.CharField(_("Bank"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=42, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    creditor_id = models.CharField(_("Gläubiger-ID"), max_length=35, blank=True)
    register_line = models.CharField(_("Registergericht"), max_length=120, blank=True)
    management_line = models.CharField(_("Geschäftsführung"), max_length=160, blank=True)
    vat_id = models.CharField(_("USt-IdNr."), max_length=20, blank=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Briefkopf")
        verbose_name_plural = _("Briefköpfe")

    def __str__(self) -> str:
        return self.name

    def as_sender(self) -> Sender:
        return Sender(
            name=self.name,
            street_line=self.street_line,
            city_line=self.city_line,
            phone=self.phone,
            email=self.email,
            web=self.web,
            bank_name=self.bank_name,
            iban=self.iban,
            bic=self.bic,
            creditor_id=self.creditor_id,
            register_line=self.register_line,
            management_line=self.management_line,
            vat_id=self.vat_id,
        )


class LetterTemplate(models.Model):
    kind = models.CharField(_("Briefart"), max_length=40, choices=kind_choices(), unique=True)

    class Meta:
        verbose_name = _("Briefvorlage")
        verbose_name_plural = _("Briefvorlagen")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def current_version(self) -> LetterTemplateVersion:
        version = self.versions.order_by("-version").first()
        if version is None:
            raise LetterTemplateVersion.DoesNotExist(f"no version of template {self.kind}")
        return version


class LetterTemplateVersion(models.Model):
    """One wording of a template. Never edited: a change is a new version."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("Version"))
    subject = models.CharField(_("Betreff"), max_length=200)
    body = models.TextField(
        _("Text"),
        help_text=_(
            "Absätze durch Leerzeilen trennen. Platzhalter als {{ name }}; eine Tabelle steht "
            "allein in ihrem Absatz."
        ),
    )
    comment = models.CharField(_("Änderungsnotiz"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Vorlagenversion")
        verbose_name_plural = _("Vorlagenversionen")
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="letter_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.version}"

    def clean(self) -> None:
        kind = get_kind(self.template.kind)
        tables = set(kind.tables)
        errors: dict[str, list[str]] = {}
        for field in ("subject", "body"):
            problems = template_problems(
                getattr(self, field),
                allowed=kind.allowed,
                tables=tables if field == "body" else set(),
            )
            if problems:
                errors[field] = problems
        if errors:
            raise ValidationError(errors)


class Letter(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Angehalten")
        READY = "ready", _("Erstellt")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    number = models.CharField(_("Briefnummer"), max_length=20, unique=True)
    kind = models.CharField(_("Briefart"), max_length=40, choices=kind_choices())
    template_version = models.ForeignKey(
        LetterTemplateVersion, on_delete=models.PROTECT, related_name="letters"
    )
    partner = models.ForeignKey(
        "customers.BusinessPartner", on_delete=models.PROTECT, related_name="letters"
    )
    account = models.ForeignKey(
        "customers.ContractAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    case_number = models.CharField(_("Vorgang"), max_length=20, blank=True, db_index=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices)
    hold_reason = models.TextField(_("Grund für das Anhalten"), blank=True)
    subject = models.CharField(_("Betreff"), max_length=300, blank=True)
    recipient = models.JSONField(_("Anschrift"), default=list)
    values = models.JSONField(default=dict)  # placeholder values, to render again after a fix
    pdf = models.FileField(_("PDF"), upload_to="letters/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(_("Seiten"), default=0)
    sheets = models.PositiveSmallIntegerField(_("Blätter"), default=0)
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Brief")
        verbose_name_plural = _("Briefe")
        indexes = [models.Index(fields=["partner", "-created_at"], name="letter_partner_recent")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The archived PDF is what was sent: once written it is never replaced.
        if self.pk and self.pdf_sha256:
            stored = Letter.objects.filter(pk=self.pk).values_list("pdf_sha256", flat=True).first()
            if stored and stored != self.pdf_sha256:
                raise ValueError("a sent letter's PDF cannot be replaced")
        super().save(*args, **kwargs)


class Delivery(models.Model):
    """One way a letter reaches the customer; post deliveries go through the print room."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Kundenportal")
        EMAIL = "email", _("E-Mail")
        POST = "post", _("Post")

    class State(models.TextChoices):
        QUEUED = "queued", _("Wartet")
        SENDING = "sending", _("Wird gesendet")
        SENT = "sent", _("Zugestellt")
        FAILED = "failed", _("Fehlgeschlagen")
        BATCHED = "batched", _("Im Druckstapel")
        PRINTED = "printed", _("Gedruckt")
        ENVELOPED = "enveloped", _("Kuvertiert")
        POSTED = "posted", _("Zur Post gegeben")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(_("Versandweg"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("Status"), max_length=10, choices=State.choices)
    required_by_law = models.BooleanField(_("Gesetzlich auf Papier"), default=False)
    batch = models.ForeignKey(
        "PrintBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    position = models.PositiveIntegerField(null=True, blank=True)  # order inside the batch
    envelope = models.CharField(_("Umschlag"), max_length=4, blank=True)
    postage_class = models.CharField(_("Sendungsart"), max_length=12, blank=True)
    postage = models.DecimalField(_("Porto"), max_digits=6, decimal_places=2, null=True, blank=True)
    weight_g = models.PositiveIntegerField(_("Gewicht (g)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(_("Hinweis"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("Geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Zustellung")
        verbose_name_plural = _("Zustellungen")
        constraints = [
            models.UniqueConstraint(fields=["letter", "channel"], name="delivery_once_per_channel"),
            models.UniqueConstraint(fields=["batch", "position"], name="delivery_batch_position"),
        ]
        indexes = [models.Index(fields=["channel", "state"], name="delivery_channel_state")]

    def __str__(self) -> str:
        return f"{self.letter.number} {self.get_channel_display()}: {self.get_state_display()}"


class PrintBatch(models.Model):
    """Letters of one envelope and postage class, printed as one PDF with a cover sheet."""

    class State(models.TextChoices):
        BUILDING = "building", _("Wird erstellt")
        READY = "ready", _("Druckbereit")
        PRINTING = "printing", _("Wird gedruckt")
        PRINTED = "printed", _("Gedruckt")
        ENVELOPED = "enveloped", _("Kuvertiert")
        POSTED = "posted", _("Zur Post gegeben")
        EMPTY = "empty", _("Leer (alle zurückgezogen)")

    number = models.CharField(_("Stapel"), max_length=20, unique=True)
    state = models.CharField(_("Status"), max_length=10, choices=State.choices)
    envelope = models.CharField(_("Umschlag"), max_length=4)
    postage_class = models.CharField(_("Sendungsart"), max_length=12)
    letter_count = models.PositiveIntegerField(_("Briefe"), default=0)
    sheet_count = models.PositiveIntegerField(_("Blätter"), default=0)
    postage_total = models.DecimalField(_("Porto gesamt"), max_digits=10, decimal_places=2)
    pdf = models.FileField(upload_to="print/%Y/%m/", blank=True)
    pdf_pages = models.PositiveIntegerField(default=0)
    problem = models.CharField(_("Problem"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Gebildet"), auto_now_add=True)
    printed_at = models.DateTimeField(_("Gedruckt"), null=True, blank=True)
    enveloped_at = models.DateTimeField(_("Kuvertiert"), null=True, blank=True)
    enveloped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("Zur Post"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Druckstapel")
        verbose_name_plural = _("Druckstapel")
        indexes = [models.Index(fields=["state", "created_at"], name="batch_state")]

    def __str__(self) -> str:
        return self.number


class PrintJob(models.Model):
    """One submission of a batch to CUPS. The job name is the idempotency key: after a crash
    the worker asks CUPS for it before it would print a second time."""

    class State(models.TextChoices):
        PENDING = "pending", _("Wartet")
        SUBMITTING = "submitting", _("Wird gesendet")
        SUBMITTED = "submitted", _("Beim Drucker")
        COMPLETED = "completed", _("Fertig")
        FAILED = "failed", _("Fehlgeschlagen")

    batch = models.ForeignKey(PrintBatch, on_delete=models.PROTECT, related_name="jobs")
    attempt = models.PositiveSmallIntegerField()
    job_name = models.CharField(max_length=80, unique=True)
    printer_uri = models.CharField(_("Drucker"), max_length=300)
    state = models.CharField(_("Status"), max_length=10, choices=State.choices)
    cups_job_id = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(_("Grund für den Nachdruck"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Druckauftrag")
        verbose_name_plural = _("Druckaufträge")
        constraints = [
            models.UniqueConstraint(fields=["batch", "attempt"], name="print_job_attempt"),
        ]
        indexes = [models.Index(fields=["state"], name="print_job_state")]

    def __str__(self) -> str:
        return self.job_name


class LetterEvent(models.Model):
    """A step in a letter's life, shown on the customer's history."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Erstellt")
        HELD = "held", _("Angehalten")
        RELEASED = "released", _("Freigegeben")
        EMAILED = "emailed", _("Per E-Mail versandt")
        EMAIL_FAILED = "email_failed", _("E-Mail fehlgeschlagen")
        PORTAL = "portal", _("Im Kundenportal bereitgestellt")
        QUEUED = "queued", _("Zum Druck eingereiht")
        BATCHED = "batched", _("Einem Druckstapel zugeordnet")
        PRINTED = "printed", _("Gedruckt")
        REPRINTED = "reprinted", _("Nachgedruckt")
        ENVELOPED = "enveloped", _("Kuvertiert")
        POSTED = "posted", _("Zur Post gegeben")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("Schritt"), max_length=14, choices=Kind.choices)
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Briefverlauf")
        verbose_name_plural = _("Briefverlauf")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.letter.number}: {self.get_kind_display()}"
