"""Platform endpoints that are not part of any business face."""

from datetime import timedelta

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kc.core import readiness


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database reachable, and when a worker was last seen taking or finishing a task."""
    database = _database_state()
    worker = _worker_state() if database["ok"] else {"ok": False, "detail": "no database"}
    healthy = database["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "worker": worker},
        status=200 if healthy else 503,
    )


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers requests. No database, no cache: a database outage must
    not make the orchestrator restart every app server."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """Readiness: may this app server get traffic? 503 names the failing parts. The worker
    heartbeat is information only: requests are served without a worker."""
    checks = readiness.run_checks()
    ready = all(check["ok"] for check in checks.values())
    worker = _worker_state() if checks["database"]["ok"] else {"ok": False, "detail": "no database"}
    return JsonResponse(
        {
            "status": "ok" if ready else "error",
            "failing": [name for name, check in checks.items() if not check["ok"]],
            **checks,
            "worker": worker,
        },
        status=200 if ready else 503,
    )


def _database_state() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return {"ok": False, "vendor": connection.vendor, "detail": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _worker_state() -> dict[str, object]:
    from kc.core.models import WorkerHeartbeat

    beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if beat is None:
        return {"ok": False, "detail": "no worker has reported"}
    age = timezone.now() - beat.seen_at
    return {
        "ok": age <= timedelta(seconds=WorkerHeartbeat.STALE_AFTER_SECONDS),
        "last_seen": beat.seen_at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def bench_ping(request: HttpRequest) -> HttpResponse:
    """The smallest Django answer (no database, no session read) for bench/portal_load.py;
    routed only with KC_BENCH_PING=1."""
    return HttpResponse(b"pong\n", content_type="text/plain")
