"""Bench the team lead's coordination pages at a utility's volume (prints, never asserts).

    .venv/bin/python bench/coordination.py [--db sqlite|postgres|both] [--quick] [--keep]

Issue 10. Data (bench/coordinationlib/seeding.py): 100,000 cases over a year in 6 queues,
2,000 of them open (SLA due dates, a tenth at risk, a twentieth breached), 300 open complaints
on them, 200,000 calls in the call journal over the 8 weeks before this week and today so far
(Mon-Sat 8-20 h, 12 % missed, three ringing now), 25 staff (3 team leads, 22 agents, TOTP)
with today's presence and this week's shifts, 5,000 post letters in the print room (waiting
for a batch, in a batch, printed), 50 open reconnections. --quick: a tenth of cases, calls
and letters (about a minute per engine).

Method. A child process per engine with its own KC_VAR_DIR (bench/.data/coordination-DB/;
SQLite there in WAL mode as the settings make it, PostgreSQL in the database
kc_bench_coordination, dropped at the end unless --keep; PostgreSQL is skipped when the
server does not answer). Django's test Client, logged in as a team lead (force_login of the
test suite's make_staff user with TOTP), requests each page over and over (one counted probe
request, two warm-ups unless the probe took over a second, then up to RUNS requests or
TIME_BOX_S seconds, at least MIN_RUNS): p50/p95 of the server time per request
(wall clock in the same process: view, ORM, template; no network, no WSGI server), the
queries per request (CaptureQueriesContext), and the response size.

- Dashboard tiles (desk:dashboard_tiles with HX-Request), without the shared cache
  (KC_DASHBOARD_CACHE_SECONDS=0: each poll builds the snapshot) and with it (a warm cache:
  what all but one poll per interval cost); the selectors alone (dashboard.snapshot()), and
  each selector of the snapshot on its own (SELECTOR_RUNS runs: where its time goes).
- Load of 25 staff polling every KC_DASHBOARD_POLL_SECONDS, as a share of one core: polls/s
  x p50 without the cache, and with it polls/s x p50(warm) + p50(snapshot) / cache seconds
  (one snapshot per interval and process: the default cache is per process (locmem), so N
  app-server processes build N snapshots per interval). Wall clock, so on PostgreSQL the
  server's work is counted as if it were on the same core.
- Presence overview poll (desk:presence_rows with HX-Request).
- Hotline staffing (desk:staffing, default form: this week against the 8 weeks before).
- Reports (desk:reports) for this month and for the last 12 months.

Baseline: GET /healthz (one database round trip, JSON) through the same Client and session:
ratio = p50 of a page / p50 of /healthz, the cost of the page over the bare request cycle.
The machine is shared: os.getloadavg() is printed with the figures.
"""

import argparse
import datetime
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from childdb import ScratchDatabases, percentiles

if TYPE_CHECKING:
    from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ScratchDatabases("coordination", "kc_bench_coordination")
RUNS = 40
TIME_BOX_S = 6.0
SELECTOR_RUNS = 5
SELECTORS = (
    "queue_loads",
    "sla_summary",
    "call_summary",
    "print_room_summary",
    "reconnection_summary",
    "complaint_summary",
    "presence_summary",
)
MIN_RUNS = 3  # a page slower than TIME_BOX_S / 3: its p95 is the slowest of three
STAFF_POLLING = 25


def child_args(args: argparse.Namespace) -> list[str]:
    return (["--quick"] if args.quick else []) + (["--keep"] if args.keep else [])


# --- inside the child ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    label: str
    p50: float
    p95: float
    runs: int
    queries: int | None = None
    size: int | None = None
    status: int = 200


def measure(call: Callable[[], object], warm: int = 2, runs: int = 0) -> tuple[float, float, int]:
    """p50, p95 (ms) and the number of timed runs: RUNS, or fewer within TIME_BOX_S."""
    for _ in range(warm):
        call()
    samples: list[float] = []
    box = time.perf_counter() + TIME_BOX_S
    while len(samples) < (runs or RUNS) and (len(samples) < MIN_RUNS or time.perf_counter() < box):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    return p50, p95, len(samples)


class QueryCounter:
    """Counts the statements sent (CaptureQueriesContext loses them: every request resets the
    query log at its start)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., object], *args: object) -> object:
        self.count += 1
        return execute(*args)


def page(
    client: "Client",
    label: str,
    url: str,
    headers: dict[str, str] | None = None,
    *,
    warm_first: bool = False,
) -> Figure:
    from django.db import connection

    if warm_first:
        client.get(url, headers=headers or {})
    counter = QueryCounter()
    probe = time.perf_counter()
    with connection.execute_wrapper(counter):
        response = client.get(url, headers=headers or {})
    if response.status_code != 200:
        return Figure(label, float("nan"), float("nan"), 0, status=response.status_code)
    probe_s = time.perf_counter() - probe
    warm = 0 if probe_s > 1 else 2  # the probe warmed a slow page enough
    p50, p95, runs = measure(lambda: client.get(url, headers=headers or {}), warm=warm)
    return Figure(label, p50, p95, runs, counter.count, len(response.content))


def snapshot_figure() -> Figure:
    from django.db import connection

    from kc.desk import dashboard

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        dashboard.snapshot()
    p50, p95, runs = measure(dashboard.snapshot, warm=0)
    return Figure("  selectors alone (snapshot)", p50, p95, runs, counter.count)


def selector_figures() -> list[Figure]:
    """Each selector of the snapshot on its own: where the snapshot's time goes."""
    from django.db import connection
    from django.utils import timezone

    from kc.desk import dashboard

    figures = []
    for name in SELECTORS:
        selector: Callable[[datetime.datetime], object] = getattr(dashboard, name)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            selector(timezone.now())

        def call(selector: Callable[[datetime.datetime], object] = selector) -> object:
            return selector(timezone.now())

        p50, p95, runs = measure(call, warm=0, runs=SELECTOR_RUNS)
        figures.append(Figure(f"    {name}", p50, p95, runs, counter.count))
    return figures


def bench(db: str) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from kc.core.models import User

    lead = User.objects.get(username="bench-s00")
    client = Client()
    client.force_login(lead)
    htmx = {"HX-Request": "true"}
    today = timezone.localdate()
    month_start = today.replace(day=1)
    year_start = (today - datetime.timedelta(days=365)).replace(day=1)
    figures: list[Figure] = [page(client, "baseline GET /healthz", "/healthz")]
    settings.KC_DASHBOARD_CACHE_SECONDS = 0
    tiles = reverse("desk:dashboard_tiles")
    uncached = page(client, "dashboard tiles, no cache", tiles, htmx)
    figures += [uncached, snapshot_figure(), *selector_figures()]
    settings.KC_DASHBOARD_CACHE_SECONDS = 3600  # warm: every poll finds the snapshot
    cache.clear()
    cached = page(client, "dashboard tiles, warm cache", tiles, htmx, warm_first=True)
    figures.append(cached)
    figures.append(page(client, "presence overview poll", reverse("desk:presence_rows"), htmx))
    figures.append(page(client, "hotline staffing (8 weeks)", reverse("desk:staffing")))
    reports = reverse("desk:reports")
    figures.append(
        page(client, "reports, this month", f"{reports}?start={month_start}&end={today}")
    )
    figures.append(page(client, "reports, 12 months", f"{reports}?start={year_start}&end={today}"))
    print_table(db, figures)
    print_load(uncached, cached, figures[2])
    print(f"(load after the run {os.getloadavg()})")


def print_table(db: str, figures: list[Figure]) -> None:
    base = figures[0].p50
    print(f"== {db}: coordination pages (server time per request, ms; load {os.getloadavg()})")
    print(
        f"{'page':<32} {'p50':>8} {'p95':>8} {'runs':>5} {'queries':>8} {'bytes':>9} "
        f"{'x healthz':>10}"
    )
    for f in figures:
        if f.status != 200:
            print(f"{f.label:<32} answered {f.status}: not measured")
            continue
        queries = "" if f.queries is None else f"{f.queries:,}"
        size = "" if f.size is None else f"{f.size:,}"
        print(
            f"{f.label:<32} {f.p50:>8.1f} {f.p95:>8.1f} {f.runs:>5} {queries:>8} {size:>9} "
            f"{f.p50 / base:>10.1f}"
        )
    print("(x healthz: p50 of the page / p50 of GET /healthz through the same Client)")


def print_load(uncached: Figure, cached: Figure, snapshot: Figure) -> None:
    from django.conf import settings

    poll_s = max(1, int(settings.KC_DASHBOARD_POLL_SECONDS))
    cache_s = 5  # the settings' default KC_DASHBOARD_CACHE_SECONDS
    polls = STAFF_POLLING / poll_s
    without = polls * uncached.p50 / 1000
    with_cache = polls * cached.p50 / 1000 + snapshot.p50 / cache_s / 1000
    print(
        f"load of {STAFF_POLLING} staff polling every {poll_s} s ({polls:.1f} polls/s): "
        f"{without:.1%} of a core without the cache, {with_cache:.1%} with a {cache_s} s "
        f"cache (one snapshot per {cache_s} s per app-server process)"
    )


def run_child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.chdir(ROOT)
    import warnings

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    logging.disable(logging.INFO)  # one JSON request log line per request otherwise
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from coordinationlib import seeding

    volume = seeding.Volume.quick() if args.quick else seeding.Volume()
    DATABASES.reset(args.child)
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    seeding.build(volume)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {args.child}: {volume.cases:,} cases ({volume.open_cases:,} open), "
        f"{volume.calls:,} calls, {volume.letters:,} letters in "
        f"{time.perf_counter() - start:,.0f} s"
    )
    try:
        bench(args.child)
    finally:
        if not args.keep:
            DATABASES.drop(args.child)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="a tenth of the volume")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    return DATABASES.run_children(__file__, args.db, child_args(args))


if __name__ == "__main__":
    sys.exit(main())
