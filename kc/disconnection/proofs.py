"""Proofs of payment (Zahlbelege) from the portal, e-mail and the window.

An upload is checked by its content (type, size, image sanity), stored without metadata (EXIF
and GPS of phone photos are gone), scanned by clamd, read by OCR, and matched: the amount
against what reconnection needs, the account and invoice numbers against the customer. The
result is a proposal; an agent confirms it with one action (or it goes through by itself when
the bank payment is already booked). Whatever cannot be read goes to a person.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.cases import services as case_services
from kc.cases.models import Attachment, Case, Message
from kc.core import audit, clamd
from kc.core.enqueue import enqueue_with_transaction
from kc.core.models import User
from kc.core.money import format_eur, from_cents
from kc.customers.models import ContractAccount
from kc.disconnection import receipts, reconnection
from kc.disconnection.chain import ChainError, log_event
from kc.disconnection.models import DisconnectionCase, PaymentProof
from kc.payments.models import Creditor

Proof = PaymentProof.Status


def open_case_of(account: ContractAccount) -> DisconnectionCase | None:
    return (
        DisconnectionCase.objects.filter(account=account, status__in=DisconnectionCase.OPEN)
        .order_by("-created_at")
        .first()
    )


PROOF_TYPES = ("image/", "application/pdf")


def receive_attachment(attachment: Attachment, data: bytes) -> PaymentProof | None:
    """A clean e-mail attachment (image or PDF) of a customer with a running disconnection
    case is taken as a proof of payment; anything else is left alone."""
    partner = attachment.message.case.partner
    if partner is None or not attachment.content_type.startswith(PROOF_TYPES):
        return None
    case = (
        DisconnectionCase.objects.filter(
            account__partner=partner, status__in=DisconnectionCase.OPEN
        )
        .order_by("-created_at")
        .first()
    )
    if case is None:
        return None
    try:
        return receive(account=case.account, data=data, source="email", scanned=True)
    except ValidationError:
        return None  # not a usable image or PDF: the attachment stays on the case as it is


@transaction.atomic
def receive(
    *,
    account: ContractAccount,
    data: bytes,
    source: str,
    actor: User | None = None,
    scanned: bool = False,
) -> PaymentProof:
    """Take a proof in; checking, reading and matching follow in the background. `scanned`:
    clamd has already passed these bytes (an e-mail attachment)."""
    try:
        prepared = receipts.prepare_upload(data)
    except receipts.ProofRejected as error:
        raise ValidationError({"file": str(error)}) from error
    case = open_case_of(account)
    extension = "pdf" if prepared.kind == "pdf" else prepared.content_type.split("/")[-1]
    proof = PaymentProof(
        account=account,
        case=case,
        source=source,
        content_type=prepared.content_type,
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        ocr_text=prepared.text,
        scan="clean" if scanned else "pending",
    )
    proof.file.save(f"zahlbeleg.{extension}", ContentFile(prepared.data), save=False)
    proof.save()
    if case is not None and case.proof_received_at is None:
        case.proof_received_at = proof.received_at
        case.save(update_fields=["proof_received_at"])
        log_event(
            case,
            "proof",
            _("Zahlbeleg eingegangen ({source}).").format(source=proof.get_source_display()),
            actor,
        )
    audit.record(actor=actor, action=audit.Action.CREATE, obj=proof, partner_id=account.partner_id)
    from kc.disconnection.tasks import check_proof

    enqueue_with_transaction(check_proof, proof.pk)
    return proof


def check(proof_id: int) -> str:
    """Scan, read and match one proof; returns its status afterwards. clamd being down
    leaves it received (the sweep tries again)."""
    if scan(proof_id):
        return read(proof_id)
    return PaymentProof.objects.get(pk=proof_id).status


def scan(proof_id: int) -> bool:
    """The fast part: clamd, and the reconnection at once when the bank payment is already
    booked (reading the receipt cannot change that decision, so it need not wait for OCR).
    True when the proof is clean and still to be read."""
    proof = PaymentProof.objects.select_related("account", "case").get(pk=proof_id)
    if proof.status != Proof.RECEIVED:
        return False
    if proof.scan == "pending":
        with proof.file.open("rb") as stream:
            data = stream.read()
        options: dict[str, Any] = settings.KC_CLAMD
        verdict = clamd.scan_bytes(
            data, host=options["host"], port=options["port"], timeout=options["timeout"]
        )
        proof.scan = "clean" if verdict.clean else "infected"
        proof.save(update_fields=["scan"])
        if not verdict.clean:
            proof.file.delete(save=False)
            _decide(
                proof,
                Proof.REJECTED,
                _("Schadsoftware gefunden: {sig}").format(sig=verdict.signature),
            )
            return False
    _reconnect_if_paid(proof.case)
    return True


def _reconnect_if_paid(case: DisconnectionCase | None) -> None:
    if case is None:
        return
    case.refresh_from_db()
    if case.status == DisconnectionCase.Status.DISCONNECTED and reconnection.needed(case) <= 0:
        reconnection.order_reconnection(case, actor=None)


def read(proof_id: int) -> str:
    """The slow part: OCR (or the PDF's text), the facts, the match; returns the status."""
    proof = PaymentProof.objects.select_related("account", "case").get(pk=proof_id)
    if proof.status != Proof.RECEIVED or proof.scan != "clean":
        return proof.status
    with proof.file.open("rb") as stream:
        data = stream.read()
    is_pdf = proof.content_type == "application/pdf"
    prepared = receipts.PreparedProof(
        kind="pdf" if is_pdf else "image",
        content_type=proof.content_type,
        data=data,
        text=proof.ocr_text,
        width=0,
        height=0,
        needs_ocr_of_pdf=is_pdf and not proof.ocr_text,
    )
    try:
        reading = receipts.read_proof(prepared, own_ibans=_own_ibans())
    except (receipts.OcrUnavailable, receipts.OcrError) as error:
        _decide(
            proof,
            Proof.UNREADABLE,
            _("Texterkennung fehlgeschlagen ({error}): bitte von Hand prüfen.").format(error=error),
        )
        return proof.status
    text = reading.ocr.text if reading.ocr is not None else proof.ocr_text
    return match(proof, text, reading.facts)


def _own_ibans() -> list[str]:
    """The utility's accounts: an IBAN on the receipt that is ours is never the payer's."""
    return list(Creditor.objects.values_list("iban", flat=True))


@transaction.atomic
def match(proof: PaymentProof, text: str, facts: receipts.ReceiptFacts) -> str:
    proof = (
        PaymentProof.objects.select_for_update(of=("self",))
        .select_related("account", "case")
        .get(pk=proof.pk)
    )
    if proof.status != Proof.RECEIVED:
        return proof.status  # decided by a person while the OCR ran: that decision stands
    proof.ocr_text = text[:20_000]
    proof.amount = from_cents(facts.amount_cents) if facts.amount_cents is not None else None
    proof.paid_on = facts.date
    proof.payer_iban = facts.payer_iban or ""
    proof.reference = (facts.reference or "")[:300]
    case = proof.case
    proof.needed = reconnection.needed(case) if case is not None else None
    others = [n for n in facts.account_numbers if n != proof.account.number]
    if others and proof.account.number not in facts.account_numbers:
        status, note = (
            Proof.MISMATCH,
            _("Der Beleg nennt ein anderes Vertragskonto ({numbers}).").format(
                numbers=", ".join(others)
            ),
        )
    elif proof.amount is None or facts.confidence == "none":
        status, note = Proof.UNREADABLE, _("Betrag nicht lesbar: bitte von Hand prüfen.")
    elif proof.needed is not None and proof.amount < proof.needed:
        status, note = (
            Proof.PARTIAL,
            _("Beleg über {amount}, nötig sind {needed}.").format(
                amount=format_eur(proof.amount), needed=format_eur(proof.needed)
            ),
        )
    else:
        status, note = (
            Proof.COVERS,
            _("Beleg über {amount} deckt den nötigen Betrag.").format(
                amount=format_eur(proof.amount)
            ),
        )
    proof.doubt = doubts_about(proof)[:300]
    proof.save(
        update_fields=[
            "ocr_text",
            "amount",
            "paid_on",
            "payer_iban",
            "reference",
            "needed",
            "doubt",
        ]
    )
    _decide(proof, status, f"{note} {proof.doubt}".strip(), final=False)
    # Booked meanwhile: the payment decides, the proof keeps what it says.
    _reconnect_if_paid(case)
    return proof.status


def doubts_about(proof: PaymentProof) -> str:
    """Reasons why a receipt may not show a new payment: the same file came in before (any
    account), or the payment it shows was made before the disconnection threat, so the
    arrears were counted after it."""
    doubts = []
    earlier = (
        PaymentProof.objects.filter(sha256=proof.sha256, received_at__lt=proof.received_at)
        .exclude(pk=proof.pk)
        .select_related("account")
        .order_by("received_at")
        .first()
    )
    if earlier is not None:
        doubts.append(
            _("Derselbe Beleg wurde schon am {date} eingereicht (Vertragskonto {account}).").format(
                date=timezone.localtime(earlier.received_at).strftime("%d.%m.%Y"),
                account=earlier.account.number,
            )
        )
    case = proof.case
    if case is not None and proof.paid_on is not None and proof.paid_on < case.threat_sent_on:
        doubts.append(
            _("Die Zahlung vom {paid} liegt vor der Sperrandrohung vom {threat}.").format(
                paid=proof.paid_on.strftime("%d.%m.%Y"),
                threat=case.threat_sent_on.strftime("%d.%m.%Y"),
            )
        )
    return " ".join(doubts)


def _decide(
    proof: PaymentProof, status: str, note: str, *, final: bool = True, actor: User | None = None
) -> None:
    proof.status, proof.note = status, note[:300]
    fields = ["status", "note"]
    if final:
        proof.decided_at, proof.decided_by = timezone.now(), actor
        fields += ["decided_at", "decided_by"]
    proof.save(update_fields=fields)
    case = proof.case
    if case is not None and case.case_number:
        work_case = Case.objects.filter(number=case.case_number).first()
        if work_case is not None:
            case_services.add_message(
                work_case,
                Message.Kind.NOTE,
                actor,
                body_text=_("Zahlbeleg ({source}): {status}. {note}").format(
                    source=proof.get_source_display(), status=proof.get_status_display(), note=note
                ),
            )


@transaction.atomic
def accept(proof: PaymentProof, *, actor: User, reason: str = "") -> PaymentProof:
    """One action: the agent accepts the proof and the reconnection order goes out. A proof
    that does not cover what is needed is accepted only with a reason."""
    proof = (
        PaymentProof.objects.select_for_update(of=("self",)).select_related("case").get(pk=proof.pk)
    )
    if proof.status in (Proof.ACCEPTED, Proof.REJECTED):
        raise ChainError(_("Über diesen Beleg ist bereits entschieden."))
    if proof.scan != "clean":
        raise ChainError(_("Der Beleg ist noch nicht auf Schadsoftware geprüft."))
    if proof.case is None:
        raise ChainError(_("Zu diesem Beleg gibt es keinen Sperrvorgang."))
    if proof.doubt and not reason.strip():
        raise ChainError(
            _("Zweifel am Beleg: {doubt} Anerkennen nur mit Begründung.").format(doubt=proof.doubt)
        )
    if proof.doubt:
        log_event(
            proof.case,
            "proof_despite_doubt",
            _("Zahlbeleg trotz Zweifel anerkannt: {reason}").format(reason=reason.strip()),
            actor,
        )
    reconnection.order_reconnection(proof.case, actor=actor, reason=reason, proof=proof)
    proof.refresh_from_db()
    return proof


@transaction.atomic
def reject(proof: PaymentProof, *, actor: User, reason: str) -> PaymentProof:
    if not reason.strip():
        raise ChainError(_("Bitte den Grund angeben."))
    proof = (
        PaymentProof.objects.select_for_update(of=("self",)).select_related("case").get(pk=proof.pk)
    )
    if proof.status in (Proof.ACCEPTED, Proof.REJECTED):
        raise ChainError(_("Über diesen Beleg ist bereits entschieden."))
    _decide(proof, Proof.REJECTED, reason.strip(), actor=actor)
    return proof


def pending_ids(limit: int = 100) -> list[int]:
    """Proofs the sweep takes up: not scanned (clamd was down), or scanned and still unread
    ten minutes later (the reading task was lost)."""
    stale = timezone.now() - datetime.timedelta(minutes=10)
    return list(
        PaymentProof.objects.filter(status=Proof.RECEIVED)
        .filter(Q(scan="pending") | Q(received_at__lt=stale))
        .values_list("pk", flat=True)[:limit]
    )
