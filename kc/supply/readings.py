"""Readings the customer reports (portal, API, phone, reading card): checked against the
register's history and the reading window, asked to confirm when implausible, with an
optional meter photo that clamd scans before anyone opens it."""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit, clamd, uploads
from kc.core.models import User
from kc.core.validation import Refusal, field_error
from kc.supply.models import Contract, MeterReading, Register
from kc.supply.plausibility import PastReading, Plausibility, ShareOfYear, check_reading
from kc.supply.services import (
    check_reading_order,
    record_meter_reading,
    refuse_duplicate_reading,
    refuse_future_reading,
)

log = logging.getLogger(__name__)

PHOTO_MAX_BYTES = uploads.DEFAULT_MAX_BYTES
PHOTO_SCAN_TIMEOUT = 15.0  # seconds a web request waits for clamd; else the sweep scans
Scan = MeterReading.PhotoScan


class ReadingNeedsConfirmation(Refusal):
    """The reading is far off what we expect: show `check.message` and ask the customer to
    confirm it (then call again with confirmed=True). Nothing was stored."""

    def __init__(self, check: Plausibility) -> None:
        super().__init__(check.message)
        self.check = check


def record_customer_reading(
    *,
    register: Register,
    read_on: datetime.date,
    value: Decimal,
    actor: User | None,
    confirmed: bool,
    supplied_from: datetime.date,
    photo: bytes | None = None,
    via: str = "portal",
    reason: str = MeterReading.Reason.INTERIM,
    annual_consumption: Decimal | None = None,
    share: ShareOfYear | None = None,
) -> MeterReading:
    """A customer's reading (source customer), checked for plausibility (see the module
    docstring of kc.supply.plausibility); `annual_consumption` and `share` (seasonal weights)
    come from billing when the caller has them. Refusals are field errors on "value",
    "read_on" and "photo"; far off and not `confirmed` raises ReadingNeedsConfirmation (nothing
    stored), confirmed it is stored with needs_review. The photo is stored without metadata;
    clamd unavailable leaves it pending for the periodic sweep. `supplied_from` is the start
    of the customer's own supply: a meter's earlier readings belong to the tenant before.
    A reading without history to compare with is stored for review as well."""
    _refuse_impossible(register, read_on, value)
    _refuse_outside_window(read_on, supplied_from)
    checked = _checked_photo(photo) if photo is not None else None
    with transaction.atomic():
        register = Register.objects.select_for_update().select_related("meter").get(pk=register.pk)
        check = _plausibility(register, read_on, value, annual_consumption, share)
        if check.verdict == "below_last":
            raise field_error("value", check.message, "reading_decreasing")
        check_reading_order(register, read_on, value)
        refuse_duplicate_reading(register, read_on, reason)
        if check.far_off and not confirmed:
            raise ReadingNeedsConfirmation(check)
        reading = record_meter_reading(
            register=register,
            read_on=read_on,
            value=value,
            reason=reason,
            source=MeterReading.Source.CUSTOMER,
            actor=actor,
        )
        reading.plausibility = check.verdict
        reading.needs_review = check.far_off or check.verdict == "no_history"
        if checked is not None:
            _attach_photo(reading, *checked)
        reading.save(update_fields=["plausibility", "needs_review", "photo", "photo_scan"])
        facts = {"plausibility": check.verdict, "confirmed": str(confirmed), "via": via}
        _audit_reading(reading, actor, facts | {"photo_scan": reading.photo_scan})
    return reading


def _audit_reading(reading: MeterReading, actor: User | None, facts: dict[str, str]) -> None:
    facts = {"value": str(reading.value), "read_on": str(reading.read_on)} | facts
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=reading,
        partner_id=_partner_id(reading.register, reading.read_on),
        changes={field: ["", new] for field, new in facts.items()},
    )


def _checked_photo(data: bytes) -> tuple[uploads.PreparedUpload, clamd.ScanOutcome]:
    """The photo made safe (an image only, no metadata) and scanned if clamd can say."""
    try:
        prepared = uploads.prepare_upload(data, max_bytes=PHOTO_MAX_BYTES, allow_pdf=False)
    except uploads.UploadRejected as error:
        raise field_error("photo", str(error), f"photo_{error.code}") from error
    scan = clamd.scan_configured(prepared.data, timeout=PHOTO_SCAN_TIMEOUT)
    if scan.state == "infected":
        log.warning("reading photo refused, clamd found %s", scan.signature)
        raise field_error(
            "photo",
            _("Das Foto wurde nicht angenommen: unser Virenscanner hat Schadsoftware gefunden."),
            "photo_infected",
        )
    return prepared, scan


def _attach_photo(
    reading: MeterReading, prepared: uploads.PreparedUpload, scan: clamd.ScanOutcome
) -> None:
    name = f"zaehlerstand-{reading.register.meter.number}.{prepared.extension}"
    reading.photo.save(name, ContentFile(prepared.data), save=False)
    reading.photo_scan = Scan.CLEAN if scan.state == "clean" else Scan.PENDING


def _refuse_impossible(register: Register, read_on: datetime.date, value: Decimal) -> None:
    """Refusals that need no look at the register's readings."""
    if value < 0:
        raise field_error(
            "value", _("Ein Zählerstand kann nicht negativ sein."), "reading_negative"
        )
    if value >= Decimal(10) ** register.digits:
        raise field_error(
            "value",
            _("Der Zähler hat nur %(digits)s Stellen vor dem Komma.") % {"digits": register.digits},
            "reading_too_many_digits",
        )
    refuse_future_reading(read_on)


def _refuse_outside_window(read_on: datetime.date, supplied_from: datetime.date) -> None:
    """Only days of the customer's own supply, and not older than the configured window (an
    older reading would move consumption between periods already billed)."""
    if read_on < supplied_from:
        raise field_error(
            "read_on",
            _("Das Datum liegt vor Ihrem Lieferbeginn am %(day)s.")
            % {"day": f"{supplied_from:%d.%m.%Y}"},
            "reading_before_supply",
        )
    days: int = settings.KC_CUSTOMER_READING_MAX_AGE_DAYS
    if read_on < timezone.localdate() - datetime.timedelta(days=days):
        raise field_error(
            "read_on",
            _(
                "Zählerstände nehmen wir hier bis %(days)s Tage rückwirkend an. Für einen "
                "älteren Stand schreiben Sie uns bitte eine Nachricht."
            )
            % {"days": days},
            "reading_too_old",
        )


def _plausibility(
    register: Register,
    read_on: datetime.date,
    value: Decimal,
    annual_consumption: Decimal | None,
    share: ShareOfYear | None,
) -> Plausibility:
    history = [
        PastReading(row.read_on, row.value, row.estimated)
        for row in register.readings.filter(read_on__lte=read_on).only(
            "read_on", "value", "estimated"
        )
    ]
    return check_reading(
        history=history,
        read_on=read_on,
        value=value,
        division=register.meter.division,
        unit=register.unit,
        annual_consumption=annual_consumption,
        share=share,
    )


def _partner_id(register: Register, day: datetime.date) -> int | None:
    """The customer supplied through the register's meter on that day (for the audit row)."""
    return (
        Contract.objects.filter(
            market_location_id=register.meter.market_location_id, start_date__lte=day
        )
        .exclude(end_date__lt=day)
        .values_list("account__partner_id", flat=True)
        .first()
    )


def scan_reading_photo(reading_id: int) -> str:
    """Scan one pending photo with clamd; returns its scan state afterwards ("unavailable"
    when clamd could not say: it stays pending). Malware: the file is deleted."""
    reading = MeterReading.objects.filter(pk=reading_id, photo_scan=Scan.PENDING).first()
    if reading is None:
        return "done"
    try:
        with reading.photo.open("rb") as stream:
            data = stream.read()
    except (OSError, ValueError) as exc:  # the stored file is gone: it can never be scanned
        log.warning("reading %s: photo cannot be read: %s", reading_id, exc)
        return _set_photo_scan(reading, Scan.FAILED)
    outcome = clamd.scan_configured(data)
    if outcome.state == "unavailable":
        return "unavailable"
    if outcome.state == "clean":
        return _set_photo_scan(reading, Scan.CLEAN)
    state = _set_photo_scan(reading, Scan.INFECTED, signature=outcome.signature or "")
    if state == Scan.INFECTED:
        reading.photo.delete(save=False)
        MeterReading.objects.filter(pk=reading.pk).update(photo="")
    return state


def _set_photo_scan(reading: MeterReading, state: str, *, signature: str = "") -> str:
    """Move a pending photo to `state` once (several sweeps may race); audited."""
    with transaction.atomic():
        moved = MeterReading.objects.filter(pk=reading.pk, photo_scan=Scan.PENDING).update(
            photo_scan=state
        )
        if not moved:
            return MeterReading.objects.get(pk=reading.pk).photo_scan
        changes: dict[str, list[str]] = {"photo_scan": [Scan.PENDING, state]}
        if signature:
            changes["signature"] = ["", signature]
        audit.record(actor=None, action=audit.Action.UPDATE, obj=reading, changes=changes)
    return state


def scan_pending_photos() -> int:
    """The periodic retry: scan pending reading photos until clamd is unavailable."""
    scanned = 0
    pending = MeterReading.objects.filter(photo_scan=Scan.PENDING).order_by("pk")
    for reading_id in pending.values_list("pk", flat=True):
        if scan_reading_photo(reading_id) == "unavailable":
            log.warning("clamd unavailable; pending reading photos wait for the next sweep")
            break
        scanned += 1
    return scanned
