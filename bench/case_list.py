"""Bench the case list page at 100,000 cases in one queue (prints, never asserts).

    .venv/bin/python bench/case_list.py [--cases N] [--db sqlite|postgres|both] [--reuse]

Bulk-inserts N cases into one queue (mixed statuses, priorities, assignees, a third with a
customer) into a scratch database (SQLite in bench/.data/cases-sqlite-N/, PostgreSQL
database kc_bench_cases, dropped at the end unless --reuse), then renders
/vorgaenge/?queue=<id> (first and a deep page) with Django's test Client logged in as a
staff agent with TOTP, and times the raw SQL of the list query (the page's SELECT and the
paginator's COUNT) as the baseline. Target p95 <= 100 ms. Each database runs in a child
process, because settings read DATABASE_URL once.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "kc_bench_cases"
TARGET_MS = 100.0
RUNS = 60
BATCH = 5_000
AGENTS = 25
PARTNERS = 2_000


def child_env(db: str, cases: int) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_URL", None)
    env["KC_VAR_DIR"] = str(DATA / f"cases-{db}-{cases}")
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DB}"
    return env


def run_children(args: argparse.Namespace) -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    failed = 0
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        command = [sys.executable, __file__, "--child", db, "--cases", str(args.cases)]
        command += ["--reuse"] if args.reuse else []
        child = subprocess.run(command, env=child_env(db, args.cases), check=False)  # noqa: S603
        if child.returncode:
            print(f"== case list on {db}: child failed (exit {child.returncode})")
        failed |= child.returncode
    return failed


# --- inside the child ---------------------------------------------------------------------


def reset_database(db: str, var_dir: Path) -> None:
    if db == "sqlite":
        var_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (var_dir / f"kundencenter.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database(db: str) -> None:
    if db != "postgres":
        return
    import psycopg
    from django.db import connection

    connection.close()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def bench_queue_count() -> tuple[int, int]:
    from django.db import DatabaseError

    from kc.cases.models import Case, Queue

    try:
        queue = Queue.objects.filter(name="Bench-Eingang").first()
        return (queue.pk, Case.objects.filter(queue=queue).count()) if queue else (0, 0)
    except DatabaseError:
        return 0, 0


def build(cases: int) -> int:
    """The bench queue with `cases` cases; returns its id."""
    from django.db import transaction
    from django.utils import timezone

    from kc.cases.models import Case, Queue
    from kc.core.models import Team, User
    from kc.customers.models import BusinessPartner

    rng = random.Random(1)
    team, _ = Team.objects.get_or_create(name="Homeoffice", kind=Team.Kind.HOME_OFFICE)
    if not Queue.objects.filter(is_default=True).exists():
        Queue.objects.create(name="Kundenservice", team=team, is_default=True)
    queue = Queue.objects.create(name="Bench-Eingang", team=team)
    agents = User.objects.bulk_create(
        User(username=f"bench-a{i:02d}", first_name="Agentin", last_name=f"Nr. {i}")
        for i in range(AGENTS)
    )
    with transaction.atomic():  # save() fills the search keys the constraints require
        partners = [
            BusinessPartner.objects.create(
                number=f"{1_800_000 + i}",
                kind=BusinessPartner.Kind.PERSON,
                salutation=BusinessPartner.Salutation.MS,
                first_name="Bench",
                last_name=f"Kundin {i}",
                email=f"bench{i}@kunden.example.net",
            )
            for i in range(PARTNERS)
        ]
    statuses = [s for s, _ in Case.Status.choices]
    status_weights = [15, 30, 15, 10, 20, 10]
    priorities = [p for p, _ in Case.Priority.choices]
    now = timezone.now()
    subjects = ("Frage zur Jahresrechnung", "Zählerstand", "Abschlagsänderung", "Umzug", "Störung")

    def one(i: int) -> Case:
        status = rng.choices(statuses, status_weights)[0]
        partner = rng.choice(partners) if rng.random() < 0.35 else None
        return Case(
            number=f"V8{i:07d}",
            subject=f"{rng.choice(subjects)} {i}",
            channel=rng.choice(("email", "phone", "letter")),
            status=status,
            priority=rng.choices(priorities, (10, 70, 15, 5))[0],
            queue=queue,
            assignee=rng.choice(agents) if rng.random() < 0.6 else None,
            partner=partner,
            contact_email="" if partner else f"absender{i}@mail.example.com",
            received_at=now - datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
        )

    for start in range(0, cases, BATCH):
        Case.objects.bulk_create([one(i) for i in range(start, min(cases, start + BATCH))])
    return queue.pk


def ensure_data(db: str, cases: int, reuse: bool) -> int:
    from django.core.management import call_command
    from django.db import connection

    if reuse:
        queue_id, have = bench_queue_count()
        if have == cases:
            print(f"reusing {db} database with {have:,} cases")
            call_command("migrate", verbosity=0)
            return queue_id
    connection.close()
    reset_database(db, Path(os.environ["KC_VAR_DIR"]))
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    queue_id = build(cases)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {db} database with {cases:,} cases in {time.perf_counter() - start:,.0f} s")
    return queue_id


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(call: Callable[[], object]) -> tuple[float, float]:
    for _ in range(5):
        call()
    return percentiles([timed_ms(call) for _ in range(RUNS)])


def cursor_before(queue_id: int, page: int) -> str:
    """The keyset cursor that opens `page` (the last case of the page before it)."""
    from kc.cases import selectors
    from kc.cases.views import PAGE_SIZE

    if page <= 1:
        return ""
    cases = selectors.case_list(queue_id=queue_id, status="", assignee=None)
    return selectors.cursor_of(cases[(page - 1) * PAGE_SIZE - 1])


def raw_list_query(queue_id: int, page: int) -> Callable[[], object]:
    """The page's keyset SELECTs as the ORM compiles them, run on a raw cursor."""
    from django.db import connection
    from django.db.models import Q

    from kc.cases import selectors
    from kc.cases.views import PAGE_SIZE

    cases = selectors.case_list(queue_id=queue_id, status="", assignee=None)
    position = selectors.parse_cursor(cursor_before(queue_id, page))
    if position is None:
        statements = [cases[: PAGE_SIZE + 1].query.sql_with_params()]
    else:
        priority, received_at, pk = position
        same = cases.filter(priority=priority, received_at__gte=received_at).filter(
            Q(received_at__gt=received_at) | Q(pk__gt=pk)
        )
        lower = cases.filter(priority__lt=priority)
        statements = [
            same[: PAGE_SIZE + 1].query.sql_with_params(),
            lower[: PAGE_SIZE + 1].query.sql_with_params(),
        ]

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def bench(db: str, cases: int, queue_id: int) -> None:
    from django.test import Client
    from searchlib.page import logged_in_client

    from kc.cases.models import Case
    from kc.cases.selectors import OPEN_STATUSES
    from kc.cases.views import PAGE_SIZE

    client: Client = logged_in_client()
    listed = Case.objects.filter(queue_id=queue_id, status__in=OPEN_STATUSES).count()
    last = max(1, -(-listed // PAGE_SIZE))
    print(f"== {db}: case list at {cases:,} cases ({listed:,} open in the queue, {last:,} pages)")
    print(
        f"{'view':<34} {'bytes':>8} {'p50':>7} {'p95':>7} {'raw p50':>8} {'raw p95':>8} "
        f"{'ratio':>6}  target p95 <= {TARGET_MS:.0f} ms"
    )
    pages = {1: "first page", min(100, last): "page 100", last: "last page"}
    for page, label in sorted(pages.items()):
        cursor = cursor_before(queue_id, page)
        url = f"/vorgaenge/?queue={queue_id}" + (f"&nach={cursor}" if cursor else "")
        response = client.get(url)
        if response.status_code != 200:
            print(f"{label:<34} GET {url} answered {response.status_code}: not measured")
            continue

        def get(url: str = url) -> None:
            client.get(url)

        p50, p95 = measure(get)
        r50, r95 = measure(raw_list_query(queue_id, page))
        verdict = "ok" if p95 <= TARGET_MS else "MISSED"
        print(
            f"{label + f' (page={page})':<34} {len(response.content):>8,} {p50:>7.1f} {p95:>7.1f} "
            f"{r50:>8.2f} {r95:>8.2f} {p95 / r95:>6.1f}  {verdict}"
        )
    print("(ratio: page p95 / raw SQL p95 of the same keyset SELECTs)")


def run_child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.chdir(ROOT)
    import django

    django.setup()
    import warnings

    from django.conf import settings

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    queue_id = ensure_data(args.child, args.cases, args.reuse)
    try:
        bench(args.child, args.cases, queue_id)
    finally:
        if not args.reuse:
            drop_database(args.child)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the database")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    return run_children(args)


if __name__ == "__main__":
    sys.exit(main())
