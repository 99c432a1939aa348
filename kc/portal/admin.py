from django.contrib import admin

from kc.core.admin_mixins import ReadOnlyAdmin
from kc.portal.models import ActivationCode, LoginEvent, PortalAccount, PortalMail


@admin.register(PortalAccount)
class PortalAccountAdmin(ReadOnlyAdmin, admin.ModelAdmin[PortalAccount]):
    list_display = ("partner", "user", "signup_method", "created_at", "email_verified_at")
    search_fields = ("partner__number", "user__email")


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin, admin.ModelAdmin[LoginEvent]):
    list_display = ("at", "account", "outcome", "ip_address")
    list_filter = ("outcome",)


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyAdmin, admin.ModelAdmin[ActivationCode]):
    list_display = ("partner", "created_at", "expires_at", "used_at", "letter_number")
    exclude = ("code_hash",)


@admin.register(PortalMail)
class PortalMailAdmin(ReadOnlyAdmin, admin.ModelAdmin[PortalMail]):
    list_display = ("created_at", "to", "subject", "state", "attempts")
    list_filter = ("state",)
