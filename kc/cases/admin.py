from django.contrib import admin

from kc.cases.models import Case, Message, Queue, SlaTarget, TextModule
from kc.core.admin_audit import AuditedAdmin


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ("name", "team", "is_default")


@admin.register(TextModule)
class TextModuleAdmin(admin.ModelAdmin[TextModule]):
    list_display = ("title", "case_type", "active")
    list_filter = ("case_type", "active")
    search_fields = ("title", "body")


class MessageInline(admin.StackedInline[Message, Case]):
    model = Message
    extra = 0
    fields = ("kind", "created_at", "author", "sender", "subject", "body_text", "delivery")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Case)
class CaseAdmin(AuditedAdmin[Case]):
    list_display = ("number", "subject", "case_type", "status", "queue", "assignee", "received_at")
    list_filter = ("status", "case_type", "queue")
    search_fields = ("=number", "subject")
    raw_id_fields = ("partner", "assignee")
    readonly_fields = ("number", "received_at", "first_response_at", "resolved_at")
    number_range = "case"
    inlines = [MessageInline]
    show_full_result_count = False

    def audit_partner_id(self, obj: Case) -> int | None:
        return obj.partner_id


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin[SlaTarget]):
    list_display = ("case_type", "first_response_minutes", "resolution_minutes", "at_risk_percent")
