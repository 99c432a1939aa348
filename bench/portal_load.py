"""Bench the customer portal under load with Locust against gunicorn on PostgreSQL (prints,
never asserts).

    .venv/bin/python bench/portal_load.py [--users 200] [--duration S] [--customers N]
                                          [--population N] [--spawn-rate R] [--workers W]
                                          [--max-users M] [--max-duration S] [--quick] [--keep]

Issue 8, point 8: requests/s, p50/p95/p99 and errors at 200 simulated customers; target p95
<= 300 ms with 0 errors on this machine, and the ratio to a minimal Django view on the same
server (the framework ceiling).

Method. A child process builds the PostgreSQL database kc_bench_portal (bench/portallib/
seeding.py; var dir bench/.data/portal/): --population demo customers (`kc.desk.demo.generate`,
default 5,000), the billing run of 20.01.2026 over all of them, and for the first --customers
(default: --users + --max-users, so no two runs share a customer) a real invoice with its
letter PDF (`invoice_account`, two processes) and a verified portal login whose password is
hashed with the production hasher (Argon2id, Django's parameters; one hash stored for all, so
every login check costs a real one); the demo's team queues (a portal message opens a case).
Then `collectstatic`, and gunicorn serves config.wsgi with production settings: KC_DEBUG=0 (manifest
static files through WhiteNoise), a random KC_SECRET_KEY, KC_ALLOWED_HOSTS=127.0.0.1,
persistent database connections (KC_DB_CONN_MAX_AGE=60, health checks on), --workers sync
workers (default 2 x cores + 1), no access log; KC_SECURE=0 only because the bench speaks plain
HTTP on 127.0.0.1 (production has TLS in front). KC_BENCH_PING=1 routes /bench/ping, a
plain-text view without database or session behind the full middleware stack.

Locust (headless, FastHttpUser, one process, on the same two cores as the server; the bench
reports its CPU share) runs four times against the same server:
1. portal: --users customers (bench/portallib/locustfile.py, PortalCustomer), started at
   --spawn-rate per second (default 2/s: a login hashes a password and two cores hash only a few per
   second). Each logs in once as its own customer (login page with its CSS/JS, POST -> 302),
   then clicks with 3-10 s think time (uniform), weighted: overview 4, documents 2, invoice
   PDF 2, contract 2, meter reading 1 (page + POST of a plausible value for today, confirmed
   if the portal asks; once per customer), message 1 (page + POST). Pages that do not exist
   in this checkout yet are reported as skipped. The mix figures count the requests started
   after the last login finished (steady state, --duration seconds); logins are reported
   apart, over the ramp.
2. ping: the same number of users with the same think time on /bench/ping.
3./4. the ceiling: --max-users (default 20) users without think time, portal mix and ping,
   --max-duration seconds after their logins.
Baselines: the target (300 ms p95, 0 errors) and the ping runs: portal req/s / ping req/s
without think time is the share of the framework ceiling the portal reaches, and the server's
CPU milliseconds per request against ping's. Wall clocks depend on what else the machine
runs: the load average is printed, and CPU per request is the steadier guide. The server is
stopped by its PID and the database dropped at the end unless --keep (which also reuses a
kept database with enough portal customers).
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
VAR = DATA / "portal"
BIN = Path(sys.executable).parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "kc_bench_portal"
TARGET_P95_MS = 300.0
THINK = "3,10"
LOGIN_NAMES = ("login page", "static (first visit)", "login POST")
MIX_ORDER = (
    "overview",
    "documents",
    "invoice PDF",
    "contract",
    "reading page",
    "reading POST",
    "reading POST (confirmed)",
    "message page",
    "message POST",
    "ping",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"}
    env |= {
        "KC_VAR_DIR": str(VAR),
        "DATABASE_URL": f"{PG_SERVER}/{PG_DB}",
        "KC_DEBUG": "0",
        "KC_SECRET_KEY": secrets.token_urlsafe(50),
        "KC_ALLOWED_HOSTS": "127.0.0.1",
        "KC_SECURE": "0",
        "KC_DB_CONN_MAX_AGE": "60",
        "KC_BENCH_PING": "1",
        "KC_LOG_LEVEL": "WARNING",
        "KC_SMTP_HOST": "127.0.0.1",
        "KC_SMTP_PORT": str(free_port()),  # nothing listens: no mail leaves the bench
    }
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=int, default=120, help="steady seconds measured")
    parser.add_argument("--customers", type=int, help="portal customers (default: all users)")
    parser.add_argument("--population", type=int, default=5000, help="demo customers in all")
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="customers started per s")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--max-users", type=int, default=20, help="users without think time")
    parser.add_argument("--max-duration", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="20 users, 500 demo customers")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    parser.add_argument("--child", choices=["seed"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.users, args.population, args.duration = 20, 500, 20
        args.max_users, args.max_duration, args.spawn_rate = 5, 15, 5.0
    args.customers = args.customers or args.users + args.max_users
    args.workers = args.workers or 2 * len(os.sched_getaffinity(0)) + 1
    if args.child:
        return run_seed(args)
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    env = server_env()
    print(machine())
    command = [sys.executable, __file__, "--child", "seed", "--customers", str(args.customers)]
    command += ["--population", str(args.population)] + (["--keep"] if args.keep else [])
    if subprocess.run(command, env=env, cwd=ROOT, check=False).returncode:  # noqa: S603
        print("== portal load: seeding failed")
        if not args.keep:
            drop_database()
        return 1
    fixture = json.loads((VAR / "fixture.json").read_text(encoding="utf-8"))
    skipped = []
    if not fixture["reading_page"]:
        skipped.append("meter reading (zaehlerstand/<register_id>/ missing)")
    if not fixture["message_path"]:
        skipped.append("message (postfach/neu/ missing)")
    if skipped:
        print("SKIPPED, page missing in this checkout: " + "; ".join(skipped))
    runs: list[Run] = []
    try:
        with gunicorn(env, args.workers, args.worker_class) as (port, pids):
            host = f"http://127.0.0.1:{port}"
            plan = [
                ("portal", "PortalCustomer", args.users, args.spawn_rate, THINK, args.duration),
                ("ping", "Ping", args.users, args.spawn_rate, THINK, args.duration),
                ("portal", "PortalCustomer", args.max_users, 5.0, "0", args.max_duration),
                ("ping", "Ping", args.max_users, 5.0, "0", args.max_duration),
            ]
            for index, (kind, user, users, rate, wait, seconds) in enumerate(plan):
                label = f"{kind}, {users} users, " + (
                    "3-10 s think time" if wait != "0" else "no think time"
                )
                print(f"running: {label} ...", flush=True)
                offset = args.users if index == 2 else 0  # the ceiling run's own customers
                runs.append(
                    run_locust(host, pids, label, kind, user, users, rate, wait, seconds, offset)
                )
    finally:
        if not args.keep:
            drop_database()
    report(runs, args)
    return 0


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"machine: {model or platform.processor()}, {len(os.sched_getaffinity(0))} cores, "
        f"{memory:.0f} GB RAM, Python {platform.python_version()}, load average {load}"
    )


# --- seeding child ------------------------------------------------------------------------


def run_seed(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.chdir(ROOT)
    import django

    if not args.keep or not database_exists():
        reset_database()
    django.setup()
    from django.core.management import call_command
    from portallib import seeding

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"migrate + collectstatic: {time.perf_counter() - started:.0f} s", flush=True)
    have = seeding.ready_customers(args.customers) if args.keep else 0
    if have >= args.customers:
        print(f"kept database: {have} portal customers, reused")
    else:
        if have:
            print(f"kept database has only {have} portal customers: building afresh")
            from django.db import connection

            connection.close()
            reset_database()
            call_command("migrate", verbosity=0)
        seeded = seeding.seed(args.population, args.customers, workers=2)
        print(
            f"seeded: {seeded.population:,} demo customers in {seeded.seconds_generate:.0f} s, "
            f"billing run {seeded.seconds_billing:.0f} s, {seeded.customers} portal customers "
            f"invoiced with their letter PDFs in {seeded.seconds_invoices:.0f} s "
            f"({seeded.invoice_cpu_s / max(1, seeded.customers):.2f} CPU s per invoice, "
            f"{seeded.invoice_errors} not invoiced); password hasher {seeded.hasher}: "
            f"{seeded.password_hash_s:.2f} s per hash here",
            flush=True,
        )
    seeding.ensure_queues()
    counts = seeding.write_fixture(VAR / "fixture.json")
    print(
        f"fixture: {counts['invoices']} invoice PDFs, {counts['contracts']} current contracts, "
        f"{counts['registers']} registers to report a reading for"
    )
    return 0


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone()
    return found is not None


def reset_database() -> None:
    import psycopg

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    shutil.rmtree(VAR, ignore_errors=True)


# --- server and load ----------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, worker_class: str
) -> Iterator[tuple[int, list[int]]]:
    """gunicorn on a free port; yields the port and the PIDs of master and workers."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--worker-class", worker_class, "--timeout", "120"]
    log = (DATA / "portal-gunicorn.log").open("w")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 300  # a loaded machine: the workers' imports are slow
        while True:
            if answers(f"http://127.0.0.1:{port}/bench/ping"):
                break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start, see {log.name}")
            time.sleep(0.3)
        while len(children_of(server.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.3)
        pids = [server.pid, *children_of(server.pid)]
        print(
            f"gunicorn {gunicorn_version()} on 127.0.0.1:{port}: {workers} {worker_class} "
            f"workers (master PID {server.pid})",
            flush=True,
        )
        yield port, pids
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def answers(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=60):  # noqa: S310
        return True
    return False


def gunicorn_version() -> str:
    from importlib.metadata import version

    return version("gunicorn")


@dataclass
class Run:
    label: str
    kind: str
    users: int
    samples: list[tuple[str, float, float, int]]
    cpu: list[tuple[float, float, float]] = field(default_factory=list)  # time, server, locust
    load: tuple[float, float] = (0.0, 0.0)
    stopped_early: bool = False

    def window(self) -> tuple[float, float]:
        """Steady state: from the last finished login to the last request started."""
        if not self.samples:
            return 0.0, 0.0
        logins = [s[1] + s[2] / 1000 for s in self.samples if s[0] in LOGIN_NAMES]
        first = max(logins) if logins else min(s[1] for s in self.samples)
        return first, max(s[1] for s in self.samples)

    def cpu_between(self, start: float, end: float) -> tuple[float, float]:
        def at(moment: float) -> tuple[float, float]:
            before = [c for c in self.cpu if c[0] <= moment] or self.cpu[:1]
            return before[-1][1], before[-1][2]

        if not self.cpu:
            return float("nan"), float("nan")
        (s0, l0), (s1, l1) = at(start), at(end)
        return s1 - s0, l1 - l0


def run_locust(
    host: str,
    pids: list[int],
    label: str,
    kind: str,
    user: str,
    users: int,
    rate: float,
    wait: str,
    seconds: int,
    offset: int,
) -> Run:
    samples_file = DATA / f"portal-samples-{kind}-{users}-{wait.replace(',', '-')}.json"
    samples_file.unlink(missing_ok=True)
    ramp = users / rate
    logins = users if kind == "portal" else 0
    ready = samples_file.with_suffix(".ready")
    ready.unlink(missing_ok=True)
    total = int(ramp + logins * 10 + 60 + seconds)  # a cap only: stopped once measured
    env = {**os.environ, "PLB_FIXTURE": str(VAR / "fixture.json"), "PLB_READY": str(ready)}
    env |= {"PLB_SAMPLES": str(samples_file), "PLB_WAIT": wait, "PLB_USERS": str(users)}
    env["PLB_OFFSET"] = str(offset)
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "portallib" / "locustfile.py")]
    command += ["--headless", "--only-summary", "--loglevel", "WARNING", "--host", host]
    command += ["-u", str(users), "-r", str(rate), "-t", f"{total}s", "--stop-timeout", "15"]
    command += ["--csv", str(DATA / f"portal-{kind}-{users}"), user]
    run = Run(label, kind, users, [])
    load = os.getloadavg()[0]
    locust = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    stopping = False
    while locust.poll() is None:
        now = time.time()
        run.cpu.append((now, cpu_seconds(pids), cpu_seconds([locust.pid])))
        if not stopping and ready.exists() and now - float(ready.read_text() or now) >= seconds:
            locust.send_signal(signal.SIGTERM)  # locust stops its users and writes the samples
            stopping = True
        time.sleep(1.0)
    run.stopped_early = not stopping
    stderr = locust.stderr.read() if locust.stderr else ""
    run.load = (load, os.getloadavg()[0])
    if not samples_file.exists():
        print(f"  locust wrote no samples (exit {locust.returncode}): {stderr[-2000:]}")
        return run
    run.samples = [(s[0], s[1], s[2], s[3]) for s in json.loads(samples_file.read_text())]
    return run


# --- report -------------------------------------------------------------------------------


@dataclass
class Figures:
    count: int
    rate: float
    p50: float
    p95: float
    p99: float
    failed: int


def figures(samples: list[tuple[str, float, float, int]], seconds: float) -> Figures:
    times = [s[2] for s in samples]
    return Figures(
        count=len(samples),
        rate=len(samples) / seconds if seconds > 0 else float("nan"),
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        failed=sum(s[3] for s in samples),
    )


def line(name: str, f: Figures) -> str:
    return (
        f"  {name:26} {f.count:6}  {f.rate:7.1f}/s  p50 {f.p50:6.0f}  p95 {f.p95:6.0f}  "
        f"p99 {f.p99:6.0f} ms  errors {f.failed}"
    )


@dataclass
class Summary:
    rate: float
    p95: float
    errors: int
    server_ms: float
    locust_share: float


def report_run(run: Run) -> Summary | None:
    print(f"== {run.label}")
    if not run.samples:
        print("  no requests recorded")
        return None
    start, end = run.window()
    seconds = end - start
    steady = [s for s in run.samples if start <= s[1] <= end and s[0] not in LOGIN_NAMES]
    logins = [s for s in run.samples if s[0] in LOGIN_NAMES]
    if run.stopped_early:
        print("  NOTE: locust ended at its time cap before the steady state was measured")
    print(
        f"  steady state {seconds:.0f} s after the last login; load average "
        f"{run.load[0]:.1f} -> {run.load[1]:.1f} on {len(os.sched_getaffinity(0))} CPUs"
    )
    names = sorted({s[0] for s in steady}, key=lambda n: (*MIX_ORDER, n).index(n))
    for name in names:
        print(line(name, figures([s for s in steady if s[0] == name], seconds)))
    total = figures(steady, seconds)
    print(line("all (mix)" if run.kind == "portal" else "all", total))
    if logins:
        ramp = max(s[1] + s[2] / 1000 for s in logins) - min(s[1] for s in logins)
        print(f"  login, over the ramp of {ramp:.0f} s (not in the figures above):")
        for name in LOGIN_NAMES:
            chosen = [s for s in logins if s[0] == name]
            if chosen:
                print(line(name, figures(chosen, ramp)))
    server, locust = run.cpu_between(start, end)
    server_ms = server / max(1, total.count) * 1000
    share = locust / max(1e-9, server + locust)
    verdict = "met" if total.p95 <= TARGET_P95_MS and total.failed == 0 else "MISSED"
    print(
        f"  server CPU {server_ms:.1f} ms per request; Locust took {share:.0%} of the CPU "
        f"used by server and Locust; target p95 <= {TARGET_P95_MS:.0f} ms with 0 errors: "
        f"{total.p95:.0f} ms, {total.failed} errors ({verdict})"
    )
    all_errors = total.failed + sum(s[3] for s in logins)
    return Summary(total.rate, total.p95, all_errors, server_ms, share)


def report(runs: list[Run], args: argparse.Namespace) -> None:
    print(
        f"== portal load on gunicorn ({args.workers} {args.worker_class} workers), PostgreSQL "
        f"{PG_DB}, {args.customers} portal customers among {args.population:,} demo customers"
    )
    summaries = [report_run(run) for run in runs]
    if len(summaries) < 4 or any(s is None for s in summaries):
        return
    portal, ping, portal_max, ping_max = summaries
    assert portal and ping and portal_max and ping_max  # noqa: S101 - checked above
    print("== against the framework ceiling (/bench/ping on the same server)")
    print(
        f"  {args.users} users, think time: portal {portal.rate:.1f} req/s p95 "
        f"{portal.p95:.0f} ms, ping {ping.rate:.1f} req/s p95 {ping.p95:.0f} ms: throughput "
        f"ratio {portal.rate / ping.rate:.2f} (both set by the think time), p95 ratio "
        f"{portal.p95 / max(ping.p95, 0.1):.0f} x"
    )
    print(
        f"  {args.max_users} users, no think time: portal {portal_max.rate:.1f} req/s, ping "
        f"{ping_max.rate:.1f} req/s: portal reaches {portal_max.rate / ping_max.rate:.1%} of "
        f"the ceiling; server CPU per request {portal_max.server_ms:.1f} ms vs "
        f"{ping_max.server_ms:.1f} ms = {portal_max.server_ms / ping_max.server_ms:.1f} x "
        f"(Locust shares the cores: {portal_max.locust_share:.0%} / "
        f"{ping_max.locust_share:.0%} of the CPU)"
    )
    print(
        f"  errors in all runs, logins included: {portal.errors} + {ping.errors} + "
        f"{portal_max.errors} + {ping_max.errors}"
    )


if __name__ == "__main__":
    sys.exit(main())
