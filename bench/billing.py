"""Bench the billing run over 100,000 contracts (prints, never asserts).

    .venv/bin/python bench/billing.py [--contracts N] [--db sqlite|postgres|both] [--quick]
                                      [--workers N] [--chunk N] [--keep] [--profile FILE]

Builds a scratch database per engine in a child process (SQLite in
bench/.data/billing-sqlite-N/, PostgreSQL database kc_bench_billing, dropped at the end unless
--keep; with --keep a database with at least N contracts is reused and the earlier bench run
undone) with the demo generator (`kc.desk.demo.generate`: power, gas, water and heat contracts,
one meter with one register each, move-in readings and periodic readings on 31 December
2022-2025, 5 % of them estimated, 2 % moved out; the demo tariffs change prices inside 2025).
Every contract then gets the bill it would already have: one document up to its last periodic
or move-out reading on or before 31.12.2024, so the run on 20.01.2026 bills 2025 (and final
bills), finds nothing due for contracts that ended earlier, and errors for the few data
problems the demo has. Then times `run_billing(date(2026, 1, 20), workers=N)` over all
contracts (N: --workers, default 2 on PostgreSQL, 1 on SQLite, which allows no more):
contracts/s, bills/s, SQL statements per contract (the run counts them, COPYs and the workers'
included), RSS at 10, 50 and 100 % of the run and the peak, of this process and of each worker.
The baseline ("bare arithmetic") is `rating.rate` on the very same inputs (period, consumption,
price sheets) prepared in memory, in one process; the ratio run / bare is the engine's overhead
(with workers, the run has more than one core). Target from issue 5: 1,000,000 contracts on
PostgreSQL in <= 10 minutes. --profile profiles the run in this process (use --workers 1).
"""

import argparse
import contextlib
import datetime
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "kc_bench_billing"
BILLING_DATE = datetime.date(2026, 1, 20)
BILLED_UNTIL = datetime.date(2024, 12, 31)
TARGET_CONTRACTS, TARGET_SECONDS = 1_000_000, 600.0
CONTRACTS_PER_CUSTOMER = 1.70  # what the demo generator makes on average
CHUNK = 10_000
BAD_EVERY = 300
MARKS = (10, 50, 100)  # RSS at these percentages of the contracts


def child_env(db: str, contracts: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings"}
    env["KC_VAR_DIR"] = str(DATA / f"billing-{db}-{contracts}")
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="2,000 contracts")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    parser.add_argument("--workers", type=int, help="processes (default: 2 on PostgreSQL)")
    parser.add_argument("--chunk", type=int, help="contracts per chunk (default: the run's)")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.contracts = 2_000
    if args.child:
        return run_child(args)
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    failed = 0
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        command = [sys.executable, __file__, "--child", db, "--contracts", str(args.contracts)]
        command += ["--keep"] if args.keep else []
        command += ["--profile", args.profile] if args.profile else []
        workers = args.workers or (2 if db == "postgres" else 1)
        command += ["--workers", str(workers)]
        command += ["--chunk", str(args.chunk)] if args.chunk else []
        child = subprocess.run(command, env=child_env(db, args.contracts), cwd=ROOT, check=False)  # noqa: S603
        if child.returncode:
            print(f"== billing run on {db}: child failed (exit {child.returncode})")
            failed = 1
    return failed


# --- inside the child ---------------------------------------------------------------------


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Linux: hand the data generator's freed memory back and start VmHWM afresh, so RSS and
    peak are the run's."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5\n")


def reset_database(db: str) -> None:
    var_dir = Path(os.environ["KC_VAR_DIR"])
    if db == "sqlite":
        shutil.rmtree(var_dir, ignore_errors=True)
        var_dir.mkdir(parents=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database(db: str) -> None:
    from django.db import connection

    connection.close()
    if db == "sqlite":
        shutil.rmtree(os.environ["KC_VAR_DIR"], ignore_errors=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def existing_contracts() -> int:
    from django.db import DatabaseError

    from kc.supply.models import Contract

    try:
        return Contract.objects.count()
    except DatabaseError:
        return 0


def generate_contracts(contracts: int) -> int:
    """Demo customers until the database has at least `contracts` contracts; how many it has.
    With `add_earlier_bills` afterwards, the run on BILLING_DATE bills 2025 (bench/production.py
    seeds its billing run this way too)."""
    from kc.desk.demo import generate
    from kc.supply.models import Contract

    have, seed = Contract.objects.count(), 1
    while have < contracts:
        customers = max(1, round((contracts - have) / CONTRACTS_PER_CUSTOMER))
        generate(customers, seed=seed, batch_size=5000)
        have, seed = Contract.objects.count(), seed + 1
    return have


def build(contracts: int) -> None:
    """Demo customers until there are `contracts` contracts, then the bills they already have."""
    started = time.perf_counter()
    have = generate_contracts(contracts)
    generated = time.perf_counter() - started
    add_bad_input()
    earlier = add_earlier_bills()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {have:,} contracts in {generated:,.0f} s (demo generator), "
        f"{earlier:,} earlier bills in {time.perf_counter() - started - generated:,.0f} s"
    )


def add_bad_input() -> None:
    """Issue 5's bad input, on about 0.5 % of the contracts: a periodic reading lower than the
    one before (meter change or roll-over?) and a missing move-in reading."""
    from kc.supply.models import MeterReading

    def every(reason: str, **when: Any) -> list[int]:
        found = MeterReading.objects.filter(reason=reason, **when).order_by("pk")
        return list(found.values_list("pk", flat=True))[::BAD_EVERY]

    lower = every("periodic", read_on=datetime.date(2025, 12, 31))
    MeterReading.objects.filter(pk__in=lower).update(value=0)
    MeterReading.objects.filter(pk__in=every("move_in", read_on__year=2025)).delete()


def add_earlier_bills() -> int:
    """One billed document per contract up to its last closing reading on/before 31.12.2024."""
    from django.db import transaction
    from django.db.models import Max

    from kc.billing.models import BillingDocument
    from kc.supply.models import Contract, MeterReading

    last_closing = dict(
        MeterReading.objects.filter(reason__in=("periodic", "move_out"), read_on__lte=BILLED_UNTIL)
        .values("register_id")
        .annotate(last=Max("read_on"))
        .values_list("register_id", "last")
    )
    rows = Contract.objects.filter(
        market_location__meters__registers__id__isnull=False
    ).values_list(
        "pk",
        "start_date",
        "market_location__meters__registers__id",
        "market_location__meters__registers__unit",
    )
    documents = []
    for pk, started, register_id, unit in rows.iterator(chunk_size=CHUNK):
        end = last_closing.get(register_id)
        if end is None or end < started:
            continue
        documents.append(
            BillingDocument(
                contract_id=pk,
                kind="annual",
                period_start=max(started, datetime.date(end.year, 1, 1)),
                period_end=end,
                consumption=0,
                unit=unit,
                net_total=0,
                vat_total=0,
                gross_total=0,
            )
        )
    with transaction.atomic():
        for start in range(0, len(documents), CHUNK):
            BillingDocument.objects.bulk_create(documents[start : start + CHUNK])
    return len(documents)


def forget_runs() -> None:
    """--keep: undo an earlier bench run, so the same contracts are billed again."""
    from django.db import transaction

    from kc.billing.models import BillingDocument, BillingLine, BillingRun, BillingRunItem

    with transaction.atomic():
        BillingLine.objects.filter(document__run__isnull=False).delete()
        BillingDocument.objects.filter(run__isnull=False).delete()
        BillingRunItem.objects.all().delete()
        BillingRun.objects.all().delete()


def worker_pids() -> list[int]:
    """The worker processes of this one (children; Linux /proc)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
                if (
                    int(stat.rsplit(")", 1)[1].split()[1]) == me
                    and b"resource_tracker" not in command
                ):
                    found.append(int(entry.name))
    return sorted(found)


def rss_of(pid: int, field: str = "VmRSS") -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Memory:
    """RSS of this process and of the workers at the progress marks; peaks (VmHWM) of the
    workers as last seen (they are gone at the end)."""

    def __init__(self) -> None:
        self.marks: dict[int, tuple[float, list[float]]] = {}
        self.worker_peaks: dict[int, float] = {}

    def mark(self, percent: int) -> None:
        pids = worker_pids()
        self.marks[percent] = (rss_mb(), [rss_of(pid) for pid in pids])
        for pid in pids:
            self.worker_peaks[pid] = max(self.worker_peaks.get(pid, 0.0), rss_of(pid, "VmHWM"))

    def text(self, percent: int) -> str:
        mine, workers = self.marks[percent]
        text = f"{mine:.0f} MB"
        if workers:
            text += " + workers " + "/".join(f"{rss:.0f}" for rss in workers) + " MB"
        return f"{text} at {percent} %"


def timed_run(total: int, profile: str | None, workers: int, chunk: int | None) -> dict[str, Any]:
    from kc.billing.runs import run_billing

    memory = Memory()

    def progress(contracts: int, documents: int, errors: int) -> None:
        for percent in MARKS:
            if percent not in memory.marks and contracts * 100 >= total * percent:
                memory.mark(percent)

    options: dict[str, Any] = {"progress": progress, "workers": workers}
    if chunk:
        options["chunk"] = chunk
    reset_peak_rss()
    started = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(run_billing, BILLING_DATE, **options)
        profiler.dump_stats(profile)
    else:
        result = run_billing(BILLING_DATE, **options)
    seconds = time.perf_counter() - started
    if 100 not in memory.marks:  # a resumed run: fewer contracts than the database has
        memory.mark(100)
    return {
        "result": result,
        "seconds": seconds,
        "memory": memory,
        "peak": rss_mb("VmHWM"),
        "workers": workers,
    }


def rating_inputs(run_id: int) -> Iterator[list[Any]]:
    """The run's bills as rating inputs, rebuilt in memory, CHUNK at a time."""
    from kc.billing import rating
    from kc.billing.models import BillingDocument
    from kc.supply.models import PriceSheet, Tariff

    tariffs = {t.pk: t for t in Tariff.objects.all()}
    sheets: dict[int, list[rating.PricePeriod]] = {}
    for sheet in PriceSheet.objects.order_by("valid_from"):
        tariff = tariffs[sheet.tariff_id]
        sheets.setdefault(tariff.pk, []).append(
            rating.PricePeriod(
                sheet.valid_from,
                sheet.base_price_per_year,
                sheet.working_price,
                tariff.code,
                tariff.name,
            )
        )
    documents = BillingDocument.objects.filter(run_id=run_id).values_list(
        "contract__division",
        "contract__tariff_id",
        "unit",
        "period_start",
        "period_end",
        "consumption",
    )
    chunk: list[Any] = []
    for division, tariff_id, unit, start, end, consumption in documents.iterator(CHUNK):
        prices = tuple(p for p in sheets.get(tariff_id, ()) if p.valid_from <= end)
        chunk.append(rating.RatingInput(division, unit, start, end, consumption, prices))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bare_arithmetic(run_id: int) -> tuple[int, float]:
    from kc.billing import rating

    bills, seconds = 0, 0.0
    for inputs in rating_inputs(run_id):
        started = time.perf_counter()
        for data in inputs:
            rating.rate(data)
        seconds += time.perf_counter() - started
        bills += len(inputs)
    return bills, seconds


def report(db: str, total: int, run: dict[str, Any], bare: tuple[int, float]) -> None:
    result, seconds = run["result"], run["seconds"]
    print(
        f"== billing run on {db}: {total:,} contracts, billing date {BILLING_DATE}, "
        f"{run['workers']} worker{'s' if run['workers'] > 1 else ''}"
    )
    print(
        f"  run_billing      {seconds:8.1f} s  {result.contracts / seconds:8,.0f} contracts/s  "
        f"{result.documents / seconds:8,.0f} bills/s  ({result.contracts:,} contracts, "
        f"{result.documents:,} bills, {result.errors:,} errors)"
    )
    per_contract = result.statements / max(1, result.contracts)
    print(f"  SQL statements   {result.statements:,} ({per_contract:.3f} per contract)")
    bills, bare_seconds = bare
    print(
        f"  bare arithmetic  {bare_seconds:8.1f} s  {bills / max(bare_seconds, 1e-9):8,.0f} bills/s"
        f"  (rating.rate on the same {bills:,} inputs, in memory, one process)"
    )
    print(f"  overhead         {seconds / max(bare_seconds, 1e-9):8.1f} x the bare arithmetic")
    memory = run["memory"]
    print(
        "  RSS              "
        + "; ".join(memory.text(p) for p in (10, 50, 90, 100) if p in memory.marks)
    )
    peaks = "/".join(f"{peak:.0f}" for peak in memory.worker_peaks.values())
    print(f"  peak RSS         {run['peak']:.0f} MB" + (f", workers {peaks} MB" if peaks else ""))
    projected = TARGET_CONTRACTS / max(result.contracts / seconds, 1e-9)
    print(
        f"  {TARGET_CONTRACTS:,} contracts at this rate: {projected / 60:,.1f} min "
        f"(extrapolated, linear; target <= {TARGET_SECONDS / 60:.0f} min: "
        f"{'met' if projected <= TARGET_SECONDS else 'missed'})"
    )


def run_child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    db = args.child
    if args.keep and existing_contracts() >= args.contracts:
        call_command("migrate", verbosity=0)
        forget_runs()
        print(f"reusing the {db} database ({existing_contracts():,} contracts)")
    else:
        connection.close()
        reset_database(db)
        call_command("migrate", verbosity=0)
        build(args.contracts)
    connection.close()  # the run on a fresh connection (the generator set a 256 MB page cache)
    try:
        total = existing_contracts()
        run = timed_run(total, args.profile, args.workers, args.chunk)
        bare = bare_arithmetic(run["result"].run.pk)
        report(db, total, run, bare)
    finally:
        if not args.keep:
            drop_database(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
