"""Build the demo utility "Stadtwerke Musterstadt" batch by batch.

Every batch runs in one transaction: it reserves its business numbers, builds
all rows in memory and writes them with bulk inserts. Each customer draws from
its own Random seeded with (seed, customer number), so the same seed gives the
same data whatever the batch size, and running again (the number ranges
continue) gives new, different customers.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from kc.core.numbers import reserve_numbers
from kc.desk.demo.catalogue import TARIFFS, price
from kc.desk.demo.groups import DISCONNECTED, demo_group
from kc.desk.demo.people import Customer, make_customer
from kc.desk.demo.pools import Pools, build_pools
from kc.desk.demo.supply import ContractPlan, SupplyRows, add_supply, plan_contracts
from kc.desk.demo.writer import write_batch
from kc.supply.models import PriceSheet, Tariff

MOVE_OUT_SHARE = 0.02


@dataclass
class SeedResult:
    customers: int = 0
    rows: int = 0
    seconds: float = 0.0
    first_number: str = ""
    last_number: str = ""


def ensure_tariffs() -> dict[str, Tariff]:
    """Create the tariffs and price sheets once; later runs reuse them."""
    tariffs = {}
    for spec in TARIFFS:
        tariff, _ = Tariff.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "division": spec.division,
                "is_default_supply": spec.default_supply,
                "active": spec.active,
            },
        )
        for valid_from, base, working in spec.sheets:
            PriceSheet.objects.get_or_create(
                tariff=tariff,
                valid_from=valid_from,
                defaults={"base_price_per_year": price(base), "working_price": price(working)},
            )
        tariffs[spec.code] = tariff
    return tariffs


def _plan_customers(
    count: int, seed: int, pools: Pools
) -> list[tuple[random.Random, Customer, list[ContractPlan]]]:
    numbers = reserve_numbers("customer", count)
    account_numbers = reserve_numbers("contract_account", count)
    planned = []
    for number, account_number in zip(numbers, account_numbers, strict=True):
        # One Random per customer: the data does not depend on the batch size.
        rng = random.Random(f"kc-demo:{seed}:{number}")  # nosec B311
        customer = make_customer(number, account_number, rng, pools)
        group = demo_group(number)
        moves_out = group is None and rng.random() < MOVE_OUT_SHARE
        planned.append((rng, customer, plan_contracts(rng, moves_out, group == DISCONNECTED)))
    return planned


def build_batch(
    count: int, seed: int, pools: Pools, tariffs: dict[str, Tariff]
) -> tuple[list[Customer], SupplyRows]:
    planned = _plan_customers(count, seed, pools)
    contract_numbers = iter(reserve_numbers("contract", sum(len(p) for _r, _c, p in planned)))
    rows = SupplyRows()
    for rng, customer, plans in planned:
        numbers = [next(contract_numbers) for _ in plans]
        add_supply(rows, customer, plans, numbers, rng, pools, tariffs)
    return [customer for _rng, customer, _plans in planned], rows


def generate(
    customers: int,
    *,
    seed: int = 0,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Add `customers` demo customers with everything they have; returns counts and time."""
    started = time.perf_counter()
    result = SeedResult()
    tariffs = ensure_tariffs()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # this connection only: 256 MB page cache
            cursor.execute("PRAGMA cache_size = -262144")
    pools = build_pools(seed)
    while result.customers < customers:
        count = min(batch_size, customers - result.customers)
        with transaction.atomic():
            batch, rows = build_batch(count, seed, pools, tariffs)
            result.rows += write_batch(batch, rows)
        result.first_number = result.first_number or batch[0].partner.number
        result.last_number = batch[-1].partner.number
        result.customers += count
        result.seconds = time.perf_counter() - started
        if progress:
            rate = result.customers / result.seconds
            progress(
                f"{result.customers:>9,} / {customers:,} customers  "
                f"{rate:,.0f} customers/s  {result.rows / result.seconds:,.0f} rows/s"
            )
    # Fresh statistics after a bulk load, else the planners guess (PostgreSQL then picks
    # sequential scans for prefix searches until autovacuum comes by).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result.seconds = time.perf_counter() - started
    return result
