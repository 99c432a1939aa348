"""The parts /healthz/ready checks: database, migrations, cache and file storage.

Each check returns {"ok": bool, ...} with at most the exception's class as detail (never its
message: it may hold a connection string)."""

from __future__ import annotations

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
    """The shared file storage takes a file (and gives it up again)."""
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.probe", ContentFile(b"ok"))
    default_storage.delete(name)
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
