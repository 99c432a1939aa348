"""The prices of a contract over a period: its tariff periods (switches) with each tariff's
price sheets, as the rating engine's `PricePeriod`s."""

from __future__ import annotations

import datetime

from kc.billing.rating import PricePeriod
from kc.supply.models import Contract, PriceSheet, Tariff
from kc.supply.services import tariff_periods


def price_periods(
    contract: Contract, start: datetime.date, end: datetime.date
) -> tuple[PricePeriod, ...]:
    """Every price in force from `start` to `end`: for each tariff period the sheet in force
    when it begins (re-dated to that day) and the sheets that start inside it."""
    periods = tariff_periods(contract)
    out: list[PricePeriod] = []
    for index, (valid_from, tariff) in enumerate(periods):
        until = (
            periods[index + 1][0] - datetime.timedelta(days=1) if index + 1 < len(periods) else end
        )
        segment_start, segment_end = max(valid_from, start), min(until, end)
        if segment_start > segment_end:
            continue
        out.extend(_sheets(tariff, segment_start, segment_end))
    return tuple(out)


def _sheets(tariff: Tariff, start: datetime.date, end: datetime.date) -> list[PricePeriod]:
    sheets = list(
        PriceSheet.objects.filter(tariff=tariff, valid_from__lte=end).order_by("valid_from")
    )
    in_force = [sheet for sheet in sheets if sheet.valid_from <= start][-1:]
    later = [sheet for sheet in sheets if start < sheet.valid_from <= end]
    return [
        PricePeriod(
            valid_from=max(sheet.valid_from, start),
            base_price_per_year=sheet.base_price_per_year,
            working_price=sheet.working_price,
            tariff_code=tariff.code,
            tariff_name=tariff.name,
        )
        for sheet in (*in_force, *later)
    ]
