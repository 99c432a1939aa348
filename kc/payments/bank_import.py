"""Bank files in: returned direct debits, rejects and incoming transfers become postings.

The whole file is read before anything is posted, so a truncated file changes nothing. A
file seen before (same bytes) is refused as already imported, and every entry is kept once by
the bank's key, so a camt.053 statement repeating what a camt.054 already reported posts
nothing twice. What cannot be matched with certainty waits in a queue for a person.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.models import Case, CaseType, Message
from kc.core.models import User
from kc.core.money import format_eur, from_cents
from kc.customers.models import ContractAccount
from kc.payments import bankfiles, ledger, mandates, return_reasons
from kc.payments.models import (
    BankImport,
    BankTransaction,
    Clearing,
    DirectDebitFile,
    DirectDebitItem,
    LedgerDocument,
    LedgerLine,
    Payout,
)

Outcome = BankTransaction.Outcome
ACCOUNT_NUMBER = re.compile(r"(?<!\d)4\d{11}(?!\d)")
LEDGER_REFERENCE = re.compile(r"\b[A-Z]{1,3}\d{6,12}\b")
# Returns the customer caused may cost the fee; a refund (MD06) is the debtor's right and a
# technical or bank-side return is not theirs to pay.
FEE_REASONS = frozenset({"AC01", "AC04", "AC06", "AM04", "MD01", "MS02", "MS03", "SL01"})


@dataclass(frozen=True)
class ImportReport:
    bank_import: BankImport
    already_imported: bool = False


def import_file(path: Path, *, actor: User | None = None) -> ImportReport:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    known = BankImport.objects.filter(sha256=digest).first()
    if known is not None:
        return ImportReport(known, already_imported=True)
    header, entries = bankfiles.read_all(path)  # raises BankFileError before anything is posted
    with transaction.atomic():
        bank_import = BankImport.objects.create(
            sha256=digest,
            filename=path.name[:255],
            kind=header.kind,
            message_id=header.message_id[:35],
        )
        for entry in entries:
            outcome = _apply(bank_import, entry, actor)
            bank_import.entries += 1
            if outcome is None:
                bank_import.skipped += 1
            elif outcome in (Outcome.RETURN, Outcome.REJECT):
                bank_import.returns += 1
            elif outcome == Outcome.PAYMENT:
                bank_import.matched += 1
            elif outcome == Outcome.UNMATCHED:
                bank_import.unmatched += 1
        bank_import.save()
    return ImportReport(bank_import)


def _apply(bank_import: BankImport, entry: bankfiles.BankEntry, actor: User | None) -> str | None:
    if bank_import.kind != "pain.002" and not entry.booked:
        return None  # pending or for information only: the booked entry comes later
    # Bank references are unique per bank account only.
    key = f"{entry.account_iban}:{entry.key}"[:100]
    if BankTransaction.objects.filter(key=key).exists():
        return None  # reported before, e.g. by the notification that preceded this statement
    tx = BankTransaction(
        bank_import=bank_import,
        key=key,
        direction=entry.direction,
        amount=from_cents(entry.amount_cents),
        booking_date=entry.booking_date,
        end_to_end_id=entry.end_to_end_id[:35],
        reference=" ".join(filter(None, [entry.creditor_reference, entry.remittance]))[:300],
        counterparty_name=entry.counterparty_name[:140],
        counterparty_iban=entry.counterparty_iban[:34],
        return_reason=entry.return_reason[:4],
    )
    if entry.is_return and entry.direction == "debit":
        _returned_debits(tx, entry, actor)
    elif entry.is_return:
        _returned_payout(tx, entry, actor)
    elif entry.direction == "credit":
        _incoming(tx, actor)
    else:
        tx.outcome = Outcome.IGNORED
        tx.note = _("Belastung ohne Bezug zu einer Lastschrift (z. B. Auszahlung, Bankentgelt).")
    tx.save()
    return tx.outcome


# --- returns and rejects -------------------------------------------------------------------


def _returned_debits(tx: BankTransaction, entry: bankfiles.BankEntry, actor: User | None) -> None:
    items = _items_of(entry)
    if not items:
        tx.outcome = Outcome.UNMATCHED
        tx.note = _(
            "Rücklastschrift ohne bekannte Lastschrift (Ende-zu-Ende-Referenz {ref})."
        ).format(ref=entry.end_to_end_id or "–")
        return
    if any(item.collected is None for item in items):
        # Returned before the file was released here: posting now would be lost at the
        # release. A person releases or discards the file and settles this by hand.
        tx.outcome = Outcome.UNMATCHED
        tx.note = _("Rückgabe zu einer noch nicht freigegebenen Lastschriftdatei: bitte prüfen.")
        return
    reason = return_reasons.reason_for(entry.return_reason)
    rejected = tx.bank_import.kind == "pain.002"
    # The bank's fee belongs to the single item it was charged for; a reject before
    # settlement moved no money and costs nothing.
    fee_cents = entry.return_fee_cents if len(items) == 1 else 0
    for item in items:
        document = _return_item(item, reason, fee_cents, tx, actor, charge=not rejected)
        tx.document = tx.document or document
    tx.account = items[0].receivable.account
    tx.outcome = Outcome.REJECT if tx.bank_import.kind == "pain.002" else Outcome.RETURN


def _items_of(entry: bankfiles.BankEntry) -> list[DirectDebitItem]:
    items = DirectDebitItem.objects.select_related(
        "receivable__account__partner", "mandate", "collected"
    )
    if entry.end_to_end_id:
        return list(items.filter(end_to_end_id=entry.end_to_end_id))
    if entry.original_message_id:  # the bank refused the whole file
        file = DirectDebitFile.objects.filter(message_id=entry.original_message_id).first()
        if file is not None:
            return list(items.filter(file=file).order_by("id"))
    return []


def _return_item(
    item: DirectDebitItem,
    reason: return_reasons.ReturnReason,
    fee_cents: int,
    tx: BankTransaction,
    actor: User | None,
    *,
    charge: bool,
) -> LedgerDocument | None:
    account = item.receivable.account
    if item.collected is None:
        return None  # never posted as collected (file not released): nothing to reverse
    collection_line = ledger.customer_lines(item.collected).get()
    document = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.RETURN,
        source=f"return:{item.end_to_end_id}",
        text=_("Rücklastschrift {code}: {text}").format(code=reason.code, text=reason.text),
        entries=[
            ledger.Entry(
                amount=item.amount,
                text=_("Rücklastschrift vom {day}").format(
                    day=f"{item.file.collection_date:%d.%m.%Y}"
                ),
                due_on=timezone.localdate(),
            )
        ],
        offset=LedgerLine.Offset.BANK,
        actor=actor,
    )
    if Clearing.objects.filter(document=document).exists():
        return document  # returned before (pain.002 reject and camt return of one debit)
    ledger.undo_settlements(collection_line, document)
    return_line = ledger.customer_lines(document).get()
    Clearing.objects.create(
        receivable=return_line, credit=collection_line, amount=item.amount, document=document
    )
    fee = _post_fee(item, reason, fee_cents, actor) if charge else Decimal("0.00")
    blocked = False
    if reason.blocks_mandate:
        mandates.block(
            item.mandate,
            reason=_("Rücklastschrift {code}: {text}").format(code=reason.code, text=reason.text),
            actor=actor,
        )
        blocked = True
    tx.case_number = _open_case(item, reason, fee, blocked, actor).number
    return document


def _post_fee(
    item: DirectDebitItem,
    reason: return_reasons.ReturnReason,
    fee_cents: int,
    actor: User | None,
) -> Decimal:
    if reason.code not in FEE_REASONS:
        return Decimal("0.00")
    fee = from_cents(fee_cents) if fee_cents else item.mandate.creditor.return_fee
    if fee <= 0:
        return Decimal("0.00")
    ledger.post(
        account=item.receivable.account,
        kind=LedgerDocument.Kind.FEE,
        source=f"return-fee:{item.end_to_end_id}",
        text=_("Rücklastschriftgebühr"),
        entries=[
            ledger.Entry(amount=fee, text=_("Rücklastschriftgebühr"), due_on=timezone.localdate())
        ],
        offset=LedgerLine.Offset.FEES,
        actor=actor,
    )
    return fee


def _open_case(
    item: DirectDebitItem,
    reason: return_reasons.ReturnReason,
    fee: Decimal,
    blocked: bool,
    actor: User | None,
) -> Case:
    partner = item.receivable.account.partner
    case = case_services.open_case(
        subject=_("Rücklastschrift {amount}: {text}").format(
            amount=format_eur(item.amount), text=reason.text
        ),
        channel="letter",
        case_type=CaseType.PAYMENT,
        partner=partner,
        actor=actor,
        priority=Case.Priority.HIGH,
    )
    lines = [
        _("Die Lastschrift {ref} über {amount} vom {day} kam zurück.").format(
            ref=item.end_to_end_id,
            amount=format_eur(item.amount),
            day=f"{item.file.collection_date:%d.%m.%Y}",
        ),
        _("Grund ({code}): {text}").format(code=reason.code, text=reason.text),
        _("Was zu tun ist: {action}").format(action=reason.customer_action),
        _("Vertragskonto {account}, Mandat {mandate}.").format(
            account=item.receivable.account.number, mandate=item.mandate.reference
        ),
    ]
    if fee:
        lines.append(_("Rücklastschriftgebühr gebucht: {fee}.").format(fee=format_eur(fee)))
    if blocked:
        lines.append(_("Das Mandat ist gesperrt; das Konto steht auf Überweisung."))
    case_services.add_message(case, Message.Kind.NOTE, actor, body_text="\n".join(lines))
    return case


def _returned_payout(tx: BankTransaction, entry: bankfiles.BankEntry, actor: User | None) -> None:
    """A transfer we sent came back (account closed, name mismatch): the customer has the
    credit again and a person asks for valid bank details."""
    payout = (
        Payout.objects.filter(end_to_end_id=entry.end_to_end_id, status=Payout.Status.PAID)
        .select_related("account__partner", "posted")
        .first()
        if entry.end_to_end_id
        else None
    )
    if payout is None or payout.posted is None:
        tx.outcome = Outcome.UNMATCHED
        tx.note = _("Rücküberweisung ohne bekannte Auszahlung.")
        return
    reason = return_reasons.reason_for(entry.return_reason)
    tx.document = ledger.reverse(
        payout.posted,
        text=_("Auszahlung zurückgekommen ({code})").format(code=reason.code),
        actor=actor,
    )
    ledger.settle_account(payout.account, tx.document)
    payout.status = Payout.Status.CANCELLED
    payout.save(update_fields=["status"])
    tx.account = payout.account
    tx.outcome = Outcome.RETURN
    case = case_services.open_case(
        subject=_("Auszahlung {amount} zurückgekommen: {text}").format(
            amount=format_eur(payout.amount), text=reason.text
        ),
        channel="letter",
        case_type=CaseType.PAYMENT,
        partner=payout.account.partner,
        actor=actor,
        priority=Case.Priority.HIGH,
    )
    case_services.add_message(
        case,
        Message.Kind.NOTE,
        actor,
        body_text=_("Die Auszahlung {ref} kam zurück ({code}: {text}). {action}").format(
            ref=payout.end_to_end_id,
            code=reason.code,
            text=reason.text,
            action=reason.customer_action,
        ),
    )
    tx.case_number = case.number


# --- incoming transfers --------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    account: ContractAccount
    reference: LedgerDocument | None
    how: str


def _incoming(tx: BankTransaction, actor: User | None) -> None:
    match = find_account(tx)
    if match is None:
        tx.outcome = Outcome.UNMATCHED
        tx.note = _("Kein Vertragskonto sicher erkannt (Referenz, Betrag und Name geprüft).")
        return
    tx.account = match.account
    tx.document = _post_payment(tx, match, actor)
    tx.outcome = Outcome.PAYMENT
    tx.note = match.how


def find_account(tx: BankTransaction) -> Match | None:
    """By reference first (invoice or posting number, contract account number), then by an
    open item of exactly this amount whose customer bears the payer's name."""
    text = tx.reference.upper()
    references = set(LEDGER_REFERENCE.findall(text))
    if references:
        documents = list(
            LedgerDocument.objects.filter(
                Q(reference__in=references) | Q(number__in=references)
            ).select_related("account")[:2]
        )
        if len({d.account_id for d in documents}) == 1:
            return Match(
                documents[0].account,
                documents[0],
                _("Referenz {ref}").format(ref=documents[0].reference or documents[0].number),
            )
    numbers = set(ACCOUNT_NUMBER.findall(text))
    if numbers:
        accounts = list(ContractAccount.objects.filter(number__in=numbers)[:2])
        if len(accounts) == 1:
            return Match(
                accounts[0], None, _("Vertragskonto {number}").format(number=accounts[0].number)
            )
    return _by_amount_and_name(tx)


def _by_amount_and_name(tx: BankTransaction) -> Match | None:
    payer = _name_words(tx.counterparty_name)
    if not payer:
        return None
    candidates = LedgerLine.objects.filter(
        side=LedgerLine.Offset.CUSTOMER, amount=tx.amount
    ).select_related("account__partner")
    accounts: dict[int, ContractAccount] = {}
    fully_open = (
        line
        for line in ledger.with_open_amounts(candidates)[:50]
        if ledger.open_amount(line) == line.amount
    )
    for line in fully_open:
        if (
            _name_words(line.account.partner.display_name) <= payer
            or _name_words(line.account.account_holder) <= payer
        ):
            accounts[line.account_id] = line.account
    if len(accounts) != 1:
        return None
    account = next(iter(accounts.values()))
    return Match(account, None, _("Betrag und Name"))


def _name_words(name: str) -> frozenset[str]:
    cleaned = re.sub(r"[^\wäöüß]+", " ", name.lower())
    return frozenset(word for word in cleaned.split() if len(word) > 1 and word not in {"und", "u"})


def _post_payment(tx: BankTransaction, match: Match, actor: User | None) -> LedgerDocument:
    document = ledger.post(
        account=match.account,
        kind=LedgerDocument.Kind.PAYMENT,
        source=f"bank:{tx.key}",
        text=_("Überweisung {name}").format(name=tx.counterparty_name)[:200],
        entries=[ledger.Entry(amount=-tx.amount, text=tx.reference[:200] or _("Überweisung"))],
        offset=LedgerLine.Offset.BANK,
        booking_date=tx.booking_date,
        actor=actor,
    )
    if match.reference is not None:
        referenced = [
            item
            for item in ledger.open_items(match.account)
            if item.line.document_id == match.reference.pk
        ]
        ledger.settle(document, referenced, ledger.open_credits(match.account))
    ledger.settle_account(match.account, document)
    return document


@transaction.atomic
def assign(tx: BankTransaction, account: ContractAccount, *, actor: User) -> BankTransaction:
    """A person found the customer of an unmatched transfer."""
    tx = BankTransaction.objects.select_for_update().get(pk=tx.pk)
    if tx.outcome != Outcome.UNMATCHED or tx.direction != "credit":
        raise ledger.LedgerError(_("Dieser Umsatz ist bereits zugeordnet oder keine Gutschrift."))
    if tx.return_reason:
        raise ledger.LedgerError(
            _("Eine zurückgekommene Auszahlung ist keine Zahlung des Kunden; bitte so klären.")
        )
    tx.account = account
    tx.document = _post_payment(tx, Match(account, None, ""), actor)
    tx.outcome = Outcome.ASSIGNED
    tx.note = _("Zugeordnet von {user}").format(user=actor.get_username())
    tx.save(update_fields=["account", "document", "outcome", "note"])
    return tx
