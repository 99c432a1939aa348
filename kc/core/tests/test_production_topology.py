"""The production topology under load with crashes (issue 11 point 4, docs/production.md).

scripts/production.sh starts nginx, two gunicorn app servers, two task workers and the
scheduler on a database of its own, printing to a private CUPS with a cups-pdf queue
(scripts/cups.sh). Four clients work through nginx at once:

- API clients answer cases (each answer queues a notice e-mail for the SMTP sink);
- portal customers grant a SEPA mandate (the app server renders the confirmation letter; the
  workers send it by e-mail, as a portal notice, or it waits for the print room);
- a staff member clears unmatched bank transfers (each posts a payment) and runs the print
  room (forms batches, prints them; the workers build the batch PDFs and submit the jobs),
  while `manage.py import_bank` reads the day's statement (payments already notified plus new
  ones).

In the middle one task worker (while it runs a letter task) and one app server are SIGKILLed.
Afterwards every answer, mandate, letter and payment exists exactly once; every e-mail and
letter went out, and twice at most when it was on the wire at the kill; every post letter was
printed exactly once (database and cups-pdf output); every bank transfer is posted exactly
once; and the dead worker's RUNNING tasks were handed back by task_recovery and finished on
the live worker.

The test talks to the topology like a client and reads the database with psycopg: the
processes run with their own settings, not pytest-django's.
"""

from __future__ import annotations

import contextlib
import email.message
import functools
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import requests

from kc.core.tests.production_support import (
    ROOT,
    Topology,
    UnavailableError,
    free_port,
    kill_tree,
    nginx_available,
    postgres_url,
    production,
    wait_until,
)
from kc.core.totp import current_totp

CUPS = ROOT / "scripts" / "cups.sh"
CASES = 6
ANSWERS_PER_CASE = 15  # 90 answers, 90 notice e-mails
CHANNELS = ("email", "portal", "post")
MANDATES_PER_CHANNEL = 6  # 18 portal customers grant a mandate: 18 letters
NOTIFIED_MATCHED = 4  # camt.054 before the load: transfers with an invoice reference
UNMATCHED = 6  # camt.054 before the load: transfers staff assign during the load
STATEMENT_NEW = 4  # camt.053 during the load: repeats the camt.054, plus these
PRINT_BATCH_SIZE = 2  # several batches and print jobs from six post letters
DEAD_WORKER = "prod-worker-1"
LIVE_WORKER = "prod-worker-2"
LETTER_TASKS = (
    "kc.channels.tasks.send_letter",
    "kc.letters.tasks.build_print_batch",
    "kc.letters.tasks.submit_print_job",
)
STAFF_PASSWORD = "Lasttest-Druckraum-2026"  # a throwaway test database
STAFF_TOTP = "KUNDENCENTERDRUCKRAUMTST"
PORTAL_PASSWORD = "Lasttest-Portal-2026"

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(420),
]

SEED = """
import json
from decimal import Decimal
from pathlib import Path
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.utils import timezone
from kc.api.services import issue_api_token
from kc.cases.services import open_case
from kc.cases.tests.factories import QueueFactory
from kc.core import roles
from kc.core.models import User
from kc.customers.tests.factories import ContractAccountFactory
from kc.letters.tests.factories import LetterheadFactory
from kc.payments.tests import bankfile_samples as bank
from kc.payments.tests.factories import creditor, receivable
from kc.portal.models import PortalAccount
from kc.portal.tests.factories import customer
queue = QueueFactory(is_default=True)
LetterheadFactory()
creditor()
numbers = []
for n in range({cases}):
    partner = customer(email=f"kunde{{n}}@example.org")
    case = open_case(
        subject=f"Last {{n}}", channel="portal", actor=None, partner=partner, queue=queue
    )
    numbers.append(case.number)
token, raw = issue_api_token(
    name="{name}", scopes=["cases", "cases:reply"], actor=None, expires_at=None
)
staff = User.objects.create_user(username="druckraum", password="{staff_password}")
staff.groups.set(Group.objects.filter(name__in=[roles.CUSTOMER_CENTER, roles.TEAM_LEAD]))
TOTP.activate(staff, "{staff_totp}")
mandates = []
for channel in {channels!r}:
    for n in range({per_channel}):
        address = f"brief-{{channel}}-{{n}}@example.org"
        partner = customer(email=address, preferred_channel=channel)
        account = ContractAccountFactory(partner=partner)
        user = User.objects.create_user(
            username=f"portal-{{channel}}-{{n}}", email=address,
            password="{portal_password}", is_customer=True,
        )
        PortalAccount.objects.create(
            user=user, partner=partner, signup_method=PortalAccount.Method.INVOICE,
            email_verified_at=timezone.now(),
        )
        mandates.append({{
            "channel": channel, "email": address, "account": account.pk,
            "holder": partner.display_name,
        }})
payers = []
for n in range({payers}):
    account = ContractAccountFactory(partner=customer(email=f"zahler{{n}}@example.org"))
    amount = Decimal(50 + n) + Decimal("0.25")
    reference = f"RE{{700000 + n:08d}}"
    receivable(account, str(amount), due_on=timezone.localdate(), reference=reference)
    payers.append({{
        "account": account.pk, "number": account.number, "amount": str(amount),
        "reference": reference,
    }})

def transfer(n, matched):
    payer = payers[n]
    return bank.Tx(
        amount_cents=int(Decimal(payer["amount"]) * 100),
        tx_ref=f"BANKREF{{n:04d}}",
        remittance=f"Rechnung {{payer['reference']}}" if matched else "Abschlag",
        counterparty_name="Zahler" if matched else "Fremde Person",
    )

notified = [transfer(n, n < {matched}) for n in range({matched} + {unmatched})]
statement = notified + [
    transfer(n, True) for n in range({matched} + {unmatched}, {payers})
]
out = Path("{directory}")
(out / "camt054.xml").write_bytes(bank.camt054(notified))
(out / "camt053.xml").write_bytes(bank.camt053(statement))
print("SEED " + json.dumps({{
    "cases": numbers, "token": raw, "mandates": mandates, "payers": payers,
}}))
"""


@dataclass
class Printer:
    dir: Path
    uri: str

    @property
    def out_dir(self) -> Path:
        return self.dir / "out"


@contextlib.contextmanager
def _printer() -> Iterator[Printer | None]:
    """A private cupsd with a cups-pdf queue; None (said loudly) when CUPS cannot be had.

    Its directory is not below pytest's tmp_path: that is private to its user (0700), and
    the cups-pdf backend writes as another user.
    """
    directory = Path(tempfile.mkdtemp(prefix="kc-prodcups-"))
    env = {**os.environ, "KC_CUPS_PORT": str(free_port())}
    env.pop("KC_CUPS_QUEUE", None)
    started = subprocess.run(  # noqa: S603
        [str(CUPS), "start", str(directory)], env=env, capture_output=True, text=True, timeout=900
    )
    if started.returncode != 0:
        print(f"\nWARNING production topology: no CUPS, the print room is left out:\n{started}")
        shutil.rmtree(directory, ignore_errors=True)
        yield None
        return
    try:
        queue = (directory / "queues").read_text().split()[0]
        yield Printer(directory, f"ipp://127.0.0.1:{env['KC_CUPS_PORT']}/printers/{queue}")
    finally:
        subprocess.run([str(CUPS), "stop", str(directory)], env=env, timeout=60)  # noqa: S603
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[tuple[Topology, Printer | None]]:
    """The topology on a database of its own, with the SMTP sink and (if it can) the printer."""
    database_url = postgres_url(f"kc_prodtest_{uuid.uuid4().hex[:8]}")
    if database_url is None:
        pytest.skip("production topology: runs on the PostgreSQL pass (make test-postgres)")
    if not nginx_available():
        pytest.skip(
            "SKIPPING production topology: nginx is not installed and only root can install it"
        )
    try:
        with (
            _printer() as printer,
            production(
                tmp_path / "prod",
                database_url,
                {
                    "KC_PRINTER_URI": printer.uri if printer else "",
                    "KC_PRINT_BATCH_SIZE": str(PRINT_BATCH_SIZE),
                },
                mail_dir=tmp_path / "mail",
            ) as top,
        ):
            yield top, printer
    except UnavailableError as exc:
        pytest.skip(f"SKIPPING production topology: {exc}")


# --- clients ----------------------------------------------------------------------------


def _send(log: Counter[str], call: Callable[[], requests.Response], ok: tuple[int, ...]) -> bool:
    """True when the request came back with an `ok` status; False when it failed on the way
    (a dead app server); any other answer is an error of the test or the application."""
    try:
        response = call()
    except requests.ConnectionError:
        log["failed connection"] += 1
        return False
    except requests.exceptions.ChunkedEncodingError:
        # The app server died after nginx had passed on its headers: a broken answer.
        log["failed broken answer"] += 1
        return False
    if response.status_code in ok:
        return True
    assert response.status_code in (502, 503, 504), (
        response.status_code,
        response.url,
        response.text[:2000],
    )
    log[f"failed {response.status_code}"] += 1
    return False


def _until_stored(
    log: Counter[str], what: str, attempt: Callable[[], bool], stored: Callable[[], bool]
) -> None:
    """Send until it went through; after a failure look whether it was stored before the app
    server died (then never send it again)."""
    for _attempt in range(20):
        if attempt():
            log[f"{what} ok"] += 1
            return
        if stored():
            log[f"{what} stored despite failure"] += 1
            return
        time.sleep(0.3)
    raise AssertionError(f"{what} never succeeded")


def _answered(top: Topology, text: str) -> int:
    return int(
        top.one(
            "SELECT count(*) FROM cases_message WHERE kind = 'portal_out' AND body_text = %s",
            [text],
        )
    )


def _answer(top: Topology, token: str, case: str, text: str, log: Counter[str]) -> None:
    def attempt() -> bool:
        return _send(
            log,
            lambda: requests.post(
                f"{top.base}/api/v1/vorgaenge/{case}/antworten",
                json={"text": text},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ),
            (200, 201),
        )

    _until_stored(log, "answer", attempt, lambda: _answered(top, text) > 0)


def _csrf(session: requests.Session) -> str:
    return str(session.cookies.get("csrftoken", ""))


def _post_form(
    session: requests.Session, url: str, data: dict[str, str]
) -> Callable[[], requests.Response]:
    def call() -> requests.Response:
        if not _csrf(session):
            session.get(url.rsplit("/", 2)[0] + "/", timeout=30)
        return session.post(
            url,
            data={**data, "csrfmiddlewaretoken": _csrf(session)},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=30,
        )

    return call


def _portal_session(top: Topology, address: str, log: Counter[str]) -> requests.Session:
    session = requests.Session()
    login = f"{top.base}/portal/anmelden/"

    def attempt() -> bool:
        with contextlib.suppress(requests.RequestException):
            session.get(login, timeout=30)
        return _send(
            log,
            _post_form(session, login, {"email": address, "password": PORTAL_PASSWORD}),
            (302,),
        )

    _until_stored(log, "portal login", attempt, lambda: False)
    return session


def _active_mandates(top: Topology, account: int) -> int:
    return int(
        top.one(
            "SELECT count(*) FROM payments_sepamandate WHERE account_id = %s AND status = 'active'",
            [account],
        )
    )


def _grant_mandate(top: Topology, item: dict[str, Any], log: Counter[str]) -> None:
    """A portal customer grants a SEPA mandate: the app server writes the confirmation."""
    session = _portal_session(top, item["email"], log)
    url = f"{top.base}/portal/konten/{item['account']}/lastschrift/"
    form = {"iban": "DE02120300000000202051", "account_holder": item["holder"], "consent": "on"}

    def attempt() -> bool:
        with contextlib.suppress(requests.RequestException):
            session.get(url, timeout=30)
        return _send(log, _post_form(session, url, form), (302,))

    _until_stored(log, "mandate", attempt, lambda: _active_mandates(top, item["account"]) > 0)


@dataclass
class Staff:
    """One staff member in the print room who also clears unmatched transfers."""

    top: Topology
    log: Counter[str]
    session: requests.Session = field(default_factory=requests.Session)

    def log_in(self) -> None:
        base = self.top.base
        self.session.get(f"{base}/accounts/login/", timeout=30)
        assert _send(
            self.log,
            _post_form(
                self.session,
                f"{base}/accounts/login/",
                {"login": "druckraum", "password": STAFF_PASSWORD},
            ),
            (302,),
        )
        second = f"{base}/accounts/2fa/authenticate/"
        self.session.get(second, timeout=30)
        assert _send(
            self.log,
            _post_form(self.session, second, {"code": current_totp(STAFF_TOTP)}),
            (302,),
        )

    def assign(self, tx_id: int, account_number: str) -> None:
        url = f"{self.top.base}/zahlungen/klaerung/{tx_id}/zuordnen/"
        form = {f"tx-{tx_id}-account_number": account_number}

        def stored() -> bool:
            outcome = self.top.one(
                "SELECT outcome FROM payments_banktransaction WHERE id = %s", [tx_id]
            )
            return bool(outcome == "assigned")

        _until_stored(
            self.log,
            "assign",
            lambda: _send(self.log, _post_form(self.session, url, form), (302,)),
            stored,
        )

    def print_room_round(self) -> None:
        """Form batches of what waits, then print every batch that is built and not printed."""
        base = self.top.base
        _until_stored(
            self.log,
            "assemble",
            lambda: _send(
                self.log,
                _post_form(self.session, f"{base}/briefe/druckraum/stapel-bilden/", {}),
                (302,),
            ),
            lambda: False,  # forming batches again is harmless: it takes what still waits
        )
        with self.top.db() as conn:
            ready = [
                row[0]
                for row in conn.execute(
                    "SELECT number FROM letters_printbatch b WHERE state = 'ready'"
                    " AND NOT EXISTS (SELECT 1 FROM letters_printjob j WHERE j.batch_id = b.id)"
                )
            ]
        for number in ready:
            self._print(number)

    def _print(self, number: str) -> None:
        url = f"{self.top.base}/briefe/druckraum/{number}/drucken/"

        def printing() -> bool:
            return bool(
                self.top.one(
                    "SELECT count(*) FROM letters_printjob j JOIN letters_printbatch b"
                    " ON b.id = j.batch_id WHERE b.number = %s",
                    [number],
                )
            )

        _until_stored(
            self.log,
            "print",
            lambda: _send(self.log, _post_form(self.session, url, {}), (302,)),
            printing,
        )


# --- the crash --------------------------------------------------------------------------


RUNNING_ON_DEAD = (
    "SELECT id, task_path FROM django_tasks_database_dbtaskresult"
    " WHERE status = 'RUNNING' AND worker_ids->>-1 = %s"
)


def _kill_worker_in_a_letter_task(top: Topology, timeout: float) -> str:
    """SIGKILL the worker while it runs a letter task (or after `timeout` whatever it does)."""
    pid = top.pid("worker1")
    deadline = time.monotonic() + timeout
    with top.db() as conn:
        conn.autocommit = True
        while time.monotonic() < deadline:
            rows = conn.execute(RUNNING_ON_DEAD, [DEAD_WORKER]).fetchall()
            letters = [path for _id, path in rows if path in LETTER_TASKS]
            if letters:
                kill_tree(pid)
                return letters[0]
            time.sleep(0.01)
    kill_tree(pid)
    return "none (timeout)"


# --- what reached the SMTP sink and the printer --------------------------------------------


def _attachment_names(message: email.message.Message) -> list[str]:
    return [part.get_filename() or "" for part in message.walk() if part.get_filename()]


def _printed_letters(out_dir: Path) -> tuple[Counter[str], Counter[str]]:
    """(files per CUPS job name, printed copies per letter number from the control marks)."""
    files: Counter[str] = Counter()
    letters: Counter[str] = Counter()
    for path in out_dir.glob("job_*.pdf"):
        files[path.stem.split("-", 1)[1]] += 1
        with pdfplumber.open(path) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        # One mark per sheet: KC|<batch>|<letter>|<sheet>/<sheets>; count sheet 1 of each.
        for letter in re.findall(r"KC\|[^|]+\|([^|]+)\|1/\d+", text):
            letters[letter] += 1
    return files, letters


def _completed_output(top: Topology, printer: Printer) -> bool:
    with top.db() as conn:
        names = [row[0] for row in conn.execute("SELECT job_name FROM letters_printjob")]
    done = [
        path
        for path in printer.out_dir.glob("job_*.pdf")
        if path.stat().st_mode & 0o044  # cups-pdf makes it readable once Ghostscript is done
    ]
    return bool(names) and len(done) >= len(names)


def _state(top: Topology) -> str:
    """What is still open, for the message of a failed wait."""
    queries = {
        "mails": "SELECT delivery, count(*) FROM cases_message WHERE kind = 'email_out' GROUP BY 1",
        "deliveries": "SELECT channel, state, count(*) FROM letters_delivery GROUP BY 1, 2",
        "batches": "SELECT state, count(*) FROM letters_printbatch GROUP BY 1",
        "jobs": "SELECT state, detail, count(*) FROM letters_printjob GROUP BY 1, 2",
        "running": "SELECT task_path, worker_ids::text, started_at::text"
        " FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'",
        "failed": "SELECT task_path, traceback FROM django_tasks_database_dbtaskresult"
        " WHERE status = 'FAILED'",
        "beats": "SELECT worker_id, seen_at::text FROM core_workerheartbeat",
    }
    with top.db() as conn:
        found = {name: conn.execute(query).fetchall() for name, query in queries.items()}
    return json.dumps(found, indent=1, default=str)


# --- the test -----------------------------------------------------------------------------


def test_load_with_a_killed_worker_and_app_server_loses_nothing(
    topology: tuple[Topology, Printer | None],
) -> None:
    top, printer = topology
    began = time.monotonic()
    seeded = top.manage(
        "shell",
        "-c",
        SEED.format(
            cases=CASES,
            name="Lasttest",
            staff_password=STAFF_PASSWORD,
            staff_totp=STAFF_TOTP,
            portal_password=PORTAL_PASSWORD,
            channels=CHANNELS,
            per_channel=MANDATES_PER_CHANNEL,
            payers=NOTIFIED_MATCHED + UNMATCHED + STATEMENT_NEW,
            matched=NOTIFIED_MATCHED,
            unmatched=UNMATCHED,
            directory=top.dir,
        ),
    )
    data = json.loads(seeded.split("SEED ", 1)[1])
    notified = top.manage("import_bank", str(top.dir / "camt054.xml"))
    assert f"{NOTIFIED_MATCHED} Zahlungen zugeordnet" in notified, notified
    with top.db() as conn:
        unmatched = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM payments_banktransaction WHERE outcome = 'unmatched' ORDER BY key"
            )
        ]
    assert len(unmatched) == UNMATCHED
    payer_numbers = [payer["number"] for payer in data["payers"]]
    to_assign = list(
        zip(unmatched, payer_numbers[NOTIFIED_MATCHED : NOTIFIED_MATCHED + UNMATCHED], strict=True)
    )

    print(f"\nseeded and notified in {time.monotonic() - began:.0f} s")
    log: Counter[str] = Counter()
    log_lock = threading.Lock()
    staff = Staff(top, Counter())
    staff.log_in()

    jobs: list[Callable[[Counter[str]], None]] = [
        functools.partial(_answer, top, data["token"], case, f"Antwort {case} Nr. {n}")
        for case in data["cases"]
        for n in range(ANSWERS_PER_CASE)
    ]
    jobs += [functools.partial(_grant_mandate, top, item) for item in data["mandates"]]
    random.Random(11).shuffle(jobs)
    done = Counter[str]()

    def run(job: Callable[[Counter[str]], None]) -> None:
        local: Counter[str] = Counter()
        job(local)
        with log_lock:
            log.update(local)
            done["jobs"] += 1

    load_over = threading.Event()

    def staff_at_work() -> None:
        """Clear one transfer, one print-room round, again, until the load is over."""
        pending = list(to_assign)
        while pending or not load_over.is_set():
            if pending:
                staff.assign(*pending.pop(0))
            staff.print_room_round()
            time.sleep(0.5)

    killed: dict[str, Any] = {}

    def crash_in_the_middle() -> None:
        wait_until(lambda: done["jobs"] >= len(jobs) // 3, 90, step=0.1)
        statement = threading.Thread(
            target=lambda: killed.update(
                statement=top.manage("import_bank", str(top.dir / "camt053.xml"))
            )
        )
        statement.start()
        killed["task"] = _kill_worker_in_a_letter_task(top, timeout=30)
        kill_tree(top.pid("app1"))
        with top.db() as conn:
            killed["running"] = conn.execute(RUNNING_ON_DEAD, [DEAD_WORKER]).fetchall()
        statement.join()

    with ThreadPoolExecutor(max_workers=6) as pool:
        crasher = pool.submit(crash_in_the_middle)
        staff_work = pool.submit(staff_at_work)
        try:
            with ThreadPoolExecutor(max_workers=4) as clients:
                list(clients.map(run, jobs))
        finally:
            load_over.set()
        crasher.result()  # an assertion in either thread fails the test here
        staff_work.result()
    print(f"load done after {time.monotonic() - began:.0f} s")

    # Every answer and every mandate exactly once, though some requests failed and were sent
    # again.
    for case in data["cases"]:
        for n in range(ANSWERS_PER_CASE):
            assert _answered(top, f"Antwort {case} Nr. {n}") == 1, (case, n)
    with top.db() as conn:
        per_account = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT a.id, (SELECT count(*) FROM payments_sepamandate m"
                " WHERE m.account_id = a.id), (SELECT count(*) FROM letters_letter l"
                " WHERE l.account_id = a.id AND l.kind = 'sepa_mandate')"
                " FROM customers_contractaccount a WHERE a.id = ANY(%s)",
                [[item["account"] for item in data["mandates"]]],
            )
        }
    assert per_account == {item["account"]: (1, 1) for item in data["mandates"]}, per_account

    # What the dead worker was doing stays claimed: mails and letter e-mails `sending` until
    # SEND_CLAIM_TIMEOUT (10 min), print jobs `submitting` until KC_PRINT_CLAIM_SECONDS, and
    # its task results RUNNING until its heartbeat is a minute old. Age all of it to stand for
    # that wait, then let the scheduler run task_recovery and the sweeps now.
    with top.db() as conn:
        in_flight_mail = [
            row[0]
            for row in conn.execute(
                "SELECT message_id FROM cases_message WHERE kind = 'email_out'"
                " AND delivery = 'sending'"
            )
        ]
        in_flight_letters = [
            row[0]
            for row in conn.execute(
                "SELECT l.number FROM letters_delivery d"
                " JOIN letters_letter l ON l.id = d.letter_id WHERE d.state = 'sending'"
            )
        ]
        dead_running = conn.execute(RUNNING_ON_DEAD, [DEAD_WORKER]).fetchall()
        conn.execute(
            "UPDATE cases_message SET send_claimed_at = now() - interval '11 minutes'"
            " WHERE kind = 'email_out' AND delivery = 'sending'"
        )
        conn.execute(
            "UPDATE letters_delivery SET claimed_at = now() - interval '11 minutes'"
            " WHERE state = 'sending'"
        )
        conn.execute(
            "UPDATE letters_printjob SET claimed_at = now() - interval '1 hour'"
            " WHERE state = 'submitting'"
        )
        conn.execute(
            "UPDATE letters_printbatch SET created_at = now() - interval '1 hour'"
            " WHERE state = 'building'"
        )
        conn.execute(
            "UPDATE django_tasks_database_dbtaskresult"
            " SET started_at = started_at - interval '2 minutes'"
            " WHERE status = 'RUNNING' AND worker_ids->>-1 = %s",
            [DEAD_WORKER],
        )
        conn.execute(
            "UPDATE core_workerheartbeat SET seen_at = now() - interval '2 minutes'"
            " WHERE worker_id = %s",
            [DEAD_WORKER],
        )
        conn.execute(
            "UPDATE core_periodicjob SET next_run_at = now() WHERE name IN"
            " ('task_recovery', 'sweep_outbox', 'letter_outbox', 'print_jobs')"
        )
    assert killed["running"], f"the worker was killed idle ({killed})"
    assert set(killed["running"]) <= set(dead_running), (killed["running"], dead_running)

    def all_done() -> bool:
        if printer is not None:
            staff.print_room_round()
        with top.db() as conn:
            conn.execute(
                "UPDATE core_periodicjob SET next_run_at = now() WHERE name = 'print_jobs'"
            )
            mails = conn.execute(
                "SELECT count(*) FILTER (WHERE delivery = 'sent'), count(*) FROM cases_message"
                " WHERE kind = 'email_out'"
            ).fetchone()
            deliveries = conn.execute(
                "SELECT count(*) FILTER (WHERE state IN ('sent', 'printed')), count(*)"
                " FROM letters_delivery"
            ).fetchone()
            running = conn.execute(RUNNING_ON_DEAD, [DEAD_WORKER]).fetchall()
        letters_done = deliveries is not None and deliveries[0] == deliveries[1]
        if printer is None:  # post letters wait for a printer that is not there
            letters_done = True
        return (
            mails is not None
            and mails[0] == mails[1] == len(data["cases"]) * ANSWERS_PER_CASE
            and letters_done
            and not running
        )

    assert wait_until(all_done, 120, step=1.0), f"not everything went out: {_state(top)}"
    if printer is not None:
        assert wait_until(lambda: _completed_output(top, printer), 60), "cups-pdf wrote no output"

    # --- the dead worker's tasks: handed back by task_recovery, finished on the live one.
    with top.db() as conn:
        handed_back = conn.execute(
            "SELECT id, task_path, status, worker_ids FROM django_tasks_database_dbtaskresult"
            " WHERE id = ANY(%s)",
            [[row[0] for row in dead_running]],
        ).fetchall()
    assert len(handed_back) == len(dead_running)
    for _id, path, status, workers in handed_back:
        assert status == "SUCCESSFUL", (path, status, workers)
        assert workers[0] == DEAD_WORKER and workers[-1] == LIVE_WORKER, (path, workers)

    # --- e-mails: every notice mail and every letter by e-mail or portal notice reached the
    # sink; twice only when it was on the wire at the kill (same Message-ID for the mails).
    messages = top.sink()
    with top.db() as conn:
        wanted = [
            row[0]
            for row in conn.execute("SELECT message_id FROM cases_message WHERE kind = 'email_out'")
        ]
        letters = conn.execute(
            "SELECT l.number, d.channel, p.email, d.state, l.id FROM letters_letter l"
            " JOIN letters_delivery d ON d.letter_id = l.id"
            " JOIN customers_businesspartner p ON p.id = l.partner_id"
        ).fetchall()
    delivered = Counter(message["Message-ID"] for message in messages)
    assert len(wanted) == len(set(wanted)) == len(data["cases"]) * ANSWERS_PER_CASE
    missing = [mid for mid in wanted if delivered[mid] == 0]
    assert not missing, missing
    twice = [mid for mid in wanted if delivered[mid] > 1]
    # At-least-once: only a mail that was on the wire when its worker died may come twice
    # (same Message-ID, so the receiver can tell).
    assert set(twice) <= set(in_flight_mail), (twice, in_flight_mail)

    attachments = Counter(name for message in messages for name in _attachment_names(message))
    notices = Counter(
        message["To"] for message in messages if message["Subject"].startswith("Neues Dokument")
    )
    by_channel = Counter(channel for _n, channel, _e, _s, _id in letters)
    assert by_channel == dict.fromkeys(CHANNELS, MANDATES_PER_CHANNEL), by_channel
    letters_twice = []
    for number, channel, address, state, _id in letters:
        if channel == "post":
            continue
        assert state == "sent", (number, channel, state)
        copies = attachments[f"{number}.pdf"] if channel == "email" else notices[address]
        assert copies >= 1, (number, channel, "never sent")
        if copies > 1:
            letters_twice.append(number)
    assert set(letters_twice) <= set(in_flight_letters), (letters_twice, in_flight_letters)

    # --- payments: every transfer of both bank files posted exactly once (by its bank key),
    # each unmatched one assigned by staff once, and every receivable paid to the cent.
    assert "Zahlungen zugeordnet" in killed["statement"], killed["statement"]
    with top.db() as conn:
        transactions = conn.execute(
            "SELECT t.key, t.outcome, t.document_id, a.number FROM payments_banktransaction t"
            " LEFT JOIN customers_contractaccount a ON a.id = t.account_id"
        ).fetchall()
        postings = Counter(
            dict(
                conn.execute(
                    "SELECT source, count(*) FROM payments_ledgerdocument"
                    " WHERE source LIKE 'bank:%%' GROUP BY source"
                ).fetchall()
            )
        )
        balances = dict(
            conn.execute(
                "SELECT a.number, coalesce(sum(l.amount), 0) FROM customers_contractaccount a"
                " LEFT JOIN payments_ledgerline l ON l.account_id = a.id AND l.side = 'customer'"
                " WHERE a.number = ANY(%s) GROUP BY a.number",
                [payer_numbers],
            ).fetchall()
        )
    payers = NOTIFIED_MATCHED + UNMATCHED + STATEMENT_NEW
    assert len(transactions) == payers, transactions
    assert Counter(outcome for _k, outcome, _d, _a in transactions) == {
        "payment": NOTIFIED_MATCHED + STATEMENT_NEW,
        "assigned": UNMATCHED,
    }
    assert postings == {f"bank:{key}": 1 for key, _o, _d, _a in transactions}, postings
    assigned = {number for _k, outcome, _d, number in transactions if outcome == "assigned"}
    assert assigned == {number for _tx, number in to_assign}
    assert balances == dict.fromkeys(payer_numbers, Decimal("0.00")), balances

    # --- print: every post letter in exactly one batch, printed by one job, one cups-pdf
    # file per job, each letter's first sheet in exactly one printed file, no reprint.
    printed = Counter[str]()
    if printer is not None:
        with top.db() as conn:
            jobs_done = conn.execute(
                "SELECT j.job_name, j.state, j.attempt FROM letters_printjob j"
            ).fetchall()
            events = Counter(
                dict(
                    conn.execute(
                        "SELECT kind, count(*) FROM letters_letterevent"
                        " WHERE kind IN ('printed', 'reprinted') GROUP BY kind"
                    ).fetchall()
                )
            )
        files, printed = _printed_letters(printer.out_dir)
        post_letters = [number for number, channel, _a, _s, _id in letters if channel == "post"]
        assert all(state == "completed" and attempt == 1 for _n, state, attempt in jobs_done)
        assert files == {name: 1 for name, _s, _a in jobs_done}, (files, jobs_done)
        assert printed == dict.fromkeys(post_letters, 1), (printed, post_letters)
        assert events == {"printed": MANDATES_PER_CHANNEL}, events

    log.update(staff.log)  # the print-room rounds after the load as well
    stuck = top.one(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult"
        " WHERE status = 'RUNNING' AND worker_ids->>-1 = %s",
        [DEAD_WORKER],
    )
    print(
        f"\nproduction topology: {dict(sorted(log.items()))}"
        f"\n  killed {DEAD_WORKER} in {killed['task']}; it left {len(dead_running)} task(s)"
        f" RUNNING ({sorted(Counter(path for _i, path in dead_running).items())}), all handed"
        f" back and finished on {LIVE_WORKER}; RUNNING on it now {stuck}"
        f"\n  mails: in flight at kill {len(in_flight_mail)}, delivered twice {len(twice)};"
        f" letters: {dict(by_channel)}, in flight {len(in_flight_letters)}, twice"
        f" {len(letters_twice)}; printed {sum(printed.values())} letters"
        f"\n  payments: {len(transactions)} transfers, {sum(postings.values())} postings,"
        f" {len(assigned)} assigned by staff through nginx; statement: "
        f"{killed['statement'].strip()}"
    )
    if printer is None:
        pytest.skip("WARNING: all checked but printing: CUPS could not be started (see above)")
