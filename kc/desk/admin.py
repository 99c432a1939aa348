from django.contrib import admin
from django.http import HttpRequest

from kc.desk.models import Presence, PresenceEvent, Shift


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin[Presence]):
    """Read-only: presence changes go through kc.desk.presence, which writes the history."""

    list_display = ("user", "day", "location", "state", "state_since", "source", "updated_at")
    list_filter = ("day", "location", "state", "source")
    search_fields = ("user__username", "user__last_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Presence | None = None) -> bool:
        return False


@admin.register(PresenceEvent)
class PresenceEventAdmin(admin.ModelAdmin[PresenceEvent]):
    """The append-only history: nobody adds, changes or deletes here."""

    list_display = ("at", "user", "location", "state", "source", "note")
    list_filter = ("location", "state", "source")
    search_fields = ("user__username", "user__last_name")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PresenceEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PresenceEvent | None = None) -> bool:
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    list_display = ("day", "start", "end", "user", "location")
    list_filter = ("location",)
    search_fields = ("user__username", "user__last_name")
    date_hierarchy = "day"
    raw_id_fields = ("user",)
