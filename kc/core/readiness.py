"""The parts /healthz/ready checks: database, migrations, cache and file storage.

Each check returns {"ok": bool, ...} with at most the exception's class as detail (never its
message: it may hold a connection string)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Check = dict[str, object]

# Applied migrations stay applied while this process runs (new code means a new process),
# so once the plan was found empty it is not read from disk again on every probe.
_migrations_applied = False
# Until when (time.monotonic()) the last successful storage probe is trusted.
STORAGE_PROBE_SECONDS = 10.0
_storage_ok_until = 0.0


def database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def migrations() -> Check:
    global _migrations_applied  # a per-process memo, see above
    if _migrations_applied:
        return {"ok": True}
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return {"ok": False, "detail": f"{len(plan)} migrations not applied"}
    _migrations_applied = True
    return {"ok": True}


def cache_roundtrip() -> Check:
    key = f"kc:healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        return {"ok": False, "detail": "value written was not read back"}
    return {"ok": True}


def media_storage() -> Check:
    """The shared file storage takes a file (and gives it up again). A success is trusted
    for STORAGE_PROBE_SECONDS: the endpoint needs no login, and a flood of probes must not
    become a flood of file writes on the shared storage."""
    global _storage_ok_until  # a per-process memo, like _migrations_applied
    if time.monotonic() < _storage_ok_until:
        return {"ok": True}
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.probe", ContentFile(b"ok"))
    default_storage.delete(name)
    _storage_ok_until = time.monotonic() + STORAGE_PROBE_SECONDS
    return {"ok": True}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": database,
    "migrations": migrations,
    "cache": cache_roundtrip,
    "storage": media_storage,
}


def run_checks() -> dict[str, Check]:
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            results[name] = {"ok": False, "detail": type(exc).__name__}
    return results
