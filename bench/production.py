"""Bench the production topology (issue 11 point 7; prints, never asserts).

    .venv/bin/python bench/production.py [--quick] [--users N] [--seconds S]
                                         [--contracts N] [--tasks K] [--billing-workers W]

scripts/production.sh starts nginx, two gunicorn app servers, two task workers and the
scheduler on a PostgreSQL database of its own (kc_bench_production_<random>, dropped at the
end), with KC_BENCH_PING=1 passed through the environment so /bench/ping (a plain-text view
behind the full middleware stack, no database) is routed: the framework ceiling on the same
server. Exit status 1 when the database does not hold the bills the seeding expects.

Seeding (`manage.py shell` in the topology's settings): first the billing run's population,
bench/productionlib/billable.py with bench/billing.py's seeding functions: demo customers until
there are --contracts contracts (kc.desk.demo.generate: readings on 31 December 2022-2025),
each with the bill it already has up to 31.12.2024, so the run on 20.01.2026 bills 2025; what
it should bill is counted from the readings. Then bench/productionlib/inside.py: the demo's
queues, a case for each of the first customers, portal logins (bench/portallib/seeding:
Argon2id as in production) and an API token with the scope `cases`.

1. HTTP through nginx, N concurrent users without think time, --seconds each:
   agent = API client (Bearer token) alternating the case list and one case with its
   timeline; portal = logged-in customers on the overview; ping = /bench/ping.
   req/s, p50/p95, errors, and agent/ping and portal/ping.
2. Tasks: K small real tasks (kc.api.tasks.send_due_webhooks: one query, nothing due) enqueued
   at once: tasks/s through the two workers (first start -> last finish); then a trickle (one
   every 0.1 s) for the queue latency enqueue -> start, p50/p95 (workers poll every 0.2 s):
   the baseline.
3. The same trickle while `manage.py billing_run --date 2026-01-20 --workers W` (W:
   --billing-workers, 2 as a utility would run it) bills the population: contracts billed,
   the run's duration (its own start and end in the database) and bills/s, the bills counted
   in the database against the expectation, and the queue latency of the tasks enqueued
   between the run's start and end, p50/p95 and the ratio of the p95 to the baseline's.
Load average is printed; the load generator runs on the same two cores as the server.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from portal_load import free_port, machine, percentile  # noqa: E402
from productionlib import billable, inside, load  # noqa: E402

# The production tests' helpers: that module imports neither pytest nor Django settings.
from kc.core.tests.production_support import (  # noqa: E402
    PRODUCTION,
    drop_database,
    env_of,
    manage,
)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BILLING_DATE = "2026-01-20"
TRICKLE_INTERVAL = 0.1


def result_of(output: str) -> object:
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"no RESULT line in:\n{output[-2000:]}")


def shell(directory: Path, code: str) -> object:
    return result_of(manage(directory, "shell", "-c", code, timeout=900))


def tasks(
    directory: Path, count: int, interval: float, stop_after: float = 0, stop_file: str = ""
) -> list[list[Any]]:
    code = inside.TASKS.format(
        count=count, interval=interval, stop_after=stop_after, stop_file=stop_file
    )
    rows = shell(directory, code)
    assert isinstance(rows, list)  # noqa: S101 (shape of our own output)
    return rows


def waits_ms(rows: list[list[Any]]) -> list[float]:
    """Queue latency (enqueue -> start) of the tasks that started, in ms."""
    return [(start - enq) * 1000 for enq, start, _f, _s, _w in rows if start]


def latency_line(label: str, rows: list[list[Any]]) -> tuple[str, float]:
    waits = waits_ms(rows)
    p95 = percentile(waits, 0.95)
    text = (
        f"{label:<38} {len(waits):>5} tasks  queue latency p50 {percentile(waits, 0.5):7.0f} ms"
        f"  p95 {p95:7.0f} ms  max {max(waits, default=float('nan')):7.0f} ms"
    )
    return text, p95


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def http_phase(base: str, seed: dict[str, Any], users: int, seconds: float) -> list[load.Result]:
    cases = seed["cases"]
    agents = [load.token_session(seed["token"]) for _ in range(users)]
    customers = [
        load.portal_session(base, email, seed["password"]) for email in seed["customers"][:users]
    ]
    pings = [load.token_session("") for _ in range(users)]
    for session in pings:
        session.headers.pop("Authorization")

    def agent_path(i: int) -> str:
        if i % 2:
            return f"/api/v1/vorgaenge/{cases[i % len(cases)]}"
        return "/api/v1/vorgaenge/"

    results = []
    for label, sessions, paths in (
        ("agent (API: case list / case)", agents, agent_path),
        ("portal (overview)", customers, lambda _i: "/portal/"),
        ("ping (/bench/ping)", pings, lambda _i: "/bench/ping"),
    ):
        print(f"running: {label}, {users} users, {seconds:.0f} s ...", flush=True)
        results.append(load.run(label, sessions, paths, base, seconds))
    return results


def report_http(results: list[load.Result]) -> None:
    print(
        f"\n{'HTTP through nginx, no think time':<34} {'users':>5} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'errors':>6}"
    )
    for r in results:
        print(
            f"{r.label:<34} {r.users:>5} {r.rate:7.1f} {percentile(r.latencies_ms, 0.5):7.0f} "
            f"{percentile(r.latencies_ms, 0.95):7.0f} {r.errors:>6}"
            + (f"  {dict(r.failures)}" if r.failures else "")
        )
    agent, portal, ping = results
    if ping.rate:
        print(
            f"ratio agent/ping {agent.rate / ping.rate:.2f}, "
            f"portal/ping {portal.rate / ping.rate:.2f}"
        )


def task_phase(directory: Path, burst: int, trickle: int) -> list[list[Any]]:
    """The burst, then the idle trickle, whose rows (the baseline) are returned."""
    rows = tasks(directory, burst, 0)
    starts = [s for _e, s, _f, _st, _w in rows if s]
    finishes = [f for _e, _s, f, _st, _w in rows if f]
    done = sum(1 for row in rows if row[3] == "SUCCESSFUL")
    span = max(finishes) - min(starts) if starts and finishes else float("nan")
    workers = sorted({row[4].split("-")[-1] for row in rows if row[4]} - {""})
    print(f"\ntask burst: {burst} enqueued at once, {done} successful, workers {workers}")
    print(f"  throughput {done / span:.1f} tasks/s (first start -> last finish {span:.1f} s)")
    print("  " + latency_line("burst (backlog)", rows)[0])
    idle = tasks(directory, trickle, TRICKLE_INTERVAL)
    print("  " + latency_line("trickle, idle (baseline)", idle)[0])
    return idle


def seed_billable(directory: Path, contracts: int) -> dict[str, Any]:
    started = time.perf_counter()
    code = billable.SEED.format(contracts=contracts, billing_date=BILLING_DATE)
    seeded = shell(directory, code)
    assert isinstance(seeded, dict)  # noqa: S101 (shape of our own output)
    print(
        f"seeded {seeded['contracts']:,} contracts with readings in "
        f"{seeded['generate_seconds']:.0f} s, {seeded['earlier_bills']:,} earlier bills (up to "
        f"31.12.2024); the run on {BILLING_DATE} should bill {seeded['expected_bills']:,} "
        f"periods of {seeded['expected_contracts']:,} contracts "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    return seeded


def billing_phase(
    directory: Path, workers: int, cap_seconds: float
) -> tuple[dict[str, Any], list[list[Any]], float]:
    """The trickle starts first (its Django start-up), the billing run 3 s later; the trickle
    stops 2 s after the run. Returns the run as counted in the database, the tasks enqueued
    between its start and end (its own, from the database), and the wall time of the command
    (Django and worker start-up included)."""
    env = {**os.environ, **env_of(directory)}
    stop = directory / "trickle.stop"
    stop.unlink(missing_ok=True)
    trickled: list[list[Any]] = []
    count = int(cap_seconds / TRICKLE_INTERVAL)
    trickle = threading.Thread(
        target=lambda: trickled.extend(
            tasks(directory, count, TRICKLE_INTERVAL, stop_after=cap_seconds, stop_file=str(stop))
        )
    )
    trickle.start()
    time.sleep(3)
    print(
        f"\nrunning: manage.py billing_run --date {BILLING_DATE} --workers {workers} "
        f"(load average {load_average()}) ...",
        flush=True,
    )
    began = time.perf_counter()
    billing = subprocess.run(  # noqa: S603 (our own manage.py)
        [
            sys.executable,
            "manage.py",
            "billing_run",
            "--date",
            BILLING_DATE,
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    wall = time.perf_counter() - began
    print(f"  load average at the end of the run {load_average()}")
    time.sleep(2)
    stop.touch()
    trickle.join()
    stop.unlink(missing_ok=True)
    if billing.returncode:
        raise RuntimeError(f"billing_run failed:\n{billing.stderr[-3000:]}")
    summary = [line for line in billing.stdout.splitlines() if line.startswith("Abrechnungslauf")]
    print("  " + " | ".join(summary))
    run = shell(directory, billable.VERIFY.format(billing_date=BILLING_DATE))
    assert isinstance(run, dict)  # noqa: S101 (shape of our own output)
    during = [row for row in trickled if run["started"] <= row[0] <= (run["finished"] or 0)]
    return run, during, wall


def report_billing(
    seeded: dict[str, Any],
    run: dict[str, Any],
    wall: float,
    workers: int,
    idle: list[list[Any]],
    during: list[list[Any]],
) -> bool:
    """The named figures; False when the database does not hold what the run should bill."""
    seconds = run["finished"] - run["started"]
    billed = run["outcomes"].get("billed", 0)
    matches: bool = (
        run["status"] == "done"
        and run["bills"] == seeded["expected_bills"] == run["counters"][1]
        and run["billed_contracts"] == billed == seeded["expected_contracts"]
    )
    print(f"\n== billing run {BILLING_DATE} on the production topology, {workers} workers")
    print(
        f"  contracts billed            {billed:>9,} of {seeded['contracts']:,} "
        f"(nothing due {run['outcomes'].get('nothing_due', 0):,}, "
        f"errors {run['outcomes'].get('error', 0):,})"
    )
    print(
        f"  bills in the database       {run['bills']:>9,} for {run['billed_contracts']:,} "
        f"contracts; expected from the readings {seeded['expected_bills']:,} for "
        f"{seeded['expected_contracts']:,}: {'MATCH' if matches else 'MISMATCH'}"
    )
    for message, n in run["errors"]:
        print(f"    error x{n}: {message}")
    print(
        f"  billing duration            {seconds:9.1f} s (the run's start -> end in the database;"
        f" command wall time {wall:.1f} s)"
    )
    print(
        f"  bills/s                     {run['bills'] / seconds:9,.0f}"
        f"  ({run['counters'][0] / seconds:,.0f} contracts checked/s)"
    )
    idle_ms, during_ms = waits_ms(idle), waits_ms(during)
    idle_p95, during_p95 = percentile(idle_ms, 0.95), percentile(during_ms, 0.95)
    print(
        f"\n== queue latency enqueue -> start, one task every {TRICKLE_INTERVAL} s, "
        "2 task workers polling every 0.2 s"
    )
    for label, waits in (("idle (baseline)", idle_ms), ("during billing", during_ms)):
        print(
            f"  {label:<26} {len(waits):>5} tasks  p50 {percentile(waits, 0.5):6.0f} ms  "
            f"p95 {percentile(waits, 0.95):6.0f} ms  max {max(waits, default=float('nan')):6.0f} ms"
        )
    print(f"  ratio p95 during billing / idle  {during_p95 / idle_p95:.2f}")
    return matches


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--billing-workers", type=int, default=2)
    parser.add_argument(
        "--quick", action="store_true", help="8 users, 15 s, 300 tasks, 3,000 contracts"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.contracts, args.tasks = 8, 15, 3000, 300
    trickle = 100 if args.quick else 300
    print(machine())
    name = f"kc_bench_production_{uuid.uuid4().hex[:6]}"
    database_url = f"{PG_SERVER}/{name}"
    directory = ROOT / "bench" / ".data" / "production"
    directory.parent.mkdir(parents=True, exist_ok=True)
    (directory.parent / ".gitignore").write_text("*\n", encoding="utf-8")
    http_port = free_port()
    env = {
        **os.environ,
        "KC_PROD_DATABASE_URL": database_url,
        "KC_PROD_HTTP_PORT": str(http_port),
        "KC_PROD_APP_PORTS": f"{free_port()} {free_port()}",
        "KC_SMTP_PORT": str(free_port()),  # nothing listens: no mail leaves the bench
        "KC_BENCH_PING": "1",  # production.sh passes the environment on to its processes
        # One bench token makes all agent requests: lift the per-token limit (120/min) so the
        # server, not the limiter, sets the pace. The limiter's cache write stays in the path.
        "KC_API_RATE_LIMIT_PER_MINUTE": "10000000",
    }
    base = f"http://127.0.0.1:{http_port}"
    try:
        started = time.perf_counter()
        subprocess.run([str(PRODUCTION), "start", str(directory)], env=env, check=True, timeout=600)  # noqa: S603
        print(f"topology up in {time.perf_counter() - started:.0f} s at {base}", flush=True)
        seeded = seed_billable(directory, args.contracts)
        started = time.perf_counter()
        # The customers are the billing population's: the HTTP seeding adds none (population 0).
        code = inside.SEED.format(population=0, cases=20, customers=args.users)
        seed = shell(directory, code)
        assert isinstance(seed, dict)  # noqa: S101
        print(f"seeded cases, logins and a token in {time.perf_counter() - started:.0f} s")
        report_http(http_phase(base, seed, args.users, args.seconds))
        idle = task_phase(directory, args.tasks, trickle)
        run, during, wall = billing_phase(
            directory, args.billing_workers, cap_seconds=300 if args.quick else 1200
        )
        matches = report_billing(seeded, run, wall, args.billing_workers, idle, during)
        print("\nload average after: " + load_average())
    finally:
        subprocess.run([str(PRODUCTION), "stop", str(directory)], env=env, timeout=120, check=False)  # noqa: S603
        drop_database(database_url)
        for stale in (directory / "env", directory / "pids"):
            if stale.is_file():
                stale.unlink()
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
