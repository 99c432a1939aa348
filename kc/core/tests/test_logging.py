"""Structured logs: one JSON line per request and per task run, ids and no personal data."""

import io
import json
import logging

import pytest
from django.tasks import task
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kc.core import logs
from kc.core.logs import REQUEST_ID_HEADER


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_is_one_json_line_with_ids_and_no_personal_data(
    json_log: io.StringIO, agent_client: Client, agent
) -> None:
    response = agent_client.get(
        "/healthz/live?email=jana.maier%40example.org&kunde=Jana+Maier",
        headers={REQUEST_ID_HEADER: "lb-4f2a9c01"},
    )
    assert response.status_code == 200
    assert response[REQUEST_ID_HEADER] == "lb-4f2a9c01"
    records = lines(json_log)
    requests = [r for r in records if r["event"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert {"method", "path", "status", "duration_ms", "user_id", "request_id"} <= line.keys()
    assert line["method"] == "GET"
    assert line["path"] == "/healthz/live"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == agent.pk
    assert line["request_id"] == "lb-4f2a9c01"
    assert line["view"] == "healthz_live"
    written = json_log.getvalue()
    assert "jana" not in written.lower() and "example.org" not in written
    assert agent.username not in json.dumps(line)


@pytest.mark.django_db
def test_anonymous_request_has_no_user_and_gets_a_fresh_id(
    json_log: io.StringIO, client: Client
) -> None:
    injected = "x\nforged line"
    response = client.get("/healthz/live", headers={REQUEST_ID_HEADER: injected})
    request_id = response[REQUEST_ID_HEADER]
    assert request_id != injected and len(request_id) == 32
    (line,) = [r for r in lines(json_log) if r["event"] == "request"]
    assert line["user_id"] is None
    assert line["request_id"] == request_id
    other = client.get("/healthz/live")[REQUEST_ID_HEADER]
    assert other != request_id


@task()
def logging_sample_task(value: int) -> int:
    logging.getLogger("kc.tests.sample").info("inside the task")
    return value * 2


@task()
def failing_sample_task() -> None:
    raise ValueError("bad input")


def _run_in_worker(result_id: str) -> None:
    """What the db_worker does with each task it takes (claim, then run_task)."""
    db_result = DBTaskResult.objects.get(id=result_id)
    db_result.claim("test-worker")
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run_task(db_result)


@pytest.mark.django_db
def test_task_runs_are_logged_with_name_duration_and_outcome(json_log: io.StringIO) -> None:
    ok = logging_sample_task.enqueue(21)
    failing = failing_sample_task.enqueue()
    _run_in_worker(ok.id)
    _run_in_worker(failing.id)
    records = lines(json_log)
    runs = {r["task"]: r for r in records if r["event"] == "task"}
    assert set(runs) == {logging_sample_task.module_path, failing_sample_task.module_path}
    success = runs[logging_sample_task.module_path]
    assert success["outcome"] == "successful" and success["level"] == "info"
    assert isinstance(success["duration_ms"], float) and success["duration_ms"] >= 0
    assert success["task_id"] == str(ok.id)
    failure = runs[failing_sample_task.module_path]
    assert failure["outcome"] == "failed" and failure["level"] == "error"
    assert failure["error"] == "builtins.ValueError"
    assert "bad input" not in json.dumps(failure)  # the message may carry personal data
    (inner,) = [r for r in records if r["event"] == "inside the task"]
    assert inner["task_id"] == str(ok.id)  # lines written by the task carry its id
    assert DBTaskResult.objects.get(id=ok.id).status == "SUCCESSFUL"


def test_console_format_for_development_and_bad_format_refused() -> None:
    settings = logs.logging_settings("console", "INFO")
    assert settings["formatters"]["structured"]["fmt"] == "console"
    with pytest.raises(ValueError):
        logs.logging_settings("xml", "INFO")
