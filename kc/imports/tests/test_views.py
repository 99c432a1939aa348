"""The staff pages: upload (ZIP checks), dry-run report, 'jetzt übernehmen' once; admin only."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from kc.core import roles
from kc.customers.models import BusinessPartner
from kc.imports import archive, tasks
from kc.imports.models import ImportRun
from kc.imports.tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db

LIST = reverse("imports:run_list")


def sample_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for child in sorted(SAMPLE.iterdir()):
            zf.write(child, child.name)
    return buf.getvalue()


def client_for(role: str) -> Client:
    client = Client()
    client.force_login(make_staff(role, role))
    return client


def upload(client: Client, data: bytes, name: str = "export.zip") -> object:
    return client.post(
        LIST, {"system": "sap", "upload": SimpleUploadedFile(name, data, "application/zip")}
    )


@pytest.mark.parametrize("role", [roles.AGENT, roles.TEAM_LEAD])
def test_only_administration_may_import(role: str) -> None:
    client = client_for(role)
    assert client.get(LIST).status_code == 403
    assert upload(client, sample_zip()).status_code == 403  # type: ignore[attr-defined]
    assert not ImportRun.objects.exists()


def test_upload_dry_run_report_then_import_once(tariffs: None) -> None:
    client = client_for(roles.ADMIN)
    page = client.get(LIST)
    assert page.status_code == 200 and "Lieferung hochladen" in page.content.decode()
    response = upload(client, sample_zip())
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run_detail", args=[run.pk])  # type: ignore[index]
    assert run.state == ImportRun.State.CHECKING
    waiting = client.get(response["Location"]).content.decode()  # type: ignore[index]
    assert 'hx-trigger="every 3s"' in waiting
    assert tasks.execute_run.call(run.pk) == ImportRun.State.CHECKED
    assert not BusinessPartner.objects.exists()
    report = client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()
    assert "Ergebnis des Probelaufs" in report and "Jetzt übernehmen" in report
    assert "Die Prüfziffer der IBAN stimmt nicht" in report
    assert "=HYPERLINK" not in report  # names are not part of the report
    confirm = reverse("imports:run_confirm", args=[run.pk])
    client.post(confirm)
    again = client.post(confirm, follow=True)  # a double click
    assert "schon übernommen oder ist nicht geprüft" in again.content.decode()
    assert tasks.execute_run.call(run.pk) == ImportRun.State.IMPORTED
    assert tasks.execute_run.call(run.pk) == ImportRun.State.IMPORTED  # a repeated task
    assert BusinessPartner.objects.count() == 26
    run.refresh_from_db()
    assert run.report["totals"]["created"] == run.dry_run_report["totals"]["created"]
    done = client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()
    assert "Ergebnis der Übernahme" in done and "Jetzt übernehmen" not in done


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"kunde;art\nK1;Person\n", "kunden.csv", "keine ZIP-Datei"),
        (b"", "leer.zip", "leer"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data: bytes, name: str, reason: str) -> None:
    response = upload(client_for(roles.ADMIN), data, name)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert reason in response.content.decode()  # type: ignore[attr-defined]
    assert not ImportRun.objects.exists()


def test_an_oversized_upload_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ZIP_BYTES", 1000)
    response = upload(client_for(roles.ADMIN), sample_zip())
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Datei zu groß" in response.content.decode()  # type: ignore[attr-defined]
    assert not ImportRun.objects.exists()


def test_administration_without_a_second_factor_is_sent_to_set_one_up() -> None:
    client = Client()
    client.force_login(make_staff("admin-ohne-mfa", roles.ADMIN, with_mfa=False))
    page = client.get(LIST)
    assert page.status_code == 302 and page["Location"] == reverse("mfa_activate_totp")


def test_a_run_whose_stored_file_is_gone_fails_with_a_reason(tariffs: None) -> None:
    client = client_for(roles.ADMIN)
    upload(client, sample_zip())
    run = ImportRun.objects.get()
    run.upload.delete(save=False)
    assert tasks.execute_run.call(run.pk) == ImportRun.State.FAILED
    run.refresh_from_db()
    assert run.problem and run.finished_at is not None and not BusinessPartner.objects.exists()
    page = client.get(reverse("imports:run_detail", args=[run.pk])).content.decode()
    assert "abgebrochen" in page and "Jetzt übernehmen" not in page
