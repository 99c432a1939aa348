"""Prometheus metrics at /metrics: request counts and latencies, and gauges read from the
database at scrape time (docs/operations.md lists them with suggested alerts).

Requests are counted per view name (the URL pattern's name, never the raw path: paths carry
ids and would make unbounded label sets) and status class. With several gunicorn workers
each process counts for itself; PROMETHEUS_MULTIPROC_DIR makes prometheus_client keep the
counts in files there, and the scrape adds up every process's files. The database gauges are
the same whichever process answers, so they are computed, not stored.

Gauge providers are functions named in KC_METRICS_GAUGES (dotted paths): each app that
owns a number provides it, and core need not import the apps above it.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Max, Min, Q, When
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.tasks.base import DEFAULT_TASK_QUEUE_NAME
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from kc.core.middleware import client_ip
from kc.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse]
GaugeProvider = Callable[[datetime.datetime], Iterable[Metric]]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED_VIEW = "<unresolved>"  # 404s and answers before URL resolution (static files)

REQUESTS = Counter(
    "kc_http_requests",
    "HTTP requests answered, by view name, method and status class",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "kc_http_request_duration_seconds",
    "Time from the request reaching Django until the response left it",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


class RequestMetricsMiddleware:
    """Second in MIDDLEWARE (after the request id): times everything below it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else UNRESOLVED_VIEW
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(view, method, f"{response.status_code // 100}xx").inc()
        LATENCY.labels(view, method).observe(time.perf_counter() - started)
        return response


# --- access --------------------------------------------------------------------------------


@cache
def _allowed_networks(
    addresses: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(address, strict=False) for address in addresses)


def may_scrape(request: HttpRequest) -> bool:
    """From an allowed network (KC_METRICS_ALLOWED_IPS), or with the bearer token
    (KC_METRICS_TOKEN) from anywhere."""
    token: str = settings.KC_METRICS_TOKEN
    offered = request.headers.get("authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    ip = client_ip(request)
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    networks = _allowed_networks(tuple(settings.KC_METRICS_ALLOWED_IPS))
    return any(address in network for network in networks)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponse(status=403)
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


# --- what a scrape shows -------------------------------------------------------------------


class _Forward:
    """Lets one registry's metrics be collected through another."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


class DatabaseGauges:
    """Calls every provider in KC_METRICS_GAUGES at scrape time. A provider that fails (the
    database is down) is reported as kc_metrics_provider_up 0; the others still answer."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily(
            "kc_metrics_provider_up",
            "1 if the gauge provider answered this scrape, 0 if it failed",
            labels=["provider"],
        )
        for path in settings.KC_METRICS_GAUGES:
            provider: GaugeProvider = import_string(path)
            try:
                metrics = list(provider(now))
            except Exception:  # a scrape must not fail for one number
                log.exception("metrics provider %s failed", path)
                up.add_metric([path], 0)
                continue
            up.add_metric([path], 1)
            yield from metrics
        yield up


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_ENV):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # every worker's files
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(DatabaseGauges())
    return registry


# --- core's gauges: task queue and workers -------------------------------------------------


_NO_TASKS: Mapping[str, Any] = {"ready": 0, "oldest": None, "running": 0, "failed": 0}


def seconds_since(moment: datetime.datetime | None, now: datetime.datetime) -> float:
    return 0.0 if moment is None else max(0.0, (now - moment).total_seconds())


def task_gauges(now: datetime.datetime) -> Iterator[Metric]:
    """Ready tasks and the age of the oldest per queue, running and recently failed tasks,
    and the workers' heartbeats: three queries."""
    # A task is ready from its run_after (if later than its enqueueing) on.
    ready_since = Case(
        When(run_after__lte=now, then=Greatest(F("enqueued_at"), F("run_after"))),
        default=F("enqueued_at"),
    )
    rows = (
        DBTaskResult.objects.filter(
            Q(status="READY", run_after__lte=now)
            | Q(status="READY", run_after=get_date_max())  # stored for "no run_after"
            | Q(status="RUNNING")
            | Q(status="FAILED", finished_at__gte=now - datetime.timedelta(hours=1))
        )
        .values("queue_name")
        .annotate(
            ready=Count("pk", filter=Q(status="READY")),
            oldest=Min(ready_since, filter=Q(status="READY")),
            running=Count("pk", filter=Q(status="RUNNING")),
            failed=Count("pk", filter=Q(status="FAILED")),
        )
        .order_by("queue_name")
    )
    depth = GaugeMetricFamily(
        "kc_task_queue_depth", "Tasks ready to run and not yet taken", labels=["queue"]
    )
    age = GaugeMetricFamily(
        "kc_task_oldest_ready_age_seconds",
        "How long the oldest ready task has waited (0 when none waits)",
        labels=["queue"],
    )
    running = GaugeMetricFamily("kc_tasks_running", "Tasks a worker runs now", labels=["queue"])
    failed = GaugeMetricFamily(
        "kc_tasks_failed_last_hour", "Task runs that failed in the last hour", labels=["queue"]
    )
    by_queue: dict[str, Mapping[str, Any]] = {row["queue_name"]: row for row in rows}
    # The default queue always reports, so "no tasks" reads 0 and not "no data".
    by_queue.setdefault(DEFAULT_TASK_QUEUE_NAME, _NO_TASKS)
    for queue, row in sorted(by_queue.items()):
        depth.add_metric([queue], row["ready"])
        age.add_metric([queue], seconds_since(row["oldest"], now))
        running.add_metric([queue], row["running"])
        failed.add_metric([queue], row["failed"])
    yield from (depth, age, running, failed)
    yield from _worker_gauges(now)


def _worker_gauges(now: datetime.datetime) -> Iterator[Metric]:
    stale = now - datetime.timedelta(seconds=WorkerHeartbeat.STALE_AFTER_SECONDS)
    row = WorkerHeartbeat.objects.aggregate(
        alive=Count("pk", filter=Q(seen_at__gte=stale)), last_seen=Max("seen_at")
    )
    last_seen = row["last_seen"]
    yield GaugeMetricFamily(
        "kc_workers_alive",
        f"Task workers with a heartbeat in the last {WorkerHeartbeat.STALE_AFTER_SECONDS} s",
        value=row["alive"],
    )
    yield GaugeMetricFamily(
        "kc_worker_heartbeat_age_seconds",
        "Time since any task worker last reported (+Inf: none ever did)",
        value=float("inf") if last_seen is None else seconds_since(last_seen, now),
    )
