"""Direct debits: pick the due items, write the pain.008 file, release it.

A file is a draft until someone releases it (after handing it to the bank): until then it can
be made again, and a new export discards the old draft. Only release posts the collections,
one small posting per item that a return can reverse, and a unique constraint makes sure no
receivable is collected by two released files. Memory stays flat: items are read and written
in chunks, and the XML is streamed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import holidays
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core.models import User
from kc.core.money import from_cents, to_cents
from kc.core.numbers import reserve_numbers
from kc.customers.models import ContractAccount
from kc.payments import files, ledger, sepa_xml
from kc.payments.mandates import current_creditor
from kc.payments.models import (
    Clearing,
    Creditor,
    DirectDebitFile,
    DirectDebitItem,
    LedgerDocument,
    LedgerLine,
    SepaMandate,
)

CHUNK = 2000


CollectionError = files.FileError


@dataclass(frozen=True)
class Skipped:
    account_number: str
    text: str
    amount: Decimal
    reason: str


@dataclass
class ExportResult:
    file: DirectDebitFile | None
    skipped: list[Skipped] = field(default_factory=list)


def is_target_day(day: datetime.date) -> bool:
    """SEPA settles on TARGET2 days only: weekdays without the ECB's closing days."""
    return day.weekday() < 5 and day not in holidays.financial_holidays("XECB", years=day.year)


def check_collection_date(collection_date: datetime.date, *, today: datetime.date) -> None:
    if not is_target_day(collection_date):
        raise CollectionError(
            _("Der {day} ist kein TARGET2-Geschäftstag; bitte einen Bankarbeitstag wählen.").format(
                day=f"{collection_date:%d.%m.%Y}"
            )
        )
    if collection_date <= today:
        raise CollectionError(
            _("Das Einzugsdatum muss nach dem heutigen Tag liegen (Einreichung bis D-1).")
        )


def _candidates(collection_date: datetime.date) -> Iterator[tuple[LedgerLine, Decimal]]:
    """Receivables due by the date on direct-debit accounts, with their open amount."""
    lines = LedgerLine.objects.filter(
        side=LedgerLine.Offset.CUSTOMER,
        amount__gt=0,
        due_on__lte=collection_date,
        disputed=False,
        account__payment_method=ContractAccount.PaymentMethod.DIRECT_DEBIT,
    ).select_related("account", "document")
    annotated = ledger.with_open_amounts(lines).filter(amount__gt=F("settled_as_receivable"))
    for line in annotated.order_by("id").iterator(chunk_size=CHUNK):
        open_amount = ledger.open_amount(line)
        if open_amount > 0:  # SQLite compares float sums: the exact test is this one
            yield line, open_amount


def _prenotice_days(mandate: SepaMandate, creditor: Creditor) -> int:
    return (
        mandate.pre_notification_days
        if mandate.pre_notification_days is not None
        else creditor.pre_notification_days
    )


def _skip_reason(
    line: LedgerLine,
    mandate: SepaMandate | None,
    creditor: Creditor,
    collection_date: datetime.date,
) -> str:
    if mandate is None:
        return _("kein aktives SEPA-Mandat")
    if line.prenotified_on is None:
        return _("keine Vorabankündigung")
    days = _prenotice_days(mandate, creditor)
    if (collection_date - line.prenotified_on).days < days:
        return _("Vorabankündigung vom {day} erreicht die Frist von {days} Tagen nicht").format(
            day=f"{line.prenotified_on:%d.%m.%Y}", days=days
        )
    return ""


@transaction.atomic
def export(
    collection_date: datetime.date,
    out: Path,
    *,
    today: datetime.date | None = None,
) -> ExportResult:
    """Write the draft file for everything collectible on `collection_date` to `out`."""
    today = today or timezone.localdate()
    check_collection_date(collection_date, today=today)
    creditor = current_creditor()
    # Locked: a release committing meanwhile must not lose its items to this clean-up.
    for draft in DirectDebitFile.objects.select_for_update().filter(
        status=DirectDebitFile.Status.DRAFT
    ):
        draft.items.all().delete()
        draft.status = DirectDebitFile.Status.DISCARDED
        draft.save(update_fields=["status"])
    file = DirectDebitFile.objects.create(
        message_id=files.message_id("LS", collection_date),
        collection_date=collection_date,
        path=str(out),
        sha256="",
        count=0,
        total=Decimal("0.00"),
    )
    result = ExportResult(file=file)
    mandates = {
        m.account_id: m
        for m in SepaMandate.objects.filter(status=SepaMandate.Status.ACTIVE).select_related(
            "creditor"
        )
    }
    totals: dict[str, list[int]] = {}
    batch: list[DirectDebitItem] = []
    for line, open_amount in _candidates(collection_date):
        mandate = mandates.get(line.account_id)
        reason = _skip_reason(line, mandate, creditor, collection_date)
        if reason or mandate is None:
            result.skipped.append(Skipped(line.account.number, line.text, open_amount, reason))
            continue
        batch.append(
            DirectDebitItem(
                file=file,
                receivable=line,
                mandate=mandate,
                end_to_end_id=f"KC{file.pk}-{line.pk}",
                amount=open_amount,
                debtor_iban=mandate.iban,
            )
        )
        group = totals.setdefault(mandate.scheme, [0, 0])
        group[0] += 1
        group[1] += to_cents(open_amount)
        if len(batch) >= CHUNK:
            DirectDebitItem.objects.bulk_create(batch)
            batch = []
    DirectDebitItem.objects.bulk_create(batch)
    if not totals:
        file.delete()
        result.file = None
        return result
    groups = [
        sepa_xml.DebitGroup(
            payment_info_id=f"{file.message_id}-{scheme}"[:35],
            collection_date=collection_date,
            sequence="RCUR",
            instrument=scheme,  # type: ignore[arg-type]
            count=count,
            total_cents=cents,
            debits=_debits_reader(file, scheme),
        )
        for scheme, (count, cents) in sorted(totals.items())
    ]
    file.sha256 = files.write_validated(
        out,
        "pain.008.001.08",
        lambda stream: sepa_xml.write_direct_debits(
            stream,
            message_id=file.message_id,
            created_at=timezone.now(),
            initiating_party=creditor.name,
            creditor=sepa_xml.Creditor(
                name=creditor.name,
                iban=creditor.iban,
                bic=creditor.bic,
                creditor_id=creditor.creditor_id,
            ),
            groups=groups,
        ),
    )
    file.count = sum(g.count for g in groups)
    file.total = from_cents(sum(g.total_cents for g in groups))
    file.save(update_fields=["count", "total", "sha256"])
    return result


def _debits_reader(
    file: DirectDebitFile, scheme: str
) -> Callable[[], Iterator[sepa_xml.DirectDebit]]:
    def read() -> Iterator[sepa_xml.DirectDebit]:
        items = (
            DirectDebitItem.objects.filter(file=file, mandate__scheme=scheme)
            .select_related("mandate", "receivable__document")
            .order_by("id")
        )
        for item in items.iterator(chunk_size=CHUNK):
            mandate = item.mandate
            yield sepa_xml.DirectDebit(
                end_to_end_id=item.end_to_end_id,
                amount_cents=to_cents(item.amount),
                mandate_reference=mandate.reference,
                mandate_signed_on=mandate.signed_on,
                debtor_name=mandate.account_holder,
                debtor_iban=mandate.iban,
                debtor_bic=mandate.bic,
                remittance=_remittance(item),
                original_mandate_reference=mandate.amended_from_reference,
                original_debtor_iban=(
                    "" if mandate.amended_bank_changed else mandate.amended_from_iban
                ),
                debtor_agent_changed=mandate.amended_bank_changed,
            )

    return read


def _remittance(item: DirectDebitItem) -> str:
    line = item.receivable
    return f"{line.text} {line.document.number} Konto {item.mandate.account_id}"[:140]


@transaction.atomic
def release(file: DirectDebitFile, *, actor: User | None) -> int:
    """The file went to the bank: post every item as collected. Returns the item count."""
    file = DirectDebitFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DirectDebitFile.Status.DRAFT:
        raise CollectionError(
            _("Die Datei {id} ist nicht mehr im Entwurf.").format(id=file.message_id)
        )
    files.check_unchanged(file.path, file.sha256)
    _check_mandates_unchanged(file)
    items = DirectDebitItem.objects.filter(file=file).select_related("receivable", "mandate")
    count = 0
    chunk: list[DirectDebitItem] = []
    for item in items.order_by("id").iterator(chunk_size=CHUNK):
        chunk.append(item)
        if len(chunk) >= CHUNK:
            count += _post_collections(file, chunk, actor)
            chunk = []
    count += _post_collections(file, chunk, actor)
    mandate_ids = items.values("mandate_id")
    SepaMandate.objects.filter(pk__in=mandate_ids).update(
        last_used_on=file.collection_date,
        amended_from_iban="",
        amended_from_reference="",
        amended_bank_changed=False,
    )
    file.status = DirectDebitFile.Status.RELEASED
    file.released_at = timezone.now()
    file.released_by = actor
    file.save(update_fields=["status", "released_at", "released_by"])
    return count


def _check_mandates_unchanged(file: DirectDebitFile) -> None:
    """A mandate revoked, blocked or moved to another account since the export makes the
    file wrong: it must be made again (which leaves the item out or carries the amendment)."""
    changed = (
        DirectDebitItem.objects.filter(file=file)
        .exclude(mandate__status=SepaMandate.Status.ACTIVE, mandate__iban=F("debtor_iban"))
        .select_related("mandate")
        .first()
    )
    if changed is not None:
        raise CollectionError(
            _(
                "Das Mandat {reference} hat sich seit dem Erstellen geändert; "
                "bitte die Datei neu erstellen."
            ).format(reference=changed.mandate.reference)
        )


def _open_now(receivable_ids: list[int]) -> dict[int, Decimal]:
    lines = ledger.with_open_amounts(LedgerLine.objects.filter(pk__in=receivable_ids))
    return {line.pk: ledger.open_amount(line) for line in lines}


def _post_collections(
    file: DirectDebitFile, items: list[DirectDebitItem], actor: User | None
) -> int:
    """One DIRECT_DEBIT posting per item, written in bulk: customer line against the bank."""
    if not items:
        return 0
    numbers = reserve_numbers("ledger", len(items))
    documents = LedgerDocument.objects.bulk_create(
        LedgerDocument(
            number=number,
            kind=LedgerDocument.Kind.DIRECT_DEBIT,
            account_id=item.receivable.account_id,
            booking_date=file.collection_date,
            text=_("Lastschrift {id}").format(id=file.message_id),
            source=f"sepa:{item.end_to_end_id}",
            posted_by=actor,
        )
        for number, item in zip(numbers, items, strict=True)
    )
    credits = LedgerLine.objects.bulk_create(
        LedgerLine(
            document=document,
            account_id=item.receivable.account_id,
            side=LedgerLine.Offset.CUSTOMER,
            amount=-item.amount,
            text=_("Lastschrifteinzug {day}").format(day=f"{file.collection_date:%d.%m.%Y}"),
        )
        for document, item in zip(documents, items, strict=True)
    )
    LedgerLine.objects.bulk_create(
        LedgerLine(
            document=document,
            account_id=item.receivable.account_id,
            side=LedgerLine.Offset.BANK,
            amount=item.amount,
            text=document.text,
        )
        for document, item in zip(documents, items, strict=True)
    )
    # The bank collects what the file says; it settles only what is still open now (a
    # transfer may have paid part meanwhile): the rest stays a free credit of the customer.
    still_open = _open_now([item.receivable_id for item in items])
    Clearing.objects.bulk_create(
        Clearing(receivable=item.receivable, credit=credit, amount=amount, document=document)
        for document, credit, item in zip(documents, credits, items, strict=True)
        if (amount := min(item.amount, still_open.get(item.receivable_id, Decimal(0)))) > 0
    )
    for document, item in zip(documents, items, strict=True):
        item.collected = document
    DirectDebitItem.objects.bulk_update(items, ["collected"])
    return len(items)


@transaction.atomic
def discard(file: DirectDebitFile) -> None:
    file = DirectDebitFile.objects.select_for_update().get(pk=file.pk)
    if file.status != DirectDebitFile.Status.DRAFT:
        raise CollectionError(_("Nur ein Entwurf kann verworfen werden."))
    file.items.all().delete()
    file.status = DirectDebitFile.Status.DISCARDED
    file.save(update_fields=["status"])
