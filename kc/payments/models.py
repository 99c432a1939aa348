"""Open items, SEPA mandates, direct-debit and payout files, bank imports.

The ledger is double-entry in miniature: every `LedgerDocument` has lines that sum to zero,
one side on the customer's contract account (what they owe, positive; what they paid or are
owed, negative), the other on an offset (revenue, bank, fees, write-off). Documents and lines
are never changed or deleted; a mistake is undone by a reversal document. Which customer lines
settle which is recorded by append-only `Clearing` rows, so an item's open amount is its
amount minus its clearings, and a returned debit re-opens the item by a negative clearing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kc.customers.models import ContractAccount


class ImmutableError(RuntimeError):
    """A posting was about to be changed or deleted."""


class AppendOnly(models.Model):
    """Rows that are written once; corrections are new rows (reversal, negative clearing)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} {self.pk} is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError(f"{type(self).__name__} {self.pk} is immutable")


class Creditor(models.Model):
    """The utility as SEPA creditor; the newest row is the one in use."""

    name = models.CharField(_("Name"), max_length=70)
    creditor_id = models.CharField(_("Gläubiger-ID"), max_length=35)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    pre_notification_days = models.PositiveSmallIntegerField(
        _("Vorabankündigung (Tage)"),
        default=14,
        help_text=_("Mindestabstand zwischen Vorabankündigung und Einzug (SEPA: 14 Tage)."),
    )
    return_fee = models.DecimalField(
        _("Rücklastschriftgebühr"), max_digits=8, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Gläubiger (SEPA)")
        verbose_name_plural = _("Gläubiger (SEPA)")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.creditor_id})"

    def clean(self) -> None:
        from kc.payments import identifiers

        errors = {}
        try:
            self.creditor_id = identifiers.validate_creditor_id(self.creditor_id)
        except ValidationError as error:
            errors["creditor_id"] = error.messages
        try:
            self.iban, derived_bic = identifiers.validate_iban(self.iban)
            self.bic = self.bic.strip().upper() or derived_bic
        except ValidationError as error:
            errors["iban"] = error.messages
        if errors:
            raise ValidationError(errors)


class SepaMandate(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("aktiv")
        REVOKED = "revoked", _("widerrufen")
        EXPIRED = "expired", _("verfallen")
        BLOCKED = "blocked", pgettext_lazy("SEPA mandate status", "gesperrt")

    class Origin(models.TextChoices):
        PAPER = "paper", _("Papier")
        ELECTRONIC = "electronic", _("elektronisch")

    class Scheme(models.TextChoices):
        CORE = "CORE", _("SEPA-Basislastschrift")
        B2B = "B2B", _("SEPA-Firmenlastschrift")

    account = models.ForeignKey(
        ContractAccount,
        verbose_name=_("Vertragskonto"),
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="mandates")
    reference = models.CharField(_("Mandatsreferenz"), max_length=35)
    scheme = models.CharField(_("Verfahren"), max_length=4, choices=Scheme.choices)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(_("Kontoinhaber/in"), max_length=70)
    signed_on = models.DateField(_("Unterschrieben am"))
    origin = models.CharField(_("Herkunft"), max_length=10, choices=Origin.choices)
    status = models.CharField(
        _("Status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    pre_notification_days = models.PositiveSmallIntegerField(
        _("Vorabankündigung (Tage)"),
        null=True,
        blank=True,
        help_text=_("Nur wenn mit der Kundin/dem Kunden eine kürzere Frist vereinbart ist."),
    )
    last_used_on = models.DateField(_("Zuletzt genutzt"), null=True, blank=True)
    # The next file carries these (AmdmntInfDtls) so the debtor's bank accepts the change.
    amended_from_iban = models.CharField(max_length=34, blank=True)
    amended_bank_changed = models.BooleanField(default=False)
    amended_from_reference = models.CharField(max_length=35, blank=True)
    ended_on = models.DateField(_("Beendet am"), null=True, blank=True)
    end_reason = models.CharField(_("Grund"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("SEPA-Mandat")
        verbose_name_plural = _("SEPA-Mandate")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "reference"], name="mandate_reference_unique_per_creditor"
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="active"),
                name="one_active_mandate_per_account",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} **** {self.iban[-4:]}"

    @property
    def has_pending_amendment(self) -> bool:
        return bool(self.amended_from_iban or self.amended_from_reference)


class LedgerDocument(AppendOnly):
    """A posting (Beleg): balanced lines, traceable to where it came from."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Rechnung")
        CREDIT_NOTE = "credit_note", _("Gutschrift")
        INSTALMENT = "instalment", _("Abschlagsforderung")
        FEE = "fee", _("Gebühr")
        PAYMENT = "payment", _("Zahlung")
        DIRECT_DEBIT = "direct_debit", _("Lastschrifteinzug")
        RETURN = "return", _("Rücklastschrift")
        PAYOUT = "payout", _("Auszahlung")
        WRITE_OFF = "write_off", _("Ausbuchung")
        REVERSAL = "reversal", _("Storno")

    number = models.CharField(_("Belegnummer"), max_length=20, unique=True)
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    account = models.ForeignKey(
        ContractAccount,
        verbose_name=_("Vertragskonto"),
        on_delete=models.PROTECT,
        related_name="ledger_documents",
    )
    booking_date = models.DateField(_("Buchungsdatum"))
    text = models.CharField(_("Text"), max_length=200)
    # What the customer quotes when paying by transfer (e.g. the invoice number).
    reference = models.CharField(_("Referenz"), max_length=35, blank=True, db_index=True)
    # Where the posting comes from, e.g. "billing.invoice:R00000012" or "bank:<entry key>".
    source = models.CharField(_("Herkunft"), max_length=120)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_at = models.DateTimeField(_("Gebucht"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Buchungsbeleg")
        verbose_name_plural = _("Buchungsbelege")
        ordering = ["-booking_date", "-id"]
        constraints = [
            # One posting per source and kind: a second import or run finds it instead.
            models.UniqueConstraint(fields=["source", "kind"], name="ledger_document_source_once"),
        ]

    def __str__(self) -> str:
        return self.number


class LedgerLine(AppendOnly):
    class Offset(models.TextChoices):
        CUSTOMER = "customer", _("Kunde")
        REVENUE = "revenue", _("Erlöse")
        INSTALMENT_CLAIMS = "instalments", _("Abschlagsanforderungen")
        BANK = "bank", _("Bank")
        FEES = "fees", _("Gebührenerlöse")
        WRITE_OFF = "write_off", _("Forderungsverluste")

    document = models.ForeignKey(LedgerDocument, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        ContractAccount, on_delete=models.PROTECT, related_name="ledger_lines"
    )
    side = models.CharField(max_length=12, choices=Offset.choices)
    # Customer side: positive = the customer owes it, negative = paid or owed to the customer.
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    due_on = models.DateField(_("Fällig am"), null=True, blank=True)
    contract = models.ForeignKey(
        "supply.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("Text"), max_length=200)
    # When the debtor was told the amount and date (SEPA pre-notification), if it is debited.
    prenotified_on = models.DateField(_("Vorab angekündigt am"), null=True, blank=True)
    disputed = models.BooleanField(_("Bestritten"), default=False)

    class Meta:
        verbose_name = _("Buchungszeile")
        verbose_name_plural = _("Buchungszeilen")
        indexes = [models.Index(fields=["account", "side", "due_on"])]

    def __str__(self) -> str:
        return f"{self.document.number}: {self.amount}"


class Clearing(AppendOnly):
    """`amount` of a receivable line settled by a credit line; negative undoes a settlement."""

    receivable = models.ForeignKey(
        LedgerLine, on_delete=models.PROTECT, related_name="clearings_as_receivable"
    )
    credit = models.ForeignKey(
        LedgerLine, on_delete=models.PROTECT, related_name="clearings_as_credit"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    document = models.ForeignKey(LedgerDocument, on_delete=models.PROTECT, related_name="clearings")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.receivable_id} ← {self.credit_id}: {self.amount}"


class DirectDebitFile(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        RELEASED = "released", _("freigegeben")
        DISCARDED = "discarded", _("verworfen")

    message_id = models.CharField(_("Nachrichten-ID"), max_length=35, unique=True)
    collection_date = models.DateField(_("Einzugsdatum"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    path = models.CharField(_("Datei"), max_length=500)
    sha256 = models.CharField(max_length=64)
    count = models.PositiveIntegerField(_("Anzahl"))
    total = models.DecimalField(_("Summe"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("Lastschriftdatei")
        verbose_name_plural = _("Lastschriftdateien")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.message_id


class DirectDebitItem(models.Model):
    file = models.ForeignKey(DirectDebitFile, on_delete=models.CASCADE, related_name="items")
    receivable = models.ForeignKey(LedgerLine, on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey(SepaMandate, on_delete=models.PROTECT, related_name="+")
    end_to_end_id = models.CharField(max_length=35, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The account the file debits: release refuses a file whose mandate changed since.
    debtor_iban = models.CharField(max_length=34, default="")
    # Set on release: the posting that collected it (and that a return reverses).
    collected = models.ForeignKey(
        LedgerDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            # Whatever happens to drafts, an item is collected by one released file only.
            models.UniqueConstraint(
                fields=["receivable"],
                condition=models.Q(collected__isnull=False),
                name="receivable_collected_once",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class Payout(models.Model):
    """Money to a customer: a credit balance, a refund or a funding grant (pain.001)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("angewiesen")
        IN_FILE = "in_file", _("in Datei")
        PAID = "paid", _("ausgezahlt")
        CANCELLED = "cancelled", _("storniert")

    account = models.ForeignKey(ContractAccount, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    name = models.CharField(_("Empfänger"), max_length=70)
    purpose = models.CharField(_("Verwendungszweck"), max_length=140)
    source = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    file = models.ForeignKey(
        "PayoutFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="payouts"
    )
    end_to_end_id = models.CharField(max_length=35, unique=True)
    posted = models.ForeignKey(
        LedgerDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Auszahlung")
        verbose_name_plural = _("Auszahlungen")

    def __str__(self) -> str:
        return self.end_to_end_id


class PayoutFile(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        RELEASED = "released", _("freigegeben")
        DISCARDED = "discarded", _("verworfen")

    message_id = models.CharField(max_length=35, unique=True)
    execution_date = models.DateField(_("Ausführungsdatum"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    count = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Überweisungsdatei")
        verbose_name_plural = _("Überweisungsdateien")

    def __str__(self) -> str:
        return self.message_id


class BankImport(models.Model):
    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(_("Datei"), max_length=255)
    kind = models.CharField(_("Art"), max_length=10)
    message_id = models.CharField(max_length=35)
    imported_at = models.DateTimeField(auto_now_add=True)
    entries = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Bankdatei")
        verbose_name_plural = _("Bankdateien")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.filename


class BankTransaction(models.Model):
    """One entry of a bank file, kept once by its bank key, with what became of it."""

    class Outcome(models.TextChoices):
        PAYMENT = "payment", _("Zahlung gebucht")
        RETURN = "return", _("Rücklastschrift gebucht")
        REJECT = "reject", _("Abgelehnt von der Bank")
        UNMATCHED = "unmatched", _("Nicht zugeordnet")
        ASSIGNED = "assigned", _("Manuell zugeordnet")
        IGNORED = "ignored", _("Ohne Buchung")

    bank_import = models.ForeignKey(
        BankImport, on_delete=models.PROTECT, related_name="transactions"
    )
    key = models.CharField(max_length=100, unique=True)
    direction = models.CharField(max_length=6)
    amount = models.DecimalField(_("Betrag"), max_digits=12, decimal_places=2)
    booking_date = models.DateField(_("Buchungstag"), null=True, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    reference = models.CharField(_("Verwendungszweck"), max_length=300, blank=True)
    counterparty_name = models.CharField(_("Name"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    return_reason = models.CharField(_("Rückgabegrund"), max_length=4, blank=True)
    outcome = models.CharField(_("Ergebnis"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("Hinweis"), max_length=300, blank=True)
    account = models.ForeignKey(
        ContractAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.ForeignKey(
        LedgerDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_number = models.CharField(_("Vorgang"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("Bankumsatz")
        verbose_name_plural = _("Bankumsätze")
        ordering = ["-booking_date", "-id"]
        indexes = [models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return self.key
