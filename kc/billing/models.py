"""Billing documents (one contract, one period) with their lines, and billing runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BillingDocument(models.Model):
    """Abrechnung: what a contract's supply in one period costs. Never edited once made; a
    correction cancels it and bills the period again."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Turnusabrechnung")
        INTERIM = "interim", _("Zwischenabrechnung")
        FINAL = "final", _("Schlussabrechnung")

    class Status(models.TextChoices):
        BILLED = "billed", _("Abgerechnet")
        CANCELLED = "cancelled", _("Storniert")

    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, related_name="billing_documents"
    )
    kind = models.CharField(_("Art"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.BILLED
    )
    period_start = models.DateField(_("Von"))
    period_end = models.DateField(_("Bis"))
    consumption = models.DecimalField(_("Verbrauch"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("Einheit"), max_length=4)
    start_reading = models.ForeignKey(
        "supply.MeterReading", on_delete=models.PROTECT, null=True, related_name="+"
    )
    end_reading = models.ForeignKey(
        "supply.MeterReading", on_delete=models.PROTECT, null=True, related_name="+"
    )
    estimated = models.BooleanField(_("Geschätzt"), default=False)
    net_total = models.DecimalField(_("Netto"), max_digits=12, decimal_places=2)
    vat_total = models.DecimalField(_("Umsatzsteuer"), max_digits=12, decimal_places=2)
    gross_total = models.DecimalField(_("Brutto"), max_digits=12, decimal_places=2)
    run = models.ForeignKey(
        "BillingRun", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Abrechnung")
        verbose_name_plural = _("Abrechnungen")
        constraints = [
            # A period is billed once; a correction cancels the first document.
            models.UniqueConstraint(
                fields=["contract", "period_start"],
                condition=models.Q(status="billed"),
                name="billing_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="billing_period_in_order",
            ),
        ]
        indexes = [models.Index(fields=["contract", "-period_end"], name="billing_latest")]

    def __str__(self) -> str:
        return f"{self.contract} {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"


class BillingLine(models.Model):
    document = models.ForeignKey(BillingDocument, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10)
    start = models.DateField()
    end = models.DateField()
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit = models.CharField(max_length=12)
    unit_price = models.DecimalField(max_digits=12, decimal_places=5)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=3)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="billing_line_position")
        ]

    def __str__(self) -> str:
        return self.text


class BillingRun(models.Model):
    """One `billing_run --date D`: resumable; a contract is done once per run and day."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Läuft")
        DONE = "done", _("Fertig")

    billing_date = models.DateField(_("Stichtag"), unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    contracts_done = models.PositiveIntegerField(default=0)
    document_count = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Abrechnungslauf")
        verbose_name_plural = _("Abrechnungsläufe")

    def __str__(self) -> str:
        return f"{self.billing_date:%d.%m.%Y}"


class BillingRunItem(models.Model):
    """A contract in a run: done (with how many documents) or failed with the reason."""

    class Outcome(models.TextChoices):
        BILLED = "billed", _("Abgerechnet")
        NOTHING_DUE = "nothing_due", _("Nichts fällig")
        ERROR = "error", _("Fehler")

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="items")
    contract = models.ForeignKey("supply.Contract", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "contract"], name="billing_run_contract_once")
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.contract_id}: {self.outcome}"


class BudgetBillingPlan(models.Model):
    """Abschlagsplan: the monthly instalments of a contract until its next bill. Replaced, never
    edited, when the amount changes."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Gültig")
        REPLACED = "replaced", _("Ersetzt")

    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, related_name="budget_plans"
    )
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices)
    instalment = models.DecimalField(_("Abschlag"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("Anlass"), max_length=200)
    based_on = models.ForeignKey(
        BillingDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Abschlagsplan")
        verbose_name_plural = _("Abschlagspläne")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(status="active"), name="one_active_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.instalment} €"


class BudgetInstalment(models.Model):
    plan = models.ForeignKey(BudgetBillingPlan, on_delete=models.CASCADE, related_name="dues")
    due_on = models.DateField(_("Fällig am"))
    amount = models.DecimalField(_("Betrag"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["plan", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="instalment_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.amount}"


class BudgetChangeRequest(models.Model):
    """A customer's wish for another Abschlag, with what the consumption justifies; outside
    the limits a person decides (a case in the billing queue)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Übernommen")
        PENDING = "pending", _("Zur Prüfung")
        APPROVED = "approved", _("Genehmigt")
        REJECTED = "rejected", _("Abgelehnt")

    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, related_name="budget_changes"
    )
    requested = models.DecimalField(_("Gewünscht"), max_digits=10, decimal_places=2)
    proposed = models.DecimalField(_("Vorschlag"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("Begründung"), max_length=300)
    channel = models.CharField(_("Kanal"), max_length=10)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices)
    case_number = models.CharField(_("Vorgang"), max_length=20, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("Entscheidung"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Abschlagsänderung")
        verbose_name_plural = _("Abschlagsänderungen")

    def __str__(self) -> str:
        return f"{self.contract}: {self.requested} € ({self.get_status_display()})"


class TariffOffer(models.Model):
    """A tariff offered for an annual consumption; accepting it switches the contract."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Angeboten")
        ACCEPTED = "accepted", _("Angenommen")

    partner = models.ForeignKey(
        "customers.BusinessPartner", on_delete=models.PROTECT, related_name="tariff_offers"
    )
    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tariff = models.ForeignKey("supply.Tariff", on_delete=models.PROTECT, related_name="+")
    consumption = models.DecimalField(_("Jahresverbrauch"), max_digits=12, decimal_places=0)
    annual_gross = models.DecimalField(_("Jahreskosten brutto"), max_digits=10, decimal_places=2)
    valid_until = models.DateField(_("Gültig bis"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    letter_number = models.CharField(_("Brief"), max_length=20, blank=True)
    switch_date = models.DateField(_("Wechsel zum"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Tarifangebot")
        verbose_name_plural = _("Tarifangebote")

    def __str__(self) -> str:
        return f"{self.partner} {self.tariff}: {self.annual_gross} €"


class Invoice(models.Model):
    """Rechnung: the bills of one contract account on one invoice, posted to the ledger.

    Gap-free numbers (the range row is locked in the invoice's transaction, so a failed
    invoice gives its number back). Never edited: a correction is a credit note that cancels
    the invoice, and a new invoice."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Rechnung")
        FINAL = "final", _("Schlussrechnung")
        CREDIT_NOTE = "credit_note", _("Gutschrift (Storno)")

    class Status(models.TextChoices):
        ISSUED = "issued", _("gestellt")
        CANCELLED = "cancelled", _("storniert")

    number = models.CharField(_("Rechnungsnummer"), max_length=20, unique=True)
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    account = models.ForeignKey(
        "customers.ContractAccount",
        verbose_name=_("Vertragskonto"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    issue_date = models.DateField(_("Rechnungsdatum"))
    due_date = models.DateField(_("Fällig am"))
    gross_total = models.DecimalField(_("Rechnungsbetrag"), max_digits=12, decimal_places=2)
    instalments = models.DecimalField(_("Angerechnete Abschläge"), max_digits=12, decimal_places=2)
    result = models.DecimalField(
        _("Ergebnis"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Positiv: Nachzahlung; negativ: Guthaben."),
    )
    documents = models.ManyToManyField(
        BillingDocument, through="InvoiceItem", related_name="invoices"
    )
    cancels = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="cancelled_by"
    )
    ledger_document = models.ForeignKey(
        "payments.LedgerDocument", on_delete=models.PROTECT, related_name="+"
    )
    letter_number = models.CharField(_("Brief"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Rechnung")
        verbose_name_plural = _("Rechnungen")
        ordering = ["-issue_date", "-number"]

    def __str__(self) -> str:
        return self.number


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="items")
    document = models.ForeignKey(BillingDocument, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "document"], name="invoice_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.document_id}"


class InvoiceInstalment(models.Model):
    """An Abschlag claim an invoice took into account (and cancelled as a claim)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="instalment_links")
    line = models.ForeignKey("payments.LedgerLine", on_delete=models.PROTECT, related_name="+")
    paid = models.DecimalField(max_digits=12, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.line_id}"
