"""The creditor, accounts with mandates and posted receivables, as the payment tests need."""

import datetime
from decimal import Decimal

from kc.customers.models import ContractAccount
from kc.customers.tests.factories import ContractAccountFactory
from kc.payments import ledger
from kc.payments.models import Creditor, LedgerDocument, LedgerLine, SepaMandate

# Valid test IBANs (check digits and German account check methods hold).
IBAN = "DE89370400440532013000"
OTHER_IBAN_SAME_BANK = "DE62370400440532013001"
IBAN_OTHER_BANK = "DE02120300000000202051"


def creditor(**fields: object) -> Creditor:
    values: dict[str, object] = {
        "name": "Stadtwerke Musterstadt GmbH",
        "creditor_id": "DE98ZZZ09999999999",
        "iban": "DE02100500000024290661",
        "bic": "BELADEBEXXX",
        "return_fee": Decimal("3.00"),
    }
    return Creditor.objects.create(**(values | fields))


def mandated_account(
    *, signed_on: datetime.date = datetime.date(2025, 1, 10), **fields: object
) -> tuple[ContractAccount, SepaMandate]:
    """A direct-debit account with an active mandate (no confirmation letter)."""
    account = ContractAccountFactory(**fields)
    mandate = SepaMandate.objects.create(
        account=account,
        creditor=Creditor.objects.first() or creditor(),
        reference=f"KC-{account.number}-001",
        scheme=SepaMandate.Scheme.CORE,
        iban=account.iban,
        bic=account.bic,
        account_holder=account.account_holder,
        signed_on=signed_on,
        origin=SepaMandate.Origin.PAPER,
    )
    return account, mandate


def receivable(
    account: ContractAccount,
    amount: str,
    *,
    due_on: datetime.date,
    prenotified_on: datetime.date | None = None,
    reference: str = "",
    source: str = "",
) -> LedgerLine:
    """One instalment-like receivable posted against revenue."""
    document = ledger.post(
        account=account,
        kind=LedgerDocument.Kind.INSTALMENT,
        source=source or f"test:{account.number}:{due_on}:{amount}",
        text="Abschlag",
        reference=reference,
        entries=[
            ledger.Entry(
                amount=Decimal(amount),
                text=f"Abschlag {due_on:%m/%Y}",
                due_on=due_on,
                prenotified_on=prenotified_on,
            )
        ],
        offset=LedgerLine.Offset.INSTALMENT_CLAIMS,
    )
    return ledger.customer_lines(document).get()
