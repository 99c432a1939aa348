"""The export holds everything about customer A and nothing about customer B."""

import datetime
import io
import json
import zipfile
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from kc.core.models import User
from kc.privacy import export, export_rows, package
from kc.privacy.package import JSON_NAME, PDF_NAME, build_package
from kc.privacy.tests.factories import full_customer

pytestmark = pytest.mark.django_db

EVERY_AREA = {
    "partner",
    "addresses",
    "consents",
    "accounts",
    "contracts",
    "premises",
    "market_locations",
    "meters",
    "readings",
    "cases",
    "messages",
    "attachments",
    "calls",
    "letters",
    "billing_documents",
    "invoices",
    "budget_plans",
    "budget_instalments",
    "budget_change_requests",
    "tariff_offers",
    "ledger_documents",
    "ledger_lines",
    "sepa_mandates",
    "payouts",
    "payment_proofs",
    "disconnection_cases",
    "disconnection_events",
    "installment_plans",
    "portal_account",
    "portal_logins",
    "consultations",
    "funding_applications",
    "funding_documents",
    "audit_log",
}
FILLED = EVERY_AREA - {"disconnection_events", "installment_plans", "budget_instalments"}


@pytest.fixture
def two_customers(lead: User):
    a = full_customer("Alpha", "DE89370400440532013000", lead)
    b = full_customer("Bravo", "DE02120300000000202051", lead)
    return a, b


def unpack(package: bytes) -> tuple[dict[str, Any], str, list[str]]:
    archive = zipfile.ZipFile(io.BytesIO(package))
    document = json.loads(archive.read(JSON_NAME))
    pdf = PdfReader(io.BytesIO(archive.read(PDF_NAME)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    return document, text, archive.namelist()


def test_export_of_a_contains_all_of_a_and_nothing_of_b(two_customers):
    a, b = two_customers
    document, pdf_text, names = unpack(build_package(a.partner, created_at=timezone.now()))
    areas = document["areas"]
    assert set(areas) >= EVERY_AREA
    empty = sorted(key for key in FILLED if not areas[key])
    assert not empty, f"areas without A's data: {empty}"
    raw = json.dumps(document, ensure_ascii=False)
    for marker in a.markers():
        assert marker in raw, marker
    for marker in b.markers():
        assert marker not in raw, f"B's {marker} in A's JSON"
        assert marker not in pdf_text.replace("\n", ""), f"B's {marker} in A's PDF"
    assert a.partner.last_name in pdf_text
    assert "Protokoll: wer hat was gesehen" in pdf_text and "gelesen" in pdf_text
    assert f"briefe/{a.letter.number}.pdf" in names
    assert not any(b.letter.number in name for name in names)


def test_no_row_of_b_in_any_area_of_a(two_customers):
    a, b = two_customers
    now = timezone.now()
    areas_a = unpack(build_package(a.partner, created_at=now))[0]["areas"]
    areas_b = unpack(build_package(b.partner, created_at=now))[0]["areas"]
    for key, rows in areas_a.items():
        ids_a = {row["id"] for row in rows if "id" in row}
        ids_b = {row["id"] for row in areas_b[key] if "id" in row}
        assert not ids_a & ids_b, f"{key}: rows of B in A's export"


def test_json_schema_is_versioned_and_values_are_plain_text(two_customers):
    a, _b = two_customers
    document, _text, _names = unpack(build_package(a.partner, created_at=timezone.now()))
    assert document["schema"] == export_rows.SCHEMA
    assert document["schema_version"] == 1
    invoice = document["areas"]["invoices"][0]
    assert isinstance(invoice["gross_total"], str) and "." in invoice["gross_total"]
    datetime.date.fromisoformat(invoice["issue_date"])
    reading = next(r for r in document["areas"]["readings"] if r["photo"])
    assert reading["photo"].startswith("readings/")
    assert "password" not in document["areas"]["portal_account"][0]
    assert all("name_key" not in row for row in document["areas"]["partner"])


def test_audit_rows_say_what_was_seen_and_by_which_role_without_staff_names(two_customers):
    a, _b = two_customers
    rows = export.audit_areas(export_rows.scope_of(a.partner))[0].rows
    assert any(r["who"] == export.AUDIT_ROLE_STAFF and r["action"] == "gelesen" for r in rows)
    assert "lead" not in json.dumps(rows)


def test_readings_of_the_next_tenant_at_the_same_meter_stay_out(two_customers):
    a, _b = two_customers
    a.contract.end_date = datetime.date(2025, 12, 31)
    a.contract.save()
    from kc.supply.tests.factories import MeterReadingFactory

    register = a.contract.market_location.meters.get().registers.get()
    later = MeterReadingFactory(register=register, read_on=datetime.date(2026, 6, 1))
    ids = {
        r["id"]
        for r in export_rows.rows_of(
            export.own_readings(export_rows.scope_of(a.partner)), type(later)
        )
    }
    assert later.pk not in ids and ids


def test_characters_the_font_lacks_become_question_marks_in_the_pdf_only(two_customers):
    a, _b = two_customers
    a.partner.first_name = "Anna 🙂"
    a.partner.save()
    document, pdf_text, _names = unpack(build_package(a.partner, created_at=timezone.now()))
    assert document["areas"]["partner"][0]["first_name"] == "Anna 🙂"
    assert "Anna ?" in pdf_text
    assert package.printable("Müßig Ωμέγα Жуков") == "Müßig Ωμέγα Жуков"
