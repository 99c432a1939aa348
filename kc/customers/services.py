"""Every change to customer master data goes through here, with its audit row."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from kc.core import audit
from kc.core.models import User
from kc.core.numbers import next_number
from kc.core.validation import field_error, validate
from kc.customers.models import BusinessPartner, Consent, ContractAccount, PostalAddress

PARTNER_FIELDS = (
    "kind",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "organisation_name",
    "birth_date",
    "email",
    "phone",
    "mobile",
    "preferred_channel",
)
ADDRESS_FIELDS = ("street", "house_number", "address_addition", "postal_code", "city")
ACCOUNT_FIELDS = ("payment_method", "iban", "bic", "account_holder")


def normalize_iban(raw: str) -> tuple[str, str]:
    """(IBAN, BIC) in canonical form; the BIC is derived from the bank code when known."""
    try:
        iban = IBAN(raw)
    except SchwiftyException as exc:
        raise field_error(
            "iban", _("Die IBAN ist ungültig (%(reason)s).") % {"reason": exc}, "invalid_iban"
        ) from exc
    bic = iban.bic
    return str(iban.compact), str(bic) if bic else ""


@transaction.atomic
def create_business_partner(
    *, data: Mapping[str, Any], address: Mapping[str, Any], actor: User | None
) -> BusinessPartner:
    """A new customer with a number from the 'customer' range and a main address."""
    partner = BusinessPartner(**{k: v for k, v in data.items() if k in PARTNER_FIELDS})
    partner.number = next_number("customer")
    validate(partner)
    partner.save()
    main = PostalAddress(partner=partner, kind=PostalAddress.Kind.MAIN, **address)
    validate(main)
    main.save()
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=partner,
        partner_id=partner.pk,
        changes=audit.diff(
            {}, {**audit.snapshot(partner, PARTNER_FIELDS), **audit.snapshot(main, ADDRESS_FIELDS)}
        ),
    )
    return partner


@transaction.atomic
def update_business_partner(
    *, partner: BusinessPartner, data: Mapping[str, Any], actor: User | None
) -> BusinessPartner:
    partner = BusinessPartner.objects.select_for_update().get(pk=partner.pk)
    before = audit.snapshot(partner, PARTNER_FIELDS)
    for field, value in data.items():
        if field in PARTNER_FIELDS:
            setattr(partner, field, value)
    validate(partner)
    changes = audit.diff(before, audit.snapshot(partner, PARTNER_FIELDS))
    if changes:
        partner.save()
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            obj=partner,
            partner_id=partner.pk,
            changes=changes,
        )
    return partner


@transaction.atomic
def set_postal_address(
    *, partner: BusinessPartner, kind: str, data: Mapping[str, Any], actor: User | None
) -> PostalAddress:
    """Create or replace the partner's address of one kind (main, billing, postal)."""
    address = PostalAddress.objects.filter(partner=partner, kind=kind).first()
    before = audit.snapshot(address, ADDRESS_FIELDS) if address else {}
    address = address or PostalAddress(partner=partner, kind=kind)
    for field in ADDRESS_FIELDS:
        setattr(address, field, data.get(field, ""))
    validate(address)
    changes = audit.diff(before, audit.snapshot(address, ADDRESS_FIELDS))
    if changes:
        address.save()
        audit.record(
            actor=actor,
            action=audit.Action.CREATE if not before else audit.Action.UPDATE,
            obj=address,
            partner_id=partner.pk,
            changes=changes,
        )
    return address


def _apply_bank_data(account: ContractAccount, data: Mapping[str, Any]) -> None:
    for field in ACCOUNT_FIELDS:
        if field in data:
            setattr(account, field, data[field])
    if account.iban:
        account.iban, derived_bic = normalize_iban(account.iban)
        # A new IBAN brings its own bank: keep a BIC only if it was given with it.
        given_bic = str(data.get("bic") or "").replace(" ", "").upper()
        account.bic = given_bic or derived_bic
    else:
        account.bic = ""
    if account.payment_method == ContractAccount.PaymentMethod.DIRECT_DEBIT and not account.iban:
        raise field_error(
            "iban", _("Für die Zahlweise Lastschrift ist eine IBAN nötig."), "iban_required"
        )


@transaction.atomic
def create_contract_account(
    *, partner: BusinessPartner, data: Mapping[str, Any], actor: User | None
) -> ContractAccount:
    account = ContractAccount(partner=partner, number=next_number("contract_account"))
    _apply_bank_data(account, data)
    validate(account)
    account.save()
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        obj=account,
        partner_id=partner.pk,
        changes=audit.diff(
            {}, {**audit.snapshot(account, ACCOUNT_FIELDS), "iban": account.masked_iban}
        ),
    )
    return account


@transaction.atomic
def update_contract_account(
    *, account: ContractAccount, data: Mapping[str, Any], actor: User | None
) -> ContractAccount:
    account = ContractAccount.objects.select_for_update().get(pk=account.pk)
    before = {**audit.snapshot(account, ACCOUNT_FIELDS), "iban": account.masked_iban}
    _apply_bank_data(account, data)
    validate(account)
    after = {**audit.snapshot(account, ACCOUNT_FIELDS), "iban": account.masked_iban}
    changes = audit.diff(before, after)
    if changes:
        account.save()
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            obj=account,
            partner_id=account.partner_id,
            changes=changes,
        )
    return account


@transaction.atomic
def create_customer(
    *,
    data: Mapping[str, Any],
    address: Mapping[str, Any],
    account: Mapping[str, Any],
    actor: User | None,
) -> BusinessPartner:
    """Partner, main address and first contract account: all or nothing."""
    partner = create_business_partner(data=data, address=address, actor=actor)
    create_contract_account(partner=partner, data=account, actor=actor)
    return partner


@transaction.atomic
def record_consents(
    *, partner: BusinessPartner, granted: Mapping[str, bool], source: str, actor: User | None
) -> None:
    """Set the partner's consent per topic; unchanged topics keep their date."""
    now = timezone.now()
    changes: dict[str, list[str]] = {}
    for topic, value in granted.items():
        consent = Consent.objects.filter(partner=partner, topic=topic).first()
        # No row means never granted: an unticked box changes nothing.
        if (consent.granted if consent is not None else False) == value:
            continue
        changes[topic] = ["" if consent is None else str(consent.granted), str(value)]
        Consent.objects.update_or_create(
            partner=partner,
            topic=topic,
            defaults={"granted": value, "recorded_at": now, "source": source},
        )
    if changes:
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            obj=partner,
            object_type="customers.consent",
            partner_id=partner.pk,
            changes=changes,
        )


@transaction.atomic
def update_customer_details(
    *,
    partner: BusinessPartner,
    data: Mapping[str, Any],
    consents: Mapping[str, bool],
    actor: User | None,
) -> BusinessPartner:
    """The agent's edit form: contact data and consents, all or nothing."""
    partner = update_business_partner(partner=partner, data=data, actor=actor)
    record_consents(partner=partner, granted=consents, source="agent", actor=actor)
    return partner


def record_customer_view(*, partner: BusinessPartner, actor: User) -> None:
    """The audit row for opening a customer's page (a read of personal data)."""
    audit.record(actor=actor, action=audit.Action.READ, obj=partner, partner_id=partner.pk)
