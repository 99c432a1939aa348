"""Payouts: requested, in an XSD-valid pain.001 file, posted on release; never more than the
credit that is still there."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.payments import ledger, payouts
from kc.payments.models import LedgerDocument, LedgerLine, Payout
from kc.payments.sepa_xml import validate_file
from kc.payments.tests.factories import creditor, receivable

pytestmark = pytest.mark.django_db
EXECUTE = datetime.date(2026, 12, 15)


def credit(account: ContractAccount, amount: str) -> None:
    document = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.CREDIT_NOTE,
        source=f"test-credit:{account.pk}",
        text="Gutschrift",
        entries=[ledger.Entry(amount=-Decimal(amount), text="Gutschrift")],
        offset=LedgerLine.Offset.REVENUE,
    )
    ledger.settle_account(account, document)


def test_a_credit_balance_is_paid_out_and_settled(tmp_path: Path) -> None:
    creditor()
    account = ContractAccountFactory()
    credit(account, "100.00")
    (payout,) = payouts.refund_credit_balances(datetime.date(2026, 11, 28))
    assert payouts.refund_credit_balances(datetime.date(2026, 11, 28)) == []  # requested once
    file = payouts.export(EXECUTE, tmp_path / "ue.xml", today=datetime.date(2026, 11, 28))
    assert file is not None
    validate_file(tmp_path / "ue.xml", "pain.001.001.09")
    assert payouts.release(file, actor=None) == 1
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert ledger.balance(account) == 0 and ledger.open_credits(account) == []


def test_a_credit_used_meanwhile_is_not_paid_out(tmp_path: Path) -> None:
    creditor()
    account = ContractAccountFactory()
    credit(account, "100.00")
    (payout,) = payouts.refund_credit_balances(datetime.date(2026, 11, 28))
    file = payouts.export(EXECUTE, tmp_path / "ue.xml", today=datetime.date(2026, 11, 28))
    assert file is not None
    receivable(account, "100.00", due_on=datetime.date(2026, 12, 1))
    ledger.settle_account(account, LedgerDocument.objects.filter(kind="credit_note").get())
    assert payouts.release(file, actor=None) == 0
    payout.refresh_from_db()
    assert payout.status == Payout.Status.CANCELLED
    assert ledger.balance(account) == 0
