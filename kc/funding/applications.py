"""Applications come in: eligibility first (every reason at once), documents checked by their
content and scanned by clamd, one case for the funding clerk, the checklist to work through.

A refused application stores nothing. Submissions of one customer are serialised on the
business-partner row, so a double submit cannot slip past the once-per-period rule.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import portal_messages
from kc.cases import services as case_services
from kc.cases.models import CaseType, Message
from kc.core import audit, clamd, uploads
from kc.core.models import NumberRange, User
from kc.core.money import format_eur
from kc.core.numbers import next_number
from kc.core.validation import Refusal
from kc.customers.models import BusinessPartner
from kc.funding import eligibility, selectors
from kc.funding.amounts import Terms, grant_amount
from kc.funding.models import (
    ApplicationDocument,
    DocumentKind,
    FundingApplication,
    FundingCategory,
    ReviewCheck,
)
from kc.supply.models import Contract

log = logging.getLogger(__name__)
Status = FundingApplication.Status
Scan = ApplicationDocument.Scan
SCAN_TIMEOUT = 10.0  # seconds in the web request; clamd down: pending, the sweep scans later


class Ineligible(Refusal):
    """The application fails one or more rules; `reasons` lists every one."""

    def __init__(self, reasons: Sequence[eligibility.Reason]) -> None:
        super().__init__(" ".join(reason.message for reason in reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class Upload:
    kind: str
    data: bytes


def ensure_number_range() -> None:
    NumberRange.objects.get_or_create(
        key="funding",
        defaults={"prefix": "F", "next_value": 1, "max_value": 99_999_999, "width": 8},
    )


def terms_of(category: FundingCategory) -> Terms:
    return Terms(
        kind=category.amount_kind,
        fixed_amount=category.fixed_amount,
        percent=category.percent,
        cap=category.cap,
    )


def assess(
    *,
    partner: BusinessPartner,
    contract: Contract,
    category: FundingCategory,
    commissioned_on: datetime.date,
    price: Decimal,
    applied_on: datetime.date | None = None,
) -> tuple[FundingCategory, Decimal, list[eligibility.Reason]]:
    """The terms in force, the amount and every failing reason, before anything is stored:
    what the portal shows before the customer submits."""
    applied_on = applied_on or timezone.localdate()
    in_force = selectors.terms_in_force(category, applied_on)
    terms = in_force or category
    amount = grant_amount(terms_of(terms), price)
    request = eligibility.Request(
        partner=partner,
        account=contract.account,
        contract=contract,
        category=terms,
        commissioned_on=commissioned_on,
        applied_on=applied_on,
        amount=amount,
    )
    reasons = eligibility.check(request)
    if in_force is None and not any(reason.code == "inactive" for reason in reasons):
        # The key's version in force is switched off: an older, still active version of it
        # (its id posted by hand) must not let the application through on the old terms.
        reasons.insert(
            0, eligibility.Reason("inactive", _("Diese Förderung wird derzeit nicht angeboten."))
        )
    return terms, amount, reasons


def _prepared(uploads_: Sequence[Upload]) -> list[tuple[str, uploads.PreparedUpload]]:
    prepared = []
    for upload in uploads_:
        if upload.kind not in DocumentKind.values:
            raise Refusal(_("Unbekannte Art von Nachweis."))
        prepared.append((upload.kind, uploads.prepare_upload(upload.data)))
    return prepared


def _missing_documents(category: FundingCategory, kinds: set[str]) -> list[str]:
    return [
        str(DocumentKind(kind).label) for kind in category.required_documents if kind not in kinds
    ]


@transaction.atomic
def submit_application(
    *,
    partner: BusinessPartner,
    contract: Contract,
    category: FundingCategory,
    item: str,
    purchase_price: Decimal,
    commissioned_on: datetime.date,
    payout_way: str,
    documents: Sequence[Upload],
    actor: User,
    note: str = "",
) -> FundingApplication:
    """Take an application in, or refuse it with every reason; nothing is stored on refusal."""
    BusinessPartner.objects.select_for_update().filter(pk=partner.pk).first()
    applied_at = timezone.now()
    terms, amount, reasons = assess(
        partner=partner,
        contract=contract,
        category=category,
        commissioned_on=commissioned_on,
        price=purchase_price,
        applied_on=timezone.localdate(applied_at),
    )
    prepared = _prepared(documents)
    missing = _missing_documents(terms, {kind for kind, _p in prepared})
    if missing:
        reasons.append(
            eligibility.Reason(
                "documents",
                _("Es fehlt: {documents}.").format(documents=", ".join(missing)),
            )
        )
    if reasons:
        raise Ineligible(reasons)
    scanned = [(kind, upload, _scan(upload.data)) for kind, upload in prepared]
    infected = [outcome for _k, _u, outcome in scanned if outcome.state == "infected"]
    if infected:
        log.warning("funding upload refused, clamd found %s", infected[0].signature)
        raise Refusal(
            _("Eine Datei wurde nicht angenommen: unser Virenscanner hat Schadsoftware gefunden.")
        )
    ensure_number_range()
    number = next_number("funding")
    case = portal_messages.message_from_portal(
        partner=partner,
        actor=actor,
        subject=_("Förderantrag {number}: {category}").format(number=number, category=terms.label),
        text=_summary(number, terms, item, purchase_price, commissioned_on, amount, note),
        case_type=CaseType.FUNDING,
    )
    application = FundingApplication.objects.create(
        number=number,
        partner=partner,
        account=contract.account,
        contract=contract,
        category=terms,
        item=item.strip()[:200],
        purchase_price=purchase_price,
        commissioned_on=commissioned_on,
        applied_at=applied_at,
        budget_year=timezone.localdate(applied_at).year,
        requested_amount=amount,
        payout_way=payout_way,
        note=note.strip(),
        case=case,
    )
    ReviewCheck.objects.bulk_create(
        ReviewCheck(application=application, item=item_) for item_ in ReviewCheck.Item.values
    )
    for kind, upload, outcome in scanned:
        _store(application, kind, upload, outcome)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=application, partner_id=partner.pk)
    return application


def _summary(
    number: str,
    terms: FundingCategory,
    item: str,
    price: Decimal,
    commissioned_on: datetime.date,
    amount: Decimal,
    note: str,
) -> str:
    lines = [
        (_("Antrag"), number),
        (_("Förderprogramm"), terms.program.name),
        (_("Kategorie"), terms.label),
        (_("Gerät"), item),
        (_("Kaufpreis"), format_eur(price)),
        (_("Inbetriebnahme"), f"{commissioned_on:%d.%m.%Y}"),
        (_("Beantragte Förderung"), format_eur(amount)),
        (_("Anmerkungen"), note.strip()),
    ]
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


def _scan(data: bytes) -> clamd.ScanOutcome:
    return clamd.scan_configured(data, timeout=SCAN_TIMEOUT)


def _store(
    application: FundingApplication,
    kind: str,
    upload: uploads.PreparedUpload,
    outcome: clamd.ScanOutcome,
) -> ApplicationDocument:
    stem = {"invoice": "rechnung", "commissioning": "inbetriebnahme"}.get(kind, "nachweis")
    name = f"{stem}-{application.number}.{upload.extension}"
    document = ApplicationDocument(
        application=application,
        kind=kind,
        filename=name,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        scan=Scan.CLEAN if outcome.state == "clean" else Scan.PENDING,
        scan_detail=outcome.detail[:200],
    )
    document.file.save(name, ContentFile(upload.data), save=False)
    document.save()
    return document


def scan_document(document_id: int) -> str:
    """Scan one pending document; "unavailable" when clamd cannot say (it stays pending).
    Malware: the file is deleted and a note goes on the case."""
    document = ApplicationDocument.objects.filter(pk=document_id, scan=Scan.PENDING).first()
    if document is None:
        return "done"
    try:
        with document.file.open("rb") as stream:
            data = stream.read()
    except (OSError, ValueError) as exc:
        return _finish_scan(document, Scan.FAILED, f"Datei nicht lesbar: {exc}")
    outcome = clamd.scan_configured(data)
    if outcome.state == "unavailable":
        return "unavailable"
    if outcome.state == "clean":
        return _finish_scan(document, Scan.CLEAN, "")
    state = _finish_scan(document, Scan.INFECTED, outcome.signature or "")
    if state == Scan.INFECTED:
        document.file.delete(save=False)
        ApplicationDocument.objects.filter(pk=document.pk).update(file="")
    return state


def _finish_scan(document: ApplicationDocument, state: str, detail: str) -> str:
    with transaction.atomic():
        moved = ApplicationDocument.objects.filter(pk=document.pk, scan=Scan.PENDING).update(
            scan=state, scan_detail=detail[:200]
        )
        if not moved:
            return ApplicationDocument.objects.get(pk=document.pk).scan
        application = document.application
        audit.record(
            actor=None,
            action=audit.Action.UPDATE,
            obj=document,
            partner_id=application.partner_id,
            changes={"scan": [Scan.PENDING.value, state], "scan_detail": ["", detail[:200]]},
        )
        if state != Scan.CLEAN and application.case is not None:
            case_services.add_message(
                application.case,
                Message.Kind.NOTE,
                None,
                body_text=_("Unterlage {name}: {state} {detail}").format(
                    name=document.filename, state=Scan(state).label, detail=detail
                ),
            )
    return state


def scan_pending_documents() -> int:
    """The periodic retry: scan pending documents until clamd is unavailable."""
    scanned = 0
    pending = ApplicationDocument.objects.filter(scan=Scan.PENDING).order_by("pk")
    for document_id in pending.values_list("pk", flat=True):
        if scan_document(document_id) == "unavailable":
            log.warning("clamd unavailable; pending funding documents wait for the next sweep")
            break
        scanned += 1
    return scanned


@transaction.atomic
def withdraw(application: FundingApplication, *, actor: User) -> FundingApplication:
    """The customer takes back an application that is not decided yet."""
    application = FundingApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in FundingApplication.OPEN:
        raise Refusal(_("Über diesen Antrag ist bereits entschieden."))
    before = application.status
    application.status = Status.WITHDRAWN
    application.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=application,
        partner_id=application.partner_id,
        changes={"status": [before, Status.WITHDRAWN.value]},
    )
    if application.case is not None:
        case_services.add_message(
            application.case,
            Message.Kind.NOTE,
            None,
            body_text=_("Antrag {number} von der Kundin/dem Kunden zurückgezogen.").format(
                number=application.number
            ),
        )
    return application
