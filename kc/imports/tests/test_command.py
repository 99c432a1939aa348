"""`manage.py import_legacy`: report on stdout, exit 0 with row errors, 2 on unusable input."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from kc.customers.models import BusinessPartner
from kc.imports.tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db


def command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_legacy", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def sample_zip(tmp_path: Path) -> Path:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for child in SAMPLE.iterdir():
            zf.write(child, f"export/{child.name}")
    return path


def test_dry_run_from_a_zip_then_the_import_from_the_directory(
    tariffs: None, tmp_path: Path
) -> None:
    status, out, _err = command(str(sample_zip(tmp_path)), "--dry-run", "--system", "sap")
    assert status == 0
    assert "Probelauf (nichts gespeichert)" in out
    assert "kunden.csv (Windows-1252, Trenner ';'): gelesen 31, neu 26" in out
    assert "Zeile 11 Spalte iban: Die Prüfziffer der IBAN stimmt nicht" in out
    assert not BusinessPartner.objects.exists()
    status, out, _err = command(str(SAMPLE), "--system", "sap")
    assert status == 0 and BusinessPartner.objects.count() == 26
    status, out, _err = command(str(SAMPLE), "--system", "sap")
    assert "gelesen 31, neu 0, geändert 0, unverändert 26, fehlerhaft 5" in out


def test_unusable_input_exits_with_2(tariffs: None, tmp_path: Path) -> None:
    status, _out, err = command(str(tmp_path / "gibt-es-nicht.zip"))
    assert status == 2 and "gibt es nicht" in err
    (tmp_path / "kunden.csv").write_bytes(b"kunde;art\nK1;Person\n")
    status, out, _err = command(str(tmp_path))
    assert status == 2
    assert "kunden.csv: ABGELEHNT – In der Kopfzeile fehlen Spalten: anrede" in out
    assert not BusinessPartner.objects.exists()
