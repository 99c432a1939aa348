"""Creditor settings are edited here; postings, files and bank entries are read-only."""

from django.contrib import admin

from kc.core.admin_mixins import ReadOnlyAdmin
from kc.payments.models import (
    BankImport,
    BankTransaction,
    Creditor,
    DirectDebitFile,
    LedgerDocument,
    LedgerLine,
    Payout,
    PayoutFile,
    SepaMandate,
)


@admin.register(Creditor)
class CreditorAdmin(admin.ModelAdmin[Creditor]):
    list_display = ("name", "creditor_id", "iban", "pre_notification_days", "created_at")


class LineInline(ReadOnlyAdmin, admin.TabularInline[LedgerLine, LedgerDocument]):
    model = LedgerLine
    fields = ("side", "amount", "due_on", "text", "prenotified_on", "contract")
    readonly_fields = fields


@admin.register(LedgerDocument)
class LedgerDocumentAdmin(ReadOnlyAdmin, admin.ModelAdmin[LedgerDocument]):
    list_display = ("number", "kind", "account", "booking_date", "text", "reference")
    list_filter = ("kind",)
    search_fields = ("number", "reference", "account__number", "source")
    inlines = [LineInline]


@admin.register(SepaMandate)
class SepaMandateAdmin(ReadOnlyAdmin, admin.ModelAdmin[SepaMandate]):
    list_display = ("reference", "account", "status", "scheme", "signed_on", "last_used_on")
    list_filter = ("status", "scheme", "origin")
    search_fields = ("reference", "account__number")
    exclude = ("iban",)
    readonly_fields = ("masked_iban",)


@admin.register(DirectDebitFile)
class DirectDebitFileAdmin(ReadOnlyAdmin, admin.ModelAdmin[DirectDebitFile]):
    list_display = ("message_id", "collection_date", "status", "count", "total", "released_at")
    list_filter = ("status",)


@admin.register(PayoutFile)
class PayoutFileAdmin(ReadOnlyAdmin, admin.ModelAdmin[PayoutFile]):
    list_display = ("message_id", "execution_date", "status", "count", "total", "released_at")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin, admin.ModelAdmin[Payout]):
    list_display = ("account", "amount", "purpose", "status", "created_at")
    list_filter = ("status",)
    exclude = ("iban",)


@admin.register(BankImport)
class BankImportAdmin(ReadOnlyAdmin, admin.ModelAdmin[BankImport]):
    list_display = ("filename", "kind", "imported_at", "entries", "matched", "returns", "unmatched")


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnlyAdmin, admin.ModelAdmin[BankTransaction]):
    list_display = (
        "booking_date",
        "amount",
        "direction",
        "outcome",
        "counterparty_name",
        "case_number",
    )
    list_filter = ("outcome", "direction")
    search_fields = ("reference", "counterparty_name", "end_to_end_id")
