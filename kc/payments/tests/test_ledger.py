"""The open-items ledger: balanced, immutable postings; settlement and reversal."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Sum

from kc.customers.tests.factories import ContractAccountFactory
from kc.payments import ledger
from kc.payments.models import Clearing, ImmutableError, LedgerDocument, LedgerLine
from kc.payments.tests.factories import receivable

pytestmark = pytest.mark.django_db
D = Decimal
JAN = datetime.date(2026, 1, 15)
FEB = datetime.date(2026, 2, 15)


def pay(account, amount: str, source: str) -> LedgerDocument:  # type: ignore[no-untyped-def]
    document = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.PAYMENT,
        source=source,
        text="Überweisung",
        entries=[ledger.Entry(amount=-D(amount), text="Überweisung")],
        offset=LedgerLine.Offset.BANK,
    )
    ledger.settle_account(account, document)
    return document


def test_every_document_is_balanced_and_numbered() -> None:
    account = ContractAccountFactory()
    receivable(account, "50.00", due_on=JAN)
    pay(account, "20.00", "bank:1")
    for document in LedgerDocument.objects.all():
        assert document.lines.aggregate(total=Sum("amount"))["total"] == 0
        assert document.number.startswith("BU")
    assert ledger.balance(account) == D("30.00")


def test_payment_settles_oldest_due_first_and_keeps_the_rest_as_credit() -> None:
    account = ContractAccountFactory()
    jan = receivable(account, "50.00", due_on=JAN)
    feb = receivable(account, "50.00", due_on=FEB)
    pay(account, "70.00", "bank:1")
    items = {item.line.pk: item.open_amount for item in ledger.open_items(account)}
    assert jan.pk not in items
    assert items[feb.pk] == D("30.00")
    pay(account, "40.00", "bank:2")
    assert ledger.open_items(account) == []
    assert [c.open_amount for c in ledger.open_credits(account)] == [D("-10.00")]
    assert ledger.balance(account) == D("-10.00")


def test_same_source_posts_once() -> None:
    account = ContractAccountFactory()
    first = pay(account, "10.00", "bank:same")
    again = pay(account, "10.00", "bank:same")
    assert first.pk == again.pk
    assert ledger.balance(account) == D("-10.00")


@pytest.mark.parametrize("amount", ["0.00", "1.005"])
def test_amounts_must_be_whole_cents_and_not_zero(amount: str) -> None:
    account = ContractAccountFactory()
    with pytest.raises(ledger.LedgerError):
        ledger.post(
            account=account,
            kind=LedgerDocument.Kind.FEE,
            source="x",
            text="x",
            entries=[ledger.Entry(amount=D(amount), text="x")],
            offset=LedgerLine.Offset.FEES,
        )
    assert not LedgerDocument.objects.exists()


def test_offset_cannot_be_the_customer() -> None:
    with pytest.raises(ledger.LedgerError):
        ledger.post(
            account=ContractAccountFactory(),
            kind=LedgerDocument.Kind.FEE,
            source="x",
            text="x",
            entries=[ledger.Entry(amount=D("1.00"), text="x")],
            offset=LedgerLine.Offset.CUSTOMER,
        )


def test_postings_cannot_be_changed_or_deleted() -> None:
    account = ContractAccountFactory()
    line = receivable(account, "50.00", due_on=JAN)
    line.amount = D("5.00")
    with pytest.raises(ImmutableError):
        line.save()
    with pytest.raises(ImmutableError):
        line.document.delete()


def test_the_database_refuses_updates_of_postings() -> None:
    account = ContractAccountFactory()
    line = receivable(account, "50.00", due_on=JAN)
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        LedgerLine.objects.filter(pk=line.pk).update(amount=D("1.00"))
    assert "immutable" in str(raised.value)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            Clearing.objects.all().delete()
            LedgerDocument.objects.filter(pk=line.document_id).delete()


def test_reversal_mirrors_and_reopens_what_the_payment_settled() -> None:
    account = ContractAccountFactory()
    jan = receivable(account, "50.00", due_on=JAN)
    payment = pay(account, "50.00", "bank:1")
    assert ledger.open_items(account) == []
    mirror = ledger.reverse(payment, text="Fehlbuchung")
    assert mirror.reverses == payment
    assert mirror.lines.aggregate(total=Sum("amount"))["total"] == 0
    assert [(i.line.pk, i.open_amount) for i in ledger.open_items(account)] == [
        (jan.pk, D("50.00"))
    ]
    assert ledger.open_credits(account) == []
    assert ledger.balance(account) == D("50.00")
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(payment, text="nochmal")


def test_due_balance_counts_only_what_is_due() -> None:
    account = ContractAccountFactory()
    receivable(account, "50.00", due_on=JAN)
    receivable(account, "50.00", due_on=FEB)
    pay(account, "10.00", "bank:1")
    assert ledger.due_balance(account, on=JAN) == D("40.00")
    assert ledger.due_balance(account, on=FEB) == D("90.00")


@pytest.mark.parametrize("seed", range(6))
def test_due_balance_in_sql_equals_the_open_items_it_sums(seed: int) -> None:
    """The SQL aggregate against the item-by-item definition, over random histories with
    partial payments, settlements, a reversal and credits left over."""
    import random

    rng = random.Random(seed)
    account = ContractAccountFactory()
    days = [JAN + datetime.timedelta(days=30 * n) for n in range(6)]
    for n, day in enumerate(days):
        receivable(account, f"{rng.randint(1, 150)}.{rng.randint(0, 99):02d}", due_on=day)
        if rng.random() < 0.7:
            payment = pay(account, f"{rng.randint(1, 200)}.{rng.randint(0, 99):02d}", f"b:{n}")
            if rng.random() < 0.2:
                ledger.reverse(payment, text="Rücklastschrift")
    for day in [JAN - datetime.timedelta(days=1), *days, days[-1] + datetime.timedelta(days=9)]:
        items = sum((i.open_amount for i in ledger.open_items(account, due_until=day)), D(0))
        credits = sum((i.open_amount for i in ledger.open_credits(account)), D(0))
        assert ledger.due_balance(account, on=day) == items + credits, day


def test_one_document_per_source_and_kind_in_the_database() -> None:
    account = ContractAccountFactory()
    receivable(account, "5.00", due_on=JAN, source="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerDocument.objects.create(
            number="X1",
            kind=LedgerDocument.Kind.INSTALMENT,
            account=account,
            booking_date=JAN,
            text="x",
            source="dup",
        )


def test_a_dispute_may_change_but_the_posting_may_not() -> None:
    account = ContractAccountFactory()
    line = receivable(account, "50.00", due_on=JAN)
    ledger.set_disputed(line, disputed=True, reason="Zählerstand falsch", actor=None)
    assert LedgerLine.objects.get(pk=line.pk).disputed
    with pytest.raises(ledger.LedgerError):
        ledger.set_disputed(line, disputed=False, reason=" ", actor=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerLine.objects.filter(pk=line.pk).update(due_on=FEB)
