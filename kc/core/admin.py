from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from kc.core.models import (
    AuditLogEntry,
    CalendarSetting,
    NumberRange,
    Team,
    User,
    WorkerHeartbeat,
)

admin.site.site_header = "Kundencenter"
admin.site.site_title = "Kundencenter"


@admin.register(User)
class StaffAdmin(UserAdmin[User]):
    list_display = ("username", "first_name", "last_name", "team", "is_active", "last_login")
    list_filter = ("team", "groups", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Kundencenter", {"fields": ("team",)}))  # type: ignore[misc]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "kind")


@admin.register(NumberRange)
class NumberRangeAdmin(admin.ModelAdmin[NumberRange]):
    list_display = ("key", "prefix", "next_value", "max_value", "width")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Moving next_value backwards would hand out numbers twice.
        return ("key", "next_value") if obj else ()


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin[AuditLogEntry]):
    list_display = (
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_repr",
        "ip_address",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_repr", "object_id", "=partner_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin[WorkerHeartbeat]):
    list_display = ("hostname", "pid", "started_at", "seen_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CalendarSetting)
class CalendarSettingAdmin(admin.ModelAdmin[CalendarSetting]):
    list_display = ("name", "is_default")
