"""Billing documents and runs, read-only: a document is never edited, a correction cancels it
and bills the period again."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kc.billing.models import (
    BillingDocument,
    BillingLine,
    BillingRun,
    BillingRunItem,
    BudgetBillingPlan,
    BudgetChangeRequest,
    BudgetInstalment,
)
from kc.core.admin_mixins import ReadOnlyAdmin as ReadOnly


class LineInline(ReadOnly, admin.TabularInline[BillingLine, BillingDocument]):
    model = BillingLine
    fields = ("position", "text", "quantity", "unit", "unit_price", "net", "vat_rate")
    readonly_fields = fields


@admin.register(BillingDocument)
class BillingDocumentAdmin(ReadOnly, admin.ModelAdmin[BillingDocument]):
    list_display = ("contract", "kind", "period_start", "period_end", "gross_total", "status")
    list_filter = ("kind", "status")
    search_fields = ("=contract__number",)
    raw_id_fields = ("contract", "start_reading", "end_reading", "run")
    inlines = [LineInline]
    show_full_result_count = False


class RunItemInline(ReadOnly, admin.TabularInline[BillingRunItem, BillingRun]):
    model = BillingRunItem
    fields = ("contract", "outcome", "message")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).exclude(outcome="nothing_due")


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnly, admin.ModelAdmin[BillingRun]):
    list_display = ("billing_date", "status", "contracts_done", "document_count", "errors")
    inlines = [RunItemInline]


class InstalmentInline(ReadOnly, admin.TabularInline[BudgetInstalment, BudgetBillingPlan]):
    model = BudgetInstalment
    fields = ("due_on", "amount")
    readonly_fields = fields


@admin.register(BudgetBillingPlan)
class BudgetBillingPlanAdmin(ReadOnly, admin.ModelAdmin[BudgetBillingPlan]):
    list_display = ("contract", "instalment", "status", "reason", "created_at")
    list_filter = ("status",)
    search_fields = ("=contract__number",)
    raw_id_fields = ("contract", "based_on", "created_by")
    inlines = [InstalmentInline]


@admin.register(BudgetChangeRequest)
class BudgetChangeRequestAdmin(ReadOnly, admin.ModelAdmin[BudgetChangeRequest]):
    list_display = ("contract", "requested", "proposed", "status", "case_number", "requested_at")
    list_filter = ("status", "channel")
    search_fields = ("=contract__number", "=case_number")
    raw_id_fields = ("contract", "requested_by", "decided_by")
