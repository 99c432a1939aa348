"""The parent/child harness of the benchmarks that run once on SQLite and once on PostgreSQL.

The parent starts this script again as a child per database, with a clean environment that
points Django at a scratch database (a SQLite file under bench/.data/<name>-sqlite, or the
PostgreSQL database `pg_db`); the child builds its data, measures, prints and drops the
database. Imported by bare name: bench/ is on sys.path when a bench script runs.
"""

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 (any failure means: no PostgreSQL here)
        return False


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) of the samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


@dataclass(frozen=True)
class ScratchDatabases:
    name: str  # the bench's name: its var dir and the lines it prints
    pg_db: str

    def child_env(self, db: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
        env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"}
        env["KC_VAR_DIR"] = str(DATA / f"{self.name}-{db}")
        if db == "postgres":
            env["DATABASE_URL"] = f"{PG_SERVER}/{self.pg_db}"
        return env

    def run_children(self, script: str, which: str, child_args: list[str]) -> int:
        """Run `script --child DB child_args` for SQLite and/or PostgreSQL (`which`: sqlite,
        postgres or both); PostgreSQL is skipped with a line when it does not answer."""
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
        failed = 0
        for db in ("sqlite", "postgres") if which == "both" else (which,):
            if db == "postgres" and not postgres_reachable():
                print(f"== {self.name} on postgres: {PG_SERVER} does not answer, skipped")
                continue
            command = [sys.executable, script, "--child", db, *child_args]
            child = subprocess.run(command, env=self.child_env(db), check=False)  # noqa: S603
            if child.returncode:
                print(f"== {self.name} on {db}: child failed (exit {child.returncode})")
            failed |= child.returncode
        return failed

    def reset(self, db: str) -> None:
        """An empty database for the child (inside the child: KC_VAR_DIR is set)."""
        if db == "sqlite":
            var_dir = Path(os.environ["KC_VAR_DIR"])
            var_dir.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                (var_dir / f"kundencenter.sqlite3{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')  # nosec B608
            conn.execute(f'CREATE DATABASE "{self.pg_db}"')

    def drop(self, db: str) -> None:
        from django.db import connection

        connection.close()
        if db == "sqlite":
            self.reset(db)
            return
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')  # nosec B608
