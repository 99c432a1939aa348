"""Direct-debit files: what goes in, XSD validity, release, regeneration, never twice."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from lxml import etree

from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.payments import collections, ledger, mandates
from kc.payments.models import DirectDebitFile, DirectDebitItem, LedgerDocument, SepaMandate
from kc.payments.sepa_xml import validate_file
from kc.payments.tests.factories import (
    IBAN_OTHER_BANK,
    OTHER_IBAN_SAME_BANK,
    creditor,
    mandated_account,
    receivable,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 28)  # a Saturday
COLLECT = datetime.date(2026, 12, 15)  # a Tuesday, TARGET2 open
NOTICE = datetime.date(2026, 11, 30)  # 15 days before
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}


def xpath(path: Path, query: str) -> list[str]:
    return [str(x) for x in etree.parse(str(path)).xpath(query, namespaces=NS)]


def export(tmp_path: Path, name: str = "ls.xml", day: datetime.date = COLLECT):  # type: ignore[no-untyped-def]
    return collections.export(day, tmp_path / name, today=TODAY)


def test_due_prenotified_items_with_mandate_go_into_a_valid_file(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    receivable(account, "12.50", due_on=datetime.date(2026, 12, 1), prenotified_on=NOTICE)
    receivable(account, "78.00", due_on=datetime.date(2027, 1, 15), prenotified_on=NOTICE)
    result = export(tmp_path)
    assert result.skipped == []
    file = result.file
    assert file is not None and file.status == DirectDebitFile.Status.DRAFT
    assert (file.count, file.total) == (2, Decimal("90.50"))
    validate_file(tmp_path / "ls.xml", "pain.008.001.08")
    assert xpath(tmp_path / "ls.xml", "//p:GrpHdr/p:CtrlSum/text()") == ["90.50"]
    assert xpath(tmp_path / "ls.xml", "//p:MndtId/text()") == [mandate.reference] * 2
    assert xpath(tmp_path / "ls.xml", "//p:ReqdColltnDt/text()") == ["2026-12-15"]
    assert xpath(tmp_path / "ls.xml", "//p:CdtrSchmeId//p:Othr/p:Id/text()") == [
        "DE98ZZZ09999999999"
    ]
    # A draft posts nothing: the items are still open.
    assert len(ledger.open_items(account)) == 3


def test_what_cannot_be_collected_is_reported_with_the_reason(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    receivable(account, "10.00", due_on=COLLECT)  # no pre-notification
    receivable(account, "11.00", due_on=COLLECT, prenotified_on=datetime.date(2026, 12, 5))
    no_mandate = ContractAccountFactory()
    receivable(no_mandate, "12.00", due_on=COLLECT, prenotified_on=NOTICE)
    transfer = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER)
    receivable(transfer, "13.00", due_on=COLLECT, prenotified_on=NOTICE)
    result = export(tmp_path)
    assert result.file is None
    reasons = sorted(s.reason for s in result.skipped)
    assert reasons == [
        "Vorabankündigung vom 05.12.2026 erreicht die Frist von 14 Tagen nicht",
        "kein aktives SEPA-Mandat",
        "keine Vorabankündigung",
    ]
    assert not (tmp_path / "ls.xml").exists()


def test_a_shorter_agreed_prenotification_is_honoured(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    SepaMandate.objects.filter(pk=mandate.pk).update(pre_notification_days=5)
    receivable(account, "11.00", due_on=COLLECT, prenotified_on=datetime.date(2026, 12, 9))
    assert export(tmp_path).file is not None


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (datetime.date(2026, 12, 25), "TARGET2"),
        (datetime.date(2026, 12, 19), "TARGET2"),
        (datetime.date(2026, 11, 27), "nach dem heutigen Tag"),
    ],
)
def test_collection_date_must_be_a_future_bank_day(
    tmp_path: Path, day: datetime.date, message: str
) -> None:
    creditor()
    with pytest.raises(collections.CollectionError, match=message):
        export(tmp_path, day=day)


def test_release_posts_each_item_once_and_a_new_export_finds_nothing(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    file = export(tmp_path).file
    assert collections.release(file, actor=None) == 1
    assert ledger.open_items(account) == []
    assert ledger.balance(account) == 0
    mandate.refresh_from_db()
    assert mandate.last_used_on == COLLECT
    collected = LedgerDocument.objects.get(kind=LedgerDocument.Kind.DIRECT_DEBIT)
    assert collected.lines.count() == 2
    with pytest.raises(collections.CollectionError):
        collections.release(file, actor=None)
    assert export(tmp_path, "again.xml").file is None


def test_regenerating_discards_the_draft_and_never_collects_twice(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    line = receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    first = export(tmp_path, "1.xml").file
    second = export(tmp_path, "2.xml").file
    first.refresh_from_db()
    assert first.status == DirectDebitFile.Status.DISCARDED
    assert not first.items.exists()
    collections.release(second, actor=None)
    with pytest.raises(collections.CollectionError):
        collections.release(first, actor=None)
    # The database refuses a second collection of the same receivable whatever the code does.
    other = DirectDebitFile.objects.create(
        message_id="X", collection_date=COLLECT, path="x", sha256="", count=1, total=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectDebitItem.objects.create(
            file=other,
            receivable=line,
            mandate=SepaMandate.objects.get(),
            end_to_end_id="X-1",
            amount=Decimal("78.00"),
            collected=LedgerDocument.objects.get(kind="direct_debit"),
        )


def test_a_changed_file_is_not_released(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    file = export(tmp_path).file
    path = tmp_path / "ls.xml"
    path.write_bytes(path.read_bytes().replace(b"78.00", b"87.00"))
    with pytest.raises(collections.CollectionError, match="verändert"):
        collections.release(file, actor=None)
    assert ledger.open_items(account)[0].open_amount == Decimal("78.00")


def test_the_file_carries_the_amendment_once(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    mandates.change_bank_account(mandate, iban=OTHER_IBAN_SAME_BANK, account_holder="", actor=None)
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    file = export(tmp_path).file
    path = tmp_path / "ls.xml"
    assert xpath(path, "//p:AmdmntInd/text()") == ["true"]
    assert xpath(path, "//p:OrgnlDbtrAcct//p:IBAN/text()") == ["DE89370400440532013000"]
    collections.release(file, actor=None)
    mandate.refresh_from_db()
    assert not mandate.has_pending_amendment
    receivable(account, "78.00", due_on=datetime.date(2027, 1, 15), prenotified_on=NOTICE)
    export(tmp_path, "next.xml", day=datetime.date(2027, 1, 15))
    assert xpath(tmp_path / "next.xml", "//p:AmdmntInd/text()") in ([], ["false"])


def test_a_move_to_another_bank_is_announced_as_smnda(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    mandates.change_bank_account(mandate, iban=IBAN_OTHER_BANK, account_holder="", actor=None)
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    export(tmp_path)
    assert xpath(tmp_path / "ls.xml", "//p:OrgnlDbtrAgt//p:Id/text()") == ["SMNDA"]


def test_disputed_or_already_paid_items_are_not_collected(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    paid = receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    payment = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.PAYMENT,
        source="bank:paid",
        text="Überweisung",
        entries=[ledger.Entry(amount=Decimal("-50.00"), text="Überweisung")],
        offset="bank",
    )
    ledger.settle_account(account, payment)
    result = export(tmp_path)
    assert result.file is not None
    items = list(result.file.items.all())
    assert [(i.receivable_id, i.amount) for i in items] == [(paid.pk, Decimal("28.00"))]


def test_sepa_export_command_writes_and_releases(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    receivable(account, "78.00", due_on=datetime.date(2027, 1, 15), prenotified_on=NOTICE)
    out = tmp_path / "cmd.xml"
    call_command("sepa_export", "--collection-date", "2027-01-15", "--out", str(out), "--release")
    assert out.exists()
    assert DirectDebitFile.objects.get().status == DirectDebitFile.Status.RELEASED
    with pytest.raises(CommandError):
        call_command("sepa_export", "--collection-date", "2027-01-16", "--out", str(out))


def test_a_mandate_changed_after_the_export_stops_the_release(tmp_path: Path) -> None:
    creditor()
    account, mandate = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    file = export(tmp_path).file
    mandates.change_bank_account(mandate, iban=IBAN_OTHER_BANK, account_holder="", actor=None)
    with pytest.raises(collections.CollectionError, match="neu erstellen"):
        collections.release(file, actor=None)
    file = export(tmp_path, "again.xml").file  # made again: carries the amendment
    assert xpath(tmp_path / "again.xml", "//p:OrgnlDbtrAgt//p:Id/text()") == ["SMNDA"]
    mandates.revoke(mandate, reason="Widerruf", actor=None)
    with pytest.raises(collections.CollectionError, match="neu erstellen"):
        collections.release(file, actor=None)


def test_an_item_paid_by_transfer_after_the_export_leaves_the_debit_as_credit(
    tmp_path: Path,
) -> None:
    creditor()
    account, _ = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    file = export(tmp_path).file
    transfer = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.PAYMENT,
        source="bank:meanwhile",
        text="Überweisung",
        entries=[ledger.Entry(amount=Decimal("-78.00"), text="Überweisung")],
        offset="bank",
    )
    ledger.settle_account(account, transfer)
    collections.release(file, actor=None)
    assert ledger.open_items(account) == []
    assert [c.open_amount for c in ledger.open_credits(account)] == [Decimal("-78.00")]
    assert ledger.balance(account) == Decimal("-78.00")
