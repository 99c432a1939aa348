"""Bank files into the ledger: returns, rejects, incoming transfers, idempotency, bad files."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kc.cases.models import Case, Message
from kc.cases.tests.factories import QueueFactory
from kc.customers.tests.factories import ContractAccountFactory
from kc.payments import bank_import, collections, ledger
from kc.payments.models import (
    BankImport,
    BankTransaction,
    DirectDebitItem,
    LedgerDocument,
    SepaMandate,
)
from kc.payments.tests.bankfile_samples import Tx, TxStatus, camt053, camt054, pain002
from kc.payments.tests.factories import creditor, mandated_account, receivable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queue() -> None:
    QueueFactory(is_default=True)


D = Decimal
TODAY = datetime.date(2026, 11, 28)
COLLECT = datetime.date(2026, 12, 15)
NOTICE = datetime.date(2026, 11, 30)
Outcome = BankTransaction.Outcome


def collected(tmp_path: Path, amount: str = "78.00") -> DirectDebitItem:
    creditor()
    account, _ = mandated_account()
    receivable(account, amount, due_on=COLLECT, prenotified_on=NOTICE)
    result = collections.export(COLLECT, tmp_path / "ls.xml", today=TODAY)
    assert result.file is not None
    collections.release(result.file, actor=None)
    return DirectDebitItem.objects.select_related("receivable__account").get()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_return_reopens_the_item_posts_the_fee_opens_a_case_and_blocks_when_told(
    tmp_path: Path,
) -> None:
    item = collected(tmp_path)
    account = item.receivable.account
    path = write(
        tmp_path,
        "r.xml",
        camt054(
            [
                Tx(
                    7800,
                    "debit",
                    kind="direct_debit",
                    end_to_end_id=item.end_to_end_id,
                    return_reason="AC04",
                    return_fee_cents=350,
                )
            ]
        ),
    )
    report = bank_import.import_file(path)
    assert report.bank_import.returns == 1
    open_items = ledger.open_items(account)
    assert sorted(i.open_amount for i in open_items) == [D("3.50"), D("78.00")]
    assert ledger.balance(account) == D("81.50")
    assert LedgerDocument.objects.filter(kind="fee").count() == 1
    tx = BankTransaction.objects.get()
    assert tx.outcome == Outcome.RETURN
    case = Case.objects.get(number=tx.case_number)
    assert case.case_type == "payment"
    note = Message.objects.get(case=case, kind="note").body_text
    assert "AC04" in note and "gesperrt" in note
    assert SepaMandate.objects.get().status == SepaMandate.Status.BLOCKED
    # The next file leaves the account out: no active mandate.
    result = collections.export(datetime.date(2026, 12, 16), tmp_path / "2.xml", today=TODAY)
    assert result.file is None


def test_insufficient_funds_keeps_the_mandate_and_charges_the_configured_fee(
    tmp_path: Path,
) -> None:
    item = collected(tmp_path)
    path = write(
        tmp_path,
        "r.xml",
        camt054(
            [
                Tx(
                    7800,
                    "debit",
                    kind="direct_debit",
                    end_to_end_id=item.end_to_end_id,
                    return_reason="AM04",
                )
            ]
        ),
    )
    bank_import.import_file(path)
    assert SepaMandate.objects.get().status == SepaMandate.Status.ACTIVE
    assert ledger.balance(item.receivable.account) == D("81.00")  # 78 + creditor fee 3.00


def test_a_refund_request_md06_costs_no_fee(tmp_path: Path) -> None:
    item = collected(tmp_path)
    path = write(
        tmp_path,
        "r.xml",
        camt054(
            [
                Tx(
                    7800,
                    "debit",
                    kind="direct_debit",
                    end_to_end_id=item.end_to_end_id,
                    return_reason="MD06",
                )
            ]
        ),
    )
    bank_import.import_file(path)
    assert ledger.balance(item.receivable.account) == D("78.00")


def test_the_same_file_twice_and_the_statement_after_the_notification_change_nothing(
    tmp_path: Path,
) -> None:
    item = collected(tmp_path)
    tx = Tx(
        7800,
        "debit",
        kind="direct_debit",
        end_to_end_id=item.end_to_end_id,
        return_reason="AM04",
        tx_ref="BANKREF-RETURN-1",
    )
    first = write(tmp_path, "n.xml", camt054([tx]))
    bank_import.import_file(first)
    again = bank_import.import_file(first)
    assert again.already_imported
    statement = write(tmp_path, "s.xml", camt053([tx]))
    report = bank_import.import_file(statement)
    assert report.bank_import.skipped == 1
    assert ledger.balance(item.receivable.account) == D("81.00")
    assert LedgerDocument.objects.filter(kind="return").count() == 1
    assert Case.objects.count() == 1


def test_a_pain002_reject_reverses_the_collection_without_fee(tmp_path: Path) -> None:
    item = collected(tmp_path)
    path = write(tmp_path, "p.xml", pain002([TxStatus(item.end_to_end_id, 7800, reason="AC01")]))
    report = bank_import.import_file(path)
    assert report.bank_import.returns == 1
    assert BankTransaction.objects.get().outcome == Outcome.REJECT
    assert ledger.balance(item.receivable.account) == D("78.00")
    assert SepaMandate.objects.get().status == SepaMandate.Status.BLOCKED


def test_a_rejected_file_reverses_all_its_items(tmp_path: Path) -> None:
    item = collected(tmp_path)
    path = write(
        tmp_path,
        "p.xml",
        pain002(
            group_status="RJCT",
            group_reason="FF01",
            original_message_id=item.file.message_id,
            original_control_sum_cents=7800,
        ),
    )
    bank_import.import_file(path)
    assert ledger.balance(item.receivable.account) == D("78.00")
    assert SepaMandate.objects.get().status == SepaMandate.Status.ACTIVE


def test_an_unknown_return_waits_for_a_person(tmp_path: Path) -> None:
    creditor()
    path = write(
        tmp_path,
        "r.xml",
        camt054(
            [Tx(7800, "debit", kind="direct_debit", end_to_end_id="KC9-9", return_reason="AM04")]
        ),
    )
    bank_import.import_file(path)
    tx = BankTransaction.objects.get()
    assert tx.outcome == Outcome.UNMATCHED
    assert not LedgerDocument.objects.exists()


def test_transfers_are_matched_by_invoice_reference_account_number_or_amount_and_name(
    tmp_path: Path,
) -> None:
    by_ref = ContractAccountFactory()
    receivable(by_ref, "119.00", due_on=COLLECT, reference="R00000042")
    by_number = ContractAccountFactory()
    receivable(by_number, "50.00", due_on=COLLECT)
    by_name = ContractAccountFactory(partner__first_name="Erika", partner__last_name="Mustermann")
    receivable(by_name, "64.20", due_on=COLLECT)
    nobody = ContractAccountFactory()
    receivable(nobody, "10.00", due_on=COLLECT)
    path = write(
        tmp_path,
        "s.xml",
        camt053(
            [
                Tx(11900, remittance="Rechnung R00000042", counterparty_name="Hans Meier"),
                Tx(5000, remittance=f"VK {by_number.number} Abschlag", counterparty_name="X Y"),
                Tx(6420, remittance="Strom", counterparty_name="MUSTERMANN, ERIKA"),
                Tx(999, remittance="Spende", counterparty_name="Unbekannt"),
            ]
        ),
    )
    report = bank_import.import_file(path).bank_import
    assert (report.matched, report.unmatched) == (3, 1)
    assert ledger.balance(by_ref) == 0
    assert ledger.balance(by_number) == 0
    assert ledger.balance(by_name) == 0
    assert ledger.balance(nobody) == D("10.00")
    unmatched = BankTransaction.objects.get(outcome=Outcome.UNMATCHED)
    assert unmatched.amount == D("9.99")


def test_an_agent_assigns_an_unmatched_transfer(tmp_path: Path, agent) -> None:  # type: ignore[no-untyped-def]
    account = ContractAccountFactory()
    receivable(account, "10.00", due_on=COLLECT)
    path = write(tmp_path, "s.xml", camt053([Tx(1000, remittance="?", counterparty_name="Q")]))
    bank_import.import_file(path)
    tx = BankTransaction.objects.get()
    bank_import.assign(tx, account, actor=agent)
    assert ledger.balance(account) == 0
    tx.refresh_from_db()
    assert tx.outcome == Outcome.ASSIGNED
    with pytest.raises(ledger.LedgerError):
        bank_import.assign(tx, account, actor=agent)


def test_a_truncated_file_posts_nothing(tmp_path: Path) -> None:
    creditor()
    data = camt053([Tx(1000, remittance="R1"), Tx(2000, remittance="R2")])
    path = write(tmp_path, "t.xml", data[: len(data) // 2])
    with pytest.raises(CommandError, match="nichts gebucht"):
        call_command("import_bank", str(path))
    assert not BankImport.objects.exists()
    assert not BankTransaction.objects.exists()


def test_pending_entries_are_not_posted(tmp_path: Path) -> None:
    account = ContractAccountFactory()
    receivable(account, "10.00", due_on=COLLECT)
    path = write(
        tmp_path,
        "s.xml",
        camt054([Tx(1000, remittance=f"VK {account.number}", status="PDNG")]),
    )
    bank_import.import_file(path)
    assert not BankTransaction.objects.exists()
    assert ledger.balance(account) == D("10.00")


def test_a_return_before_the_file_is_released_goes_to_a_person(tmp_path: Path) -> None:
    creditor()
    account, _ = mandated_account()
    receivable(account, "78.00", due_on=COLLECT, prenotified_on=NOTICE)
    result = collections.export(COLLECT, tmp_path / "ls.xml", today=TODAY)
    assert result.file is not None
    item = DirectDebitItem.objects.get()
    path = write(tmp_path, "p.xml", pain002([TxStatus(item.end_to_end_id, 7800, reason="AC01")]))
    bank_import.import_file(path)
    tx = BankTransaction.objects.get()
    assert tx.outcome == Outcome.UNMATCHED and "nicht freigegeben" in tx.note
    assert not LedgerDocument.objects.filter(kind="return").exists()
