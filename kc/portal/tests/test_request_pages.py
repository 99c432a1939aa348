"""Requests that become cases: complaint, proof of payment, move (the consultation booking is
in test_consultation_pages.py, the funding application in test_funding_pages.py)."""

import datetime
import io
import re
from collections.abc import Mapping
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kc.cases.models import Case, CaseType, Message
from kc.cases.tests.factories import QueueFactory
from kc.core import clamd, uploads
from kc.customers.models import BusinessPartner
from kc.disconnection.models import PaymentProof
from kc.portal.tests.factories import customer, invoiced_account
from kc.portal.tests.test_reading_pages import supplied_register
from kc.supply.models import MeterReading, Register

pytestmark = pytest.mark.django_db
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    QueueFactory()
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "grey").save(out, "JPEG")
    return out.getvalue()


def photo(name: str = "beleg.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type="image/jpeg")


def send(client: Client, name: str, given: Mapping[str, object]):  # type: ignore[no-untyped-def]
    data = dict(given)
    url = reverse(f"portal:{name}")
    html = client.get(url).content.decode()
    found = re.search(r'name="(?:\w+-)?form_token" value="([^"]+)"', html)
    assert found is not None
    prefix = str(data.pop("prefix", ""))
    fields = {f"{prefix}{key}": value for key, value in data.items()}
    fields[f"{prefix}form_token"] = found.group(1)
    return client.post(url, fields | ({"kind": prefix[:-1]} if prefix else {}))


def only_case(partner: BusinessPartner) -> Case:
    (case,) = Case.objects.filter(partner=partner)
    return case


def first_text(case: Case) -> str:
    return case.messages.get(kind=Message.Kind.PORTAL_IN).body_text


# --- complaint ------------------------------------------------------------------------------


def test_a_complaint_opens_a_complaint_case_and_names_the_deadline(
    customer_client: Client, partner: BusinessPartner
) -> None:
    response = send(
        customer_client, "complaint", {"category": "billing", "text": "Falsch abgerechnet."}
    )
    assert response.status_code == 302
    case = only_case(partner)
    assert case.case_type == CaseType.COMPLAINT and case.subject == "Beschwerde: Abrechnung"
    page = customer_client.get(response["Location"]).content.decode()
    assert "innerhalb von vier Wochen" in page


def test_a_complaint_sent_twice_is_one_case(
    customer_client: Client, partner: BusinessPartner
) -> None:
    url = reverse("portal:complaint")
    html = customer_client.get(url).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    data = {"form_token": found.group(1), "category": "service", "text": "Niemand ruft zurück."}
    customer_client.post(url, data)
    customer_client.post(url, data)
    assert Case.objects.filter(partner=partner).count() == 1


def test_a_complaint_with_html_named_jpg_is_refused(
    customer_client: Client, partner: BusinessPartner
) -> None:
    data = {"category": "meter", "text": "Zähler falsch.", "attachment": photo(data=HTML)}
    response = send(customer_client, "complaint", data)
    assert response.status_code == 400
    assert "Dateityp nicht erlaubt" in response.content.decode()
    assert not Case.objects.filter(partner=partner).exists()


# --- proof of payment -----------------------------------------------------------------------


def test_no_arrears_no_proof_form(customer_client: Client) -> None:
    page = customer_client.get(reverse("portal:proof")).content.decode()
    assert "nichts offen" in page


def test_a_proof_of_payment_is_received_for_an_account_in_arrears(
    customer_client: Client, partner: BusinessPartner
) -> None:
    account, _contract, _invoice = invoiced_account(partner)
    response = send(customer_client, "proof", {"account": account.pk, "file": photo()})
    assert response.status_code == 302
    (proof,) = PaymentProof.objects.filter(account=account)
    assert proof.source == "portal"
    page = customer_client.get(response["Location"]).content.decode()
    assert "Entsperrung sofort" in page


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (photo(data=HTML), "Dateityp nicht erlaubt"),
        (photo(data=b"\xff" * (uploads.DEFAULT_MAX_BYTES + 1)), "Datei zu groß"),
    ],
)
def test_a_bad_proof_upload_is_refused_clearly(
    customer_client: Client, partner: BusinessPartner, upload: SimpleUploadedFile, message: str
) -> None:
    account, _contract, _invoice = invoiced_account(partner)
    upload.seek(0)
    response = send(customer_client, "proof", {"account": account.pk, "file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaymentProof.objects.exists()


def test_another_customers_account_cannot_take_a_proof(
    customer_client: Client, partner: BusinessPartner
) -> None:
    invoiced_account(partner)
    other_account, _c, _i = invoiced_account(customer())
    response = send(customer_client, "proof", {"account": other_account.pk, "file": photo()})
    assert response.status_code == 400
    assert not PaymentProof.objects.exists()


# --- move -----------------------------------------------------------------------------------


@pytest.fixture
def register(partner: BusinessPartner) -> Register:
    return supplied_register(partner)


def move_out(client: Client, register: Register, day: datetime.date, reading: str):  # type: ignore[no-untyped-def]
    data = {
        "prefix": "out-",
        "register": register.pk,
        "move_out_on": day.isoformat(),
        "reading": reading,
        "street": "Neue Straße",
        "house_number": "7",
        "postal_code": "42651",
        "city": "Solingen",
    }
    return send(client, "move", data)


def test_a_move_out_today_records_the_reading_and_opens_a_move_case(
    customer_client: Client, partner: BusinessPartner, register: Register
) -> None:
    response = move_out(customer_client, register, timezone.localdate(), "12010")
    assert response.status_code == 302
    reading = register.readings.get(reason=MeterReading.Reason.MOVE_OUT)
    assert reading.value == Decimal("12010") and reading.source == MeterReading.Source.CUSTOMER
    case = only_case(partner)
    assert case.case_type == CaseType.MOVE
    text = first_text(case)
    assert "Neue Straße 7, 42651 Solingen" in text and "als Auszugsstand gespeichert" in text


def test_a_future_move_out_keeps_the_reading_in_the_case(
    customer_client: Client, partner: BusinessPartner, register: Register
) -> None:
    day = timezone.localdate() + datetime.timedelta(days=20)
    assert move_out(customer_client, register, day, "12500").status_code == 302
    assert not register.readings.filter(reason=MeterReading.Reason.MOVE_OUT).exists()
    assert "noch nicht gespeichert" in first_text(only_case(partner))


@pytest.mark.parametrize(
    ("reading", "days", "message"),
    [
        ("-1", 0, "nicht negativ"),
        ("11000", 0, "kleiner als der letzte Stand"),
        ("12010", 400, "mehr als ein Jahr"),
        ("", 0, "Zählerstand vom Auszugstag"),
    ],
)
def test_a_bad_move_out_is_refused(
    customer_client: Client,
    partner: BusinessPartner,
    register: Register,
    reading: str,
    days: int,
    message: str,
) -> None:
    day = timezone.localdate() + datetime.timedelta(days=days)
    response = move_out(customer_client, register, day, reading)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.filter(partner=partner).exists()
    assert not register.readings.filter(reason=MeterReading.Reason.MOVE_OUT).exists()


def test_another_customers_register_cannot_be_moved_out(
    customer_client: Client, partner: BusinessPartner, register: Register
) -> None:
    other = supplied_register(customer())
    response = move_out(customer_client, other, timezone.localdate(), "12010")
    assert response.status_code == 400
    assert not other.readings.filter(reason=MeterReading.Reason.MOVE_OUT).exists()


def test_a_move_in_opens_a_move_case(customer_client: Client, partner: BusinessPartner) -> None:
    data = {
        "prefix": "in-",
        "move_in_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "meter_number": "1ESY123",
        "reading": "345,5",
        "street": "Hauptstraße",
        "house_number": "1",
        "postal_code": "42651",
        "city": "Solingen",
    }
    assert send(customer_client, "move", data).status_code == 302
    case = only_case(partner)
    assert case.case_type == CaseType.MOVE and "1ESY123" in first_text(case)
    assert "345.5" in first_text(case) or "345,5" in first_text(case)
