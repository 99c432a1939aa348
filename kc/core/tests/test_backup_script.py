"""scripts/backup.sh as kundencenter-backup.service runs it (docs/production.md, "Backup").

`dump` runs against a database of its own on the shared server (made and dropped here, no
other database is touched) holding customers and cases with a sequence: the dump gets its
dated name and restores with pg_restore into another new database with the same rows and
sequence values. Dumps older than KC_BACKUP_KEEP_DAYS go, the one just made always stays; a
pg_dump that fails exits non-zero, leaves no `.part` and deletes nothing. `media` snapshots a
media directory; files unchanged since the previous snapshot are hard links to it.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from psycopg import sql

from kc.core.tests import pg

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "backup.sh"
DUMP_NAME = re.compile(r"kundencenter-(\d{4}-\d\d-\d\dT\d{4})\.dump")
DAY = 86400

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TABLE kunde (id bigserial PRIMARY KEY, name text NOT NULL, iban text, foto bytea);
CREATE TABLE vorgang (
    id bigserial PRIMARY KEY,
    kunde_id bigint NOT NULL REFERENCES kunde,
    betreff text NOT NULL,
    betrag numeric(12, 2)
);
INSERT INTO kunde (name, iban, foto)
    SELECT 'Müller-Lüdenscheidt ' || n, 'DE' || lpad(n::text, 20, '0'), sha256(n::text::bytea)
    FROM generate_series(1, 400) AS n;
INSERT INTO vorgang (kunde_id, betreff, betrag)
    SELECT 1 + n % 400, 'Abschlag für Zählerstand ' || n, n * 1.25
    FROM generate_series(1, 1000) AS n;
DELETE FROM vorgang WHERE id % 7 = 0;  -- the sequence runs ahead of count(*)
"""


def _server() -> dict[str, str]:
    cfg = settings.DATABASES["default"]
    return {key: str(cfg[key] or "") for key in ("HOST", "PORT", "USER", "PASSWORD")}


def _url(dbname: str, password: str | None = None) -> str:
    server = _server()
    password = server["PASSWORD"] if password is None else password
    userinfo = quote(server["USER"], safe="") + (f":{quote(password, safe='')}" if password else "")
    host = f"{server['HOST'] or 'localhost'}:{server['PORT'] or 5432}"
    return f"postgres://{userinfo}@{host}/{dbname}"


ROWS = sql.SQL("SELECT count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM {} t")
SEQUENCE = (
    "SELECT last_value FROM pg_sequences"
    " WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(%s, 'id')"
)


def _state(dbname: str) -> dict[str, tuple[object, ...]]:
    """Per table: the number of rows, a digest of their text, the id sequence's position."""
    with pg.connect(dbname) as conn:
        state = {}
        for table in ("kunde", "vorgang"):
            rows = conn.execute(ROWS.format(sql.Identifier(table))).fetchone() or ()
            sequence = conn.execute(SEQUENCE, [table]).fetchone() or ()
            state[table] = (*rows, *sequence)
        return state


@pytest.fixture
def new_database() -> Iterator[Callable[[], str]]:
    """Makes empty databases with fresh names; drops exactly those afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"kc_backup_{uuid.uuid4().hex[:10]}"
        with pg.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    with pg.connect("postgres") as conn:
        for name in made:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def source(new_database: Callable[[], str]) -> str:
    """The database to back up, with customers and cases."""
    name = new_database()
    with pg.connect(name) as conn:
        conn.execute(SCHEMA)
    return name


def _tools(*names: str) -> list[str]:
    found = [shutil.which(name) or "" for name in names]
    for name, path in zip(names, found, strict=True):
        if not path:
            pytest.skip(f"SKIPPING backup script test: {name} is not installed")
    return found


def _clean_environment() -> dict[str, str]:
    """This run's environment without its connection and backup settings."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "KC_BACKUP", "KC_MEDIA")) and key != "DATABASE_URL"
    }


def _backup(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    """backup.sh with only the given settings (none inherited from this run)."""
    return subprocess.run(  # noqa: S603 (our script, fixed arguments)
        [str(SCRIPT), *map(str, args)],
        env={**_clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _aged(path: Path, days: float) -> Path:
    path.touch()
    when = time.time() - days * DAY
    os.utime(path, (when, when))
    return path


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H%M")


def _connection_env(style: str, dbname: str) -> dict[str, str]:
    server = _server()
    if style == "url":
        return {"DATABASE_URL": _url(dbname)}
    env = {"PGDATABASE": dbname, "PGHOST": server["HOST"] or "localhost"}
    env |= {"PGPORT": server["PORT"] or "5432", "PGUSER": server["USER"]}
    return env | ({"PGPASSWORD": server["PASSWORD"]} if server["PASSWORD"] else {})


@pytest.mark.parametrize("style", ["url", "pg-variables"])
def test_dump_has_its_dated_name_and_restores_every_row(
    tmp_path: Path, source: str, new_database: Callable[[], str], style: str
) -> None:
    _, pg_restore = _tools("pg_dump", "pg_restore")
    before = _stamp()
    done = _backup("dump", tmp_path, **_connection_env(style, source))
    after = _stamp()
    assert done.returncode == 0, done.stderr

    [dump] = tmp_path.iterdir()
    match = DUMP_NAME.fullmatch(dump.name)
    assert match, dump.name
    assert before <= match[1] <= after
    assert dump.stat().st_mode & 0o077 == 0  # personal data: for the backup user only
    assert str(dump) in done.stdout

    restored = new_database()
    subprocess.run(  # noqa: S603 (pg_restore of our dump)
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={_url(restored)}", str(dump)],
        check=True,
        timeout=120,
    )
    state = _state(source)
    assert state["kunde"][0] == 400 and state["kunde"][2] == 400
    assert state["vorgang"][0] == 858 and state["vorgang"][2] == 1000  # 142 deleted
    assert _state(restored) == state


def _process(name: str, argument: str, timeout: float = 60) -> int:
    """The pid of a process named `name` with `argument` in its command line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            command, *_ = cmdline.split("\0")
            if Path(command).name == name and argument in cmdline:
                return int(proc.name)
        time.sleep(0.05)
    raise AssertionError(f"no {name} process with {argument}")


def test_the_password_reaches_pg_dump_by_the_environment_not_its_arguments(
    tmp_path: Path, source: str
) -> None:
    """Arguments are visible to every user on the machine (`ps`); the environment is not."""
    _tools("pg_dump", "pg_restore")
    password = "gé:h@im/%2F"  # the test server's trust auth does not check it
    url = _url(source, password=password)
    assert quote(password, safe="") in url
    with pg.connect(source) as conn, conn.transaction():
        conn.execute("LOCK TABLE kunde IN ACCESS EXCLUSIVE MODE")  # pg_dump waits for it
        script = subprocess.Popen(  # noqa: S603 (our script)
            [str(SCRIPT), "dump", str(tmp_path)],
            env={**_clean_environment(), "DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            pid = _process("pg_dump", source)
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            environment = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        except BaseException:
            script.kill()
            raise
    out, err = script.communicate(timeout=120)
    assert script.returncode == 0, err
    assert not [arg for arg in arguments if password in arg or quote(password, safe="") in arg]
    assert f"--dbname={url.replace(':' + quote(password, safe=''), '')}" in arguments
    assert f"PGPASSWORD={password}" in environment
    [dump] = tmp_path.iterdir()
    assert DUMP_NAME.fullmatch(dump.name) and str(dump) in out


def test_dumps_older_than_the_keep_days_go_the_one_just_made_stays(
    tmp_path: Path, source: str
) -> None:
    _tools("pg_dump", "pg_restore")
    connection = {"DATABASE_URL": _url(source)}
    backups = tmp_path / "backup"
    backups.mkdir()
    gone = _aged(backups / "kundencenter-2026-01-01T0115.dump", 40)
    kept = _aged(backups / "kundencenter-2026-01-11T0115.dump", 30)
    foreign = _aged(backups / "notizen.dump", 400)  # not the script's: never deleted

    done = _backup("dump", backups, **connection)
    assert done.returncode == 0, done.stderr
    assert f"deleted {gone}" in done.stdout
    [new] = set(backups.iterdir()) - {kept, foreign}
    assert DUMP_NAME.fullmatch(new.name) and str(new) in done.stdout

    # KC_BACKUP_KEEP_DAYS=0: every older dump goes, even one from an hour ago, but never the
    # dump just made (nothing else would be left).
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    hour_old = _aged(fresh / "kundencenter-2026-11-01T0115.dump", 1 / 24)
    done = _backup("dump", fresh, KC_BACKUP_KEEP_DAYS="0", **connection)
    assert done.returncode == 0, done.stderr
    assert not hour_old.exists()
    [newest] = fresh.iterdir()
    assert DUMP_NAME.fullmatch(newest.name) and newest.stat().st_size > 0

    done = _backup("dump", tmp_path / "other", KC_BACKUP_KEEP_DAYS="35 Tage", **connection)
    assert done.returncode != 0 and "KC_BACKUP_KEEP_DAYS" in done.stderr


def test_a_failing_dump_exits_non_zero_and_leaves_nothing(tmp_path: Path, source: str) -> None:
    _tools("pg_dump", "pg_restore")
    old = _aged(tmp_path / "kundencenter-2026-01-01T0115.dump", 40)
    missing = f"{source}_gibt_es_nicht"
    done = _backup("dump", tmp_path, DATABASE_URL=_url(missing))
    assert done.returncode != 0
    assert f'database "{missing}" does not exist' in done.stderr
    # pg_dump had created the file before it failed to connect: the script removed it.
    assert [path.name for path in tmp_path.iterdir()] == [old.name]  # and pruned nothing

    for env in ({}, {"DATABASE_URL": "sqlite:///var/db.sqlite3"}):
        done = _backup("dump", tmp_path, **env)
        assert done.returncode != 0 and "DATABASE_URL" in done.stderr
    assert [path.name for path in tmp_path.iterdir()] == [old.name]


def test_media_snapshot_hard_links_unchanged_files(tmp_path: Path) -> None:
    _tools("rsync")
    media = tmp_path / "media"
    (media / "letters" / "2026").mkdir(parents=True)
    (media / "uploads").mkdir()
    (media / "letters" / "2026" / "abschlag.pdf").write_bytes(os.urandom(200_000))
    (media / "uploads" / "zählerfoto.jpg").write_bytes(os.urandom(50_000))
    for path in media.rglob("*.*"):  # uploaded yesterday (rsync compares size and mtime)
        _aged(path, 1)
    backups = tmp_path / "backup"
    backups.mkdir()

    before = _stamp()
    done = _backup("media", backups, KC_MEDIA_ROOT=str(media))
    after = _stamp()
    assert done.returncode == 0, done.stderr
    [first] = backups.iterdir()
    match = re.fullmatch(r"media-(\d{4}-\d\d-\d\dT\d{4})", first.name)
    assert match and before <= match[1] <= after
    assert not filecmp.dircmp(media, first).diff_files
    compared = filecmp.cmpfiles(
        media, first, ["letters/2026/abschlag.pdf", "uploads/zählerfoto.jpg"], shallow=False
    )
    assert compared[0] == ["letters/2026/abschlag.pdf", "uploads/zählerfoto.jpg"]

    # Yesterday's snapshot (renamed: a second run in the same minute would get the same
    # name). Today's links the unchanged letter to it, copies the new and the changed file.
    yesterday = first.rename(backups / "media-2026-01-01T0115")
    (media / "uploads" / "zählerfoto.jpg").write_bytes(os.urandom(50_000))
    (media / "uploads" / "neu.pdf").write_bytes(b"%PDF-1.7 neu")
    _aged(media, 100)  # rsync gives a snapshot its source's mtime; the age must be the run's
    done = _backup("media", backups, KC_MEDIA_ROOT=str(media))
    assert done.returncode == 0, done.stderr
    today = backups / f"media-{_stamp()}"
    if not today.exists():  # the minute turned during the run
        [today] = set(backups.iterdir()) - {yesterday}
    letter = "letters/2026/abschlag.pdf"
    assert (today / letter).stat().st_ino == (yesterday / letter).stat().st_ino
    photo = "uploads/zählerfoto.jpg"
    assert (today / photo).stat().st_ino != (yesterday / photo).stat().st_ino
    assert (today / photo).read_bytes() == (media / photo).read_bytes()
    assert (today / "uploads" / "neu.pdf").read_bytes() == b"%PDF-1.7 neu"
    assert not (yesterday / "uploads" / "neu.pdf").exists()
    assert yesterday.exists()  # its directory is new: within KC_BACKUP_KEEP_DAYS

    # A snapshot older than KC_BACKUP_KEEP_DAYS goes with the next run; the files it shared
    # by hard links stay in the newer ones.
    _aged(yesterday, 40)
    second = today.rename(backups / "media-2026-01-02T0115")
    done = _backup("media", backups, KC_MEDIA_ROOT=str(media))
    assert done.returncode == 0, done.stderr
    assert f"deleted {yesterday}" in done.stdout
    assert not yesterday.exists() and second.exists()
    [third] = set(backups.iterdir()) - {second}
    assert (third / letter).stat().st_ino == (second / letter).stat().st_ino
    assert (third / letter).read_bytes() == (media / letter).read_bytes()


def test_media_without_a_media_directory_fails_and_leaves_nothing(tmp_path: Path) -> None:
    _tools("rsync")
    for env in ({}, {"KC_MEDIA_ROOT": str(tmp_path / "gibt-es-nicht")}):
        done = _backup("media", tmp_path, **env)
        assert done.returncode != 0 and "KC_MEDIA_ROOT" in done.stderr
    assert list(tmp_path.iterdir()) == []
    done = _backup("media", tmp_path / "gibt-es-nicht", KC_MEDIA_ROOT=str(tmp_path))
    assert done.returncode != 0 and "no such directory" in done.stderr
