"""Dunning, the disconnection document, orders to the field service, proofs of payment.

A `DisconnectionCase` is the disconnection document of one supply contract: it drives the
legal chain (threat, agreement offer, announcement, order, execution) and the reconnection,
and its events are the log a utility must be able to show. Each step records the rule set that
applied on its date.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.customers.models import ContractAccount


class DunningLevel(models.Model):
    """One step of a dunning procedure: when it is due, what it costs, how long to pay."""

    class Procedure(models.TextChoices):
        HOUSEHOLD = "household", _("Haushaltskunden")
        BUSINESS = "business", _("Gewerbekunden")

    procedure = models.CharField(_("Verfahren"), max_length=10, choices=Procedure.choices)
    level = models.PositiveSmallIntegerField(_("Stufe"))
    name = models.CharField(_("Bezeichnung"), max_length=60)
    days_overdue = models.PositiveSmallIntegerField(
        _("Tage nach Fälligkeit"), help_text=_("Frühestens so viele Tage nach Fälligkeit.")
    )
    min_days_since_last = models.PositiveSmallIntegerField(
        _("Tage seit der letzten Mahnung"), default=14
    )
    fee = models.DecimalField(_("Mahngebühr"), max_digits=8, decimal_places=2)
    payment_days = models.PositiveSmallIntegerField(_("Zahlungsfrist (Tage)"), default=7)

    class Meta:
        verbose_name = _("Mahnstufe")
        verbose_name_plural = _("Mahnstufen")
        ordering = ["procedure", "level"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "level"], name="dunning_level_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} {self.level}: {self.name}"


class DunningNotice(models.Model):
    account = models.ForeignKey(
        ContractAccount, on_delete=models.PROTECT, related_name="dunning_notices"
    )
    level = models.PositiveSmallIntegerField(_("Stufe"))
    run_date = models.DateField(_("Mahnlauf"))
    amount = models.DecimalField(_("Überfällig"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("Gebühr"), max_digits=8, decimal_places=2)
    pay_by = models.DateField(_("Zahlbar bis"))
    letter_number = models.CharField(_("Brief"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Mahnung")
        verbose_name_plural = _("Mahnungen")
        ordering = ["-run_date", "-id"]
        constraints = [
            # A run date dunns an account once, however often the run is started.
            models.UniqueConstraint(fields=["account", "run_date"], name="dunning_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.run_date}: {self.level}"


class DunnedItem(models.Model):
    """The dunning level an open item has reached (the next notice raises it)."""

    line = models.ForeignKey("payments.LedgerLine", on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(DunningNotice, on_delete=models.CASCADE, related_name="items")
    level = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.line_id}: {self.level}"


class DisconnectionCase(models.Model):
    class Status(models.TextChoices):
        THREATENED = "threatened", _("Sperre angedroht")
        AGREEMENT = "agreement", _("Abwendungsvereinbarung läuft")
        ANNOUNCED = "announced", _("Sperre angekündigt")
        ORDERED = "ordered", _("Sperrauftrag erteilt")
        DISCONNECTED = "disconnected", _("gesperrt")
        RECONNECTION_ORDERED = "reconnecting", _("Entsperrung beauftragt")
        RECONNECTED = "reconnected", _("entsperrt")
        STOPPED = "stopped", _("eingestellt")

    OPEN = (
        Status.THREATENED,
        Status.AGREEMENT,
        Status.ANNOUNCED,
        Status.ORDERED,
        Status.DISCONNECTED,
        Status.RECONNECTION_ORDERED,
    )

    number = models.CharField(_("Sperrvorgang"), max_length=20, unique=True)
    account = models.ForeignKey(
        ContractAccount, on_delete=models.PROTECT, related_name="disconnection_cases"
    )
    contract = models.ForeignKey(
        "supply.Contract", on_delete=models.PROTECT, related_name="disconnection_cases"
    )
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices)
    rule_set = models.CharField(_("Regelwerk"), max_length=40)
    arrears = models.DecimalField(_("Rückstand bei Androhung"), max_digits=12, decimal_places=2)
    threshold = models.DecimalField(_("Mindestrückstand"), max_digits=12, decimal_places=2)
    threat_sent_on = models.DateField(_("Androhung versandt"))
    earliest_on = models.DateField(_("Sperre frühestens am"))
    agreement_requested_on = models.DateField(_("Vereinbarung erbeten"), null=True, blank=True)
    agreement_offered_on = models.DateField(_("Vereinbarung angeboten"), null=True, blank=True)
    announced_on = models.DateField(_("Ankündigung versandt"), null=True, blank=True)
    planned_on = models.DateField(_("Sperrtermin"), null=True, blank=True)
    executed_at = models.DateTimeField(_("Gesperrt am"), null=True, blank=True)
    costs = models.DecimalField(
        _("Kosten Sperrung und Entsperrung"), max_digits=8, decimal_places=2, default=0
    )
    proof_received_at = models.DateTimeField(_("Zahlbeleg eingegangen"), null=True, blank=True)
    reconnection_ordered_at = models.DateTimeField(
        _("Entsperrung beauftragt"), null=True, blank=True
    )
    reconnected_at = models.DateTimeField(_("Entsperrt am"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(_("Grund der Einstellung"), max_length=300, blank=True)
    case_number = models.CharField(_("Vorgang"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Sperrvorgang")
        verbose_name_plural = _("Sperrvorgänge")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(
                    status__in=[
                        "threatened",
                        "agreement",
                        "announced",
                        "ordered",
                        "disconnected",
                        "reconnecting",
                    ]
                ),
                name="one_open_disconnection_per_contract",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DisconnectionEvent(models.Model):
    """The log of the disconnection document: every step, with its date, text and author."""

    case = models.ForeignKey(DisconnectionCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=500)
    actor = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_number = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class InstallmentPlan(models.Model):
    """Abwendungsvereinbarung (§41g EnWG): interest-free instalments that avert the stop."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("angeboten")
        ACCEPTED = "accepted", _("angenommen")
        BROKEN = "broken", _("nicht eingehalten")
        DECLINED = "declined", _("abgelehnt")

    case = models.ForeignKey(
        DisconnectionCase, on_delete=models.PROTECT, related_name="installment_plans"
    )
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("Monatsraten"))
    first_due_on = models.DateField(_("Erste Rate am"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    letter_number = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Abwendungsvereinbarung")
        verbose_name_plural = _("Abwendungsvereinbarungen")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.months} × {self.amount}"


class FieldOrder(models.Model):
    """An order to the grid operator or field service: disconnect or reconnect a meter."""

    class Kind(models.TextChoices):
        DISCONNECT = "disconnect", _("Sperrung")
        RECONNECT = "reconnect", _("Entsperrung")

    class Status(models.TextChoices):
        SENT = "sent", _("erteilt")
        DONE = "done", _("ausgeführt")
        FAILED = "failed", _("nicht ausgeführt")
        CANCELLED = "cancelled", _("storniert")

    number = models.CharField(_("Auftrag"), max_length=20, unique=True)
    case = models.ForeignKey(DisconnectionCase, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(_("Priorität"), default=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    planned_on = models.DateField(_("Termin"))
    sent_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    meter_reading = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("Außendienstauftrag")
        verbose_name_plural = _("Außendienstaufträge")
        ordering = ["-priority", "sent_at"]

    def __str__(self) -> str:
        return self.number


class PaymentProof(models.Model):
    """Zahlbeleg: a receipt from the portal, an e-mail or the window, read and matched."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Kundenportal")
        EMAIL = "email", _("E-Mail")
        WINDOW = "window", _("Kunden-Center (Fenster)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("eingegangen")
        READ = "read", _("gelesen")
        COVERS = "covers", _("deckt den Betrag")
        PARTIAL = "partial", _("deckt nicht alles")
        UNREADABLE = "unreadable", _("nicht lesbar")
        MISMATCH = "mismatch", _("passt nicht zum Kunden")
        ACCEPTED = "accepted", _("anerkannt")
        REJECTED = "rejected", _("abgelehnt")

    account = models.ForeignKey(ContractAccount, on_delete=models.PROTECT, related_name="proofs")
    case = models.ForeignKey(
        DisconnectionCase, null=True, blank=True, on_delete=models.PROTECT, related_name="proofs"
    )
    source = models.CharField(_("Kanal"), max_length=8, choices=Source.choices)
    file = models.FileField(upload_to="proofs/%Y/%m/")
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64, db_index=True)
    scan = models.CharField(_("Virenprüfung"), max_length=10, default="pending")
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    ocr_text = models.TextField(blank=True)
    amount = models.DecimalField(
        _("Betrag"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    paid_on = models.DateField(_("Zahlungsdatum"), null=True, blank=True)
    payer_iban = models.CharField(_("IBAN Zahler"), max_length=34, blank=True)
    reference = models.CharField(_("Verwendungszweck"), max_length=300, blank=True)
    needed = models.DecimalField(
        _("Benötigt"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)
    # Why the receipt may not prove a new payment (sent before, or paid before the threat):
    # then only a person accepts it, with a reason.
    doubt = models.CharField(_("Zweifel"), max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Zahlbeleg")
        verbose_name_plural = _("Zahlbelege")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.account} {self.received_at:%d.%m.%Y}"
