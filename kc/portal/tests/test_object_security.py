"""Object-level security: every portal URL, called by one customer with another customer's
ids, answers 404 (or refuses the method) and neither shows nor changes the other's data.

The walk is over the URL resolver, so a new portal page is covered the day it is added: an
id kwarg this test does not know fails the test until someone says whose object it is."""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from kc.appointments.models import Booking
from kc.appointments.tests.factories import future_booking
from kc.billing.models import BudgetChangeRequest, TariffOffer
from kc.cases import services as case_services
from kc.cases.models import Case, Message
from kc.cases.tests.factories import QueueFactory
from kc.core.models import AuditLogEntry, User
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection.models import PaymentProof
from kc.funding.models import ApplicationDocument, FundingApplication, FundingCategory
from kc.funding.tests import factories as funding_factories
from kc.letters.models import Letter
from kc.payments.models import Creditor, SepaMandate
from kc.payments.tests.factories import creditor
from kc.portal.models import PortalAccount
from kc.portal.tests.factories import customer, invoiced_account, portal_login
from kc.supply.models import Contract, MeterReading, Register

pytestmark = pytest.mark.django_db

# Pages whose string kwargs are one-time tokens, not object ids (checked in test_login/-signup).
TOKEN_PAGES = {"verify", "reset_confirm"}


@dataclass
class Customer:
    partner: BusinessPartner
    user: User
    account: ContractAccount
    contract: Contract
    register: Register
    case: Case
    mandate: SepaMandate

    @property
    def secrets(self) -> list[str]:
        """Strings of this customer that must never appear on another customer's pages."""
        return [
            self.partner.number,
            self.partner.last_name,
            self.account.number,
            self.contract.number,
            self.register.meter.number,
            self.case.number,
            self.mandate.reference,
        ]


def build_customer() -> Customer:
    partner = customer()
    account, contract, _invoice = invoiced_account(partner)
    register = Register.objects.get(meter__market_location=contract.market_location)
    case = case_services.open_case(
        subject="Frage zur Rechnung", channel="portal", partner=partner, actor=None
    )
    case_services.add_message(case, Message.Kind.PORTAL_IN, None, body_text="Frage")
    mandate = SepaMandate.objects.create(
        account=account,
        creditor=Creditor.objects.first() or creditor(),
        reference=f"KC-{account.number}-001",
        iban=account.iban,
        bic=account.bic,
        account_holder=account.account_holder,
        signed_on=datetime.date(2025, 1, 10),
        origin=SepaMandate.Origin.PAPER,
    )
    return Customer(partner, portal_login(partner), account, contract, register, case, mandate)


# Which object each id kwarg of a portal URL names, and where to find the customer's one.
IDS: dict[str, Callable[[Customer], int]] = {
    "contract_id": lambda c: c.contract.pk,
    "account_id": lambda c: c.account.pk,
    "register_id": lambda c: c.register.pk,
    "case_id": lambda c: c.case.pk,
    "mandate_id": lambda c: c.mandate.pk,
    "invoice_id": lambda c: c.account.invoices.get().pk,
    "letter_id": lambda c: Letter.objects.filter(partner=c.partner).first().pk,  # type: ignore[union-attr]
    "offer_id": lambda c: _offer(c).pk,
    "change_id": lambda c: _change(c).pk,
    "proof_id": lambda c: _proof(c).pk,
    "application_id": lambda c: _application(c).pk,
    "booking_id": lambda c: _booking(c).pk,
}


def _booking(c: Customer) -> Booking:
    return Booking.objects.filter(partner=c.partner).first() or future_booking(c.partner)


def _application(c: Customer) -> FundingApplication:
    found = FundingApplication.objects.filter(partner=c.partner).first()
    if found is not None:
        return found
    category = FundingCategory.objects.filter(key="heat_pump").first()
    return funding_factories.apply(c.contract, category or funding_factories.category())


def _offer(c: Customer) -> TariffOffer:
    offer = TariffOffer.objects.filter(partner=c.partner).first()
    if offer is None:
        offer = TariffOffer.objects.create(
            partner=c.partner,
            contract=c.contract,
            tariff=c.contract.tariff,
            consumption=Decimal("3500"),
            annual_gross=Decimal("1000.00"),
            valid_until=timezone.localdate() + datetime.timedelta(days=28),
        )
    return offer


def _change(c: Customer) -> BudgetChangeRequest:
    change = BudgetChangeRequest.objects.filter(contract=c.contract).first()
    assert change is not None, "build a change request for change_id in build_customer"
    return change


def _proof(c: Customer) -> PaymentProof:
    proof = PaymentProof.objects.filter(account=c.account).first()
    assert proof is not None, "build a payment proof for proof_id in build_customer"
    return proof


def portal_patterns() -> Iterator[tuple[str, URLPattern]]:
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "portal":
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                yield str(pattern.name), pattern


def kwargs_for(name: str, pattern: URLPattern, owner: Customer) -> dict[str, int] | None:
    keys = list(pattern.pattern.regex.groupindex)
    if not keys or name in TOKEN_PAGES:
        return None
    unknown = [key for key in keys if key not in IDS]
    assert not unknown, f"portal:{name} has id kwargs {unknown}: add them to IDS"
    return {key: IDS[key](owner) for key in keys}


def fingerprint(c: Customer) -> dict[str, object]:
    """Everything a portal request could change about a customer, and its audit trail."""
    return {
        "cases": Case.objects.filter(partner=c.partner).count(),
        "messages": Message.objects.filter(case__partner=c.partner).count(),
        "case_states": list(
            Case.objects.filter(partner=c.partner).values_list("status", flat=True)
        ),
        "readings": MeterReading.objects.filter(register=c.register).count(),
        "mandates": list(
            SepaMandate.objects.filter(account=c.account).values_list("status", "iban")
        ),
        "changes": BudgetChangeRequest.objects.filter(contract__account=c.account).count(),
        "offers": TariffOffer.objects.filter(partner=c.partner).count(),
        "letters": Letter.objects.filter(partner=c.partner).count(),
        "proofs": PaymentProof.objects.filter(account=c.account).count(),
        "funding": list(
            FundingApplication.objects.filter(partner=c.partner).values_list(
                "status", "approved_amount", "paid_at"
            )
        ),
        "funding_documents": ApplicationDocument.objects.filter(
            application__partner=c.partner
        ).count(),
        "bookings": list(
            Booking.objects.filter(partner=c.partner).values_list(
                "status", "starts_at", "advisor_id", "ical_sequence", "cancel_reason"
            )
        ),
        "contract": list(Contract.objects.filter(pk=c.contract.pk).values()),
        "audit": AuditLogEntry.objects.filter(partner_id=c.partner.pk).count(),
        "login": PortalAccount.objects.filter(pk=c.user.portal_account.pk).values().get(),
        "password": User.objects.get(pk=c.user.pk).password,
    }


POST_DATA = {
    "amount": "55",
    "instalment": "55",
    "reason": "Test",
    "iban": "DE02120300000000202051",
    "account_holder": "Eve Mallory",
    "accept": "on",
    "confirm": "on",
    "consent": "on",
    "text": "Hallo",
    "subject": "Hallo",
    "value": "99999",
    "read_on": "01.11.2026",
    "category": "billing",
    "topic": "general",
    "tariff": "1",
}


@pytest.fixture
def two_customers() -> tuple[Customer, Customer]:
    QueueFactory(is_default=True)
    return build_customer(), build_customer()


def test_every_portal_url_with_another_customers_id_is_404_and_changes_nothing(
    client: Client, two_customers: tuple[Customer, Customer]
) -> None:
    me, other = two_customers
    client.force_login(me.user)
    urls = [
        reverse(f"portal:{name}", kwargs=kwargs)
        for name, pattern in portal_patterns()
        if (kwargs := kwargs_for(name, pattern, other)) is not None
    ]
    before = fingerprint(other)  # after the ids above exist
    walked = 0
    for url in urls:
        for method in (client.get, client.post):
            response = method(url, POST_DATA) if method == client.post else method(url)
            assert response.status_code in (404, 405), (url, method, response.status_code)
        walked += 1
    assert walked >= 3
    assert fingerprint(other) == before


def test_own_ids_open_the_same_pages(
    client: Client, two_customers: tuple[Customer, Customer]
) -> None:
    """The walk above proves something only if the same URLs work with the owner's ids."""
    me, _other = two_customers
    client.force_login(me.user)
    for name, pattern in portal_patterns():
        kwargs = kwargs_for(name, pattern, me)
        if kwargs is None:
            continue
        response = client.get(reverse(f"portal:{name}", kwargs=kwargs))
        assert response.status_code in (200, 302, 405), (name, response.status_code)


def test_pages_without_ids_show_nothing_of_another_customer(
    client: Client, two_customers: tuple[Customer, Customer]
) -> None:
    me, other = two_customers
    client.force_login(me.user)
    before = fingerprint(other)
    for name, pattern in portal_patterns():
        if pattern.pattern.regex.groupindex or name in ("logout",):
            continue
        response = client.get(reverse(f"portal:{name}"))
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            continue
        page = response.content.decode()
        for secret in other.secrets:
            assert secret not in page, (name, secret)
    assert fingerprint(other) == before


def test_a_customer_session_opens_no_api(
    client: Client, two_customers: tuple[Customer, Customer]
) -> None:
    me, _other = two_customers
    client.force_login(me.user)
    for path in ("/api/v1/auftraege/", "/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403, 404), (path, response.status_code)
