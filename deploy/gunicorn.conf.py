"""gunicorn settings for one Kundencenter app server (docs/production.md).

Every value can be overridden from the environment (KC_GUNICORN_*), so the systemd unit and
scripts/production.sh use this one file for each app server on its own port.
"""

import os
import shutil
from pathlib import Path
from typing import Any

bind = os.environ.get("KC_GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: the views are short database work; slow clients are buffered by nginx.
workers = int(os.environ.get("KC_GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
# A request that takes longer than this is killed (the worker is replaced): PDF rendering
# and 25 MB uploads finish well within it; nginx's proxy_read_timeout is a bit longer.
timeout = int(os.environ.get("KC_GUNICORN_TIMEOUT", "60"))
# SIGTERM: stop accepting, let running requests finish for up to this long, then exit.
graceful_timeout = int(os.environ.get("KC_GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever (jitter: not all at once).
max_requests = int(os.environ.get("KC_GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# nginx on the same machine sets X-Forwarded-*; Django reads them (KC_BEHIND_PROXY=1).
forwarded_allow_ips = os.environ.get("KC_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("KC_GUNICORN_ACCESSLOG") or None  # Django logs each request
errorlog = os.environ.get("KC_GUNICORN_ERRORLOG", "-")
pidfile = os.environ.get("KC_GUNICORN_PIDFILE") or None
proc_name = os.environ.get("KC_GUNICORN_PROC_NAME", "kundencenter")
# Load the app in each worker, not in the master: the multiprocess metrics directory must
# be emptied (below) before any process imports prometheus_client's counters.
preload_app = False


def on_starting(server: Any) -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR: files of a previous run would be added to /metrics."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)


def child_exit(server: Any, worker: Any) -> None:
    """Mark a dead worker's gauges as gone (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
