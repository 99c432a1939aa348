"""SEPA mandates: grant with checked IBAN, amendment, revocation, blocking, expiry, letter."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kc.core.models import AuditLogEntry
from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.letters.models import Letter
from kc.payments import mandates
from kc.payments.models import Creditor, SepaMandate
from kc.payments.tests.factories import (
    IBAN,
    IBAN_OTHER_BANK,
    OTHER_IBAN_SAME_BANK,
    creditor,
    mandated_account,
)

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2026, 11, 2)


def grant(account: ContractAccount, iban: str = IBAN, **fields: object) -> SepaMandate:
    values: dict[str, object] = {
        "account": account,
        "iban": iban,
        "account_holder": "Erika Mustermann",
        "signed_on": SIGNED,
        "origin": SepaMandate.Origin.ELECTRONIC,
        "actor": None,
    }
    return mandates.grant(**(values | fields))  # type: ignore[arg-type]


def test_grant_checks_iban_derives_bic_and_writes_the_confirmation(agent) -> None:  # type: ignore[no-untyped-def]
    creditor()
    account = ContractAccountFactory(
        payment_method=ContractAccount.PaymentMethod.TRANSFER, iban="", bic=""
    )
    mandate = grant(account, iban="de89 3704 0044 0532 0130 00", actor=agent)
    assert mandate.iban == IBAN
    assert mandate.bic == "COBADEFFXXX"
    assert mandate.reference == f"KC-{account.number}-001"
    assert mandate.status == SepaMandate.Status.ACTIVE
    account.refresh_from_db()
    assert account.payment_method == ContractAccount.PaymentMethod.DIRECT_DEBIT
    assert account.iban == IBAN
    letter = Letter.objects.get(kind="sepa_mandate", account=account)
    assert letter.values["mandatsreferenz"] == mandate.reference
    assert letter.values["glaeubiger_id"] == "DE98ZZZ09999999999"
    assert AuditLogEntry.objects.filter(
        object_type="payments.sepamandate", object_id=str(mandate.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013001", "DE8937040044053201300", "XX89370400440532013000", ""]
)
def test_a_wrong_iban_is_refused_and_nothing_is_written(iban: str) -> None:
    creditor()
    account = ContractAccountFactory()
    with pytest.raises(ValidationError):
        grant(account, iban=iban)
    assert not SepaMandate.objects.exists()


def test_a_future_signature_or_no_holder_is_refused() -> None:
    creditor()
    account = ContractAccountFactory()
    with pytest.raises(ValidationError):
        grant(account, signed_on=datetime.date(2099, 1, 1))
    with pytest.raises(ValidationError):
        grant(account, account_holder="  ")


def test_without_creditor_settings_there_is_no_mandate() -> None:
    with pytest.raises(ValidationError, match="Gläubigerdaten"):
        grant(ContractAccountFactory())


def test_a_new_mandate_replaces_the_active_one() -> None:
    account, old = mandated_account()
    new = grant(account, iban=IBAN_OTHER_BANK)
    old.refresh_from_db()
    assert old.status == SepaMandate.Status.REVOKED
    assert new.reference.endswith("-002")
    assert SepaMandate.objects.filter(account=account, status="active").get() == new


def test_one_active_mandate_per_account_and_unique_reference_per_creditor() -> None:
    account, mandate = mandated_account()
    with pytest.raises(IntegrityError), transaction.atomic():
        SepaMandate.objects.create(
            account=account,
            creditor=mandate.creditor,
            reference="OTHER",
            scheme="CORE",
            iban=IBAN,
            account_holder="x",
            signed_on=SIGNED,
            origin="paper",
        )
    other = ContractAccountFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SepaMandate.objects.create(
            account=other,
            creditor=mandate.creditor,
            reference=mandate.reference,
            scheme="CORE",
            iban=IBAN,
            account_holder="x",
            signed_on=SIGNED,
            origin="paper",
        )


def test_bank_change_at_the_same_bank_keeps_the_old_iban_for_the_amendment() -> None:
    account, mandate = mandated_account()
    mandates.change_bank_account(mandate, iban=OTHER_IBAN_SAME_BANK, account_holder="", actor=None)
    mandate.refresh_from_db()
    assert mandate.iban == OTHER_IBAN_SAME_BANK
    assert mandate.amended_from_iban == IBAN
    assert not mandate.amended_bank_changed
    account.refresh_from_db()
    assert account.iban == OTHER_IBAN_SAME_BANK


def test_a_new_account_holder_needs_a_new_mandate() -> None:
    from django.core.exceptions import ValidationError

    _, mandate = mandated_account()
    with pytest.raises(ValidationError) as refused:
        mandates.change_bank_account(
            mandate, iban=OTHER_IBAN_SAME_BANK, account_holder="Jemand Anderes", actor=None
        )
    assert "account_holder" in refused.value.message_dict
    mandate.refresh_from_db()
    assert mandate.iban == IBAN
    same = f"  {mandate.account_holder.upper()} "  # the same holder, typed differently
    mandates.change_bank_account(
        mandate, iban=OTHER_IBAN_SAME_BANK, account_holder=same, actor=None
    )


def test_bank_change_to_another_bank_marks_smnda_and_remembers_the_first_old_iban() -> None:
    _, mandate = mandated_account()
    mandates.change_bank_account(mandate, iban=OTHER_IBAN_SAME_BANK, account_holder="", actor=None)
    mandates.change_bank_account(mandate, iban=IBAN_OTHER_BANK, account_holder="", actor=None)
    mandate.refresh_from_db()
    assert mandate.amended_from_iban == IBAN  # what the debtor bank knows from the last file
    assert mandate.amended_bank_changed
    assert mandate.bic == "BYLADEM1001"


def test_revocation_ends_the_mandate_and_switches_to_transfer() -> None:
    account, mandate = mandated_account()
    mandates.revoke(mandate, reason="Kunde zahlt künftig selbst", actor=None)
    mandate.refresh_from_db()
    assert mandate.status == SepaMandate.Status.REVOKED
    assert mandate.ended_on is not None
    account.refresh_from_db()
    assert account.payment_method == ContractAccount.PaymentMethod.TRANSFER
    with pytest.raises(ValidationError):
        mandates.revoke(mandate, reason="again", actor=None)


def test_mandates_unused_for_36_months_expire() -> None:
    _, never_used = mandated_account(signed_on=datetime.date(2023, 11, 28))
    _, used = mandated_account(signed_on=datetime.date(2020, 1, 1))
    SepaMandate.objects.filter(pk=used.pk).update(last_used_on=datetime.date(2024, 1, 15))
    _, young = mandated_account(signed_on=datetime.date(2023, 11, 29))
    assert mandates.expire_unused(datetime.date(2026, 11, 28)) == 1
    statuses = dict(SepaMandate.objects.values_list("pk", "status"))
    assert statuses[never_used.pk] == "expired"
    assert statuses[used.pk] == "active"
    assert statuses[young.pk] == "active"


def test_creditor_settings_check_the_creditor_id() -> None:
    good = Creditor(name="SW", creditor_id="de98zzz09999999999", iban=IBAN)
    good.full_clean()
    assert good.creditor_id == "DE98ZZZ09999999999"
    assert good.bic == "COBADEFFXXX"
    bad = Creditor(name="SW", creditor_id="DE99ZZZ09999999999", iban=IBAN)
    with pytest.raises(ValidationError) as raised:
        bad.full_clean()
    assert "creditor_id" in raised.value.message_dict


def test_the_daily_task_expires_old_mandates() -> None:
    from kc.payments.tasks import expire_unused_mandates

    mandated_account(signed_on=datetime.date(2020, 1, 1))
    assert expire_unused_mandates.call() == 1
    assert SepaMandate.objects.get().status == SepaMandate.Status.EXPIRED
