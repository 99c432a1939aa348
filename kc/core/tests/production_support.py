"""Running scripts/production.sh and a private PostgreSQL cluster, for the production tests.

Used by test_production_topology.py, test_production_tls.py, test_database_restart.py,
test_backup_pitr.py (and bench/production.py). It imports neither pytest nor Django: what
the machine lacks is returned as None or raised as `UnavailableError`, and the tests skip on it.
The topology's processes run with their own settings (DIR/env); the tests talk to them like
a client and read the database with psycopg.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = ROOT / "scripts" / "production.sh"
MAILSERVERS = ROOT / "scripts" / "mailservers.sh"
LOCK = Path("/tmp/kc-production-topology.lock")  # noqa: S108 (one lock per machine)


class UnavailableError(Exception):
    """The machine cannot run the production topology (no nginx and not root to install it)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_url(database: str | None = None) -> str | None:
    """DATABASE_URL (with DATABASE as its database, if given); None when it is not PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return url if database is None else url.rsplit("/", 1)[0] + "/" + database


def env_of(directory: Path) -> dict[str, str]:
    """The topology's environment, as scripts/production.sh wrote it to DIR/env."""
    pairs = (line.split("=", 1) for line in (directory / "env").read_text().splitlines())
    return {key: value for key, value in pairs}


def drop_database(url: str) -> None:
    """DROP DATABASE (FORCE) of URL's database, connected to `postgres` on its server."""
    cfg = dj_database_url.parse(url)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"], user=cfg["USER"], dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(cfg["NAME"]))
        )


def manage(directory: Path, *args: str, timeout: int = 120) -> str:
    """`manage.py ARGS` in the topology's settings; its output. Raises AssertionError on failure."""
    done = subprocess.run(  # noqa: S603 (our own manage.py)
        [str(ROOT / ".venv/bin/python"), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env_of(directory)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise AssertionError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its children (a gunicorn master with its workers)."""
    children = _children(pid)
    os.kill(pid, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def wait_until(check: Callable[..., object], timeout: float, step: float = 0.5) -> bool:
    """Whether `check()` came true within `timeout` seconds (asked every `step` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return bool(check())


def sink_messages(mail_dir: Path) -> list[email.message.Message]:
    """The e-mails the SMTP sink of scripts/mailservers.sh received."""
    return [
        email.message_from_bytes(path.read_bytes()) for path in (mail_dir / "smtp").glob("*.eml")
    ]


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """One production run per machine at a time (xdist workers, parallel runs): ports and CPU."""
    with LOCK.open("w") as lock:
        waiting = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        print(f"\ntopology lock after {time.monotonic() - waiting:.0f} s", flush=True)
        yield


@dataclass
class Topology:
    """A running scripts/production.sh: its directory, database and ports."""

    dir: Path
    database_url: str
    http_port: int
    app_ports: list[int]
    mail_dir: Path | None = None  # the SMTP/IMAP sink, when one was started
    https_port: int | None = None  # with TLS (KC_PROD_TLS=1): the CA is DIR/tls/ca.pem
    started: str = ""  # what `production.sh start` printed

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def pid(self, name: str) -> int:
        return int((self.dir / "pids" / f"{name}.pid").read_text())

    def db(self, connect_timeout: int | None = None) -> psycopg.Connection[Any]:
        cfg = dj_database_url.parse(self.database_url)
        return psycopg.connect(
            host=cfg["HOST"],
            port=cfg["PORT"],
            user=cfg["USER"],
            dbname=cfg["NAME"],
            connect_timeout=connect_timeout,
        )

    def one(self, query: str, params: list[Any] | None = None) -> Any:
        """The first column of the first row (None without a row)."""
        with self.db() as conn:
            row = conn.execute(query, params or []).fetchone()
        return row[0] if row else None

    def query(self, statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a statement; waits (up to a minute) while the database is down."""
        deadline = time.monotonic() + 60
        while True:
            try:
                with self.db(connect_timeout=3) as conn:
                    return conn.execute(statement, params).fetchall()  # type: ignore[arg-type]
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def manage(self, *args: str) -> str:
        return manage(self.dir, *args)

    def sink(self) -> list[email.message.Message]:
        assert self.mail_dir is not None, "started without mail servers"
        return sink_messages(self.mail_dir)


def nginx_available() -> bool:
    """nginx is installed, or we are root and scripts/production.sh can install it."""
    return shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists() or not os.geteuid()


@contextlib.contextmanager
def production(
    directory: Path,
    database_url: str,
    settings: dict[str, str] | None = None,
    *,
    mail_dir: Path | None = None,
    tls: bool = False,
    drop: bool = True,
    timeout: int = 300,
) -> Iterator[Topology]:
    """scripts/production.sh in DIRECTORY on DATABASE_URL under the machine lock, with free
    ports (HTTPS too with TLS) and SETTINGS as more environment; the SMTP/IMAP sink in MAIL_DIR
    first when given. Afterwards it stops all it started and drops the database when DROP.
    Raises UnavailableError when production.sh cannot run here."""
    if not nginx_available():
        raise UnavailableError("nginx is not installed and only root can install it")
    with machine_lock():
        http_port = free_port()
        app_ports = [free_port(), free_port()]
        env = {
            **os.environ,
            "KC_PROD_DATABASE_URL": database_url,
            "KC_PROD_HTTP_PORT": str(http_port),
            "KC_PROD_APP_PORTS": " ".join(map(str, app_ports)),
            **(settings or {}),
        }
        https_port = free_port() if tls else None
        if https_port is not None:
            env |= {"KC_PROD_TLS": "1", "KC_PROD_HTTPS_PORT": str(https_port)}
        if mail_dir is not None:
            env |= {"KC_SMTP_PORT": str(free_port()), "KC_IMAP_PORT": str(free_port())}
        try:
            if mail_dir is not None:
                subprocess.run(  # noqa: S603 (our own scripts)
                    [str(MAILSERVERS), "start", str(mail_dir)], env=env, check=True, timeout=300
                )
            started = subprocess.run(  # noqa: S603
                [str(PRODUCTION), "start", str(directory)],
                env=env,
                timeout=timeout,
                capture_output=True,
                text=True,
            )
            if started.returncode == 3:
                raise UnavailableError(started.stderr.strip())
            assert started.returncode == 0, started.stderr
            yield Topology(
                directory, database_url, http_port, app_ports, mail_dir, https_port, started.stdout
            )
        finally:
            subprocess.run([str(PRODUCTION), "stop", str(directory)], env=env, timeout=120)  # noqa: S603
            if mail_dir is not None:
                subprocess.run([str(MAILSERVERS), "stop", str(mail_dir)], env=env, timeout=60)  # noqa: S603
            if drop:
                drop_database(database_url)


# --- A private PostgreSQL cluster (the machine's server on 5432 is shared, never touched) ---


def postgres_bindir(*tools: str) -> Path | None:
    """The newest /usr/lib/postgresql/*/bin holding TOOLS (the first decides); None if none."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tools[0]}"), key=_major)
    if not found or not all((found[-1].parent / tool).exists() for tool in tools):
        return None
    return found[-1].parent


def _major(path: Path) -> int:
    return int(path.parts[-3])


def as_postgres() -> list[str] | None:
    """The prefix that runs a command as the `postgres` OS user: [] unless root (then the data
    directory is ours), runuser as root; None as root without runuser."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    return None if runuser is None else [runuser, "-u", "postgres", "--"]


def owned_by_postgres(directory: Path) -> Path:
    """DIRECTORY, handed to `postgres` when we are root (the server runs as that user; so it
    is never below pytest's tmp_path, which is private to root)."""
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    return directory


@dataclass
class Cluster:
    """initdb'd in DIR/data, run through `run_as` (see as_postgres), trust on 127.0.0.1."""

    bindir: Path
    dir: Path
    port: int
    run_as: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.dir / "data"

    def _run(self, *args: str) -> None:
        command = [*self.run_as, str(self.bindir / args[0]), *args[1:]]
        done = subprocess.run(  # noqa: S603 (the machine's PostgreSQL binaries)
            command, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}{self.log_tail()}"

    def log_tail(self) -> str:
        log = self.dir / "log"
        return "\n".join(log.read_text().splitlines()[-15:]) if log.exists() else ""

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            # fsync only guards against the machine crashing. Never synchronous_commit=off:
            # then a crash (-m immediate) loses commits already answered 201 (seen here).
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
        )

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "stop", "-w", "-D", str(self.data), "-m", mode)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"
