"""SEPA mandates: grant, bank change (amendment), revocation, blocking and expiry.

The contract account's bank data and payment method follow its active mandate, so the rest of
the system (search by IBAN, letters, the customer page) sees one truth. A new IBAN on the same
mandate is an amendment: the next direct-debit file tells the debtor's bank the old account
(or "SMNDA" when the bank changed), as the SEPA rulebook asks.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kc.core import audit
from kc.core.models import User
from kc.customers.models import ContractAccount
from kc.letters import services as letters
from kc.letters.models import Letter
from kc.payments import identifiers
from kc.payments.models import Creditor, SepaMandate

# SEPA rulebook: a mandate not used for 36 months expires.
EXPIRY_YEARS = 3
AUDITED = ("reference", "iban", "bic", "account_holder", "status", "signed_on", "end_reason")


def current_creditor() -> Creditor:
    creditor = Creditor.objects.first()
    if creditor is None:
        raise ValidationError(
            _("Es sind keine Gläubigerdaten hinterlegt (Verwaltung → Gläubiger (SEPA)).")
        )
    return creditor


def active_mandate(account: ContractAccount | int) -> SepaMandate | None:
    return SepaMandate.objects.filter(account=account, status=SepaMandate.Status.ACTIVE).first()


def _bank_code(iban: str) -> str:
    # German IBAN: DEkk + 8-digit bank code (BLZ) + 10-digit account number.
    return iban[4:12]


@transaction.atomic
def grant(
    *,
    account: ContractAccount,
    iban: str,
    account_holder: str,
    signed_on: datetime.date,
    origin: str,
    actor: User | None,
    bic: str = "",
    scheme: str = SepaMandate.Scheme.CORE,
    case_number: str = "",
    replace_active: bool = True,
) -> SepaMandate:
    """A new mandate for the account; an earlier active one ends, replaced by this one
    (with `replace_active=False` it is refused instead: a repeated grant in the portal)."""
    iban, derived_bic = identifiers.validate_iban(iban)
    bic = (bic or derived_bic).strip().upper()
    holder = account_holder.strip()
    if not holder:
        raise ValidationError({"account_holder": _("Bitte den Kontoinhaber angeben.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Das Unterschriftsdatum liegt in der Zukunft.")})
    if origin not in SepaMandate.Origin.values:
        raise ValidationError({"origin": _("Unbekannte Herkunft des Mandats.")})
    creditor = current_creditor()
    account = ContractAccount.objects.select_for_update().get(pk=account.pk)
    previous = active_mandate(account)
    if previous is not None and not replace_active:
        raise ValidationError(_("Für dieses Vertragskonto besteht bereits ein Lastschriftmandat."))
    if previous is not None:
        _end(previous, SepaMandate.Status.REVOKED, _("Ersetzt durch ein neues Mandat."), actor)
    serial = SepaMandate.objects.filter(account=account).count() + 1
    reference = identifiers.validate_mandate_reference(
        identifiers.make_mandate_reference(account.number, serial)
    )
    mandate = SepaMandate.objects.create(
        account=account,
        creditor=creditor,
        reference=reference,
        scheme=scheme,
        iban=iban,
        bic=bic,
        account_holder=holder[:70],
        signed_on=signed_on,
        origin=origin,
        created_by=actor,
    )
    _mirror_on_account(account, mandate)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=mandate,
        partner_id=account.partner_id,
        changes=audit.diff({}, audit.snapshot(mandate, AUDITED)),
    )
    confirm(mandate, actor=actor, case_number=case_number)
    return mandate


@transaction.atomic
def take_over_mandate(
    *,
    account: ContractAccount,
    reference: str,
    iban: str,
    account_holder: str,
    signed_on: datetime.date,
    actor: User | None,
    last_used_on: datetime.date | None = None,
    bic: str = "",
) -> SepaMandate:
    """A mandate the customer gave the utility before (legacy system): active with its own
    reference and dates, no confirmation letter (the debtor knows it). Same creditor assumed."""
    iban, derived_bic = identifiers.validate_iban(iban)
    reference = identifiers.validate_mandate_reference(reference)
    holder = account_holder.strip()
    if not holder:
        raise ValidationError({"account_holder": _("Bitte den Kontoinhaber angeben.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Das Unterschriftsdatum liegt in der Zukunft.")})
    creditor = current_creditor()
    account = ContractAccount.objects.select_for_update().get(pk=account.pk)
    if active_mandate(account) is not None:
        raise ValidationError(_("Für dieses Vertragskonto besteht bereits ein Lastschriftmandat."))
    if SepaMandate.objects.filter(creditor=creditor, reference__iexact=reference).exists():
        raise ValidationError(
            {"reference": _("Die Mandatsreferenz %(ref)s ist schon vergeben.") % {"ref": reference}}
        )
    mandate = SepaMandate.objects.create(
        account=account,
        creditor=creditor,
        reference=reference,
        scheme=SepaMandate.Scheme.CORE,
        iban=iban,
        bic=(bic or derived_bic).strip().upper(),
        account_holder=holder[:70],
        signed_on=signed_on,
        last_used_on=last_used_on,
        origin=SepaMandate.Origin.PAPER,
        created_by=actor,
    )
    _mirror_on_account(account, mandate)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=mandate,
        partner_id=account.partner_id,
        changes=audit.diff({}, audit.snapshot(mandate, AUDITED)),
    )
    return mandate


@transaction.atomic
def change_bank_account(
    mandate: SepaMandate,
    *,
    iban: str,
    account_holder: str,
    actor: User | None,
    bic: str = "",
    holder_spelling_checked: bool = False,
) -> SepaMandate:
    """The debtor pays from another account under the same mandate (amendment). Another
    account holder needs a new mandate; only an agent who checked that the holder is the same
    person (a corrected spelling) may change the name with `holder_spelling_checked`."""
    mandate = SepaMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status != SepaMandate.Status.ACTIVE:
        raise ValidationError(_("Nur ein aktives Mandat kann geändert werden."))
    new_iban, derived_bic = identifiers.validate_iban(iban)
    if new_iban == mandate.iban:
        raise ValidationError({"iban": _("Das ist die bisherige IBAN.")})
    if (
        not holder_spelling_checked
        and account_holder.strip()
        and _holder_key(account_holder) != _holder_key(mandate.account_holder)
    ):
        # A mandate is the account holder's own authorisation: another holder signs anew.
        raise ValidationError(
            {
                "account_holder": _(
                    "Für das Konto einer anderen Person erteilt diese ein neues Mandat; eine "
                    "Änderung der Bankverbindung gilt nur bei gleicher Kontoinhaberschaft."
                )
            }
        )
    before = audit.snapshot(mandate, AUDITED)
    # Amendment details name the account the bank knows from the last collection: keep the
    # first old IBAN while an amendment is still waiting for its file.
    if not mandate.amended_from_iban:
        mandate.amended_from_iban = mandate.iban
    mandate.amended_bank_changed = _bank_code(new_iban) != _bank_code(mandate.amended_from_iban)
    mandate.iban = new_iban
    mandate.bic = (bic or derived_bic).strip().upper()
    mandate.account_holder = (account_holder.strip() or mandate.account_holder)[:70]
    mandate.save()
    _mirror_on_account(mandate.account, mandate)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=mandate,
        partner_id=mandate.account.partner_id,
        changes=audit.diff(before, audit.snapshot(mandate, AUDITED)),
    )
    confirm(mandate, actor=actor)
    return mandate


def _holder_key(name: str) -> str:
    return " ".join(name.casefold().split())


@transaction.atomic
def revoke(
    mandate: SepaMandate, *, reason: str, actor: User | None, on: datetime.date | None = None
) -> SepaMandate:
    """The customer withdraws the mandate; the account switches to transfer."""
    mandate = SepaMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.status != SepaMandate.Status.ACTIVE:
        raise ValidationError(_("Das Mandat ist nicht aktiv."))
    _end(mandate, SepaMandate.Status.REVOKED, reason or _("Widerruf"), actor, on=on)
    _pay_by_transfer(mandate.account)
    return mandate


def block(mandate: SepaMandate, *, reason: str, actor: User | None = None) -> SepaMandate:
    """The bank says the mandate cannot be used as it is (e.g. account closed, no mandate)."""
    if mandate.status != SepaMandate.Status.ACTIVE:
        return mandate
    _end(mandate, SepaMandate.Status.BLOCKED, reason, actor)
    _pay_by_transfer(mandate.account)
    return mandate


def expire_unused(today: datetime.date) -> int:
    """End mandates not used for 36 months (counted from signature when never used)."""
    limit = _years_before(today, EXPIRY_YEARS)
    count = 0
    for mandate in SepaMandate.objects.filter(status=SepaMandate.Status.ACTIVE):
        if (mandate.last_used_on or mandate.signed_on) <= limit:
            with transaction.atomic():
                _end(
                    mandate,
                    SepaMandate.Status.EXPIRED,
                    _("36 Monate nicht genutzt."),
                    None,
                    on=today,
                )
                _pay_by_transfer(mandate.account)
            count += 1
    return count


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: the 28th is the same day in a common year
        return day.replace(year=day.year - years, day=28)


def confirm(mandate: SepaMandate, *, actor: User | None, case_number: str = "") -> Letter:
    """The confirmation letter with creditor ID and mandate reference."""
    return letters.create_letter(
        kind="sepa_mandate",
        partner=mandate.account.partner,
        account=mandate.account,
        actor=actor,
        case_number=case_number,
        values={
            "mandatsreferenz": mandate.reference,
            "glaeubiger_id": mandate.creditor.creditor_id,
            "iban": mandate.masked_iban,
            "kontoinhaber": mandate.account_holder,
            "erteilt_am": f"{mandate.signed_on:%d.%m.%Y}",
        },
    )


def _end(
    mandate: SepaMandate,
    status: str,
    reason: str,
    actor: User | None,
    *,
    on: datetime.date | None = None,
) -> None:
    before = audit.snapshot(mandate, AUDITED)
    mandate.status = status
    mandate.ended_on = on or timezone.localdate()
    mandate.end_reason = reason[:200]
    mandate.save(update_fields=["status", "ended_on", "end_reason"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=mandate,
        partner_id=mandate.account.partner_id,
        changes=audit.diff(before, audit.snapshot(mandate, AUDITED)),
    )


def _mirror_on_account(account: ContractAccount, mandate: SepaMandate) -> None:
    account.payment_method = ContractAccount.PaymentMethod.DIRECT_DEBIT
    account.iban = mandate.iban
    account.bic = mandate.bic
    account.account_holder = mandate.account_holder
    account.save(update_fields=["payment_method", "iban", "bic", "account_holder"])


def _pay_by_transfer(account: ContractAccount) -> None:
    if active_mandate(account) is None:
        ContractAccount.objects.filter(pk=account.pk).update(
            payment_method=ContractAccount.PaymentMethod.TRANSFER
        )
