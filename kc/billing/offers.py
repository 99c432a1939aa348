"""Tariff offers: compare the utility's tariffs for an annual consumption, write the offer
letter, and switch the contract when the customer accepts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.billing.budget import annual_gross
from kc.billing.models import TariffOffer
from kc.core import audit
from kc.core.models import User
from kc.core.money import format_decimal_de, format_eur, round_cents
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.letters import services as letters
from kc.letters.document import Column, Table
from kc.supply import readings as supply_readings
from kc.supply import services as supply_services
from kc.supply.models import Contract, Division, MeterReading, PriceSheet, Register, Tariff
from kc.supply.vat import vat_rate

OFFER_DAYS = 28


class OfferError(Refusal):
    """Not possible as asked; the message says why."""


@dataclass(frozen=True)
class OfferRow:
    tariff: Tariff
    sheet: PriceSheet
    vat: Decimal
    annual_gross: Decimal
    first_year_gross: Decimal  # with the one-time bonus

    @property
    def working_gross(self) -> Decimal:
        return self.sheet.working_price * (1 + self.vat)

    @property
    def base_gross(self) -> Decimal:
        return round_cents(self.sheet.base_price_per_year * (1 + self.vat))


def in_supply_area(postal_code: str) -> bool:
    prefixes = settings.KC_SUPPLY_AREA_POSTAL_PREFIXES
    return not prefixes or any(postal_code.startswith(prefix) for prefix in prefixes)


def compare(
    *, division: str, consumption: Decimal, postal_code: str, on: datetime.date
) -> list[OfferRow]:
    """The orderable tariffs of the division, cheapest first in the first year."""
    if consumption <= 0:
        raise OfferError(_("Bitte einen Jahresverbrauch größer als 0 angeben."))
    if not in_supply_area(postal_code):
        raise OfferError(
            _("Die PLZ %(code)s liegt nicht in unserem Versorgungsgebiet.") % {"code": postal_code}
        )
    vat = vat_rate(division, on)
    rows = []
    for tariff in Tariff.objects.filter(division=division, active=True):
        sheet = tariff.price_sheets.filter(valid_from__lte=on).order_by("-valid_from").first()
        if sheet is None:
            continue
        gross = annual_gross(sheet.base_price_per_year, sheet.working_price, consumption, vat)
        rows.append(OfferRow(tariff, sheet, vat, gross, gross - tariff.bonus))
    return sorted(rows, key=lambda row: (row.first_year_gross, row.tariff.name))


@transaction.atomic
def make_offer(
    *,
    partner: BusinessPartner,
    tariff: Tariff,
    consumption: Decimal,
    postal_code: str,
    actor: User | None,
    contract: Contract | None = None,
) -> TariffOffer:
    """The offer and its letter (by the customer's channel)."""
    today = timezone.localdate()
    rows = compare(
        division=tariff.division, consumption=consumption, postal_code=postal_code, on=today
    )
    row = next((r for r in rows if r.tariff == tariff), None)
    if row is None:
        raise OfferError(_("Der Tarif %(name)s ist nicht bestellbar.") % {"name": tariff.name})
    offer = TariffOffer.objects.create(
        partner=partner,
        contract=contract,
        tariff=tariff,
        consumption=consumption,
        annual_gross=row.annual_gross,
        valid_until=today + datetime.timedelta(days=OFFER_DAYS),
        created_by=actor,
    )
    letter = letters.create_letter(
        kind="tariff_offer",
        partner=partner,
        account=contract.account if contract else None,
        values=_letter_values(row, consumption, offer.valid_until),
        actor=actor,
    )
    offer.letter_number = letter.number
    offer.save(update_fields=["letter_number"])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=offer, partner_id=partner.pk)
    return offer


def _letter_values(
    row: OfferRow, consumption: Decimal, valid_until: datetime.date
) -> dict[str, str | Table]:
    unit = "kWh" if row.tariff.division != Division.WATER else "m³"
    working = format_decimal_de(row.working_gross * 100, 2)
    prices = [
        ("Arbeitspreis", f"{working} ct/{unit}"),
        ("Grundpreis", f"{format_eur(row.base_gross)}/Jahr"),
    ]
    if row.tariff.bonus:
        prices.append(("Neukundenbonus (einmalig)", f"−{format_eur(row.tariff.bonus)}"))
    return {
        "tarif": row.tariff.name,
        "sparte": str(Division(row.tariff.division).label),
        "verbrauch": f"{format_decimal_de(consumption, 0)} {unit}",
        "jahreskosten": format_eur(row.annual_gross),
        "gueltig_bis": f"{valid_until:%d.%m.%Y}",
        "preise": Table(
            (Column("Preisbestandteil", 80), Column("Preis (brutto)", 45, "right")), tuple(prices)
        ),
    }


@transaction.atomic
def accept_offer(
    *,
    offer: TariffOffer,
    switch_date: datetime.date,
    actor: User | None,
    register: Register | None = None,
    reading: Decimal | None = None,
) -> TariffOffer:
    """The customer accepts: the contract changes tariff from `switch_date` on; billing splits
    the period there at the reading of that day when the customer gives one (recorded in the
    same transaction, so a refused switch leaves no reading behind), else by the seasonal
    weights. Field errors come under the names `reading` and `switch_date`."""
    offer = TariffOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != TariffOffer.Status.OFFERED:
        raise OfferError(_("Das Angebot ist bereits angenommen."))
    if timezone.localdate() > offer.valid_until:
        raise OfferError(_("Das Angebot ist abgelaufen."))
    if offer.contract is None:
        raise OfferError(_("Zum Angebot gehört kein Vertrag; bitte einen Vertrag anlegen."))
    if register is not None and reading is not None:
        try:
            # The customer's reading splits the period between two prices: checked like any
            # customer reading (digits, supply period, plausibility; far off: for review).
            supply_readings.record_customer_reading(
                register=register,
                read_on=switch_date,
                value=reading,
                reason=MeterReading.Reason.INTERIM,
                actor=actor,
                confirmed=True,
                supplied_from=offer.contract.start_date,
                via="tariff_switch",
            )
        except ValidationError as error:
            raise renamed_fields(
                error, {"read_on": "reading", "value": "reading", "photo": "reading"}
            ) from error
    try:
        supply_services.switch_tariff(
            contract=offer.contract, tariff=offer.tariff, valid_from=switch_date, actor=actor
        )
    except ValidationError as error:
        raise renamed_fields(error, {"valid_from": "switch_date"}) from error
    offer.status, offer.switch_date = TariffOffer.Status.ACCEPTED, switch_date
    offer.save(update_fields=["status", "switch_date"])
    return offer


def renamed_fields(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A lower service's field errors under the names the caller's form uses."""
    if not hasattr(error, "error_dict"):
        return error
    renamed: dict[str, list[ValidationError]] = {}
    for field, errors in error.error_dict.items():
        renamed.setdefault(names.get(field, field), []).extend(errors)
    return ValidationError(renamed)
