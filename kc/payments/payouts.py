"""Money out: credit balances, refunds and funding grants as pain.001 credit transfers.

Same life as direct-debit files: a payout is requested, goes into a draft file that can be
made again, and is posted (and thereby settles the credit it pays out) only when the file is
released to the bank.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core.models import User
from kc.core.money import from_cents, to_cents
from kc.customers.models import ContractAccount
from kc.payments import identifiers, ledger, sepa_xml
from kc.payments.collections import is_target_day
from kc.payments.files import FileError, check_unchanged, message_id, write_validated
from kc.payments.mandates import active_mandate, current_creditor
from kc.payments.models import LedgerDocument, LedgerLine, Payout, PayoutFile

CHUNK = 2000


@transaction.atomic
def request_payout(
    *,
    account: ContractAccount,
    amount: Decimal,
    purpose: str,
    source: str,
    actor: User | None = None,
    iban: str = "",
    name: str = "",
) -> Payout:
    """Ask for a transfer to the customer; the same source twice returns the first request."""
    existing = Payout.objects.filter(source=source).first()
    if existing is not None:
        return existing
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Der Auszahlungsbetrag muss positiv und auf Cent genau sein."))
    mandate = active_mandate(account)
    iban = iban or account.iban or (mandate.iban if mandate else "")
    if not iban:
        raise ValidationError(_("Für eine Auszahlung fehlt die Bankverbindung des Kontos."))
    iban, bic = identifiers.validate_iban(iban)
    payout = Payout.objects.create(
        account=account,
        amount=amount,
        iban=iban,
        bic=account.bic if iban == account.iban and account.bic else bic,
        name=(name or account.account_holder or account.partner.display_name)[:70],
        purpose=purpose[:140],
        source=source[:120],
        end_to_end_id=f"KCP-{source}"[:35] if len(source) <= 30 else "",
    )
    if not payout.end_to_end_id:
        payout.end_to_end_id = f"KCP-{payout.pk}"
        payout.save(update_fields=["end_to_end_id"])
    return payout


def refund_credit_balances(today: datetime.date) -> list[Payout]:
    """A payout for every account whose credit exceeds what it owes (e.g. after a final bill)."""
    payouts = []
    accounts = ContractAccount.objects.filter(
        ledger_lines__side=LedgerLine.Offset.CUSTOMER
    ).distinct()
    for account in accounts.iterator():
        if Payout.objects.filter(
            account=account, status__in=[Payout.Status.REQUESTED, Payout.Status.IN_FILE]
        ).exists():
            continue
        balance = ledger.balance(account)
        if balance < 0 and (account.iban or active_mandate(account)):
            payouts.append(
                request_payout(
                    account=account,
                    amount=-balance,
                    purpose=_("Erstattung Guthaben Vertragskonto {number}").format(
                        number=account.number
                    ),
                    source=f"refund:{account.pk}:{today:%Y%m%d}",
                )
            )
    return payouts


@transaction.atomic
def export(
    execution_date: datetime.date, out: Path, *, today: datetime.date | None = None
) -> PayoutFile | None:
    today = today or timezone.localdate()
    if not is_target_day(execution_date) or execution_date < today:
        raise FileError(
            _("Das Ausführungsdatum {day} ist kein künftiger Bankarbeitstag.").format(
                day=f"{execution_date:%d.%m.%Y}"
            )
        )
    creditor = current_creditor()
    for draft in PayoutFile.objects.filter(status=PayoutFile.Status.DRAFT):
        draft.payouts.update(status=Payout.Status.REQUESTED, file=None)
        draft.status = PayoutFile.Status.DISCARDED
        draft.save(update_fields=["status"])
    pending = Payout.objects.filter(status=Payout.Status.REQUESTED)
    count = pending.count()
    if not count:
        return None
    file = PayoutFile.objects.create(
        message_id=message_id("UE", execution_date),
        execution_date=execution_date,
        path=str(out),
        sha256="",
        count=count,
        total=Decimal("0.00"),
    )
    pending.update(status=Payout.Status.IN_FILE, file=file)
    cents = sum(to_cents(amount) for amount in file.payouts.values_list("amount", flat=True))
    file.total = from_cents(cents)

    def transfers() -> Iterator[sepa_xml.CreditTransfer]:
        for payout in file.payouts.order_by("id").iterator(chunk_size=CHUNK):
            yield sepa_xml.CreditTransfer(
                end_to_end_id=payout.end_to_end_id,
                amount_cents=to_cents(payout.amount),
                creditor_name=payout.name,
                creditor_iban=payout.iban,
                creditor_bic=payout.bic,
                remittance=payout.purpose,
            )

    file.sha256 = write_validated(
        out,
        "pain.001.001.09",
        lambda stream: sepa_xml.write_credit_transfers(
            stream,
            message_id=file.message_id,
            created_at=timezone.now(),
            initiating_party=creditor.name,
            debtor=sepa_xml.Debtor(name=creditor.name, iban=creditor.iban, bic=creditor.bic),
            groups=[
                sepa_xml.TransferGroup(
                    payment_info_id=file.message_id,
                    execution_date=execution_date,
                    count=count,
                    total_cents=cents,
                    transfers=transfers,
                )
            ],
        ),
    )
    file.save(update_fields=["total", "sha256"])
    return file


def _credit_covers(payout: Payout) -> bool:
    ContractAccount.objects.select_for_update().filter(pk=payout.account_id).first()
    credit = -sum((c.open_amount for c in ledger.open_credits(payout.account)), Decimal(0))
    return credit >= payout.amount


@transaction.atomic
def release(file: PayoutFile, *, actor: User | None) -> int:
    file = PayoutFile.objects.select_for_update().get(pk=file.pk)
    if file.status != PayoutFile.Status.DRAFT:
        raise FileError(_("Die Datei {id} ist nicht mehr im Entwurf.").format(id=file.message_id))
    check_unchanged(file.path, file.sha256)
    count = 0
    for payout in file.payouts.select_related("account").order_by("id"):
        if not _credit_covers(payout):
            # The credit was used meanwhile (e.g. on a new Abschlag): paying it out would make
            # the customer owe it. The transfer is cancelled and a person looks at it.
            payout.status = Payout.Status.CANCELLED
            payout.save(update_fields=["status"])
            continue
        document = ledger.post(
            account=payout.account,
            kind=LedgerDocument.Kind.PAYOUT,
            source=f"payout:{payout.end_to_end_id}",
            text=payout.purpose,
            entries=[
                ledger.Entry(amount=payout.amount, text=payout.purpose, due_on=file.execution_date)
            ],
            offset=LedgerLine.Offset.BANK,
            booking_date=file.execution_date,
            actor=actor,
        )
        ledger.settle_account(payout.account, document)
        payout.status = Payout.Status.PAID
        payout.posted = document
        payout.save(update_fields=["status", "posted"])
        count += 1
    file.status = PayoutFile.Status.RELEASED
    file.released_at = timezone.now()
    file.save(update_fields=["status", "released_at"])
    return count
