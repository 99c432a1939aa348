"""What is supplied where: premises, market locations, contracts, meters, readings, tariffs."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kc.core.validators import validate_malo_id
from kc.customers.models import AddressFields, ContractAccount


class Division(models.TextChoices):
    POWER = "power", _("Strom")
    GAS = "gas", _("Gas")
    WATER = "water", _("Wasser")
    HEAT = "heat", _("Fernwärme")


class Unit(models.TextChoices):
    KWH = "kWh", "kWh"
    CUBIC_METRE = "m3", "m³"


class Premise(AddressFields):
    """Verbrauchsstelle: the place where energy or water is used."""

    description = models.CharField(_("Lage"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Verbrauchsstelle")
        verbose_name_plural = _("Verbrauchsstellen")
        indexes = [
            models.Index(fields=["street_key", "house_number"], name="premise_street"),
            models.Index(fields=["postal_code"], name="premise_postal_code"),
            models.Index(fields=["city_key"], name="premise_city"),
        ]

    def __str__(self) -> str:
        suffix = f" ({self.description})" if self.description else ""
        return f"{self.street_line}, {self.city_line}{suffix}"


class MarketLocation(models.Model):
    malo_id = models.CharField(
        _("MaLo-ID"), max_length=11, unique=True, validators=[validate_malo_id]
    )
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="market_locations")
    division = models.CharField(_("Sparte"), max_length=8, choices=Division.choices)
    # Gas only: the grid operator's network area (Brennwertbezirk) whose published calorific
    # values (GasCalorificValue) convert the m³ of a meter here into kWh.
    gas_network_area = models.CharField(
        _("Netzgebiet (Brennwertbezirk)"), max_length=40, blank=True
    )

    class Meta:
        verbose_name = _("Marktlokation")
        verbose_name_plural = _("Marktlokationen")

    def __str__(self) -> str:
        return self.malo_id


class Tariff(models.Model):
    code = models.SlugField(_("Kürzel"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=100)
    division = models.CharField(_("Sparte"), max_length=8, choices=Division.choices)
    is_default_supply = models.BooleanField(_("Grundversorgung"), default=False)
    active = models.BooleanField(_("Bestellbar"), default=True)
    bonus = models.DecimalField(
        _("Neukundenbonus brutto (€, einmalig)"), max_digits=8, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("Tarif")
        verbose_name_plural = _("Tarife")
        ordering = ["division", "name"]

    def __str__(self) -> str:
        return self.name


class PriceSheet(models.Model):
    """Net prices of a tariff from a date on; VAT comes from the dated rule set (vat.py)."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="price_sheets")
    valid_from = models.DateField(_("Gültig ab"))
    base_price_per_year = models.DecimalField(
        _("Grundpreis netto (€/Jahr)"), max_digits=10, decimal_places=2
    )
    working_price = models.DecimalField(
        _("Arbeitspreis netto (€/Einheit)"), max_digits=10, decimal_places=5
    )

    class Meta:
        verbose_name = _("Preisblatt")
        verbose_name_plural = _("Preisblätter")
        ordering = ["tariff", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "valid_from"], name="pricesheet_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(base_price_per_year__gte=0, working_price__gte=0),
                name="pricesheet_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tariff} ab {self.valid_from:%d.%m.%Y}"


class Contract(models.Model):
    number = models.CharField(_("Vertragsnummer"), max_length=20, unique=True)
    account = models.ForeignKey(ContractAccount, on_delete=models.PROTECT, related_name="contracts")
    market_location = models.ForeignKey(
        MarketLocation, on_delete=models.PROTECT, related_name="contracts"
    )
    division = models.CharField(_("Sparte"), max_length=8, choices=Division.choices)
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="contracts")
    start_date = models.DateField(_("Lieferbeginn"))
    end_date = models.DateField(_("Lieferende"), null=True, blank=True)

    class Meta:
        verbose_name = _("Vertrag")
        verbose_name_plural = _("Verträge")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_division_display()})"


class Meter(models.Model):
    class Kind(models.TextChoices):
        CONVENTIONAL = "conventional", _("Konventioneller Zähler")
        MODERN = "modern", _("Moderne Messeinrichtung")
        SMART = "smart", _("Intelligentes Messsystem")

    number = models.CharField(_("Zählernummer"), max_length=30, unique=True)
    division = models.CharField(_("Sparte"), max_length=8, choices=Division.choices)
    kind = models.CharField(_("Bauart"), max_length=12, choices=Kind.choices)
    market_location = models.ForeignKey(
        MarketLocation, on_delete=models.PROTECT, related_name="meters", null=True, blank=True
    )
    installed_on = models.DateField(_("Eingebaut am"))
    removed_on = models.DateField(_("Ausgebaut am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Zähler")
        verbose_name_plural = _("Zähler")

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.number = self.number.strip().upper()
        super().save(*args, **kwargs)


class Register(models.Model):
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="registers")
    obis_code = models.CharField(_("OBIS-Kennzahl"), max_length=20)
    unit = models.CharField(_("Einheit"), max_length=4, choices=Unit.choices)
    digits = models.PositiveSmallIntegerField(_("Vorkommastellen"), default=6)
    description = models.CharField(_("Bezeichnung"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("Zählwerk")
        verbose_name_plural = _("Zählwerke")
        constraints = [
            models.UniqueConstraint(fields=["meter", "obis_code"], name="register_unique_obis"),
        ]

    def __str__(self) -> str:
        return f"{self.meter.number} {self.obis_code}"


class MeterReading(models.Model):
    class Reason(models.TextChoices):
        PERIODIC = "periodic", _("Turnusablesung")
        MOVE_IN = "move_in", _("Einzug")
        MOVE_OUT = "move_out", _("Auszug")
        INTERIM = "interim", _("Zwischenablesung")
        CONTROL = "control", _("Kontrollablesung")
        METER_CHANGE = "meter_change", _("Zählerwechsel")

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("Kunde")
        METER_READER = "meter_reader", _("Ableser/in")
        GRID_OPERATOR = "grid_operator", _("Netzbetreiber")
        SMART_METER = "smart_meter", _("Messsystem")
        UTILITY = "utility", _("Versorger (geschätzt)")

    class Plausibility(models.TextChoices):
        """The verdict of kc.supply.plausibility on a customer's reading ("" unchecked)."""

        OK = "ok", _("plausibel")
        HIGH = "high", _("auffällig hoch")
        LOW = "low", _("auffällig niedrig")
        NO_HISTORY = "no_history", _("ohne Vergleichswert")

    class PhotoScan(models.TextChoices):
        PENDING = "pending", _("Virenprüfung ausstehend")
        CLEAN = "clean", _("geprüft, sauber")
        INFECTED = "infected", _("Schadsoftware, Foto gelöscht")
        FAILED = "failed", _("nicht prüfbar")

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="readings")
    read_on = models.DateField(_("Ablesedatum"))
    value = models.DecimalField(_("Zählerstand"), max_digits=12, decimal_places=3)
    reason = models.CharField(_("Anlass"), max_length=14, choices=Reason.choices)
    source = models.CharField(_("Quelle"), max_length=14, choices=Source.choices)
    estimated = models.BooleanField(_("Geschätzt"), default=False)
    estimation_reason = models.CharField(_("Grund der Schätzung"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("Erfasst"), auto_now_add=True)
    plausibility = models.CharField(
        _("Plausibilität"), max_length=12, choices=Plausibility.choices, blank=True
    )
    # Implausible, but confirmed by the customer: a person looks at it.
    needs_review = models.BooleanField(_("Zu prüfen"), default=False)
    photo = models.FileField(_("Foto des Zählers"), upload_to="readings/%Y/%m/", blank=True)
    photo_scan = models.CharField(
        _("Virenprüfung des Fotos"), max_length=10, choices=PhotoScan.choices, blank=True
    )

    class Meta:
        verbose_name = _("Zählerstand")
        verbose_name_plural = _("Zählerstände")
        ordering = ["register", "-read_on"]
        indexes = [
            models.Index(fields=["register", "read_on"], name="reading_register_date"),
            models.Index(
                fields=["recorded_at"],
                condition=models.Q(needs_review=True),
                name="reading_needs_review",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(photo_scan="pending"),
                name="reading_photo_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "read_on", "reason"], name="reading_once_per_day_reason"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="reading_not_negative"),
            # §40a EnWG: an estimate must say why it was estimated.
            models.CheckConstraint(
                condition=models.Q(estimated=False) | ~models.Q(estimation_reason=""),
                name="reading_estimate_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.read_on:%d.%m.%Y}: {self.value}"


class ContractTariff(models.Model):
    """Which tariff a contract has from which day on; billing splits the period at each."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tariff_periods")
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("Gültig ab"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Tarifzuordnung")
        verbose_name_plural = _("Tarifzuordnungen")
        ordering = ["contract", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "valid_from"], name="contract_tariff_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.tariff} ab {self.valid_from:%d.%m.%Y}"


class GasCalorificValue(models.Model):
    """Abrechnungsbrennwert (DVGW G 685): kWh per m³ of gas in a network area for the days
    valid_from..valid_to (both inclusive), as the grid operator publishes it (usually one row a
    month). Billing converts m³ into kWh with it and the meter location's Zustandszahl."""

    network_area = models.CharField(_("Netzgebiet (Brennwertbezirk)"), max_length=40)
    valid_from = models.DateField(_("Gültig ab"))
    valid_to = models.DateField(_("Gültig bis"))
    value_kwh_per_m3 = models.DecimalField(
        _("Abrechnungsbrennwert (kWh/m³)"), max_digits=6, decimal_places=4
    )

    class Meta:
        verbose_name = _("Brennwert")
        verbose_name_plural = _("Brennwerte")
        ordering = ["network_area", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["network_area", "valid_from"], name="calorific_value_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="calorific_value_range_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(value_kwh_per_m3__gt=0), name="calorific_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.network_area} {self.valid_from:%d.%m.%Y}–{self.valid_to:%d.%m.%Y}: "
            f"{self.value_kwh_per_m3} kWh/m³"
        )

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.network_area:
            overlapping = GasCalorificValue.objects.filter(
                network_area=self.network_area,
                valid_from__lte=self.valid_to,
                valid_to__gte=self.valid_from,
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(
                    _("Für diese Tage hat das Netzgebiet schon einen Brennwert: %(other)s")
                    % {"other": overlapping.first()}
                )


class GasConversionFactor(models.Model):
    """Zustandszahl (DVGW G 685) of a gas market location from a day on, until the next one:
    converts the metered m³ to standard m³ (altitude, gas pressure, temperature)."""

    market_location = models.ForeignKey(
        MarketLocation, on_delete=models.CASCADE, related_name="gas_conversion_factors"
    )
    valid_from = models.DateField(_("Gültig ab"))
    z_number = models.DecimalField(_("Zustandszahl"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("Zustandszahl")
        verbose_name_plural = _("Zustandszahlen")
        ordering = ["market_location", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["market_location", "valid_from"], name="z_number_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(z_number__gt=0, z_number__lt=2), name="z_number_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market_location} ab {self.valid_from:%d.%m.%Y}: {self.z_number}"
