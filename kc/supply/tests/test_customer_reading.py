"""A reading from the customer: plausibility, confirmation, refusals, the photo and its scan."""

from __future__ import annotations

import datetime
import io
import os
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image, TiffImagePlugin

from kc.billing import services as billing_services
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.core import clamd
from kc.core.models import AuditLogEntry, User
from kc.core.validation import Refusal
from kc.supply import readings, tasks
from kc.supply.models import MeterReading, Register
from kc.supply.readings import ReadingNeedsConfirmation
from kc.supply.tests.factories import ContractFactory, MeterReadingFactory, RegisterFactory

pytestmark = pytest.mark.django_db
D = datetime.date
GPS_IFD = 0x8825
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def register() -> Register:
    """A power register of a customer's contract, 2,000 kWh a year by its readings."""
    contract = ContractFactory(start_date=D(2024, 1, 1))
    register = RegisterFactory(meter__market_location=contract.market_location)
    MeterReadingFactory(register=register, read_on=D(2025, 1, 1), value=Decimal("10000"))
    MeterReadingFactory(register=register, read_on=D(2026, 1, 1), value=Decimal("12000"))
    return register


@pytest.fixture
def customer() -> User:
    return get_user_model().objects.create_user("kunde", "kunde@example.org", "x")


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[clamd.ScanOutcome]:
    """clamd answers in turn with what the test puts here (clean when nothing is left)."""
    answers: list[clamd.ScanOutcome] = []

    def scan(data: bytes, *, timeout: float | None = None) -> clamd.ScanOutcome:
        return answers.pop(0) if answers else clamd.ScanOutcome("clean")

    monkeypatch.setattr(clamd, "scan_configured", scan)
    return answers


@pytest.fixture(autouse=True)
def _wide_window(settings) -> None:  # type: ignore[no-untyped-def]
    # These tests read in July 2026; the window for portal readings is tested on its own.
    settings.KC_CUSTOMER_READING_MAX_AGE_DAYS = 3650


def _record(register: Register, value: str, actor: User | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "read_on": D(2026, 7, 2),
        "confirmed": False,
        "supplied_from": D(2020, 1, 1),
    }
    options.update(kwargs)
    return readings.record_customer_reading(
        register=register,
        value=Decimal(value),
        actor=actor,
        **options,  # type: ignore[arg-type]
    )


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = tuple(TiffImagePlugin.IFDRational(Fraction(v)) for v in (51, 10, 0))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 20, 20)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_plausible_reading_is_stored_as_the_customers(register: Register, customer: User) -> None:
    reading = _record(register, "13000", customer)
    assert (reading.source, reading.reason) == ("customer", MeterReading.Reason.INTERIM)
    assert (reading.plausibility, reading.needs_review, reading.photo_scan) == ("ok", False, "")
    assert not reading.estimated and not reading.photo
    entry = AuditLogEntry.objects.get(object_type="supply.meterreading", object_id=str(reading.pk))
    assert entry.actor == customer and entry.action == "create"
    assert entry.partner_id is not None
    assert entry.changes["via"] == ["", "portal"]
    assert entry.changes["plausibility"] == ["", "ok"]


def test_far_off_asks_for_confirmation_and_stores_nothing(
    register: Register,
    scans: list,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ReadingNeedsConfirmation) as caught:
        _record(register, "16210", photo=_photo_with_gps())
    check = caught.value.check
    assert isinstance(caught.value, Refusal)
    assert check.verdict == "high" and check.far_off
    assert str(caught.value) == check.message
    assert "Verbrauch von 4.210 kWh seit dem 01.01.2026" in check.message
    assert check.expected_value == Decimal("12997.260")
    assert register.readings.count() == 2


def test_confirmed_although_far_off_is_stored_for_review(register: Register) -> None:
    reading = _record(register, "16210", confirmed=True)
    assert (reading.plausibility, reading.needs_review) == ("high", True)
    low = _record(register, "16210.5", read_on=D(2026, 9, 1), confirmed=True)
    assert (low.plausibility, low.needs_review) == ("low", True)


@pytest.mark.parametrize(
    ("value", "day", "field", "code"),
    [
        ("-1", D(2026, 7, 2), "value", "reading_negative"),
        ("1000000", D(2026, 7, 2), "value", "reading_too_many_digits"),
        ("13000", None, "read_on", "reading_in_future"),
        ("11999", D(2026, 7, 2), "value", "reading_decreasing"),
    ],
    ids=["negative", "digits", "future", "below-last"],
)
def test_impossible_readings_are_refused_even_when_confirmed(
    register: Register, value: str, day: datetime.date | None, field: str, code: str
) -> None:
    read_on = day or timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        _record(register, value, read_on=read_on, confirmed=True)
    (error,) = caught.value.error_dict[field]
    assert error.code == code
    assert register.readings.count() == 2


def test_below_the_last_reading_says_meter_change_or_roll_over(register: Register) -> None:
    with pytest.raises(ValidationError) as caught:
        _record(register, "11999")
    message = caught.value.error_dict["value"][0].message
    assert "kleiner als der letzte Stand vom 01.01.2026" in message and "getauscht" in message


def test_a_second_reading_the_same_day_is_refused(register: Register) -> None:
    _record(register, "13000")
    with pytest.raises(ValidationError) as caught:
        _record(register, "13000")
    assert caught.value.code == "duplicate_reading"


def test_the_first_reading_of_a_register_has_nothing_to_compare() -> None:
    # Nothing to compare with: stored, and a person looks at it.
    reading = _record(RegisterFactory(), "500")
    assert (reading.plausibility, reading.needs_review) == (
        "no_history",
        True,
    )  # nothing to compare: a person looks


def test_a_photo_is_stored_without_exif_and_gps(register: Register, scans: list) -> None:  # type: ignore[type-arg]
    photo = _photo_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS_IFD)
    reading = _record(register, "13000", photo=photo)
    assert reading.photo_scan == MeterReading.PhotoScan.CLEAN
    assert reading.photo.name.startswith("readings/") and reading.photo.name.endswith(".jpg")
    with reading.photo.open("rb") as stream:
        stored = stream.read()
    image = Image.open(io.BytesIO(stored))
    assert image.size == (64, 48)
    assert len(image.getexif()) == 0 and b"PhoneMaker" not in stored


def test_html_named_jpg_is_refused_and_nothing_stored(register: Register, scans: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        _record(register, "13000", photo=HTML)
    (error,) = caught.value.error_dict["photo"]
    assert error.code == "photo_type"
    assert error.message.startswith("Dateityp nicht erlaubt: unbekannt.")
    assert "PDF" not in error.message  # only photos are allowed here
    assert register.readings.count() == 2


def test_a_photo_with_malware_is_refused(register: Register, scans: list) -> None:  # type: ignore[type-arg]
    scans.append(clamd.ScanOutcome("infected", signature="Eicar-Test-Signature"))
    with pytest.raises(ValidationError) as caught:
        _record(register, "13000", photo=_photo_with_gps())
    assert caught.value.error_dict["photo"][0].code == "photo_infected"
    assert register.readings.count() == 2


def test_without_clamd_the_photo_waits_for_the_sweep(register: Register, scans: list) -> None:  # type: ignore[type-arg]
    scans.append(clamd.ScanOutcome("unavailable", detail="down"))
    reading = _record(register, "13000", photo=_photo_with_gps())
    assert reading.photo_scan == MeterReading.PhotoScan.PENDING

    scans.append(clamd.ScanOutcome("unavailable", detail="still down"))
    assert tasks.scan_pending_reading_photos.call() == 0
    reading.refresh_from_db()
    assert reading.photo_scan == MeterReading.PhotoScan.PENDING

    assert tasks.scan_pending_reading_photos.call() == 1  # clean now
    reading.refresh_from_db()
    assert reading.photo_scan == MeterReading.PhotoScan.CLEAN and reading.photo
    assert tasks.scan_pending_reading_photos.call() == 0  # nothing left


def test_malware_found_by_the_sweep_deletes_the_photo_and_keeps_the_reading(
    register: Register,
    scans: list,  # type: ignore[type-arg]
) -> None:
    scans.append(clamd.ScanOutcome("unavailable", detail="down"))
    reading = _record(register, "13000", photo=_photo_with_gps())
    path = reading.photo.path
    scans.append(clamd.ScanOutcome("infected", signature="Eicar-Test-Signature"))
    assert tasks.scan_pending_reading_photos.call() == 1
    reading.refresh_from_db()
    assert reading.photo_scan == MeterReading.PhotoScan.INFECTED
    assert not reading.photo
    assert not os.path.exists(path)
    entry = AuditLogEntry.objects.filter(object_id=str(reading.pk), action="update").get()
    assert entry.changes["signature"] == ["", "Eicar-Test-Signature"]


def test_billing_takes_a_customer_reading_like_any_other() -> None:
    contract, register = metered_contract(
        tariff=priced_tariff("strom-kunde", "Strom Kunde"), start=D(2024, 1, 1)
    )
    reading = _record(
        register, "4500", read_on=D(2024, 12, 31), reason=MeterReading.Reason.PERIODIC
    )
    assert reading.plausibility == "ok"  # 3,500 kWh against a household's 2,500
    (document,) = billing_services.bill_contract(contract, until=D(2025, 1, 15))
    assert document.end_reading == reading
    assert document.consumption == Decimal("3500")


def test_a_day_before_the_customers_own_supply_is_refused(register: Register) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(register, "1500", read_on=D(2026, 7, 2), supplied_from=D(2026, 8, 1))
    assert refused.value.error_dict["read_on"][0].code == "reading_before_supply"
    assert not register.readings.filter(source=MeterReading.Source.CUSTOMER).exists()


def test_a_reading_older_than_the_window_is_refused(register: Register, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KC_CUSTOMER_READING_MAX_AGE_DAYS = 60
    old = timezone.localdate() - datetime.timedelta(days=61)
    with pytest.raises(ValidationError) as refused:
        _record(register, "1500", read_on=old)
    assert refused.value.error_dict["read_on"][0].code == "reading_too_old"
