from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kc.core.admin_audit import AuditedAdmin
from kc.supply.models import (
    Contract,
    GasCalorificValue,
    GasConversionFactor,
    MarketLocation,
    Meter,
    MeterReading,
    Premise,
    PriceSheet,
    Register,
    Tariff,
)


class PriceSheetInline(admin.TabularInline[PriceSheet, Tariff]):
    model = PriceSheet
    extra = 0


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin[Tariff]):
    list_display = ("code", "name", "division", "is_default_supply", "active")
    list_filter = ("division", "active")
    inlines = [PriceSheetInline]


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin[Premise]):
    list_display = ("__str__", "postal_code", "city")
    search_fields = ("street_key", "=postal_code")
    show_full_result_count = False


@admin.register(MarketLocation)
class MarketLocationAdmin(admin.ModelAdmin[MarketLocation]):
    list_display = ("malo_id", "division", "premise", "gas_network_area")
    search_fields = ("=malo_id",)
    raw_id_fields = ("premise",)
    show_full_result_count = False


@admin.register(Contract)
class ContractAdmin(AuditedAdmin[Contract]):
    list_display = ("number", "division", "account", "tariff", "start_date", "end_date")
    search_fields = ("=number",)
    list_filter = ("division",)
    raw_id_fields = ("account", "market_location")
    readonly_fields = ("number",)
    number_range = "contract"
    show_full_result_count = False

    def audit_partner_id(self, obj: Contract) -> int | None:
        return obj.account.partner_id


class RegisterInline(admin.TabularInline[Register, Meter]):
    model = Register
    extra = 0


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin[Meter]):
    list_display = ("number", "division", "kind", "market_location", "installed_on")
    search_fields = ("=number",)
    raw_id_fields = ("market_location",)
    inlines = [RegisterInline]
    show_full_result_count = False


@admin.register(MeterReading)
class MeterReadingAdmin(admin.ModelAdmin[MeterReading]):
    list_display = (
        "register",
        "read_on",
        "value",
        "reason",
        "source",
        "estimated",
        "plausibility",
        "needs_review",
        "photo_scan",
    )
    list_filter = ("reason", "source", "estimated", "needs_review", "plausibility", "photo_scan")
    raw_id_fields = ("register",)
    # The photo is named, not linked: a file still waiting for clamd is never handed out here.
    exclude = ("photo",)
    readonly_fields = ("plausibility", "photo_name", "photo_scan")
    show_full_result_count = False

    @admin.display(description=_("Foto des Zählers"))
    def photo_name(self, obj: MeterReading) -> str:
        return obj.photo.name or "–"


@admin.register(GasCalorificValue)
class GasCalorificValueAdmin(admin.ModelAdmin[GasCalorificValue]):
    list_display = ("network_area", "valid_from", "valid_to", "value_kwh_per_m3")
    list_filter = ("network_area",)
    search_fields = ("=network_area",)
    date_hierarchy = "valid_from"


@admin.register(GasConversionFactor)
class GasConversionFactorAdmin(admin.ModelAdmin[GasConversionFactor]):
    list_display = ("market_location", "valid_from", "z_number")
    search_fields = ("=market_location__malo_id",)
    raw_id_fields = ("market_location",)
    show_full_result_count = False
