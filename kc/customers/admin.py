from django.contrib import admin

from kc.core.admin_audit import AuditedAdmin
from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress


class PostalAddressInline(admin.StackedInline[PostalAddress, BusinessPartner]):
    model = PostalAddress
    extra = 0


class ConsentInline(admin.TabularInline[Consent, BusinessPartner]):
    model = Consent
    extra = 0


@admin.register(BusinessPartner)
class BusinessPartnerAdmin(AuditedAdmin[BusinessPartner]):
    list_display = ("number", "display_name", "kind", "preferred_channel")
    search_fields = ("=number", "name_key", "=email_key")
    list_filter = ("kind", "preferred_channel")
    readonly_fields = ("number", "created_at", "updated_at")
    number_range = "customer"
    inlines = [PostalAddressInline, ConsentInline]
    show_full_result_count = False

    def audit_partner_id(self, obj: BusinessPartner) -> int | None:
        return obj.pk


@admin.register(ContractAccount)
class ContractAccountAdmin(AuditedAdmin[ContractAccount]):
    list_display = ("number", "partner", "payment_method", "masked_iban")
    search_fields = ("=number", "=iban")
    raw_id_fields = ("partner",)
    readonly_fields = ("number",)
    number_range = "contract_account"
    show_full_result_count = False

    def audit_partner_id(self, obj: ContractAccount) -> int | None:
        return obj.partner_id
