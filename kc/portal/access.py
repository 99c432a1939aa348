"""The one gate through which every portal view loads data: owner-scoped querysets.

A customer sees only what belongs to their own business partner. Meters and readings are
shared by everyone who ever lived at a market location, so they are limited to the
customer's own contracts and supply periods: the tenant before or after stays private.
Anything outside the scope answers 404, never 403, so ids cannot be probed."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from kc.appointments.models import Booking
from kc.billing.models import BudgetBillingPlan, BudgetChangeRequest, Invoice, TariffOffer
from kc.cases import selectors as case_selectors
from kc.cases.models import Case
from kc.customers.models import BusinessPartner, ContractAccount
from kc.disconnection.models import DisconnectionCase
from kc.funding.models import FundingApplication
from kc.letters.models import Letter
from kc.payments import ledger
from kc.payments.models import SepaMandate
from kc.supply.models import Contract, Meter, MeterReading, Register


@dataclass(frozen=True)
class CustomerScope:
    partner: BusinessPartner

    def accounts(self) -> QuerySet[ContractAccount]:
        return ContractAccount.objects.filter(partner=self.partner).order_by("number")

    def account(self, pk: int) -> ContractAccount:
        return get_object_or_404(self.accounts(), pk=pk)

    def contracts(self) -> QuerySet[Contract]:
        return (
            Contract.objects.filter(account__partner=self.partner)
            .select_related("account", "tariff", "market_location__premise")
            .order_by("-start_date", "number")
        )

    def current_contracts(self, today: datetime.date) -> QuerySet[Contract]:
        return self.contracts().filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
        )

    def contract(self, pk: int) -> Contract:
        return get_object_or_404(self.contracts(), pk=pk)

    def meters_of(self, contract: Contract) -> QuerySet[Meter]:
        """The meters that counted for this contract during its supply period."""
        meters = Meter.objects.filter(market_location_id=contract.market_location_id)
        if contract.end_date is not None:
            meters = meters.filter(installed_on__lte=contract.end_date)
        return meters.filter(
            Q(removed_on__isnull=True) | Q(removed_on__gte=contract.start_date)
        ).order_by("number")

    def register(self, pk: int) -> tuple[Register, Contract]:
        """A register the customer may read and report on, with the contract it serves."""
        register = get_object_or_404(Register.objects.select_related("meter"), pk=pk)
        for contract in self.contracts().filter(
            market_location_id=register.meter.market_location_id
        ):
            if self.meters_of(contract).filter(pk=register.meter_id).exists():
                return register, contract
        raise Http404

    def readings(self, register: Register, contract: Contract) -> QuerySet[MeterReading]:
        readings = register.readings.filter(read_on__gte=contract.start_date)
        if contract.end_date is not None:
            readings = readings.filter(read_on__lte=contract.end_date)
        return readings.order_by("-read_on", "-id")

    def invoices(self) -> QuerySet[Invoice]:
        return Invoice.objects.filter(account__partner=self.partner).select_related("account")

    def invoice(self, pk: int) -> Invoice:
        return get_object_or_404(self.invoices(), pk=pk)

    def letters(self) -> QuerySet[Letter]:
        """Letters that went out (held or withdrawn ones never reached the customer)."""
        return (
            Letter.objects.filter(partner=self.partner, status=Letter.Status.READY)
            .exclude(pdf="")
            .order_by("-created_at", "-id")
        )

    def letter(self, pk: int) -> Letter:
        return get_object_or_404(self.letters(), pk=pk)

    def letter_by_number(self, number: str) -> Letter:
        return get_object_or_404(self.letters(), number=number)

    def plans(self) -> QuerySet[BudgetBillingPlan]:
        return BudgetBillingPlan.objects.filter(contract__account__partner=self.partner)

    def mandates(self) -> QuerySet[SepaMandate]:
        return SepaMandate.objects.filter(account__partner=self.partner).order_by("-id")

    def budget_changes(self, contract: Contract) -> QuerySet[BudgetChangeRequest]:
        """The Abschlag change requests of one of the customer's contracts, newest first."""
        return BudgetChangeRequest.objects.filter(
            contract=contract, contract__account__partner=self.partner
        ).order_by("-requested_at", "-pk")

    def active_mandate(self, account: ContractAccount) -> SepaMandate | None:
        return self.mandates().filter(account=account, status=SepaMandate.Status.ACTIVE).first()

    def offers(self, contract: Contract) -> QuerySet[TariffOffer]:
        """Tariff offers made to the customer for one of their contracts, newest first."""
        return (
            TariffOffer.objects.filter(
                partner=self.partner, contract=contract, contract__account__partner=self.partner
            )
            .select_related("tariff", "contract")
            .order_by("-created_at", "-pk")
        )

    def offer(self, contract: Contract, pk: int) -> TariffOffer:
        return get_object_or_404(self.offers(contract), pk=pk)

    def current_registers(self, contract: Contract) -> QuerySet[Register]:
        """The registers of the meters still in place for the contract (readings today)."""
        meters = self.meters_of(contract).filter(removed_on__isnull=True)
        return (
            Register.objects.filter(meter__in=meters)
            .select_related("meter")
            .order_by("meter__number", "obis_code")
        )

    # --- requests: meter readings, mailbox, proofs of payment ----------------------------

    def reporting_registers(self, today: datetime.date) -> list[tuple[Register, Contract]]:
        """Registers of meters in place today under a current contract: where the customer
        may report a reading."""
        found: list[tuple[Register, Contract]] = []
        for contract in self.current_contracts(today):
            meters = self.meters_of(contract).filter(
                Q(removed_on__isnull=True) | Q(removed_on__gte=today)
            )
            registers = Register.objects.filter(meter__in=meters).select_related("meter")
            found += [(r, contract) for r in registers.order_by("meter__number", "obis_code")]
        return found

    def reporting_register(self, pk: int, today: datetime.date) -> tuple[Register, Contract]:
        for register, contract in self.reporting_registers(today):
            if register.pk == pk:
                return register, contract
        raise Http404

    def mailbox(self) -> QuerySet[Case]:
        """Cases with something the customer may read, each with `unread_answers`."""
        return case_selectors.portal_cases(self.partner)

    def mailbox_case(self, pk: int) -> Case:
        return get_object_or_404(self.mailbox(), pk=pk)

    def proof_accounts(self, today: datetime.date) -> QuerySet[ContractAccount]:
        """Accounts a proof of payment can be for: an open disconnection case or arrears."""
        with_case = DisconnectionCase.objects.filter(
            account__partner=self.partner, status__in=DisconnectionCase.OPEN
        ).values("account_id")
        owing = [a.pk for a in self.accounts() if ledger.due_balance(a, on=today) > 0]
        return self.accounts().filter(Q(pk__in=with_case) | Q(pk__in=owing))

    # --- consultation bookings -----------------------------------------------------------------

    def bookings(self) -> QuerySet[Booking]:
        """The customer's consultation appointments, newest first."""
        return (
            Booking.objects.filter(partner=self.partner)
            .select_related("advisor__user", "appointment_type")
            .order_by("-starts_at", "-pk")
        )

    def booking(self, pk: int) -> Booking:
        return get_object_or_404(self.bookings(), pk=pk)

    # --- funding applications ----------------------------------------------------------------

    def funding_applications(self) -> QuerySet[FundingApplication]:
        return (
            FundingApplication.objects.filter(partner=self.partner)
            .select_related("category", "category__program", "contract")
            .order_by("-applied_at", "-pk")
        )

    def funding_application(self, pk: int) -> FundingApplication:
        return get_object_or_404(self.funding_applications(), pk=pk)
