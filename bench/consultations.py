"""Bench consultation slots, bookings and funding approvals under contention (prints, never
asserts).

    .venv/bin/python bench/consultations.py [--db sqlite|postgres|both] [--quick] [--keep]
                                            [--seconds S] [--threads N]

Issue 9. Method: a child process per engine with its own KC_VAR_DIR
(bench/.data/consultations-DB/; SQLite in WAL mode as the settings make it, PostgreSQL in the
database kc_bench_consultations, dropped at the end unless --keep; PostgreSQL is skipped when
the server does not answer). Data: bench/consultationslib/seeding.py.

1. Free slots (both engines): `slots.open_slots` of a 60-minute phone consultation (15 min
   buffer, the 30 min grid, 120 min lead time of the settings) for 3 advisors (Mon-Sat 8-12 and
   13-18 h) over the 90-day horizon, with 1,000 existing bookings on slots the rules gave as
   free: p50/p95 of the whole call (loading the plans and computing), of the loading alone
   (`plans_for`) and of the computation alone (`free_slots` on loaded plans). Baseline: the
   computation on the same plans without the bookings; ratio = with / without.
2. Booking under contention (PostgreSQL): N threads (default 16) book random grid slots of
   the same advisor (his hours over the horizon, free or not) through `booking.book` (channel
   agent: the portal's limit of coming appointments per customer would refuse most of the
   bench's 100 customers, it is not what this measures) for S seconds (default 10):
   bookings/s, attempts/s, the refusals by reason, other errors, and whether two active
   bookings of the advisor overlap ([starts_at, blocked_until) of one against the next, in
   start order: the invariant the advisor lock and the exclusion constraint keep). Baseline:
   the same loop with one thread on a second advisor with the same hours (no contention);
   ratio = bookings/s contended / alone.
3. Funding approvals under contention (PostgreSQL): N threads take the next of 200 checked
   applications (fixed 200 EUR each) from a shared list and call `decisions.approve`, against
   a budget that fits 120: approvals/s, how many were approved (exactly 120 is right), the
   refusals, other errors, and the budget left (`selectors.consumption`; >= 0 is right).
   Baseline: one thread approving 40 applications of a second program whose budget fits 24;
   ratio = approvals/s contended / alone.
--atomic (diagnostic): each book() call inside the bench's own transaction.atomic(), as a
caller with its own transaction would call it; without it the bench calls the service as the
views do.
--quick: 200 bookings, 3 s per booking run, 40 applications (budget 24) and 10 (budget 6).
The machine is shared: os.getloadavg() is printed with the figures.
"""

import argparse
import contextlib
import datetime
import logging
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from childdb import ScratchDatabases, percentiles

if TYPE_CHECKING:
    from consultationslib.seeding import Desk, Funding

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ScratchDatabases("consultations", "kc_bench_consultations")
RUNS = 30
TIME_BOX_S = 8.0


@dataclass(frozen=True, slots=True)
class Size:
    bookings: int
    seconds: float
    applications: int
    fits: int
    alone_applications: int
    alone_fits: int


FULL = Size(bookings=1_000, seconds=10.0, applications=200, fits=120, alone_applications=40,
            alone_fits=24)  # fmt: skip
QUICK = Size(bookings=200, seconds=3.0, applications=40, fits=24, alone_applications=10,
             alone_fits=6)  # fmt: skip


def child_args(args: argparse.Namespace) -> list[str]:
    extra = ["--threads", str(args.threads)]
    extra += ["--quick"] if args.quick else []
    extra += ["--keep"] if args.keep else []
    extra += ["--seconds", str(args.seconds)] if args.seconds else []
    extra += ["--atomic"] if args.atomic else []
    return extra


# --- inside the child ---------------------------------------------------------------------


def measure(call: Callable[[], object]) -> tuple[float, float, int]:
    """p50, p95 (ms) and the timed runs: RUNS, or at least 3 and fewer within TIME_BOX_S."""
    call()
    samples: list[float] = []
    box = time.perf_counter() + TIME_BOX_S
    while len(samples) < RUNS and (len(samples) < 3 or time.perf_counter() < box):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    return p50, p95, len(samples)


# --- 1. free slots ----------------------------------------------------------------------------


def bench_slots(desk: "Desk") -> None:
    from django.utils import timezone

    from kc.appointments import slots
    from kc.core.calendars import default_calendar

    calendar = default_calendar()
    today = timezone.localdate()
    last = today + datetime.timedelta(days=90)
    start, end = slots.day_bounds(calendar, today, last)
    now = timezone.now()
    rules = slots.rules_for(desk.kind, now=now)
    plans = slots.plans_for(desk.advisors, start, end + datetime.timedelta(days=1))
    bare = [slots.AdvisorPlan(p.advisor_id, p.weekly, p.absences, ()) for p in plans]
    busy = sum(len(p.busy) for p in plans)
    found = slots.open_slots(desk.kind, calendar, today, last, advisors=desk.advisors)
    rows = [
        (
            "open_slots (load + compute)",
            lambda: slots.open_slots(desk.kind, calendar, today, last, advisors=desk.advisors),
        ),
        (
            "  plans_for (load)",
            lambda: slots.plans_for(desk.advisors, start, end + datetime.timedelta(days=1)),
        ),
        (
            "  free_slots (compute)",
            lambda: slots.free_slots(plans, calendar, rules, today, last, now=now),
        ),
        (
            "baseline: free_slots, no bookings",
            lambda: slots.free_slots(bare, calendar, rules, today, last, now=now),
        ),
    ]
    print(
        f"-- free slots: {len(desk.advisors)} advisors, {today} to {last}, {busy:,} active "
        f"bookings, {len(found):,} free slots; load {os.getloadavg()}"
    )
    print(f"{'measured':<36} {'p50 ms':>9} {'p95 ms':>9} {'runs':>5}")
    figures = {}
    for label, call in rows:
        p50, p95, runs = measure(call)
        figures[label] = p50
        print(f"{label:<36} {p50:>9.1f} {p95:>9.1f} {runs:>5}")
    ratio = figures["  free_slots (compute)"] / figures["baseline: free_slots, no bookings"]
    whole = figures["open_slots (load + compute)"] / figures["baseline: free_slots, no bookings"]
    print(f"ratio compute with / without bookings: {ratio:.1f}; whole call / baseline: {whole:.1f}")


# --- 2. bookings under contention ---------------------------------------------------------


@dataclass
class Outcomes:
    done: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, bucket: str, key: str) -> None:
        """One call's outcome, from any worker thread."""
        with self.lock:
            if bucket == "done":
                self.done += 1
            elif bucket == "refused":
                self.refused[key] += 1
            else:
                self.errors[key] += 1

    def run(self, workers: list[threading.Thread]) -> "Outcomes":
        """Start the workers, wait for all, and keep the wall time they took."""
        began = time.perf_counter()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        self.seconds = time.perf_counter() - began
        return self


def candidate_starts(desk: "Desk") -> list[datetime.datetime]:
    """Every grid start in the advisor's hours over the horizon, free or not."""
    from django.conf import settings
    from django.utils import timezone

    from kc.appointments import slots
    from kc.core.calendars import default_calendar

    calendar = default_calendar()
    (plan,) = slots.plans_for([desk.contended], timezone.now(), timezone.now())
    grid = datetime.timedelta(minutes=settings.KC_APPOINTMENT_GRID_MINUTES)
    duration = datetime.timedelta(minutes=desk.kind.duration_minutes)
    starts = []
    day = timezone.localdate() + datetime.timedelta(days=1)
    for _ in range(89):
        for span_start, span_end in slots.advisor_spans(plan, calendar, day):
            start = span_start
            while start + duration <= span_end:
                starts.append(start)
                start += grid
        day += datetime.timedelta(days=1)
    return starts


def book_loop(
    desk: "Desk", advisor_id: int, threads: int, seconds: float, *, wrap: bool
) -> Outcomes:
    from django.db import connection, transaction

    from kc.appointments import booking as service
    from kc.appointments.models import Advisor, Booking
    from kc.core.validation import Refusal
    from kc.customers.models import BusinessPartner

    starts = candidate_starts(desk)
    outcomes = Outcomes()
    barrier = threading.Barrier(threads)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        advisor = Advisor.objects.select_related("user").get(pk=advisor_id)
        partners = list(BusinessPartner.objects.filter(pk__in=desk.partners))
        barrier.wait()
        deadline = time.perf_counter() + seconds
        try:
            while time.perf_counter() < deadline:
                try:
                    with transaction.atomic() if wrap else contextlib.nullcontext():
                        service.book(
                            partner=rng.choice(partners),
                            appointment_type=desk.kind,
                            advisor=advisor,
                            starts_at=rng.choice(starts),
                            topic="Heizung",
                            channel=Booking.Channel.AGENT,
                            actor=None,
                        )
                    key, bucket = "", "done"
                except service.BookingRefusal as refusal:
                    key, bucket = str(refusal.problem), "refused"
                except Refusal as refusal:
                    key, bucket = f"refusal: {refusal}"[:80], "refused"
                except Exception as error:  # noqa: BLE001 (counted and printed)
                    key, bucket = f"{type(error).__name__}: {error}"[:100], "errors"
                outcomes.count(bucket, key)
        finally:
            connection.close()

    return outcomes.run([threading.Thread(target=worker, args=(n,)) for n in range(threads)])


def overlaps(advisor_id: int) -> tuple[int, int]:
    """(active bookings, pairs of neighbours that overlap incl. the buffer) of the advisor."""
    from kc.appointments.models import Booking

    rows = list(
        Booking.objects.filter(advisor_id=advisor_id, status=Booking.Status.BOOKED)
        .order_by("starts_at")
        .values_list("starts_at", "blocked_until")
    )
    clashes, reach = 0, None
    for starts_at, blocked_until in rows:
        if reach is not None and starts_at < reach:
            clashes += 1
        reach = blocked_until if reach is None else max(reach, blocked_until)
    return len(rows), clashes


def bench_bookings(desk: "Desk", threads: int, seconds: float, *, wrap: bool) -> None:
    how = " (each call inside the caller's transaction.atomic())" if wrap else ""
    print(f"-- bookings: random grid slots of one advisor for {seconds:g} s{how}")
    results = [
        (
            "1 thread (baseline)",
            desk.alone.pk,
            book_loop(desk, desk.alone.pk, 1, seconds, wrap=wrap),
        ),
        (
            f"{threads} threads, same advisor",
            desk.contended.pk,
            book_loop(desk, desk.contended.pk, threads, seconds, wrap=wrap),
        ),
    ]
    print(
        f"{'run':<28} {'booked':>7} {'per s':>7} {'tries/s':>8} {'refused':>8} {'errors':>7} "
        f"{'active':>7} {'overlaps':>9}"
    )
    rates = []
    for label, advisor_id, out in results:
        refused = sum(out.refused.values())
        errors = sum(out.errors.values())
        active, clashes = overlaps(advisor_id)
        rate = out.done / out.seconds
        rates.append(rate)
        tries = (out.done + refused + errors) / out.seconds
        print(
            f"{label:<28} {out.done:>7} {rate:>7.1f} {tries:>8.1f} {refused:>8} {errors:>7} "
            f"{active:>7} {clashes:>9}"
        )
        for reason, count in out.refused.most_common():
            print(f"{'':<30}refused {count:>5}: {reason}")
        for reason, count in out.errors.most_common(5):
            print(f"{'':<30}ERROR   {count:>5}: {reason}")
    ratio = rates[1] / rates[0] if rates[0] else float("nan")
    print(f"ratio bookings/s {threads} threads / 1 thread: {ratio:.2f}; load {os.getloadavg()}")


# --- 3. funding approvals under contention --------------------------------------------------


def approve_loop(ids: list[int], clerk_id: int, threads: int) -> Outcomes:
    from django.db import connection

    from kc.core.models import User
    from kc.core.validation import Refusal
    from kc.funding import decisions
    from kc.funding.models import FundingApplication

    todo = list(reversed(ids))
    outcomes = Outcomes()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker() -> None:
        clerk = User.objects.get(pk=clerk_id)
        barrier.wait()
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    application_id = todo.pop()
                try:
                    application = FundingApplication.objects.get(pk=application_id)
                    decisions.approve(application, actor=clerk)
                    key, bucket = "", "done"
                except Refusal as refusal:
                    budget = "reicht nicht" in str(refusal)
                    key = "budget used up" if budget else f"{refusal}"[:100]
                    bucket = "refused"
                except Exception as error:  # noqa: BLE001 (counted and printed)
                    key, bucket = f"{type(error).__name__}: {error}"[:100], "errors"
                outcomes.count(bucket, key)
        finally:
            connection.close()

    return outcomes.run([threading.Thread(target=worker) for _ in range(threads)])


def bench_funding(funding: "Funding", size: Size, threads: int) -> None:
    from django.utils import timezone

    from kc.funding import selectors
    from kc.funding.models import FundingApplication

    year = timezone.localdate().year
    print("-- funding approvals: 200 EUR each, shared list of checked applications")
    print(
        f"{'run':<34} {'apps':>5} {'fits':>5} {'approved':>9} {'per s':>7} {'refused':>8} "
        f"{'errors':>7} {'budget left':>12} {'approved in db':>15}"
    )
    rates = []
    for label, ids, fits, program, count in (
        ("1 thread (baseline)", funding.alone, size.alone_fits, funding.alone_program, 1),
        (
            f"{threads} threads",
            funding.contended,
            size.fits,
            funding.contended_program,
            threads,
        ),
    ):
        out = approve_loop(ids, funding.clerk.pk, count)
        use = selectors.consumption(program, year)
        left = (use.budget or 0) - use.used
        in_db = FundingApplication.objects.filter(pk__in=ids, status="approved").count()
        rate = out.done / out.seconds
        rates.append(rate)
        refused = sum(out.refused.values())
        errors = sum(out.errors.values())
        print(
            f"{label:<34} {len(ids):>5} {fits:>5} {out.done:>9} {rate:>7.1f} {refused:>8} "
            f"{errors:>7} {left:>12} {in_db:>15}"
        )
        verdict = "as it should" if in_db == fits and left >= 0 else "WRONG"
        print(f"{'':<36}exactly {fits} approved and budget left >= 0: {verdict}")
        for reason, n in out.refused.most_common():
            print(f"{'':<36}refused {n:>5}: {reason}")
        for reason, n in out.errors.most_common(5):
            print(f"{'':<36}ERROR   {n:>5}: {reason}")
    ratio = rates[1] / rates[0] if rates[0] else float("nan")
    print(f"ratio approvals/s {threads} threads / 1 thread: {ratio:.2f}; load {os.getloadavg()}")


def run_child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.chdir(ROOT)
    import warnings

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    warnings.filterwarnings("ignore", message="No directory at")
    logging.disable(logging.INFO)  # the services' and tasks' info logs
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from consultationslib import seeding

    size = QUICK if args.quick else FULL
    seconds = args.seconds or size.seconds
    DATABASES.reset(args.child)
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        seeding.common()
        desk = seeding.desk(partners=100)
        placed = seeding.existing_bookings(desk, size.bookings)
        print(
            f"== {args.child}: consultations ({placed:,} bookings placed, "
            f"{time.perf_counter() - started:.0f} s to build)"
        )
        bench_slots(desk)
        if args.child != "postgresql" and args.child != "postgres":
            print("-- bookings and approvals under contention: PostgreSQL only (row locks)")
            return
        bench_bookings(desk, args.threads, seconds, wrap=args.atomic)
        started = time.perf_counter()
        funding = seeding.funding(
            size.applications, size.fits, size.alone_applications, size.alone_fits
        )
        built = time.perf_counter() - started
        print(
            f"(built {size.applications + size.alone_applications} applications in {built:.0f} s)"
        )
        bench_funding(funding, size, args.threads)
    finally:
        if not args.keep:
            DATABASES.drop(args.child)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="smaller volumes, 3 s runs")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seconds", type=float, default=0.0, help="seconds per booking run")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument(
        "--atomic",
        action="store_true",
        help="diagnostic: call book() inside the bench's own transaction.atomic()",
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return 0
    return DATABASES.run_children(__file__, args.db, child_args(args))


if __name__ == "__main__":
    sys.exit(main())
