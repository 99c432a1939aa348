import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kc.billing.models import Invoice
from kc.customers.models import ContractAccount
from kc.desk.demo import generate
from kc.payments import ledger
from kc.payments.models import Creditor, LedgerLine, SepaMandate


@pytest.mark.django_db
def test_demo_creditor_mandates_and_invoices() -> None:
    generate(12, seed=3)
    call_command("seed_demo_payments", "--invoiced-accounts", "4", stdout=StringIO())
    assert Creditor.objects.get().creditor_id == "DE98ZZZ09999999999"
    direct_debit = ContractAccount.objects.filter(payment_method="direct_debit").count()
    assert SepaMandate.objects.filter(status="active").count() == direct_debit > 0
    invoices = list(Invoice.objects.all())
    assert 0 < len(invoices) <= 4
    for invoice in invoices:
        # Ten of eleven Abschläge were paid: the invoice is netted against them; the new
        # plan's claims for 2026 follow it.
        assert invoice.instalments > 0
        new_claims = LedgerLine.objects.filter(
            account=invoice.account, side="customer", due_on__gt=datetime.date(2026, 1, 1)
        ).exclude(document=invoice.ledger_document)
        expected = invoice.result + sum((line.amount for line in new_claims), Decimal(0))
        assert ledger.balance(invoice.account) == expected
    call_command("seed_demo_payments", stdout=StringIO())  # a second run adds nothing
    assert Invoice.objects.count() == len(invoices)
    assert SepaMandate.objects.count() == direct_debit
