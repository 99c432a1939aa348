"""The real worker process reports a heartbeat while it runs and removes it on SIGTERM."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _env(var_dir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    return {**clean, "KC_VAR_DIR": str(var_dir)}


def _heartbeats(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM core_workerheartbeat").fetchone()[0])


def test_worker_heartbeat_lifecycle(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "--no-reload", "-v", "0"],
        cwd=ROOT,
        env=env,
    )
    db = tmp_path / "kundencenter.sqlite3"
    try:
        deadline = time.monotonic() + 30
        while _heartbeats(db) == 0:
            assert worker.poll() is None, "worker exited"
            assert time.monotonic() < deadline, "no heartbeat within 30 s"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert _heartbeats(db) == 0
