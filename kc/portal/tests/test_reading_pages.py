"""Meter readings in the portal: report, confirm a far-off value, refusals, photos, scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from PIL import Image

from kc.core import clamd, uploads
from kc.customers.models import BusinessPartner
from kc.customers.tests.factories import ContractAccountFactory
from kc.portal.forms_requests import ReadingForm
from kc.portal.tests.factories import customer
from kc.supply.models import Contract, MeterReading, Register
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory, RegisterFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def supplied_register(partner: BusinessPartner) -> Register:
    """A power register of a current contract, 2,000 kWh a year by its readings."""
    account = ContractAccountFactory(partner=partner)
    contract = ContractFactory(account=account, start_date=D(2024, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location)
    last = timezone.localdate() - datetime.timedelta(days=365)
    MeterReadingFactory(register=register, read_on=last.replace(day=1), value=Decimal("10000"))
    MeterReadingFactory(
        register=register, read_on=timezone.localdate().replace(day=1), value=Decimal("12000")
    )
    return register


@pytest.fixture
def register(partner: BusinessPartner) -> Register:
    return supplied_register(partner)


@pytest.fixture(autouse=True)
def clean_scans(monkeypatch: pytest.MonkeyPatch, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(
        clamd, "scan_configured", lambda data, *, timeout=None: clamd.ScanOutcome("clean")
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "grey").save(out, "JPEG")
    return out.getvalue()


def post(client: Client, register: Register, value: str, **extra: object):  # type: ignore[no-untyped-def]
    data = {"read_on": timezone.localdate().isoformat(), "value": value, **extra}
    return client.post(reverse("portal:reading", args=[register.pk]), data)


def customer_readings(register: Register) -> list[MeterReading]:
    return list(register.readings.filter(source=MeterReading.Source.CUSTOMER))


def test_list_and_form_show_the_meter_and_last_readings(
    customer_client: Client, register: Register
) -> None:
    listing = customer_client.get(reverse("portal:readings"))
    assert listing.status_code == 200
    assert register.meter.number in listing.content.decode()
    page = customer_client.get(reverse("portal:reading", args=[register.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "12.000" in html  # the last reading, German notation
    assert timezone.localdate().isoformat() in html  # date defaults to today


def test_a_plausible_reading_with_german_comma_is_taken(
    customer_client: Client, register: Register
) -> None:
    response = post(customer_client, register, "12010,5")
    assert response.status_code == 302, response.context["form"].errors
    (reading,) = customer_readings(register)
    assert reading.value == Decimal("12010.5")
    assert not reading.needs_review
    page = customer_client.get(response["Location"])
    assert "ist bei uns eingegangen" in page.content.decode()


def test_far_off_asks_and_the_confirm_button_stores_it(
    customer_client: Client, register: Register
) -> None:
    asked = post(customer_client, register, "20000")
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Stand trotzdem übermitteln?" in html
    assert customer_readings(register) == []
    key = f"{timezone.localdate().isoformat()}|20000"
    assert f'value="{key}"' in html
    stored = post(customer_client, register, "20000", confirm=key)
    assert stored.status_code == 302
    (reading,) = customer_readings(register)
    assert reading.needs_review


def test_a_confirmation_for_another_value_asks_again(
    customer_client: Client, register: Register
) -> None:
    key = f"{timezone.localdate().isoformat()}|20000"
    again = post(customer_client, register, "30000", confirm=key)
    assert "Stand trotzdem übermitteln?" in again.content.decode()
    assert customer_readings(register) == []


def test_a_photo_must_be_attached_again_after_the_question(
    customer_client: Client, register: Register
) -> None:
    photo = SimpleUploadedFile("zaehler.jpg", jpeg(), content_type="image/jpeg")
    asked = post(customer_client, register, "20000", photo=photo)
    assert "noch einmal aus" in asked.content.decode()
    key = f"{timezone.localdate().isoformat()}|20000"
    photo = SimpleUploadedFile("zaehler.jpg", jpeg(), content_type="image/jpeg")
    assert post(customer_client, register, "20000", confirm=key, photo=photo).status_code == 302
    (reading,) = customer_readings(register)
    assert reading.photo and reading.photo_scan == MeterReading.PhotoScan.CLEAN


@pytest.mark.parametrize(
    ("value", "read_on", "message"),
    [
        ("-5", None, "nicht negativ"),
        ("12100", "future", "in der Zukunft"),
        ("11000", None, "kleiner als der letzte Stand"),
        ("abc", None, "Zahl"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    customer_client: Client, register: Register, value: str, read_on: str | None, message: str
) -> None:
    extra = {}
    if read_on == "future":
        extra["read_on"] = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = post(customer_client, register, value, **extra)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert customer_readings(register) == []


def test_html_named_jpg_is_refused(customer_client: Client, register: Register) -> None:
    photo = SimpleUploadedFile("zaehler.jpg", HTML, content_type="image/jpeg")
    response = post(customer_client, register, "12010", photo=photo)
    assert response.status_code == 400
    assert "Dateityp nicht erlaubt" in response.content.decode()
    assert customer_readings(register) == []


def test_a_photo_above_the_limit_is_refused(customer_client: Client, register: Register) -> None:
    big = SimpleUploadedFile("zaehler.jpg", b"\xff" * (uploads.DEFAULT_MAX_BYTES + 1))
    response = post(customer_client, register, "12010", photo=big)
    assert response.status_code == 400
    assert "Datei zu groß" in response.content.decode()
    assert customer_readings(register) == []


class HugeUpload(SimpleUploadedFile):
    """Declares 200 MB; reading it fails the test."""

    def __init__(self) -> None:
        super().__init__("zaehler.jpg", b"", content_type="image/jpeg")
        self.size = 200 * 1024 * 1024

    def read(self, *args: object, **kwargs: object) -> bytes:
        raise AssertionError("the size must be checked before reading")


def test_the_size_is_checked_before_reading() -> None:
    form = ReadingForm(
        {"read_on": "2026-01-01", "value": "1"},
        MultiValueDict({"photo": [HugeUpload()]}),
    )
    assert not form.is_valid()
    assert "Datei zu groß: 200,0 MB" in str(form.errors["photo"])


def test_another_customers_register_is_404_and_nothing_changes(
    customer_client: Client, register: Register
) -> None:
    other = supplied_register(customer())
    assert customer_client.get(reverse("portal:reading", args=[other.pk])).status_code == 404
    assert post(customer_client, other, "12010").status_code == 404
    assert customer_readings(other) == []


def test_an_ended_contract_offers_no_report(
    customer_client: Client, partner: BusinessPartner
) -> None:
    register = supplied_register(partner)
    contract = Contract.objects.get(market_location_id=register.meter.market_location_id)
    contract.end_date = timezone.localdate() - datetime.timedelta(days=30)
    contract.save()
    assert post(customer_client, register, "12010").status_code == 404
