"""A PostgreSQL restart while the production topology works (issue 11, docs/production.md).

The topology of scripts/production.sh runs on a PostgreSQL cluster of this test's own (the
machine's server on 5432 is shared and is never restarted). API clients answer cases through
nginx, each answer queuing a notice e-mail for the SMTP sink, while a probe polls the health
endpoints. Twice in the middle the cluster goes down for a few seconds: once stopped cleanly
(`pg_ctl stop -m fast`), once crashed (`-m immediate`, crash recovery on start).

While it is down, API clients get clear errors (503 with Retry-After and the JSON error
shape, or nginx's 502), /healthz/ready answers 503 naming the database and /healthz/live
stays 200. Clients look whether their answer was stored before sending it again. Afterwards
every answer exists once, every notice e-mail reached the sink (twice at most when it was
on the wire at the restart, with the same Message-ID), no task is left behind, the same
processes still run (nobody restarted them) and the scheduler and workers go on working.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from kc.core.tests.production_support import (
    Cluster,
    Topology,
    UnavailableError,
    as_postgres,
    free_port,
    owned_by_postgres,
    postgres_bindir,
    postgres_url,
    production,
    wait_until,
)

CASES = 4
ANSWERS_PER_CASE = 20  # 80 answers, 80 notice e-mails
DOWN_SECONDS = 4.0
OUTAGES = ("fast", "immediate")  # pg_ctl stop modes: a clean stop, then a crash
DATABASE = "kc_dbrestart"

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(600),  # the lock may be held by another topology for minutes
]

SEED = """
import json
from kc.api.services import issue_api_token
from kc.cases.services import open_case
from kc.cases.tests.factories import QueueFactory
from kc.portal.tests.factories import customer
queue = QueueFactory(is_default=True)
numbers = []
for n in range({cases}):
    partner = customer(email=f"kunde{{n}}@example.org")
    case = open_case(
        subject=f"Neustart {{n}}", channel="portal", actor=None, partner=partner, queue=queue
    )
    numbers.append(case.number)
token, raw = issue_api_token(
    name="Neustart", scopes=["cases", "cases:reply"], actor=None, expires_at=None
)
print("SEED " + json.dumps({{"cases": numbers, "token": raw}}))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- A private PostgreSQL cluster, and the topology on it ---


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if postgres_url() is None:
        pytest.skip("database restart: runs on the PostgreSQL pass (make test-postgres)")
    bindir = postgres_bindir("pg_ctl")
    if bindir is None:
        pytest.skip("SKIPPING database restart: no /usr/lib/postgresql/*/bin/pg_ctl (CI has it)")
    run_as = as_postgres()
    if run_as is None:
        pytest.skip("SKIPPING database restart: running as root without runuser")
    directory = owned_by_postgres(Path(tempfile.mkdtemp(prefix="kc-dbrestart-")))
    pg = Cluster(bindir, directory, free_port(), run_as)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        with contextlib.suppress(AssertionError):
            pg.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def topology(cluster: Cluster, tmp_path: Path) -> Iterator[Topology]:
    try:
        with production(
            tmp_path / "prod", cluster.url(DATABASE), mail_dir=tmp_path / "mail", drop=False
        ) as top:
            yield top
    except UnavailableError as exc:
        pytest.skip(f"SKIPPING database restart: {exc}")


# --- The workload ---


@dataclass
class Probe:
    down: bool
    name: str
    status: int
    failing: list[str]
    detail: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class Observations:
    """What clients and the probe saw. `down` is set while the cluster is stopped: a probe
    counts only inside it. `outage` also spans `pg_ctl stop` and `pg_ctl start`: an answer
    failing in it is a failure of the outage (a client whose POST fails while pg_ctl stop
    still waits then waits in _stored until the database is back, and fails no more)."""

    down: threading.Event = field(default_factory=threading.Event)
    outage: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: Counter[str] = field(default_factory=Counter)
    unclear: list[str] = field(default_factory=list)  # failed answers that are not clear
    probes: list[Probe] = field(default_factory=list)

    def count(self, what: str) -> None:
        with self.lock:
            self.answers[what] += 1

    def note(self, failure: str, down: bool) -> None:
        self.count(f"{failure} ({'down' if down else 'up'})")


def _stored(top: Topology, text: str) -> int:
    rows = top.query(
        "SELECT count(*) FROM cases_message WHERE kind = 'portal_out' AND body_text = %s", [text]
    )
    return int(rows[0][0])


def _clear_error(response: requests.Response) -> str:
    """'' for the API's answer while the database is down, else what is wrong with it."""
    if response.status_code != 503:
        return f"{response.status_code} {response.text[:200]}"
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"503 without the JSON error shape: {response.text[:200]}"
    if code != "unavailable" or not response.headers.get("Retry-After", "").isdigit():
        return f"503 {code} Retry-After={response.headers.get('Retry-After')!r}"
    return ""


def _answer(top: Topology, token: str, case: str, text: str, seen: Observations) -> None:
    """POST an answer; after a failure look whether it was stored, else send it again."""
    for _attempt in range(60):
        down_before = seen.outage.is_set()
        wait = 0.5
        try:
            response = requests.post(
                f"{top.base}/api/v1/vorgaenge/{case}/antworten",
                json={"text": text},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            seen.note(f"POST {type(exc).__name__}", down_before or seen.outage.is_set())
        else:
            if response.status_code in (200, 201):
                seen.count("ok")
                return
            seen.note(f"POST {response.status_code}", down_before or seen.outage.is_set())
            if problem := _clear_error(response):
                with seen.lock:
                    seen.unclear.append(f"POST {problem}")
            elif response.headers.get("Retry-After", "").isdigit():
                wait = 1.0  # it asks for 5 s; a test need not wait that long
        if _stored(top, text):  # committed before the failure: do not send it again
            seen.count("stored despite failure")
            return
        time.sleep(wait)
    raise AssertionError(f"{text} never succeeded")


def _probe(top: Topology, token: str, case: str, seen: Observations, stop: threading.Event) -> None:
    """Poll readiness, liveness and an API read through nginx, and liveness at each app server."""
    targets = [
        ("nginx ready", f"{top.base}/healthz/ready"),
        ("nginx live", f"{top.base}/healthz/live"),
        ("api read", f"{top.base}/api/v1/vorgaenge/{case}"),
    ]
    targets += [
        (f"app {port} live", f"http://127.0.0.1:{port}/healthz/live") for port in top.app_ports
    ]
    headers = {"Authorization": f"Bearer {token}"}
    while not stop.is_set():
        for name, url in targets:
            down = seen.down.is_set()
            failing: list[str] = []
            try:
                response = requests.get(url, headers=headers, timeout=10)
            except requests.RequestException as exc:
                status = 0
                detail = type(exc).__name__
            else:
                status = response.status_code
                detail = "" if status == 200 else _clear_error(response)
                with contextlib.suppress(ValueError, AttributeError):
                    failing = list(response.json().get("failing", []))
            # Only what was seen with the state unchanged during the request counts.
            if down == seen.down.is_set():
                with seen.lock:
                    seen.probes.append(Probe(down, name, status, failing, detail))
        stop.wait(0.2)


def _database_now(top: Topology) -> Any:
    return top.query("SELECT now()")[0][0]


def test_database_restart_during_work_loses_nothing(topology: Topology, cluster: Cluster) -> None:
    top = topology
    data = json.loads(top.manage("shell", "-c", SEED.format(cases=CASES)).split("SEED ", 1)[1])
    texts = [
        (case, f"Neustart-Antwort {case} Nr. {n}")
        for case in data["cases"]
        for n in range(ANSWERS_PER_CASE)
    ]
    processes = ["app1", "app2", "worker1", "worker2", "scheduler", "nginx"]
    pids = {name: top.pid(name) for name in processes}
    seen = Observations()
    back_at: list[Any] = []
    restart_failed: list[BaseException] = []
    started_at: list[float] = []

    def restart_in_the_middle() -> None:
        try:
            for n, mode in enumerate(OUTAGES, start=1):
                share = len(texts) * n // (len(OUTAGES) + 1)
                wait_until(lambda share=share: seen.answers["ok"] >= share, 90)
                print(f"restart {mode} after {seen.answers['ok']} answers", flush=True)
                seen.outage.set()
                cluster.stop(mode)
                seen.down.set()
                time.sleep(DOWN_SECONDS)
                seen.down.clear()
                cluster.start()
                seen.outage.clear()
                started_at.append(time.monotonic())
            back_at.append(_database_now(top))
        except BaseException as exc:  # reported by the test's thread
            restart_failed.append(exc)
            raise

    def send(item: tuple[str, str]) -> None:
        _answer(top, data["token"], item[0], item[1], seen)
        time.sleep(0.05)  # a steady stream, so that both outages fall into the work

    stop_probe = threading.Event()
    probe = threading.Thread(
        target=_probe, args=(top, data["token"], data["cases"][0], seen, stop_probe)
    )
    restarter = threading.Thread(target=restart_in_the_middle)
    probe.start()
    restarter.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(send, texts))
    finally:
        restarter.join()
        stop_probe.set()
        probe.join()
    assert back_at, f"the restarts did not finish: {restart_failed}"

    probes_down = [p for p in seen.probes if p.down]
    ready_again = [
        min(
            (
                p.at - start
                for p in seen.probes
                if p.name == "nginx ready" and p.status == 200 and p.at > start
            ),
            default=float("nan"),
        )
        for start in started_at
    ]
    print(
        f"\ndatabase restart: answers {dict(seen.answers)};"
        f" while down {dict(Counter((p.name, p.status) for p in probes_down))};"
        f" ready again after {', '.join(f'{s:.1f}' for s in ready_again)} s"
    )

    # While the database was down: clear errors from the app itself, through nginx.
    failed_down = sum(count for what, count in seen.answers.items() if "(down)" in what)
    assert failed_down >= len(OUTAGES), seen.answers
    assert not seen.unclear, seen.unclear
    for name in ("nginx ready", "nginx live", "api read"):
        assert any(p.name == name for p in probes_down), f"{name}: no probe while down"
    for p in probes_down:
        if p.name == "nginx ready":
            assert p.status == 503 and "database" in p.failing, p
        elif p.name == "api read":
            assert p.status == 503 and not p.detail, p  # the JSON shape with Retry-After
        else:
            assert p.status == 200, p  # liveness needs no database
    assert not [p for p in seen.probes if p.status == 502], "nginx took the app servers out"

    # Every answer exactly once, though some requests failed and were sent again.
    for _case, text in texts:
        assert _stored(top, text) == 1, text

    # The same processes, nobody restarted them, and they work on with the database.
    assert all(_alive(pid) and top.pid(name) == pid for name, pid in pids.items()), pids
    assert wait_until(
        lambda: (
            top.query("SELECT count(*) FROM core_workerheartbeat WHERE seen_at > %s", [back_at[0]])[
                0
            ][0]
            == 2
        ),
        40,
    ), "a task worker's heartbeat did not come back"
    assert wait_until(
        lambda: (
            top.query(
                "SELECT count(*) FROM core_periodicjob WHERE last_enqueued_at > %s", [back_at[0]]
            )[0][0]
            > 0
        ),
        40,
    ), "the scheduler enqueued nothing after the restarts"

    # Every notice e-mail is sent. A mail on the wire at a restart may stay `sending` until
    # SEND_CLAIM_TIMEOUT (10 min); age such claims to stand for that wait and let the
    # scheduler run the outbox sweep now instead of within 5 minutes.
    in_flight = [
        row[0]
        for row in top.query(
            "SELECT message_id FROM cases_message WHERE kind = 'email_out' AND delivery <> 'sent'"
        )
    ]
    if in_flight:
        top.query(
            "UPDATE cases_message SET send_claimed_at = now() - interval '11 minutes'"
            " WHERE kind = 'email_out' AND delivery = 'sending' RETURNING id"
        )
        top.query(
            "UPDATE core_periodicjob SET next_run_at = now() WHERE name = 'sweep_outbox'"
            " RETURNING id"
        )

    def all_sent() -> bool:
        row = top.query(
            "SELECT count(*) FILTER (WHERE delivery = 'sent'), count(*) FROM cases_message"
            " WHERE kind = 'email_out'"
        )[0]
        return row[0] == row[1] == len(texts)

    assert wait_until(all_sent, 60), "not every notice e-mail was sent"
    wanted = [
        row[0] for row in top.query("SELECT message_id FROM cases_message WHERE kind = 'email_out'")
    ]
    assert len(wanted) == len(set(wanted)) == len(texts)
    delivered = Counter(message["Message-ID"] for message in top.sink())
    missing = [mid for mid in wanted if delivered[mid] == 0]
    assert not missing, missing
    twice = [mid for mid, count in delivered.items() if count > 1]
    assert set(twice) <= set(in_flight), (twice, in_flight)

    # No task left behind: nothing RUNNING, nothing READY that was due long ago.
    def settled() -> bool:
        rows = top.query(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            " OR (status = 'READY' AND coalesce(run_after, enqueued_at) < now() - interval '10s')"
        )
        return int(rows[0][0]) == 0

    assert wait_until(settled, 30), top.query(
        "SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult"
        " WHERE status IN ('RUNNING', 'READY')"
    )
    assert all(_alive(pid) for pid in pids.values()), pids
    failed_tasks = top.query(
        "SELECT task_path, count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE status = 'FAILED' GROUP BY task_path"
    )
    handed_back = top.query(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE traceback LIKE '%%lost the database%%' OR jsonb_array_length(worker_ids) > 1"
    )[0][0]
    print(
        f"database restart: failed task results {failed_tasks}, handed back {handed_back},"
        f" mails not sent right after the work {len(in_flight)}, delivered twice {len(twice)}"
    )
