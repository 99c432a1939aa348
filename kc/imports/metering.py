"""Rows of zaehler.csv (one row per register, grouped by meter) and zaehlerstaende.csv,
written through kc.supply.services (meter numbers, reading order, §40a estimates)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from kc.imports import formats
from kc.imports.context import Context, Created
from kc.imports.csvfile import Row
from kc.imports.values import (
    RowError,
    choice,
    parse_date,
    parse_decimal,
    parse_flag,
    parse_int,
    required,
)
from kc.supply import services as supply
from kc.supply.models import Contract, Division, Meter, MeterReading, Register

KINDS = {
    "konventionell": Meter.Kind.CONVENTIONAL,
    "modern": Meter.Kind.MODERN,
    "mme": Meter.Kind.MODERN,
    "intelligent": Meter.Kind.SMART,
    "imsys": Meter.Kind.SMART,
}
UNITS = {"kwh": "kWh", "m3": "m3"}
REASONS = {
    "turnus": MeterReading.Reason.PERIODIC,
    "einzug": MeterReading.Reason.MOVE_IN,
    "auszug": MeterReading.Reason.MOVE_OUT,
    "zwischen": MeterReading.Reason.INTERIM,
    "kontrolle": MeterReading.Reason.CONTROL,
    "zaehlerwechsel": MeterReading.Reason.METER_CHANGE,
}
SOURCES = {
    "kunde": MeterReading.Source.CUSTOMER,
    "ableser": MeterReading.Source.METER_READER,
    "netzbetreiber": MeterReading.Source.GRID_OPERATOR,
    "messsystem": MeterReading.Source.SMART_METER,
    "versorger": MeterReading.Source.UTILITY,
}
METER_COLUMNS = ("zaehlernummer", "vertrag", "bauart", "eingebaut_am", "zustandszahl")
MAX_DIGITS = 9  # MeterReading.value has 12 digits, 3 of them decimals


class MeterHandler:
    fmt = formats.METERS
    columns = {
        "number": "zaehlernummer",
        "kind": "bauart",
        "installed_on": "eingebaut_am",
        "obis_code": "obis",
        "unit": "einheit",
        "digits": "vorkommastellen",
        "description": "bezeichnung",
        "z_number": "zustandszahl",
    }

    def _register(self, values: dict[str, str]) -> dict[str, object]:
        digits = parse_int(values, "vorkommastellen")
        if not 1 <= digits <= MAX_DIGITS:
            raise RowError(
                "vorkommastellen",
                _("Ein Zählwerk hat 1 bis %(max)s Vorkommastellen.") % {"max": MAX_DIGITS},
            )
        return {
            "obis_code": required(values, "obis"),
            "unit": choice(values, "einheit", UNITS),
            "digits": digits,
            "description": values["bezeichnung"][:60],
        }

    def _same_meter(self, rows: list[Row]) -> None:
        first = rows[0].values
        for row in rows[1:]:
            for column in METER_COLUMNS:
                if row.values[column] != first[column]:
                    raise RowError(
                        column,
                        _("Zeile %(line)s beschreibt denselben Zähler anders (%(column)s).")
                        % {"line": row.line, "column": column},
                    )

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        self._same_meter(rows)
        values = rows[0].values
        contract = Contract.objects.select_related("market_location").get(
            pk=ctx.resolve(values, "vertrag", formats.CONTRACTS.entity)
        )
        registers = [self._register(row.values) for row in rows]
        installed_on = parse_date(values, "eingebaut_am")
        z_number = (
            parse_decimal(values, "zustandszahl", places=4) if values["zustandszahl"] else None
        )
        location = contract.market_location
        meter = supply.install_meter(
            market_location=location,
            number=required(values, "zaehlernummer"),
            kind=choice(values, "bauart", KINDS),
            installed_on=installed_on,
            registers=registers,
            actor=ctx.actor,
        )
        if z_number is not None:
            supply.set_gas_conversion_factor(
                market_location=location, valid_from=installed_on, z_number=z_number
            )
        elif location.division == Division.GAS:
            raise RowError("zustandszahl", _("Ein Gaszähler braucht eine Zustandszahl."))
        by_obis = {register.obis_code: register for register in meter.registers.all()}
        return Created(
            meter,
            {
                formats.METERS.entity: {
                    row.values["zaehlwerk"]: by_obis[row.values["obis"]] for row in rows
                }
            },
        )

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        raise RowError(
            "",
            _(
                "Der Zähler wurde schon übernommen und hat sich im Altsystem geändert; "
                "Zählerwechsel und Korrekturen bitte im Kundencenter erfassen."
            ),
        )


class ReadingHandler:
    fmt = formats.READINGS
    columns = {
        "read_on": "datum",
        "value": "stand",
        "reason": "anlass",
        "source": "quelle",
        "estimation_reason": "schaetzgrund",
        "__all__": "",
    }

    def _register(self, ctx: Context, register_id: int) -> Register:
        """Registers are read once per run: 100,000 readings share some 10,000 of them."""
        cached = ctx.cache.get(("register", register_id))
        if cached is None:
            cached = ctx.cache[("register", register_id)] = Register.objects.get(pk=register_id)
        register: Register = cached
        return register

    def create(self, ctx: Context, rows: list[Row]) -> Created:
        values = rows[0].values
        register = self._register(ctx, ctx.resolve(values, "zaehlwerk", formats.METERS.entity))
        value = parse_decimal(values, "stand", places=3)
        if value < 0:
            raise RowError("stand", _("Ein Zählerstand kann nicht negativ sein."))
        if value >= Decimal(10) ** register.digits:
            raise RowError(
                "stand",
                _("Der Zähler hat nur %(digits)s Stellen vor dem Komma.")
                % {"digits": register.digits},
            )
        estimated = parse_flag(values, "geschaetzt")
        source = choice(values, "quelle", SOURCES)
        if estimated != (source == MeterReading.Source.UTILITY):
            raise RowError(
                "quelle",
                _("Geschätzte Stände haben die Quelle „Versorger“, abgelesene eine andere."),
            )
        reading = supply.record_meter_reading(
            register=register,
            read_on=parse_date(values, "datum"),
            value=value,
            reason=choice(values, "anlass", REASONS),
            source=source,
            estimation_reason=values["schaetzgrund"][:200],
            actor=ctx.actor,
        )
        return Created(reading)

    def update(self, ctx: Context, rows: list[Row], object_id: int) -> None:
        raise RowError(
            "",
            _(
                "Der Zählerstand wurde schon übernommen und hat sich im Altsystem geändert; "
                "übernommene Stände ändert der Import nicht (Korrektur im Kundencenter)."
            ),
        )
