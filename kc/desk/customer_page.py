"""The read model of the customer 360° page: one partner with everything around it."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kc.billing.models import BillingDocument
from kc.cases.models import Case
from kc.cases.selectors import cases_of_partner
from kc.customers.models import BusinessPartner, ContractAccount, PostalAddress
from kc.disconnection.models import DisconnectionCase
from kc.disconnection.selectors import open_cases_of_accounts
from kc.letters.models import Letter
from kc.letters.selectors import letters_for_partner
from kc.payments.selectors import AccountPayments, account_payments, with_payments
from kc.supply.models import Contract, Meter, MeterReading, Register

READINGS_SHOWN = 6


@dataclass
class ContractView:
    contract: Contract
    meters: list[Meter] = field(default_factory=list)
    documents: list[BillingDocument] = field(default_factory=list)  # newest first


@dataclass
class AccountView:
    account: ContractAccount
    contracts: list[ContractView] = field(default_factory=list)
    payments: AccountPayments | None = None
    disconnections: list[DisconnectionCase] = field(default_factory=list)  # open ones


@dataclass
class CustomerOverview:
    partner: BusinessPartner
    addresses: list[PostalAddress]
    accounts: list[AccountView]
    cases: list[Case]
    letters: list[Letter]

    @property
    def contract_count(self) -> int:
        return sum(len(a.contracts) for a in self.accounts)


def load_customer_overview(partner_id: int) -> CustomerOverview:
    """A fixed number of queries however many contracts the customer has."""
    partner = get_object_or_404(
        BusinessPartner.objects.prefetch_related("addresses", "consents"), pk=partner_id
    )
    readings = MeterReading.objects.order_by("-read_on", "-id")
    meters = Meter.objects.order_by("-installed_on").prefetch_related(
        Prefetch(
            "registers",
            queryset=Register.objects.prefetch_related(Prefetch("readings", queryset=readings)),
        ),
    )
    contracts = (
        Contract.objects.select_related("market_location__premise", "tariff")
        .prefetch_related(
            Prefetch("market_location__meters", queryset=meters),
            Prefetch(
                "billing_documents",
                queryset=BillingDocument.objects.order_by("-period_end", "-pk"),
            ),
        )
        .order_by("-end_date", "division", "number")
    )
    # Balance, open items and active mandate of every account: two queries in all.
    accounts = list(
        with_payments(
            ContractAccount.objects.filter(partner=partner)
            .prefetch_related(Prefetch("contracts", queryset=contracts))
            .order_by("number")
        )
    )
    # Open disconnection cases of every account: one query in all.
    disconnections = open_cases_of_accounts(accounts)
    today = timezone.localdate()
    return CustomerOverview(
        partner=partner,
        addresses=list(partner.addresses.all()),
        accounts=[
            AccountView(
                account=account,
                contracts=[
                    ContractView(
                        contract=c,
                        meters=list(c.market_location.meters.all()),
                        documents=list(c.billing_documents.all()),
                    )
                    for c in account.contracts.all()
                ],
                payments=account_payments(account, today=today),
                disconnections=disconnections[account.pk],
            )
            for account in accounts
        ],
        cases=cases_of_partner(partner.pk),
        letters=letters_for_partner(partner.pk),
    )
