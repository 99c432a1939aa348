"""Paying an approved grant and claiming it back when the contract ends early.

Payout: the grant is booked as a credit note on the contract account (source
"funding-<number>", offset revenue: a customer bonus is booked as a reduction of revenue).
As a credit it then settles the account's open items; as a transfer a pain.001 payout is
requested (source "funding-<number>") and leaves with the next payout file, whose release
settles the credit. Paying twice does nothing: the application's state, the ledger's
source key and the payout's source key each stop a second posting.

Clawback: a paid grant whose contract ended before approval day + N years is claimed back,
in full or pro rata for the missing days (per category), as a receivable on the account
(source "funding-clawback-<number>", due in two weeks), with a letter and a note on the case.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.models import User
from kc.core.money import format_eur
from kc.core.validation import Refusal
from kc.funding.amounts import add_years, clawback_amount
from kc.funding.decisions import note_on_case
from kc.funding.models import FundingApplication, FundingCategory
from kc.letters import services as letter_services
from kc.payments import ledger
from kc.payments import payouts as payment_payouts
from kc.payments.models import LedgerDocument, LedgerLine

Status = FundingApplication.Status
CLAIM_DUE_DAYS = 14  # a claim is due two weeks after the letter


def _locked(application: FundingApplication) -> FundingApplication:
    return (
        FundingApplication.objects.select_for_update(of=("self",))
        .select_related("category", "category__program", "account", "contract", "case")
        .get(pk=application.pk)
    )


@transaction.atomic
def pay(application: FundingApplication, *, actor: User | None) -> FundingApplication:
    """Book the approved grant for the customer; a paid application is left as it is."""
    application = _locked(application)
    if application.status in (Status.PAID, Status.CLAWED_BACK):
        return application
    if application.status != Status.APPROVED or application.approved_amount is None:
        raise Refusal(_("Ausgezahlt wird nur ein bewilligter Antrag."))
    amount = application.approved_amount
    text = _("Förderung {program} {number}").format(
        program=application.category.program.name, number=application.number
    )
    document = ledger.post(
        account=application.account,
        kind=LedgerDocument.Kind.CREDIT_NOTE,
        source=f"funding-{application.number}",
        text=text,
        entries=[ledger.Entry(amount=-amount, text=text, contract_id=application.contract_id)],
        offset=LedgerLine.Offset.REVENUE,
        actor=actor,
    )
    reference = document.number
    if application.payout_way == FundingApplication.PayoutWay.TRANSFER:
        payout = payment_payouts.request_payout(
            account=application.account,
            amount=amount,
            purpose=text,
            source=f"funding-{application.number}",
            actor=actor,
        )
        reference = f"{document.number} / {payout.end_to_end_id}"
    else:
        ledger.settle_account(application.account, document)
    application.status = Status.PAID
    application.paid_at = timezone.now()
    application.payout_reference = reference[:60]
    application.save(update_fields=["status", "paid_at", "payout_reference"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=application,
        partner_id=application.partner_id,
        changes={"status": [Status.APPROVED.value, Status.PAID.value], "payout": ["", reference]},
    )
    note_on_case(
        application,
        _("Förderung {amount} ausgezahlt ({way}, {reference}).").format(
            amount=format_eur(amount),
            way=application.get_payout_way_display(),
            reference=reference,
        ),
        actor,
    )
    return application


def binding_end(application: FundingApplication) -> datetime.date:
    decided = timezone.localdate(application.decided_at or application.applied_at)
    return add_years(decided, application.category.retention_years)


def due_clawbacks(today: datetime.date) -> list[int]:
    """Paid applications whose contract has ended before its binding period was over."""
    rows = FundingApplication.objects.filter(
        status=Status.PAID, contract__end_date__isnull=False, contract__end_date__lte=today
    ).select_related("contract", "category")
    return [
        row.pk
        for row in rows.order_by("pk")
        if row.contract.end_date is not None and row.contract.end_date < binding_end(row)
    ]


@transaction.atomic
def claw_back(
    application: FundingApplication, *, today: datetime.date | None = None
) -> FundingApplication | None:
    """Claim back (part of) a paid grant whose contract ended early; None when nothing is due.
    Idempotent: only a paid application is taken up, and the ledger source is posted once."""
    application = _locked(application)
    ended_on = application.contract.end_date
    if application.status != Status.PAID or ended_on is None or application.approved_amount is None:
        return None
    today = today or timezone.localdate()
    decided = timezone.localdate(application.decided_at or application.applied_at)
    until = binding_end(application)
    pro_rata = application.category.clawback == FundingCategory.Clawback.PRO_RATA
    claim = clawback_amount(
        granted=application.approved_amount,
        bound_from=decided,
        bound_until=until,
        ended_on=ended_on,
        pro_rata=pro_rata,
    )
    if claim.amount <= 0:
        return None
    text = _("Rückforderung Förderung {number}").format(number=application.number)
    due_on = today + datetime.timedelta(days=CLAIM_DUE_DAYS)
    # A claim on the customer, so not a credit note: the (partial) reversal of the grant's
    # credit note, which it names.
    grant = LedgerDocument.objects.filter(
        source=f"funding-{application.number}", kind=LedgerDocument.Kind.CREDIT_NOTE
    ).first()
    document = ledger.post(
        account=application.account,
        kind=LedgerDocument.Kind.REVERSAL,
        source=f"funding-clawback-{application.number}",
        reverses=grant,
        text=text,
        entries=[
            ledger.Entry(
                amount=claim.amount, text=text, due_on=due_on, contract_id=application.contract_id
            )
        ],
        offset=LedgerLine.Offset.REVENUE,
    )
    ledger.settle_account(application.account, document)
    application.status = Status.CLAWED_BACK
    application.clawback_amount = claim.amount
    application.clawed_back_at = timezone.now()
    application.save(update_fields=["status", "clawback_amount", "clawed_back_at"])
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        obj=application,
        partner_id=application.partner_id,
        changes={
            "status": [Status.PAID.value, Status.CLAWED_BACK.value],
            "clawback_amount": ["", str(claim.amount)],
        },
    )
    calculation = (
        _("anteilig: {missing} von {total} Tagen").format(
            missing=claim.missing_days, total=claim.total_days
        )
        if pro_rata
        else _("voller Betrag")
    )
    letter = letter_services.create_letter(
        kind="funding_clawback",
        partner=application.partner,
        values={
            "programm": application.category.program.name,
            "antragsnummer": application.number,
            "gefoerdert": format_eur(application.approved_amount),
            "bindung_bis": f"{until:%d.%m.%Y}",
            "vertragsende": f"{ended_on:%d.%m.%Y}",
            "betrag": format_eur(claim.amount),
            "berechnung": calculation,
            "zahlbar_bis": f"{due_on:%d.%m.%Y}",
        },
        actor=None,
        account=application.account,
        case_number=application.case.number if application.case else "",
    )
    note_on_case(
        application,
        _(
            "Vertrag endete am {ended}, Bindung bis {until}: {amount} zurückgefordert "
            "({calculation}; Buchung {document}, Brief {letter})."
        ).format(
            ended=f"{ended_on:%d.%m.%Y}",
            until=f"{until:%d.%m.%Y}",
            amount=format_eur(claim.amount),
            calculation=calculation,
            document=document.number,
            letter=letter.number,
        ),
        None,
    )
    return application


def claw_back_ended_contracts(today: datetime.date | None = None) -> int:
    """The periodic job: every due clawback, each in its own transaction."""
    today = today or timezone.localdate()
    done = 0
    for application_id in due_clawbacks(today):
        application = FundingApplication.objects.get(pk=application_id)
        if claw_back(application, today=today) is not None:
            done += 1
    return done
