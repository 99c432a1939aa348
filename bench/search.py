"""Bench the agent search and the customer page at 1M customers (prints, never asserts).

    .venv/bin/python bench/search.py [--customers N] [--db sqlite|postgres|both] [--reuse]

Builds the database with `manage.py seed_demo --customers N --seed 1` (SQLite in
bench/.data/sqlite-N/, PostgreSQL database kc_bench, kc_bench_N for other sizes),
or reuses it with --reuse when it holds N customers. Per search kind it times
~200 realistic queries through `search_customers` (service) and through one
hand-written SQL statement on the same index (raw), and prints p50/p95 in ms and
the ratio service/raw against the target p95 <= 25 ms; then the customer page
/kunden/<id>/ for a partner with ten contracts (target p95 <= 50 ms).
Each database runs in a child process, because settings read DATABASE_URL once.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SEARCH_TARGET_MS = 25.0
PAGE_TARGET_MS = 50.0
PER_KIND = 200
PAGE_RUNS = 50


def pg_name(customers: int) -> str:
    return "kc_bench" if customers == 1_000_000 else f"kc_bench_{customers}"


def child_env(db: str, customers: int) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_URL", None)
    if db == "sqlite":
        env["KC_VAR_DIR"] = str(DATA / f"sqlite-{customers}")
    else:
        env["KC_VAR_DIR"] = str(DATA / "pg")
        env["DATABASE_URL"] = f"{PG_SERVER}/{pg_name(customers)}"
    return env


def run_children(args: argparse.Namespace) -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    failed = 0
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        command = [sys.executable, __file__, "--child", db, "--customers", str(args.customers)]
        command += ["--reuse"] if args.reuse else []
        command += ["--explain"] if args.explain else []
        child = subprocess.run(command, env=child_env(db, args.customers), check=False)  # noqa: S603
        failed |= child.returncode
    return failed


# --- inside the child ---------------------------------------------------------------------


def reset_database(db: str, customers: int) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"sqlite-{customers}" / f"kundencenter.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name(customers)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{pg_name(customers)}"')


def existing_customers(db: str, customers: int) -> int:
    if db == "sqlite" and not (DATA / f"sqlite-{customers}" / "kundencenter.sqlite3").exists():
        return 0
    from django.db import DatabaseError

    from kc.customers.models import BusinessPartner

    try:
        return BusinessPartner.objects.count()
    except DatabaseError:
        return 0


def ensure_data(db: str, customers: int, reuse: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    have = existing_customers(db, customers) if reuse else 0
    if have == customers:
        print(f"reusing {db} database with {have:,} customers")
        call_command("migrate", verbosity=0)
        analyze()
        return
    connection.close()
    reset_database(db, customers)
    print(f"building {db} database with {customers:,} customers (seed_demo --seed 1) ...")
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", customers=customers, seed=1, batch_size=10_000, verbosity=0)
    analyze()
    print(f"built in {time.perf_counter() - start:,.0f} s")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def bench_searches(explain: bool) -> None:
    from django.db import connection
    from searchlib.cases import Case, build_cases
    from searchlib.explain import report

    from kc.desk.search import SearchResult, search_customers

    cases = build_cases(seed=1, per_kind=PER_KIND)

    def raw(case: Case) -> None:
        with connection.cursor() as cursor:
            cursor.execute(case.raw_sql, case.raw_params)
            cursor.fetchall()

    def service(case: Case) -> SearchResult:
        return search_customers(case.query)

    print(
        f"{'kind':<14} {'n':>4} {'hits':>5} {'svc p50':>8} {'svc p95':>8} "
        f"{'raw p50':>8} {'raw p95':>8} {'ratio':>6}  target p95 <= {SEARCH_TARGET_MS:.0f} ms"
    )
    scans = 0
    for label, batch in cases.items():
        for case in batch[:10]:  # warm the caches the way a working day does
            service(case)
            raw(case)
        svc: list[float] = []
        direct: list[float] = []
        found = 0
        for case in batch:
            svc.append(time_ms(partial(service, case)))
            direct.append(time_ms(partial(raw, case)))
            found += bool(service(case).hits)
        scans += report(label, partial(service, batch[0]), verbose=explain)
        s50, s95 = percentiles(svc)
        r50, r95 = percentiles(direct)
        verdict = "ok" if s95 <= SEARCH_TARGET_MS else "MISSED"
        print(
            f"{label:<14} {len(batch):>4} {found / len(batch):>5.0%} {s50:>8.2f} {s95:>8.2f} "
            f"{r50:>8.2f} {r95:>8.2f} {s95 / r95:>6.1f}  {verdict}"
        )
    print(f"full table scans in the plans of the searches: {scans}")


def bench_page() -> None:
    from searchlib.page import page_timer

    try:
        prepared = page_timer()
    except Exception as error:  # noqa: BLE001 (the bench reports, never crashes)
        print(f"customer page: not measured ({type(error).__name__}: {error})")
        return
    if isinstance(prepared, str):
        print(f"customer page: not measured ({prepared})")
        return
    url, timed = prepared
    for _ in range(5):
        timed()
    p50, p95 = percentiles([timed() for _ in range(PAGE_RUNS)])
    verdict = "ok" if p95 <= PAGE_TARGET_MS else "MISSED"
    print(
        f"customer page {url}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 <= {PAGE_TARGET_MS:.0f} ms) {verdict}"
    )


def run_child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic for the bench: plain static URLs, as in the test suite.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    ensure_data(args.child, args.customers, args.reuse)
    print(f"== {args.child}: search at {args.customers:,} customers")
    bench_searches(args.explain)
    bench_page()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse", action="store_true", help="keep a database of that size")
    parser.add_argument("--explain", action="store_true", help="print every query plan")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    return run_children(args)


if __name__ == "__main__":
    sys.exit(main())
