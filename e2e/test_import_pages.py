"""The legacy import in the browser: an administrator uploads the sample ZIP, watches the dry
run's report appear (the page polls while the task runs), then imports it. Both pages (the
upload page and the run page with its reports) through axe."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from conftest import make_staff
from e2e.a11y import assert_accessible
from e2e.conftest import log_in
from kc.core import roles
from kc.core.numbers import ensure_base_ranges
from kc.customers.models import BusinessPartner
from kc.imports import tasks
from kc.imports.models import ImportRun
from kc.imports.tests.conftest import SAMPLE, make_tariffs
from kc.payments import ledger

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sample_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for child in sorted(SAMPLE.iterdir()):
            zf.write(child, f"export/{child.name}")
    return buf.getvalue()


def test_upload_dry_run_report_then_import(page: Page, base_url: str) -> None:
    ensure_base_ranges()  # transaction=True tests flush the ranges of the migrations
    ledger.ensure_number_range()
    make_tariffs()
    make_staff("admin", roles.ADMIN)
    log_in(page, base_url, "admin", check_a11y=False)

    page.get_by_role("link", name="Datenübernahme").click()
    expect(page.get_by_role("heading", name="Datenübernahme aus dem Altsystem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name des Altsystems").fill("sap-alt")
    page.get_by_label("ZIP-Datei mit den CSV-Dateien").set_input_files(
        {"name": "export.zip", "mimeType": "application/zip", "buffer": sample_zip()}
    )
    page.get_by_role("button", name="Hochladen und prüfen").click()
    expect(page).to_have_url(re.compile(r"/datenuebernahme/\d+/$"))
    expect(page.get_by_role("heading", name="Stand: Probelauf läuft")).to_be_visible()

    run = ImportRun.objects.get()
    assert tasks.execute_run.call(run.pk) == ImportRun.State.CHECKED  # the worker's part
    # The page polls and shows the report without a reload.
    report = page.get_by_role("heading", name="Ergebnis des Probelaufs (nichts gespeichert)")
    expect(report).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"kunden\.csv 31 26 0 0 5"))).to_be_visible()
    expect(page.get_by_text("Die Prüfziffer der IBAN stimmt nicht")).to_be_visible()
    assert not BusinessPartner.objects.exists()
    assert_accessible(page)

    page.get_by_role("button", name="Jetzt übernehmen").click()
    expect(page.get_by_text("Die Übernahme läuft.")).to_be_visible()
    assert tasks.execute_run.call(run.pk) == ImportRun.State.IMPORTED
    expect(page.get_by_role("heading", name="Ergebnis der Übernahme")).to_be_visible()
    expect(page.get_by_role("heading", name="Stand: übernommen")).to_be_visible()
    expect(page.get_by_role("button", name="Jetzt übernehmen")).to_have_count(0)
    assert BusinessPartner.objects.count() == 26
    assert_accessible(page)

    page.get_by_role("link", name="Zur Übersicht").click()
    expect(page.get_by_role("link", name="export.zip")).to_be_visible()
    assert_accessible(page)
