"""Customers with a portal login, and the invoice they sign up with."""

import datetime
from decimal import Decimal

from django.utils import timezone

from kc.billing import invoices, services
from kc.billing.models import Invoice
from kc.billing.tests.factories import metered_contract, priced_tariff
from kc.core.models import User
from kc.customers.models import BusinessPartner, ContractAccount
from kc.customers.tests.factories import (
    BusinessPartnerFactory,
    ContractAccountFactory,
    PostalAddressFactory,
)
from kc.letters.models import Letterhead
from kc.letters.tests.factories import LetterheadFactory
from kc.portal.models import PortalAccount
from kc.supply.models import Contract, MeterReading
from kc.supply.tests.factories import MeterReadingFactory

PASSWORD = "Sonnenblume-Kanal-2026"
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def customer(**fields: object) -> BusinessPartner:
    partner = BusinessPartnerFactory(**fields)
    PostalAddressFactory(partner=partner, postal_code="42651")
    return partner


def invoiced_account(partner: BusinessPartner) -> tuple[ContractAccount, Contract, Invoice]:
    """An account with one power contract billed for 2025 and invoiced in January 2026."""
    if not Letterhead.objects.exists():
        LetterheadFactory()  # without one, letters are held and have no PDF
    account = ContractAccountFactory(partner=partner)
    tariff = priced_tariff("strom", "Strom Basis")
    contract, register = metered_contract(tariff=tariff, start=START, account=account)
    MeterReadingFactory(
        register=register,
        read_on=END,
        value=Decimal("4500"),
        source=MeterReading.Source.CUSTOMER,
    )
    services.bill_contract(contract, until=END)
    invoice = invoices.invoice_account(
        account, issue_date=datetime.date(2026, 1, 20), next_plans=False
    )
    return account, contract, invoice


def portal_login(partner: BusinessPartner, *, email: str = "", verified: bool = True) -> User:
    user = User.objects.create_user(
        username=f"kunde-{partner.number}",
        email=email or f"portal-{partner.number}@example.org",
        password=PASSWORD,
        is_customer=True,
    )
    PortalAccount.objects.create(
        user=user,
        partner=partner,
        signup_method=PortalAccount.Method.INVOICE,
        email_verified_at=timezone.now() if verified else None,
    )
    return user
