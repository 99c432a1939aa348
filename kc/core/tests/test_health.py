"""Liveness (/healthz/live), readiness (/healthz/ready) and the old /healthz."""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from kc.core import readiness
from kc.core.models import WorkerHeartbeat


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Each test judges the migrations anew, and writes its probe files into its own folder.
    monkeypatch.setattr(readiness, "_migrations_applied", False)
    monkeypatch.setattr(readiness, "_storage_ok_until", 0.0)
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_liveness_needs_no_database(client: Client) -> None:
    """No django_db mark: any database access here would raise."""
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_fails_without_the_database(client: Client) -> None:
    """No django_db mark: the database refuses every connection, like one that is down."""
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["database", "migrations"]
    assert body["database"]["ok"] is False and body["cache"]["ok"] is True
    assert body["worker"] == {"ok": False, "detail": "no database"}


@pytest.mark.django_db
def test_ready_when_every_part_answers(client: Client, settings, tmp_path: Path) -> None:
    response = client.get("/healthz/ready")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert all(body[part]["ok"] for part in ("database", "migrations", "cache", "storage"))
    assert list((tmp_path / "media" / "healthz").iterdir()) == []  # the probe file is gone


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_missing(client: Client) -> None:
    MigrationRecorder(connection).record_unapplied("channels", "0002_mailbox_fetch")
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["migrations"]["detail"] == "1 migrations not applied"


@pytest.mark.django_db
def test_applied_migrations_are_not_read_again(client: Client) -> None:
    assert client.get("/healthz/ready").status_code == 200
    assert readiness._migrations_applied is True


@pytest.mark.django_db
def test_not_ready_when_the_cache_fails(client: Client, settings, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["cache"]["detail"] in {"NotADirectoryError", "FileExistsError", "OSError"}


@pytest.mark.django_db
def test_not_ready_when_the_file_storage_cannot_be_written(
    client: Client, settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")  # works for root too, unlike chmod
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


@pytest.mark.django_db
def test_the_worker_is_information_not_a_reason_to_take_traffic_away(client: Client) -> None:
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=long_ago, seen_at=long_ago
    )
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["worker"]["ok"] is False
    assert response.json()["worker"]["age_seconds"] >= 3600


@pytest.mark.django_db
def test_old_healthz_answers_as_before(client: Client) -> None:
    body = client.get("/healthz").json()
    assert set(body) == {"status", "database", "worker"}
    assert body["status"] == "ok" and body["database"]["ok"] is True


def test_old_healthz_reports_a_missing_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


@pytest.mark.django_db
def test_a_flood_of_probes_writes_one_file_per_interval(  # type: ignore[no-untyped-def]
    client: Client, monkeypatch, tmp_path: Path
) -> None:
    """Anyone may ask /healthz/ready: a success is trusted for a few seconds rather than
    writing a probe file to the shared storage on every request."""
    from django.core.files.storage import FileSystemStorage

    saved: list[str] = []

    class CountingStorage(FileSystemStorage):
        def save(self, name, content, max_length=None):  # type: ignore[no-untyped-def]
            saved.append(name)
            return super().save(name, content, max_length=max_length)

    monkeypatch.setattr(readiness, "default_storage", CountingStorage(location=tmp_path))
    for _ in range(20):
        assert client.get("/healthz/ready").status_code == 200
    assert len(saved) == 1
    monkeypatch.setattr(readiness, "_storage_ok_until", 0.0)  # the interval has passed
    assert client.get("/healthz/ready").status_code == 200
    assert len(saved) == 2
