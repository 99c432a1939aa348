"""Premise, market locations, contracts, meters, registers and readings of one customer."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from kc.customers.models import BusinessPartner, PostalAddress
from kc.desk.demo.catalogue import DIVISIONS, TARIFFS, DivisionSpec
from kc.desk.demo.identifiers import malo_id, meter_number
from kc.desk.demo.instances import new
from kc.desk.demo.people import Customer
from kc.desk.demo.pools import CITY, Pools
from kc.supply.models import (
    Contract,
    Division,
    MarketLocation,
    Meter,
    MeterReading,
    Premise,
    Register,
    Tariff,
)

Reading = MeterReading
FIRST_START = datetime.date(2010, 1, 1).toordinal()
LAST_START = datetime.date(2025, 12, 15).toordinal()
LAST_MOVE_OUT = datetime.date(2026, 10, 31)
PERIODIC_YEARS = (2022, 2023, 2024, 2025)  # readings on 31.12.: three years of consumption
LOCATIONS = ("EG links", "EG rechts", "1. OG links", "1. OG rechts", "2. OG", "DG", "Souterrain")
ESTIMATION_REASONS = (
    "Zähler nicht zugänglich, Kunde nicht angetroffen",
    "Ablesekarte nicht zurückgesandt",
    "Gemeldeter Stand unplausibel, Rückfrage ohne Antwort",
    "Ablesung wegen Witterung nicht möglich",
)


class ReadingRow(NamedTuple):
    """A meter reading without the cost of a model instance (there are ~9 per customer)."""

    register: Register
    read_on: datetime.date
    value: Decimal
    reason: str
    source: str
    estimated: bool = False
    estimation_reason: str = ""


@dataclass
class SupplyRows:
    premises: list[Premise] = field(default_factory=list)
    locations: list[MarketLocation] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    meters: list[Meter] = field(default_factory=list)
    registers: list[Register] = field(default_factory=list)
    readings: list[ReadingRow] = field(default_factory=list)


def choose_divisions(rng: random.Random) -> list[DivisionSpec]:
    chosen = [spec for spec in DIVISIONS if rng.randrange(100) < spec.share_percent]
    if any(s.division == Division.HEAT for s in chosen):
        chosen = [s for s in chosen if s.division != Division.GAS]
    return chosen or [DIVISIONS[0]]


def _premise(address: PostalAddress, rng: random.Random, pools: Pools) -> Premise:
    if rng.random() < 0.92:
        values = {
            "street": address.street,
            "house_number": address.house_number,
            "postal_code": address.postal_code,
            "city": address.city,
        }
        if rng.random() < 0.4:
            values["description"] = rng.choice(LOCATIONS)
    else:
        street, postal_code = rng.choice(pools.streets)
        values = {
            "street": street,
            "house_number": str(rng.randint(1, 80)),
            "postal_code": postal_code,
            "city": CITY,
            "description": rng.choice(("Garten", "Ferienwohnung", "Garage", "Lager")),
        }
    premise = new(Premise, values)
    premise.refresh_search_keys()
    return premise


def _tariff(
    spec: DivisionSpec, start: datetime.date, rng: random.Random, tariffs: dict[str, Tariff]
) -> Tariff:
    offer = [
        t
        for t in TARIFFS
        if t.division == spec.division
        and t.sheets[0][0] <= start
        and (t.active or start < datetime.date(2024, 1, 1))
    ]
    chosen = rng.choices(offer, [t.share for t in offer])[0]
    return tariffs[chosen.code]


def _meter_kind(spec: DivisionSpec, rng: random.Random) -> str:
    if spec.division == Division.POWER:
        roll = rng.random()
        return (
            Meter.Kind.SMART
            if roll < 0.05
            else (Meter.Kind.MODERN if roll < 0.45 else Meter.Kind.CONVENTIONAL)
        )
    return Meter.Kind.MODERN if spec.division == Division.HEAT else Meter.Kind.CONVENTIONAL


def _source(kind: str, rng: random.Random) -> str:
    if kind == Meter.Kind.SMART:
        return Reading.Source.SMART_METER
    roll = rng.random()
    return (
        Reading.Source.METER_READER
        if roll < 0.48
        else (Reading.Source.CUSTOMER if roll < 0.94 else Reading.Source.GRID_OPERATOR)
    )


def _reading_dates(
    start: datetime.date, end: datetime.date | None
) -> list[tuple[datetime.date, str]]:
    dates: list[tuple[datetime.date, str]] = [(start, Reading.Reason.MOVE_IN)]
    for year in PERIODIC_YEARS:
        day = datetime.date(year, 12, 31)
        if day > start and (end is None or day < end):
            dates.append((day, Reading.Reason.PERIODIC))
    if end is not None:
        dates.append((end, Reading.Reason.MOVE_OUT))
    return dates


def _readings(
    register: Register,
    kind: str,
    spec: DivisionSpec,
    start: datetime.date,
    end: datetime.date | None,
    yearly: float,
    rng: random.Random,
) -> list[ReadingRow]:
    value = rng.randrange(0, 3 * 10 ** (spec.digits - 1))
    previous = start
    rows = []
    for day, reason in _reading_dates(start, end):
        value += round(yearly * (day - previous).days / 365.25 * rng.uniform(0.88, 1.12))
        previous = day
        if reason == Reading.Reason.PERIODIC and kind != Meter.Kind.SMART and rng.random() < 0.05:
            rows.append(
                ReadingRow(
                    register,
                    day,
                    Decimal(value),
                    reason,
                    Reading.Source.UTILITY,
                    True,
                    rng.choice(ESTIMATION_REASONS),
                )
            )
        else:
            rows.append(ReadingRow(register, day, Decimal(value), reason, _source(kind, rng)))
    return rows


@dataclass(frozen=True)
class ContractPlan:
    spec: DivisionSpec
    start: datetime.date
    end: datetime.date | None


def _move_out(start: datetime.date, rng: random.Random) -> datetime.date | None:
    earliest = max(start + datetime.timedelta(days=60), datetime.date(2023, 1, 15))
    if earliest >= LAST_MOVE_OUT:
        return None
    return earliest + datetime.timedelta(days=rng.randrange((LAST_MOVE_OUT - earliest).days))


def plan_contracts(rng: random.Random, moves_out: bool, needs_power: bool) -> list[ContractPlan]:
    """Divisions with start and (if the customer moved out) end dates."""
    start = datetime.date.fromordinal(rng.randint(FIRST_START, LAST_START))
    end = _move_out(start, rng) if moves_out else None
    specs = choose_divisions(rng)
    if needs_power and specs[0].division != Division.POWER:
        specs.insert(0, DIVISIONS[0])
    latest = end or datetime.date(2025, 12, 1)
    plans = []
    for spec in specs:
        own_start = start
        if rng.random() < 0.15 and latest > start:
            own_start += datetime.timedelta(days=rng.randrange((latest - start).days))
        plans.append(ContractPlan(spec, own_start, end))
    return plans


def _meter(
    spec: DivisionSpec,
    plan: ContractPlan,
    serial: int,
    location: MarketLocation,
    rng: random.Random,
) -> Meter:
    installed = plan.start - datetime.timedelta(days=rng.randrange(0, 4000))
    number = meter_number(
        spec.division_digit, rng.choice(spec.manufacturers), installed.year, serial % 100_000_000
    )
    values = {
        "number": number,
        "division": spec.division,
        "kind": _meter_kind(spec, rng),
        "installed_on": installed,
    }
    return new(Meter, values, {"market_location": location})


def add_supply(
    rows: SupplyRows,
    customer: Customer,
    plans: list[ContractPlan],
    numbers: list[str],
    rng: random.Random,
    pools: Pools,
    tariffs: dict[str, Tariff],
) -> None:
    premise = _premise(customer.address, rng, pools)
    rows.premises.append(premise)
    heavy = customer.partner.kind == BusinessPartner.Kind.ORGANISATION
    for plan, number in zip(plans, numbers, strict=True):
        spec, serial = plan.spec, int(number)
        location = new(
            MarketLocation,
            {"malo_id": malo_id(serial % 1_000_000_000), "division": spec.division},
            {"premise": premise},
        )
        contract_values = {
            "number": number,
            "division": spec.division,
            "start_date": plan.start,
            "end_date": plan.end,
        }
        tariff = _tariff(spec, plan.start, rng, tariffs)
        rows.contracts.append(
            new(
                Contract,
                contract_values,
                {"account": customer.account, "market_location": location, "tariff": tariff},
            )
        )
        meter = _meter(spec, plan, serial, location, rng)
        register = new(
            Register,
            {
                "obis_code": spec.obis_code,
                "unit": spec.unit,
                "digits": spec.digits,
                "description": spec.description,
            },
            {"meter": meter},
        )
        rows.locations.append(location)
        rows.meters.append(meter)
        rows.registers.append(register)
        yearly = spec.yearly_mean * rng.lognormvariate(0, 0.3) * (4 if heavy else 1)
        rows.readings.extend(
            _readings(register, meter.kind, spec, plan.start, plan.end, yearly, rng)
        )
