"""Programs, categories (dated terms) and yearly budgets are configured here; applications
are worked on the funding pages and are read-only in the admin."""

from django.contrib import admin

from kc.core.admin_mixins import ReadOnlyAdmin
from kc.funding.models import (
    ApplicationDocument,
    FundingApplication,
    FundingCategory,
    FundingProgram,
    ProgramBudget,
)


class CategoryInline(admin.TabularInline[FundingCategory, FundingProgram]):
    model = FundingCategory
    extra = 0
    fields = ("key", "label", "valid_from", "active", "amount_kind", "fixed_amount", "percent")
    show_change_link = True


class BudgetInline(admin.TabularInline[ProgramBudget, FundingProgram]):
    model = ProgramBudget
    extra = 0


@admin.register(FundingProgram)
class FundingProgramAdmin(admin.ModelAdmin[FundingProgram]):
    list_display = ("name", "active")
    inlines = [CategoryInline, BudgetInline]


@admin.register(FundingCategory)
class FundingCategoryAdmin(admin.ModelAdmin[FundingCategory]):
    list_display = (
        "label",
        "program",
        "key",
        "valid_from",
        "active",
        "amount_kind",
        "fixed_amount",
        "percent",
        "cap",
        "division",
    )
    list_filter = ("program", "active", "division")
    fieldsets = (
        (None, {"fields": ("program", "key", "label", "description", "active", "valid_from")}),
        ("Betrag", {"fields": ("amount_kind", "fixed_amount", "percent", "cap")}),
        (
            "Bedingungen",
            {
                "fields": (
                    "division",
                    "window_weeks",
                    "repeat_years",
                    "retention_years",
                    "clawback",
                    "required_documents",
                )
            },
        ),
    )


@admin.register(ProgramBudget)
class ProgramBudgetAdmin(admin.ModelAdmin[ProgramBudget]):
    list_display = ("program", "year", "amount")


class DocumentInline(ReadOnlyAdmin, admin.TabularInline[ApplicationDocument, FundingApplication]):
    model = ApplicationDocument
    fields = ("kind", "filename", "content_type", "size", "scan", "uploaded_at")
    readonly_fields = fields


@admin.register(FundingApplication)
class FundingApplicationAdmin(ReadOnlyAdmin, admin.ModelAdmin[FundingApplication]):
    list_display = ("number", "partner", "category", "status", "requested_amount", "applied_at")
    list_filter = ("status", "category__program")
    search_fields = ("number", "partner__number", "account__number")
    inlines = [DocumentInline]
