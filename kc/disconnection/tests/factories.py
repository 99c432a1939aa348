"""A household customer with a power contract, an Abschlag plan and overdue claims."""

import datetime
from decimal import Decimal

from kc.billing.models import BudgetBillingPlan
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory, PostalAddressFactory
from kc.payments import ledger
from kc.payments.models import LedgerDocument, LedgerLine
from kc.supply.models import Contract


def household_contract(*, monthly: str = "100.00") -> Contract:
    account = ContractAccountFactory(payment_method=ContractAccount.PaymentMethod.TRANSFER)
    PostalAddressFactory(partner=account.partner)
    tariff = priced_tariff("strom-grund", "Strom Grundversorgung")
    contract, _ = metered_contract(tariff=tariff, start=datetime.date(2024, 1, 1), account=account)
    BudgetBillingPlan.objects.create(
        contract=contract,
        status=BudgetBillingPlan.Status.ACTIVE,
        instalment=Decimal(monthly),
        reason="Test",
    )
    return contract


def claim(
    contract: Contract, amount: str, due_on: datetime.date, *, disputed: bool = False
) -> LedgerLine:
    document = ledger.post(
        account=contract.account,
        kind=LedgerDocument.Kind.INSTALMENT,
        source=f"test-claim:{contract.pk}:{due_on}",
        text=f"Abschlag {due_on:%m/%Y}",
        entries=[
            ledger.Entry(
                amount=Decimal(amount),
                text=f"Abschlag {due_on:%m/%Y}",
                due_on=due_on,
                contract_id=contract.pk,
            )
        ],
        offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
    )
    line = ledger.customer_lines(document).get()
    if disputed:
        ledger.set_disputed(line, disputed=True, reason="Kunde bestreitet", actor=None)
    return line


def pay(contract: Contract, amount: str, source: str) -> None:
    document = ledger.post(
        account=contract.account,
        kind=LedgerDocument.Kind.PAYMENT,
        source=source,
        text="Überweisung",
        entries=[ledger.Entry(amount=-Decimal(amount), text="Überweisung")],
        offset=LedgerLine.Offset.BANK,
    )
    ledger.settle_account(contract.account, document)
