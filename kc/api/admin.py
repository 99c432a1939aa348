from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kc.api.models import ApiToken, CtiToken, WebhookDelivery, WebhookEndpoint
from kc.api.services import set_new_secret


@admin.register(CtiToken)
class CtiTokenAdmin(admin.ModelAdmin[CtiToken]):
    """Shows a token's first characters only; the full value is shown once, on creation."""

    list_display = ["name", "prefix", "active", "created_at"]
    list_filter = ["active"]
    fields = ["name", "active", "prefix", "created_at"]
    readonly_fields = ["prefix", "created_at"]

    def save_model(self, request: HttpRequest, obj: CtiToken, form: Any, change: bool) -> None:
        raw = "" if change else set_new_secret(obj)
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _(
                    "Neues CTI-Token, es wird nur jetzt angezeigt. "
                    "Adresse für die Telefonanlage: /api/v1/cti/%(token)s"
                )
                % {"token": raw},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Like CTI tokens: the full value is shown once, on creation."""

    list_display = ["name", "prefix", "scopes", "active", "expires_at", "last_used_at"]
    list_filter = ["active"]
    fields = ["name", "scopes", "active", "expires_at", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        raw = "" if change else set_new_secret(obj)
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _("Neues API-Token, es wird nur jetzt angezeigt: %(token)s") % {"token": raw},
            )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ["name", "url", "events", "active"]
    list_filter = ["active"]
    fields = ["name", "url", "events", "secret", "active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """Read-only: deliveries are written by events and the sender."""

    list_display = ["created_at", "event", "endpoint", "status", "attempts", "response_code"]
    list_filter = ["status", "event", "endpoint"]
    readonly_fields = [
        "delivery_id",
        "endpoint",
        "event",
        "event_key",
        "payload",
        "status",
        "attempts",
        "next_try_at",
        "response_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
