"""Webhook deliveries under real concurrency (PostgreSQL): workers racing for one delivery
send it once and mark it delivered once."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from kc.api import webhooks
from kc.api.models import WebhookDelivery, WebhookEndpoint
from kc.cases.tests.factories import CaseFactory

WORKERS = 6


@pytest.fixture
def slow_receiver() -> Iterator[tuple[str, list[str]]]:
    """Answers 200 after 0.3 s, so the racing workers overlap with the one sending."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(self.headers["X-KC-Delivery"])
            time.sleep(0.3)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_send_a_delivery_once(slow_receiver: tuple[str, list[str]]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are what this proves; SQLite serialises them")
    url, received = slow_receiver
    WebhookEndpoint.objects.create(name="A", url=url, secret="s", events="case.created")
    WebhookEndpoint.objects.create(name="B", url=url, secret="t", events="case.created")
    for _ in range(3):
        CaseFactory()
    deliveries = list(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(deliveries) == 6
    barrier = threading.Barrier(WORKERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            mine = [webhooks.send(pk) for pk in deliveries]
            mine.append(str(webhooks.send_due()))
            with lock:
                outcomes.extend(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == WORKERS * (len(deliveries) + 1)
    assert sorted(received) == sorted(
        str(d) for d in WebhookDelivery.objects.values_list("delivery_id", flat=True)
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
