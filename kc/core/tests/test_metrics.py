"""Prometheus /metrics: who may scrape, request counts by view, and the database gauges."""

import datetime
import os
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.tasks import task
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from kc.cases.models import Case
from kc.cases.tests.factories import CaseFactory, QueueFactory
from kc.channels.models import MailboxFetch
from kc.core.models import WorkerHeartbeat
from kc.customers.tests.factories import ContractAccountFactory
from kc.disconnection.models import DisconnectionCase
from kc.letters import services
from kc.letters.samples import SAMPLES
from kc.letters.tests.factories import LetterheadFactory, customer_with_address
from kc.supply.tests.factories import ContractFactory

ROOT = Path(__file__).resolve().parents[3]
# Measured 9 with a mailbox: tasks, workers, cases per queue, queue names, complaints,
# print room, reconnections, mail fetch, and the business calendar setting.
SCRAPE_QUERY_BUDGET = 10
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: Client, **extra: Any) -> Samples:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


# --- access --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scrape_from_localhost_but_not_from_elsewhere(client: Client) -> None:
    scrape(client)  # the test client comes from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
def test_allowed_networks_and_the_bearer_token(client: Client, settings) -> None:
    settings.KC_METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    settings.KC_METRICS_TOKEN = "scrape-secret-0123456789"
    assert client.get("/metrics").status_code == 403  # localhost is no longer listed
    scrape(client, REMOTE_ADDR="10.20.3.4")
    outside: dict[str, Any] = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 403
    wrong: dict[str, Any] = {"HTTP_AUTHORIZATION": "Bearer scrape-secret-nope"}
    assert client.get("/metrics", **outside, **wrong).status_code == 403
    scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789", **outside)


@pytest.mark.django_db
def test_no_token_configured_means_no_token_accepted(client: Client, settings) -> None:
    settings.KC_METRICS_TOKEN = ""
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")
    assert refused.status_code == 403


@pytest.mark.django_db
def test_behind_the_proxy_the_real_client_counts(client: Client, settings) -> None:
    """nginx connects from 127.0.0.1; an outside scraper must not pass as localhost."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = client.get("/metrics", HTTP_X_REAL_IP="203.0.113.9")
    assert proxied.status_code == 403


@pytest.mark.django_db
def test_a_direct_request_cannot_claim_to_be_localhost(client: Client, settings) -> None:
    """App servers are reachable on the internal network: X-Real-IP counts only from nginx."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    spoofed = client.get("/metrics", REMOTE_ADDR="10.20.9.9", HTTP_X_REAL_IP="127.0.0.1")
    assert spoofed.status_code == 403
    settings.KC_TRUSTED_PROXIES = ["10.20.9.9"]  # that host is the proxy: now it is believed
    assert (
        client.get("/metrics", REMOTE_ADDR="10.20.9.9", HTTP_X_REAL_IP="127.0.0.1").status_code
        == 200
    )


# --- requests ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_view_name_and_status_class(client: Client) -> None:
    before = scrape(client)

    def count(samples: Samples, view: str, status: str) -> float:
        key = ("kc_http_requests_total", (("method", "GET"), ("status", status), ("view", view)))
        return samples.get(key, 0.0)

    client.get("/healthz/live")
    client.get("/healthz/live?kunde=4711")
    client.get("/gibt-es-nicht/98765")
    after = scrape(client)
    assert count(after, "healthz_live", "2xx") - count(before, "healthz_live", "2xx") == 2
    assert count(after, "<unresolved>", "4xx") - count(before, "<unresolved>", "4xx") == 1
    latency = (
        "kc_http_request_duration_seconds_count",
        (("method", "GET"), ("view", "healthz_live")),
    )
    assert after[latency] - before.get(latency, 0.0) == 2
    text = client.get("/metrics").content.decode()
    # Not as a label value (a float sample may hold the same digits by chance).
    labels = " ".join(re.findall(r'="([^"]*)"', text))
    assert "98765" not in labels and "gibt-es-nicht" not in text and "4711" not in labels


# --- database gauges -----------------------------------------------------------------------


@task()
def metrics_sample_task() -> None:
    pass


def disconnection_case(status: str, **fields: object) -> DisconnectionCase:
    contract = ContractFactory(account=ContractAccountFactory())
    return DisconnectionCase.objects.create(
        number=f"S{DisconnectionCase.objects.count() + 1:07d}",
        account=contract.account,
        contract=contract,
        status=status,
        rule_set="test",
        arrears=Decimal("300.00"),
        threshold=Decimal("100.00"),
        threat_sent_on=datetime.date(2026, 10, 1),
        earliest_on=datetime.date(2026, 10, 29),
        **fields,
    )


@pytest.mark.django_db
def test_task_queue_depth_age_and_workers(client: Client) -> None:
    empty = scrape(client)
    assert value(empty, "kc_workers_alive") == 0
    assert value(empty, "kc_task_queue_depth", queue="default") == 0
    assert value(empty, "kc_worker_heartbeat_age_seconds") == float("inf")
    now = timezone.now()
    for _ in range(3):
        metrics_sample_task.enqueue()
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.first().pk).update(  # type: ignore[union-attr]
        enqueued_at=now - datetime.timedelta(minutes=7)
    )
    later = metrics_sample_task.using(run_after=now + datetime.timedelta(hours=1)).enqueue()
    DBTaskResult.objects.filter(pk=later.id).update(enqueued_at=now - datetime.timedelta(hours=5))
    WorkerHeartbeat.objects.create(
        worker_id="w1",
        hostname="h",
        pid=1,
        started_at=now,
        seen_at=now - datetime.timedelta(seconds=5),
    )
    samples = scrape(client)
    assert value(samples, "kc_task_queue_depth", queue="default") == 3  # not the later one
    age = value(samples, "kc_task_oldest_ready_age_seconds", queue="default")
    assert 7 * 60 <= age < 8 * 60
    assert value(samples, "kc_workers_alive") == 1
    assert 5 <= value(samples, "kc_worker_heartbeat_age_seconds") < 60


@pytest.mark.django_db
def test_work_gauges_cases_print_reconnections(client: Client, settings) -> None:
    settings.KC_RECONNECTION_TARGET_MINUTES = 120
    now = timezone.now()
    queue = QueueFactory(name="Eingang")
    CaseFactory(  # breached
        queue=queue,
        received_at=now - datetime.timedelta(minutes=30),
        first_response_due=now - datetime.timedelta(minutes=5),
    )
    CaseFactory(queue=queue, first_response_due=now + datetime.timedelta(hours=5))
    CaseFactory(queue=queue, status=Case.Status.RESOLVED)
    LetterheadFactory()
    services.create_letter(
        kind="free_text", partner=customer_with_address(), values=SAMPLES["free_text"], actor=None
    )
    status = DisconnectionCase.Status
    disconnection_case(
        status.RECONNECTION_ORDERED, proof_received_at=now - datetime.timedelta(minutes=150)
    )
    disconnection_case(status.DISCONNECTED, proof_received_at=now - datetime.timedelta(minutes=10))

    samples = scrape(client)
    assert value(samples, "kc_cases_open", queue="Eingang") == 2
    assert value(samples, "kc_cases_waiting", queue="Eingang") == 2
    assert value(samples, "kc_cases_sla_breached", queue="Eingang") == 1
    oldest = value(samples, "kc_cases_oldest_waiting_age_seconds", queue="Eingang")
    assert 30 * 60 <= oldest < 31 * 60
    assert value(samples, "kc_print_letters_waiting", stage="to_batch") == 1
    assert value(samples, "kc_print_letters_waiting", stage="to_print") == 0
    assert value(samples, "kc_reconnections_open") == 2
    assert value(samples, "kc_reconnections_over_target") == 1
    assert value(samples, "kc_reconnection_oldest_age_seconds") == 150 * 60
    assert value(samples, "kc_metrics_provider_up", provider="kc.core.metrics.task_gauges") == 1


@pytest.mark.django_db
def test_mail_fetch_lag_only_with_a_mailbox(client: Client, settings) -> None:
    assert ("kc_mail_fetch_lag_seconds", ()) not in scrape(client)
    settings.KC_IMAP = {**settings.KC_IMAP, "host": "imap.example", "user": "service"}
    assert value(scrape(client), "kc_mail_fetch_lag_seconds") == float("inf")  # never fetched
    MailboxFetch.objects.create(
        mailbox="service@imap.example:993/INBOX",
        succeeded_at=timezone.now() - datetime.timedelta(minutes=20),
    )
    assert 20 * 60 <= value(scrape(client), "kc_mail_fetch_lag_seconds") < 21 * 60


def broken_provider(now: datetime.datetime) -> list[object]:
    raise RuntimeError("database gone")


@pytest.mark.django_db
def test_a_failing_provider_is_reported_and_the_others_still_answer(
    client: Client, settings
) -> None:
    broken = "kc.core.tests.test_metrics.broken_provider"
    settings.KC_METRICS_GAUGES = [broken, "kc.core.metrics.task_gauges"]
    samples = scrape(client)
    assert value(samples, "kc_metrics_provider_up", provider=broken) == 0
    assert value(samples, "kc_metrics_provider_up", provider="kc.core.metrics.task_gauges") == 1
    assert ("kc_workers_alive", ()) in samples


@pytest.mark.django_db
def test_scrape_costs_the_same_few_queries_however_much_waits(
    client: Client, django_assert_max_num_queries
) -> None:
    def fill(n: int) -> None:
        queue = QueueFactory(name=f"Q{n}", is_default=False)
        for _ in range(n):
            CaseFactory(queue=queue)
            metrics_sample_task.enqueue()

    fill(1)
    with django_assert_max_num_queries(SCRAPE_QUERY_BUDGET) as small:
        scrape(client)
    fill(20)
    with django_assert_max_num_queries(SCRAPE_QUERY_BUDGET) as large:
        scrape(client)
    assert len(small.captured_queries) == len(large.captured_queries)


# --- several processes ---------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import django, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    client = Client()
    for _ in range({n}):
        assert client.get("/healthz/live").status_code == 200
    """
)

_SCRAPE = textwrap.dedent(
    """
    import django, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from prometheus_client import generate_latest
    from kc.core.metrics import scrape_registry
    from django.test import override_settings
    with override_settings(KC_METRICS_GAUGES=[]):
        print(generate_latest(scrape_registry()).decode())
    """
)


@pytest.mark.slow
def test_multiprocess_mode_adds_up_every_worker_process(tmp_path: Path) -> None:
    """Like gunicorn workers: two processes count requests, a third answers the scrape."""
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KC_", "DATABASE_URL"))}
    env = {**clean, "KC_VAR_DIR": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    for n in (2, 3):
        subprocess.run(  # noqa: S603 - our own fixed script
            [sys.executable, "-c", _CHILD.format(n=n)], cwd=ROOT, env=env, check=True, timeout=120
        )
    out = subprocess.run(  # noqa: S603 - our own fixed script
        [sys.executable, "-c", _SCRAPE],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    samples = parse(out)
    key = (("method", "GET"), ("status", "2xx"), ("view", "healthz_live"))
    assert samples[("kc_http_requests_total", key)] == 5
