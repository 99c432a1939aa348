"""A customer with data in every area the export and the erasure cover."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from kc.appointments.models import Advisor, AppointmentType, Booking
from kc.appointments.tests.factories import advisor, appointment_type
from kc.billing.models import BudgetBillingPlan, BudgetChangeRequest, TariffOffer
from kc.cases import services as case_services
from kc.cases.models import Attachment, Call, Case, Message
from kc.core import audit
from kc.core.models import User
from kc.customers.models import BusinessPartner, Consent, ContractAccount
from kc.disconnection.models import DisconnectionCase, PaymentProof
from kc.funding.models import ApplicationDocument, FundingApplication, FundingCategory
from kc.funding.tests.factories import category
from kc.letters import services as letter_services
from kc.letters.models import Letter
from kc.letters.samples import sample_values
from kc.payments.models import Creditor, Payout, SepaMandate
from kc.payments.tests.factories import creditor
from kc.portal.models import LoginEvent
from kc.portal.tests.factories import customer, invoiced_account, portal_login
from kc.supply.models import Contract, MeterReading


@dataclass
class FullCustomer:
    partner: BusinessPartner
    account: ContractAccount
    contract: Contract
    case: Case
    letter: Letter
    portal_user: User

    def markers(self) -> list[str]:
        """Strings that belong to this customer only."""
        p = self.partner
        return [
            p.number,
            p.last_name,
            p.email,
            self.account.number,
            self.account.iban,
            self.contract.number,
            self.contract.market_location.malo_id,
            self.case.number,
            self.letter.number,
            f"Mandat-{p.last_name}",
            f"Termin-{p.last_name}",
            f"call-{p.last_name}",
            f"Antrag-{p.last_name}",
        ]


def full_customer(tag: str, iban: str, staff: User) -> FullCustomer:
    partner = customer(first_name=f"Vorname{tag}", last_name=f"Nachname{tag}")
    Consent.objects.create(
        partner=partner, topic=Consent.Topic.SURVEY, granted=True, recorded_at=timezone.now()
    )
    account, contract, _invoice = invoiced_account(partner)
    account.iban, account.account_holder = iban, f"Inhaber {tag}"
    account.save()
    reading = MeterReading.objects.filter(
        register__meter__market_location=contract.market_location
    ).first()
    assert reading is not None
    reading.photo.save(f"zaehler-{tag}.jpg", ContentFile(b"jpeg"), save=True)
    SepaMandate.objects.create(
        account=account,
        creditor=Creditor.objects.first() or creditor(),
        reference=f"Mandat-Nachname{tag}",
        scheme=SepaMandate.Scheme.CORE,
        iban=iban,
        account_holder=f"Inhaber {tag}",
        signed_on=datetime.date(2025, 1, 10),
        origin=SepaMandate.Origin.PAPER,
    )
    PaymentProof.objects.create(
        account=account,
        source="window",
        file=ContentFile(b"%PDF-1.4", name=f"beleg-{tag}.pdf"),
        content_type="application/pdf",
        sha256="0" * 64,
        amount=Decimal("50.00"),
    )
    Payout.objects.create(
        account=account,
        amount=Decimal("12.00"),
        iban=iban,
        name=f"Inhaber {tag}",
        purpose="Guthaben",
        source=f"test-payout-{tag}",
        end_to_end_id=f"E2E-{tag}",
    )
    DisconnectionCase.objects.create(
        number=f"S-{tag}",
        account=account,
        contract=contract,
        status="stopped",
        rule_set="test",
        arrears=Decimal("200.00"),
        threshold=Decimal("100.00"),
        threat_sent_on=datetime.date(2026, 2, 1),
        earliest_on=datetime.date(2026, 3, 1),
    )
    BudgetBillingPlan.objects.create(
        contract=contract,
        status=BudgetBillingPlan.Status.ACTIVE,
        instalment=Decimal("80.00"),
        reason=f"Plan {tag}",
    )
    BudgetChangeRequest.objects.create(
        contract=contract,
        requested=Decimal("70.00"),
        proposed=Decimal("75.00"),
        reason=f"Wunsch {tag}",
        channel="portal",
        status="approved",
    )
    TariffOffer.objects.create(
        partner=partner,
        contract=contract,
        tariff=contract.tariff,
        consumption=Decimal("3500"),
        annual_gross=Decimal("1200.00"),
        valid_until=datetime.date(2026, 12, 31),
    )
    case = case_services.open_case(
        subject=f"Frage von {tag}", channel="email", partner=partner, actor=staff
    )
    message = case_services.add_message(
        case, Message.Kind.EMAIL_IN, None, body_text=f"Hallo, hier {tag}", sender=partner.email
    )
    Attachment.objects.create(
        message=message,
        file=ContentFile(b"x", name=f"anhang-{tag}.txt"),
        filename=f"anhang-{tag}.txt",
        content_type="text/plain",
        size=1,
        sha256="1" * 64,
    )
    Call.objects.create(
        call_id=f"call-Nachname{tag}",
        direction="in",
        from_number=f"0211 99{len(tag)}",
        to_number="0800",
        partner=partner,
        started_at=timezone.now(),
    )
    letter = Letter.objects.filter(partner=partner).first() or letter_services.create_letter(
        kind="invoice",
        partner=partner,
        values=sample_values("invoice"),
        actor=None,
        account=account,
    )
    later_apps(tag, partner, account, contract, case)
    user = portal_login(partner)
    LoginEvent.objects.create(
        account=user.portal_account, outcome="success", ip_address="192.0.2.7"
    )  # type: ignore[attr-defined]
    audit.record(actor=staff, action=audit.Action.READ, obj=partner, partner_id=partner.pk)
    return FullCustomer(partner, account, contract, case, letter, user)


def later_apps(
    tag: str, partner: BusinessPartner, account: ContractAccount, contract: Contract, case: Case
) -> None:
    """A consultation booking and a funding application with one document."""
    found = Advisor.objects.filter(user__username="berater-privacy").first()
    the_advisor = found or advisor("berater-privacy")
    kind = AppointmentType.objects.first() or appointment_type()
    now = timezone.now()
    start = now + datetime.timedelta(days=10 + Booking.objects.count())
    Booking.objects.create(
        number=f"Termin-Nachname{tag}",
        partner=partner,
        account=account,
        advisor=the_advisor,
        appointment_type=kind,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        blocked_until=start + datetime.timedelta(minutes=75),
        topic=f"Heizung {tag}",
        customer_note=f"Frage zur Heizung von {tag}",
        contact_phone="0211 5550",
        contact_email=f"termin-{tag}@example.org",
        case=case,
        ical_uid=f"uid-{tag}",
        channel="agent",
        created_at=now,
        advisor_notes=f"Notiz zu {tag}",
    )
    application = FundingApplication.objects.create(
        number=f"Antrag-Nachname{tag}",
        partner=partner,
        account=account,
        contract=contract,
        category=FundingCategory.objects.first() or category(),
        item=f"Wärmepumpe {tag}",
        purchase_price=Decimal("3000.00"),
        commissioned_on=datetime.date(2026, 10, 1),
        applied_at=now,
        budget_year=2026,
        requested_amount=Decimal("300.00"),
        case=case,
    )
    ApplicationDocument.objects.create(
        application=application,
        kind="invoice",
        file=ContentFile(b"jpeg", name=f"rechnung-{tag}.jpg"),
        filename=f"rechnung-{tag}.jpg",
        content_type="image/jpeg",
        size=4,
        sha256="2" * 64,
    )
