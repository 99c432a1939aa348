"""Stored export files (personal data) are deleted KC_IMPORT_FILE_RETENTION_DAYS after their
run ended, by the daily task; the reports stay, the deletion is recorded, a second run does
nothing, busy runs are never touched."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from conftest import make_staff
from kc.core import roles
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.imports import retention, services, tasks
from kc.imports.models import ImportRun
from kc.imports.tests.test_views import sample_zip

pytestmark = pytest.mark.django_db
State = ImportRun.State
NOW = timezone.now()
REPORT = {"problem": "", "totals": {"created": 3}}


@pytest.fixture
def admin(db: None) -> User:
    return make_staff("verwaltung", roles.ADMIN)


def stored_run(state: str, ended_days_ago: int | None, tag: str) -> ImportRun:
    data = f"PK-{tag}".encode()
    run = ImportRun(
        system="altsystem",
        filename=f"{tag}.zip",
        sha256=hashlib.sha256(data).hexdigest(),
        state=state,
        report=REPORT,
        dry_run_report=REPORT,
        finished_at=None if ended_days_ago is None else NOW - datetime.timedelta(ended_days_ago),
    )
    run.upload.save("altdaten.zip", ContentFile(data), save=False)
    run.save()
    assert run.upload.name and default_storage.exists(run.upload.name)
    return run


def purge_rows() -> int:
    return AuditLogEntry.objects.filter(object_type="imports.importrun", action="delete").count()


def test_files_of_ended_runs_go_after_the_retention_and_everything_else_stays(settings):
    settings.KC_IMPORT_FILE_RETENTION_DAYS = 30
    imported = stored_run(State.IMPORTED, 31, "imported")
    failed = stored_run(State.FAILED, 40, "failed")
    abandoned = stored_run(State.CHECKED, 30, "abandoned")  # checked, never taken over
    recent = stored_run(State.IMPORTED, 29, "recent")
    checking = stored_run(State.CHECKING, None, "checking")
    importing = stored_run(State.IMPORTING, 90, "importing")  # an earlier dry run's end
    names = {run.pk: run.upload.name or "" for run in ImportRun.objects.all()}

    assert retention.purge_files(NOW) == [imported.pk, failed.pk, abandoned.pk]

    for run in (imported, failed, abandoned):
        run.refresh_from_db()
        assert not default_storage.exists(names[run.pk])
        assert run.upload.name == "" and run.upload_deleted_at == NOW
        assert run.report == REPORT and run.dry_run_report == REPORT
        assert run.filename and run.sha256  # what was delivered stays known
        row = AuditLogEntry.objects.get(object_id=str(run.pk), action="delete")
        assert row.actor is None and row.changes["file"] == names[run.pk]
        assert row.changes["retention_days"] == 30
    for run in (recent, checking, importing):
        run.refresh_from_db()
        assert default_storage.exists(names[run.pk]) and run.upload_deleted_at is None
    assert purge_rows() == 3

    assert retention.purge_files(NOW) == []  # a second run does nothing
    assert purge_rows() == 3
    assert all(default_storage.exists(names[r.pk]) for r in (recent, checking, importing))


def test_the_retention_days_come_from_the_setting(settings):
    recent = stored_run(State.IMPORTED, 29, "recent")
    name = recent.upload.name
    assert retention.purge_files(NOW) == []  # default 30 days
    settings.KC_IMPORT_FILE_RETENTION_DAYS = 10
    assert retention.purge_files(NOW) == [recent.pk]
    assert name and not default_storage.exists(name)


def test_a_run_taken_over_meanwhile_keeps_its_file():
    run = stored_run(State.CHECKED, 60, "checked")
    ImportRun.objects.filter(pk=run.pk).update(state=State.IMPORTING)  # "Jetzt übernehmen"
    assert retention._purge(run, NOW) is False
    run.refresh_from_db()
    assert run.upload.name and default_storage.exists(run.upload.name)
    assert run.upload_deleted_at is None and purge_rows() == 0


def test_the_daily_task_is_scheduled_and_purges(settings):
    job = settings.KC_PERIODIC_TASKS["import_file_purge"]
    assert job["every"] == 86_400 and job["task"] == "kc.imports.tasks.purge_import_files"
    stored_run(State.FAILED, 31, "failed")
    stored_run(State.FAILED, 1, "young")
    assert import_string(job["task"]).call() == 1
    assert tasks.purge_import_files.call() == 0


def test_a_checked_delivery_whose_file_was_deleted_cannot_be_taken_over(tariffs, admin):
    run = services.start_run(data=sample_zip(), filename="export.zip", system="sap", actor=admin)
    assert tasks.execute_run.call(run.pk) == State.CHECKED
    ImportRun.objects.filter(pk=run.pk).update(finished_at=NOW - datetime.timedelta(days=31))
    run.refresh_from_db()
    name = run.upload.name
    assert name and default_storage.exists(name)
    assert retention.purge_files(NOW) == [run.pk]
    assert not default_storage.exists(name)
    run.refresh_from_db()
    with pytest.raises(Refusal, match="neu hoch"):
        services.confirm_run(run=run, actor=admin)
    run.refresh_from_db()
    assert run.state == State.CHECKED and run.dry_run_report["totals"]["created"]
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()
    assert "Aufbewahrungsfrist gelöscht am" in page and "Jetzt übernehmen" not in page
    assert "Ergebnis des Probelaufs" in page
