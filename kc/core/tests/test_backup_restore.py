"""Backup and restore as docs/production.md describes it: pg_dump -Fc, pg_restore into a new
database; the restored database holds the same rows as the original."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from psycopg import sql

from kc.cases.services import add_note, open_case
from kc.cases.tests.factories import QueueFactory
from kc.core.models import User
from kc.core.numbers import next_number
from kc.core.tests import pg
from kc.portal.tests.factories import customer

KEY_TABLES = [
    "customers_businesspartner",
    "cases_case",
    "cases_message",
    "core_numberrange",
    "core_auditlogentry",
]


def _client_args() -> list[str]:
    cfg = connection.settings_dict
    args = []
    if cfg["HOST"]:
        args += ["-h", str(cfg["HOST"])]
    if cfg["PORT"]:
        args += ["-p", str(cfg["PORT"])]
    if cfg["USER"]:
        args += ["-U", str(cfg["USER"])]
    return args


def _counts(dbname: str) -> dict[str, int]:
    with pg.connect(dbname) as conn:
        counts = {}
        for table in KEY_TABLES:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            counts[table] = int(str(row[0])) if row else -1
        return counts


def _continuations(dbname: str) -> list[tuple[object, ...]]:
    """Where numbering goes on: gap-free number ranges and the cases' id sequence."""
    with pg.connect(dbname) as conn:
        ranges = conn.execute("SELECT key, next_value FROM core_numberrange ORDER BY key")
        rows = list(ranges.fetchall())
        sequence = conn.execute(
            "SELECT last_value FROM pg_sequences WHERE schemaname || '.' || sequencename"
            " = pg_get_serial_sequence('cases_case', 'id')"
        ).fetchall()
        return [*rows, *sequence]


@pytest.fixture
def restore_target() -> Iterator[str]:
    name = f"kc_restore_{uuid.uuid4().hex[:8]}"
    yield name
    with pg.connect("postgres") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_into_a_new_database_keep_every_row(
    tmp_path: Path, restore_target: str
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore: PostgreSQL only")
    tools = {name: shutil.which(name) or "" for name in ("pg_dump", "createdb", "pg_restore")}
    if not all(tools.values()):
        pytest.skip("SKIPPING backup test: pg_dump/pg_restore not installed (postgresql-client)")
    queue = QueueFactory(is_default=True)
    agent = User.objects.create_user(username="sicherung")
    for n in range(5):
        case = open_case(
            subject=f"Sicherung {n}", channel="phone", actor=None, partner=customer(), queue=queue
        )
        add_note(case=case, text=f"Notiz {n}", actor=agent)
    next_number("case")
    source = str(connection.settings_dict["NAME"])
    before = _counts(source)
    assert before["cases_message"] >= 5 and before["core_auditlogentry"] > 0
    assert before["cases_case"] == 5
    assert before["customers_businesspartner"] >= 5

    dump = tmp_path / "kundencenter.dump"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [tools["pg_dump"], *_client_args(), "-Fc", "-f", str(dump), source],
        check=True,
        timeout=120,
    )
    assert dump.stat().st_size > 0
    subprocess.run(  # noqa: S603
        [tools["createdb"], *_client_args(), restore_target],
        check=True,
        timeout=60,
    )
    subprocess.run(  # noqa: S603
        [
            tools["pg_restore"],
            *_client_args(),
            "--no-owner",
            "--exit-on-error",
            "-d",
            restore_target,
            str(dump),
        ],
        check=True,
        timeout=120,
    )

    assert _counts(restore_target) == before
    # Number ranges and sequences come back too: the next case number continues, never repeats.
    assert _continuations(restore_target) == _continuations(source)
    assert len(_continuations(source)) >= 2
