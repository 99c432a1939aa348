"""Demo payments for `make run`: the creditor, a mandate for every direct-debit account, and the
2025 bills of the first demo accounts invoiced (with their Abschläge), so the customer page,
the ledger and the direct-debit export have something to show."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from kc.billing import invoices, services
from kc.billing.models import BillingDocument
from kc.customers.models import ContractAccount
from kc.payments import ledger
from kc.payments.models import Creditor, LedgerDocument, LedgerLine, SepaMandate
from kc.supply.models import Contract

CREDITOR = {
    "name": "Stadtwerke Musterstadt GmbH",
    "creditor_id": "DE98ZZZ09999999999",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
    "return_fee": Decimal("3.00"),
}
BILLED_UNTIL = datetime.date(2025, 12, 31)
ISSUED = datetime.date(2026, 1, 20)


class Command(BaseCommand):
    help = "Gläubigerdaten, Demo-Mandate und Demo-Rechnungen anlegen; wiederholbar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invoiced-accounts", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        creditor = Creditor.objects.first() or Creditor.objects.create(**CREDITOR)
        mandates = self._mandates(creditor)
        if LedgerDocument.objects.exists():
            self.stdout.write(f"seed_demo_payments: {mandates} mandates; ledger exists, no bills")
            return
        invoiced = 0
        accounts = ContractAccount.objects.filter(contracts__isnull=False).distinct().order_by("pk")
        for account in accounts[: options["invoiced_accounts"]]:
            if self._bill_and_invoice(account):
                invoiced += 1
        self.stdout.write(f"seed_demo_payments: {mandates} mandates, {invoiced} invoices")

    def _mandates(self, creditor: Creditor) -> int:
        accounts = ContractAccount.objects.filter(
            payment_method=ContractAccount.PaymentMethod.DIRECT_DEBIT
        ).exclude(mandates__status=SepaMandate.Status.ACTIVE)
        created = SepaMandate.objects.bulk_create(
            SepaMandate(
                account=account,
                creditor=creditor,
                reference=f"KC-{account.number}-001",
                scheme=SepaMandate.Scheme.CORE,
                iban=account.iban,
                bic=account.bic,
                account_holder=account.account_holder[:70] or account.number,
                signed_on=account.created_at.date().replace(year=2024),
                origin=SepaMandate.Origin.PAPER,
                last_used_on=datetime.date(2025, 12, 15),
            )
            for account in accounts.iterator()
        )
        return len(created)

    @transaction.atomic
    def _bill_and_invoice(self, account: ContractAccount) -> bool:
        """The 2025 bill with eleven Abschläge, ten of them paid, then one invoice."""
        contracts = list(Contract.objects.filter(account=account, end_date__isnull=True))
        bills: list[BillingDocument] = []
        for contract in contracts:
            try:
                bills.extend(services.bill_contract(contract, until=BILLED_UNTIL))
            except ValueError:
                continue  # demo data with a deliberate problem: left for the billing run
        bills = [bill for bill in bills if bill.period_start.year == 2025]
        if not bills:
            return False
        for bill in bills:
            monthly = (bill.gross_total / 12).quantize(Decimal("1"))
            self._abschlaege(account, bill.contract_id, monthly)
        invoices.invoice_account(account, issue_date=ISSUED, documents=bills)
        return True

    def _abschlaege(self, account: ContractAccount, contract_id: int, monthly: Decimal) -> None:
        dates = [datetime.date(2025, month, 15) for month in range(2, 13)]
        ledger.post(
            account=account,
            kind=LedgerDocument.Kind.INSTALMENT,
            source=f"demo-plan:{contract_id}",
            text="Abschlagsplan 2025",
            entries=[
                ledger.Entry(
                    amount=monthly,
                    text=f"Abschlag {day:%m/%Y}",
                    due_on=day,
                    contract_id=contract_id,
                    prenotified_on=datetime.date(2025, 1, 20),
                )
                for day in dates
            ],
            offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
            booking_date=datetime.date(2025, 1, 20),
        )
        payment = ledger.post(
            account=account,
            kind=LedgerDocument.Kind.PAYMENT,
            source=f"demo-payments:{contract_id}",
            text="Abschlagszahlungen 2025",
            entries=[ledger.Entry(amount=-monthly * 10, text="Abschläge 02–11/2025")],
            offset=LedgerLine.Offset.BANK,
            booking_date=datetime.date(2025, 11, 15),
        )
        ledger.settle_account(account, payment)
