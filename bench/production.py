"""Bench the production topology (issue 11 point 7; prints, never asserts).

    .venv/bin/python bench/production.py [--quick] [--users N] [--seconds S]
                                         [--population N] [--tasks K]

scripts/production.sh starts nginx, two gunicorn app servers, two task workers and the
scheduler on a PostgreSQL database of its own (kc_bench_production, dropped at the end), with
KC_BENCH_PING=1 passed through the environment so /bench/ping (a plain-text view behind the
full middleware stack, no database) is routed: the framework ceiling on the same server.

Seeding (`manage.py shell` in the topology's settings, bench/productionlib/inside.py):
--population demo customers (kc.desk.demo.generate), the demo's queues, a case for each of
the first customers, portal logins (bench/portallib/seeding.make_logins: Argon2id as in
production) and an API token with the scope `cases`.

1. HTTP through nginx, N concurrent users without think time, --seconds each:
   agent = API client (Bearer token) alternating the case list and one case with its
   timeline; portal = logged-in customers on the overview; ping = /bench/ping.
   req/s, p50/p95, errors, and agent/ping and portal/ping.
2. Tasks: K small real tasks (kc.api.tasks.send_due_webhooks: one query, nothing due) enqueued
   at once: tasks/s through the two workers (first start -> last finish); then a trickle (one
   every 0.1 s) for the queue latency enqueue -> start, p50/p95 (workers poll every 0.2 s).
3. The same trickle while `manage.py billing_run --date 2026-01-20` bills the population:
   queue latency p95 of the tasks enqueued during the run, and its ratio to 2.
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

from portal_load import machine, percentile  # noqa: E402
from productionlib import inside, load  # noqa: E402

from kc.core.tests.test_production_topology import (  # noqa: E402
    SCRIPT,
    _drop_database,
    _env_of,
    _free_port,
)

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BILLING_DATE = "2026-01-20"
TRICKLE_INTERVAL = 0.1


def manage(directory: Path, *args: str, timeout: int = 900) -> str:
    env = {**os.environ, **_env_of(directory)}
    done = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def result_of(output: str) -> object:
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"no RESULT line in:\n{output[-2000:]}")


def shell(directory: Path, code: str) -> object:
    return result_of(manage(directory, "shell", "-c", code))


def tasks(directory: Path, count: int, interval: float, stop_after: float = 0) -> list[list[Any]]:
    code = inside.TASKS.format(count=count, interval=interval, stop_after=stop_after)
    rows = shell(directory, code)
    assert isinstance(rows, list)  # noqa: S101 (shape of our own output)
    return rows


def latency_line(label: str, rows: list[list[Any]]) -> tuple[str, float]:
    waits = [(start - enq) * 1000 for enq, start, _f, _s, _w in rows if start]
    p95 = percentile(waits, 0.95)
    text = (
        f"{label:<38} {len(waits):>5} tasks  queue latency p50 {percentile(waits, 0.5):7.0f} ms"
        f"  p95 {p95:7.0f} ms  max {max(waits, default=float('nan')):7.0f} ms"
    )
    return text, p95


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


def task_phase(directory: Path, burst: int, trickle: int) -> float:
    rows = tasks(directory, burst, 0)
    starts = [s for _e, s, _f, _st, _w in rows if s]
    finishes = [f for _e, _s, f, _st, _w in rows if f]
    done = sum(1 for row in rows if row[3] == "SUCCESSFUL")
    span = max(finishes) - min(starts) if starts and finishes else float("nan")
    workers = sorted({row[4].split("-")[-1] for row in rows if row[4]} - {""})
    print(f"\ntask burst: {burst} enqueued at once, {done} successful, workers {workers}")
    print(f"  throughput {done / span:.1f} tasks/s (first start -> last finish {span:.1f} s)")
    print("  " + latency_line("burst (backlog)", rows)[0])
    text, p95 = latency_line("trickle, idle", tasks(directory, trickle, TRICKLE_INTERVAL))
    print("  " + text)
    return p95


def billing_phase(directory: Path, idle_p95: float, cap_seconds: float) -> None:
    """The trickle starts first (its Django start-up), the billing run 3 s later; only tasks
    enqueued between the run's start and its end count."""
    env = {**os.environ, **_env_of(directory)}
    trickled: list[list[Any]] = []
    count = int(cap_seconds / TRICKLE_INTERVAL)
    trickle = threading.Thread(
        target=lambda: trickled.extend(
            tasks(directory, count, TRICKLE_INTERVAL, stop_after=cap_seconds)
        )
    )
    trickle.start()
    time.sleep(3)
    began = time.time()
    billing = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "billing_run", "--date", BILLING_DATE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    ended = time.time()
    trickle.join()
    rows = trickled
    summary = [line for line in billing.stdout.splitlines() if line.startswith("Abrechnungslauf")]
    during = [row for row in rows if began <= row[0] <= ended]
    print(
        f"\nbilling run {BILLING_DATE}: {ended - began:.0f} s, exit {billing.returncode}; "
        f"{' | '.join(summary)}"
    )
    text, p95 = latency_line("trickle while billing ran", during)
    print("  " + text)
    if idle_p95:
        print(f"  ratio p95 during billing / idle {p95 / idle_p95:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--population", type=int, default=3000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="8 users, 15 s, 600 customers")
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.population, args.tasks = 8, 15, 600, 300
    trickle = 100 if args.quick else 300
    print(machine())
    name = f"kc_bench_production_{uuid.uuid4().hex[:6]}"
    database_url = f"{PG_SERVER}/{name}"
    directory = ROOT / "bench" / ".data" / "production"
    directory.parent.mkdir(parents=True, exist_ok=True)
    (directory.parent / ".gitignore").write_text("*\n", encoding="utf-8")
    http_port = _free_port()
    env = {
        **os.environ,
        "KC_PROD_DATABASE_URL": database_url,
        "KC_PROD_HTTP_PORT": str(http_port),
        "KC_PROD_APP_PORTS": f"{_free_port()} {_free_port()}",
        "KC_SMTP_PORT": str(_free_port()),  # nothing listens: no mail leaves the bench
        "KC_BENCH_PING": "1",  # production.sh passes the environment on to its processes
        # One bench token makes all agent requests: lift the per-token limit (120/min) so the
        # server, not the limiter, sets the pace. The limiter's cache write stays in the path.
        "KC_API_RATE_LIMIT_PER_MINUTE": "10000000",
    }
    base = f"http://127.0.0.1:{http_port}"
    try:
        started = time.perf_counter()
        subprocess.run([str(SCRIPT), "start", str(directory)], env=env, check=True, timeout=600)  # noqa: S603
        print(f"topology up in {time.perf_counter() - started:.0f} s at {base}", flush=True)
        started = time.perf_counter()
        code = inside.SEED.format(population=args.population, cases=20, customers=args.users)
        seed = shell(directory, code)
        assert isinstance(seed, dict)  # noqa: S101
        print(f"seeded {args.population} demo customers in {time.perf_counter() - started:.0f} s")
        report_http(http_phase(base, seed, args.users, args.seconds))
        idle_p95 = task_phase(directory, args.tasks, trickle)
        billing_phase(directory, idle_p95, cap_seconds=20 if args.quick else 180)
        print("\nload average after: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory)], env=env, timeout=120, check=False)  # noqa: S603
        _drop_database(database_url)
        for stale in (directory / "env", directory / "pids"):
            if stale.is_file():
                stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
