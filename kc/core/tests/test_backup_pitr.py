"""Point-in-time recovery with scripts/pitr.sh (issue 11, docs/production.md).

A private PostgreSQL cluster (the shared server on 5432 is never touched) archives its WAL
with the settings `pitr.sh settings` prints. The Kundencenter schema is migrated into it,
`pitr.sh base-backup` takes a base backup, and Django opens cases with notes, which draws
case numbers from the number range. The server's time T is recorded, then "the mistake": a
bulk change with SQL closes and renames every case and deletes the notes; later work goes on.

`pitr.sh restore` to a target after the mistake gives a cluster with the mistake in it, so
the check below fails on it: the check can tell a wrong target. Restored to T, the new
cluster holds exactly what was there before the mistake (row counts, the number range's next
value, the notes' texts, the cases), and Django sees every migration applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kc.core.tests.production_support import (
    ROOT,
    Cluster,
    as_postgres,
    free_port,
    machine_lock,
    owned_by_postgres,
    postgres_bindir,
    postgres_url,
)

SCRIPT = ROOT / "scripts" / "pitr.sh"
DATABASE = "kc_pitr"
CASES = 6
KEY_TABLES = (
    "customers_businesspartner",
    "cases_case",
    "cases_message",
    "core_numberrange",
    "core_auditlogentry",
)

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(600),  # the lock may be held by a production topology for minutes
]

SEED = """
import json
from kc.cases.services import add_note, open_case
from kc.cases.tests.factories import QueueFactory
from kc.core.models import User
from kc.core.numbers import next_number
from kc.portal.tests.factories import customer
queue = QueueFactory(is_default=True)
agent = User.objects.create_user(username="pitr")
cases = []
for n in range({cases}):
    partner = customer(email=f"pitr{{n}}@example.org")
    case = open_case(
        subject=f"Abschlag {{n}}", channel="phone", actor=None, partner=partner, queue=queue
    )
    add_note(case=case, text=f"Zählerstand {{n}} telefonisch durchgegeben", actor=agent)
    cases.append(case.number)
contracts = [next_number("contract") for _ in range(3)]
print("SEED " + json.dumps({{"cases": cases, "contracts": contracts}}))
"""

MISTAKE = """
UPDATE cases_case SET status = 'closed', subject = 'Massenänderung';
DELETE FROM cases_message WHERE kind = 'note';
UPDATE core_numberrange SET next_value = next_value + 1000 WHERE key = 'case';
"""


def _query(port: int, statement: str, dbname: str = DATABASE) -> list[tuple[Any, ...]]:
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True
    ) as conn:
        cursor = conn.execute(statement)  # type: ignore[call-overload]
        return list(cursor.fetchall()) if cursor.description else []


@dataclass
class Pitr:
    bindir: Path
    dir: Path  # owned by `postgres`: the clusters, the base backup, the WAL archive
    run_as: list[str]  # see as_postgres
    started: list[Cluster]

    @property
    def archive(self) -> Path:
        return self.dir / "archive"

    @property
    def backup(self) -> Path:
        return self.dir / "backup"

    @property
    def installed_script(self) -> Path:
        """The copy of scripts/pitr.sh the `postgres` user runs (and the server calls as its
        archive_command): the checkout may lie below a directory only root can enter."""
        return self.dir / "pitr.sh"

    def script(self, *args: str, ok: bool = True) -> str:
        """scripts/pitr.sh as the `postgres` OS user, as an admin runs it."""
        done = subprocess.run(  # noqa: S603 (our own script)
            [*self.run_as, str(self.installed_script), *args],
            cwd=self.dir,
            env={**os.environ, "PG_BINDIR": str(self.bindir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert (done.returncode == 0) == ok, f"pitr.sh {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def cluster(self, name: str) -> Cluster:
        directory = self.dir / name
        directory.mkdir()
        return Cluster(self.bindir, owned_by_postgres(directory), free_port(), self.run_as)

    def start(self, pg: Cluster) -> None:
        self.started.append(pg)
        pg.start()

    def manage(self, pg: Cluster, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own manage.py)
            [str(ROOT / ".venv/bin/python"), "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": pg.url(DATABASE)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"manage.py {args}: {done.stdout}{done.stderr[-3000:]}"
        return done.stdout

    def switch_wal(self, pg: Cluster) -> None:
        """Close the current WAL file and wait until the archive holds it."""
        segment = _query(pg.port, "SELECT pg_walfile_name(pg_switch_wal())")[0][0]
        deadline = time.monotonic() + 30
        while not (self.archive / segment).exists():
            assert time.monotonic() < deadline, f"{segment} not archived: {pg.log_tail()}"
            time.sleep(0.2)

    def restore(self, name: str, target: str) -> Cluster:
        """pitr.sh restore into a new cluster, started and promoted at the target."""
        pg = self.cluster(name)
        print(self.script("restore", str(self.backup), str(self.archive), str(pg.data), target))
        self.start(pg)
        deadline = time.monotonic() + 60
        while _query(pg.port, "SELECT pg_is_in_recovery()", "postgres")[0][0]:
            assert time.monotonic() < deadline, f"still recovering: {pg.log_tail()}"
            time.sleep(0.2)
        return pg


def _stop(pg: Cluster) -> None:
    """pg_ctl stop, and should that fail, the postmaster by the PID in its postmaster.pid."""
    pid_file = pg.data / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    try:
        pg.stop("fast")
    except AssertionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)


@pytest.fixture
def pitr() -> Iterator[Pitr]:
    if postgres_url() is None:
        pytest.skip("point-in-time recovery: runs on the PostgreSQL pass (make test-postgres)")
    bindir = postgres_bindir("initdb", "pg_basebackup")
    if bindir is None:
        pytest.skip(
            "SKIPPING point-in-time recovery: no /usr/lib/postgresql/*/bin/initdb and"
            " pg_basebackup (Debian: apt-get install postgresql)"
        )
    run_as = as_postgres()
    if run_as is None:
        pytest.skip("SKIPPING point-in-time recovery: running as root without runuser")
    with machine_lock():  # not alongside the production topology tests
        directory = owned_by_postgres(Path(tempfile.mkdtemp(prefix="kc-pitr-")))
        setup = Pitr(bindir, directory, run_as, [])
        try:
            setup.archive.mkdir()
            owned_by_postgres(setup.archive)
            shutil.copy(SCRIPT, setup.installed_script)
            setup.installed_script.chmod(0o755)
            yield setup
        finally:
            for pg in setup.started:
                _stop(pg)
            shutil.rmtree(directory, ignore_errors=True)


def _state(port: int) -> dict[str, Any]:
    """What a restore must bring back exactly."""
    counts = {table: _query(port, f"SELECT count(*) FROM {table}")[0][0] for table in KEY_TABLES}  # noqa: S608 (fixed names)
    return {
        "counts": counts,
        "ranges": _query(port, "SELECT key, next_value FROM core_numberrange ORDER BY key"),
        "cases": _query(port, "SELECT number, subject, status FROM cases_case ORDER BY number"),
        "notes": _query(
            port, "SELECT body_text FROM cases_message WHERE kind = 'note' ORDER BY body_text"
        ),
    }


def _check_restored(port: int, before: dict[str, Any]) -> None:
    """The state from before the mistake exactly, nothing from after it."""
    after = _state(port)
    assert after == before, (after, before)
    later = "SELECT count(*) FROM pg_tables WHERE tablename = 'pitr_later_work'"
    assert _query(port, later)[0][0] == 0


def test_point_in_time_recovery_undoes_a_bulk_change(pitr: Pitr) -> None:
    started = time.monotonic()
    primary = pitr.cluster("primary")
    primary.init()
    settings = pitr.script("settings", str(pitr.archive))
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.write(settings)
    pitr.start(primary)
    _query(primary.port, f"CREATE DATABASE {DATABASE}", "postgres")
    pitr.manage(primary, "migrate", "--no-input")
    migrated = time.monotonic()
    print(pitr.script("base-backup", str(primary.data), str(pitr.backup)))
    assert (pitr.backup / "base.tar.gz").exists() and (pitr.backup / "pg_wal.tar.gz").exists()

    # After the base backup: only the archived WAL brings these rows back.
    out = pitr.manage(primary, "shell", "-c", SEED.format(cases=CASES))
    seed = json.loads(out.split("SEED ", 1)[1])
    assert len(set(seed["cases"])) == CASES
    before = _state(primary.port)
    assert before["counts"]["cases_case"] == CASES
    assert len(before["notes"]) == CASES
    pitr.switch_wal(primary)
    target = _query(primary.port, "SELECT now()::text")[0][0]

    _query(primary.port, MISTAKE)
    mistaken = _state(primary.port)
    assert mistaken != before and not mistaken["notes"]
    too_late = _query(primary.port, "SELECT now()::text")[0][0]
    # Work goes on after the mistake: recovery to too_late stops at this later commit.
    _query(primary.port, "CREATE TABLE pitr_later_work AS SELECT now() AS at")
    pitr.switch_wal(primary)
    _stop(primary)

    # The wrong target: the restore works, and the check sees the mistake in it.
    wrong = pitr.restore("restored-too-late", too_late)
    assert _state(wrong.port) == mistaken
    with pytest.raises(AssertionError):
        _check_restored(wrong.port, before)
    _stop(wrong)

    restored = pitr.restore("restored", target)
    _check_restored(restored.port, before)
    assert [row[0] for row in _state(restored.port)["cases"]] == sorted(seed["cases"])
    # The restored cluster is a normal database again: Django finds every migration applied
    # and the next case number continues where it was at T, with no number given twice.
    pitr.manage(restored, "check")
    plan = pitr.manage(restored, "showmigrations", "--plan").splitlines()
    assert len(plan) > 20 and all(line.startswith("[X]") for line in plan), plan
    assert (
        _query(restored.port, "SHOW archive_mode", "postgres")[0][0] == "off"
    )  # a trial restore never writes into the archive

    # The archive command never overwrites a WAL file with other content; the same content
    # again (archived, but the server crashed before it learned so) is fine.
    archived = sorted(pitr.archive.iterdir())[0]
    content = archived.read_bytes()
    same = pitr.dir / "same-wal"
    same.write_bytes(content)
    pitr.script("archive-wal", str(same), str(archived))
    other = pitr.dir / "other-wal"
    other.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))
    pitr.script("archive-wal", str(other), str(archived), ok=False)
    assert archived.read_bytes() == content
    print(
        f"point-in-time recovery: migrate {migrated - started:.0f} s,"
        f" all {time.monotonic() - started:.0f} s,"
        f" archive {len(list(pitr.archive.iterdir()))} WAL files,"
        f" base backup {sum(p.stat().st_size for p in pitr.backup.iterdir()) // 1024} KiB"
    )
